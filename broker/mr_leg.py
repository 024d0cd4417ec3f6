"""HM <-> MR (and MR2 in a chain): the XACMLAuthzDecisionQuery and the checks on the MR's
decision (spec §4.7, §7, §2).

The query itself is built by :func:`etoegang.messages.xacml.build_decision_query` (the AD
assertion, and for MR2 also the MR1 assertion, carried unchanged). On the answer the broker
checks, itself: the Response envelope; the MR assertion's own signature with that MR's
registered keys; issuer, audience (the HM) and validity; the assertion ID once; Permit; the
LevelOfAssuranceUsed against the required level; that the statement is *linked* to the AD
assertion that was sent (LinkedDeclarationSignatureValue equals its SignatureValue, and the
Advice references its ID); and that it is about this login's service.

Chains (§7, documented choice where the spec could not be read): MR2's statement may link to
the AD assertion or to the MR1 assertion (its SignatureValue and ID), as MR2 receives both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lxml import etree

from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.upstream import first_use
from broker.upstream import single_assertion
from broker.upstream import upstream_error
from etoegang.clock import Clock
from etoegang.crypto.xmldsig import Verified
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.errors import AuthnFailedStatus
from etoegang.errors import ProtocolError
from etoegang.errors import StatusError
from etoegang.exchange.peers import PeerDirectory
from etoegang.exchange.replay import ReplayGuard
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.checks import AssertionExpectations
from etoegang.messages.checks import check_assertion
from etoegang.messages.checks import check_response
from etoegang.messages.response import parse_response
from etoegang.messages.xacml import DecisionStatement
from etoegang.messages.xacml import find_decision_statement
from metadata.identifiers import parse_service_id
from policies.loa import Loa


class MrRefused(Exception):
    """Deny, or a cancel at the MR: the user may choose again or cancel (spec §4.8)."""


@dataclass(frozen=True, slots=True)
class MrExpectations:
    mr_entity_id: str
    hm_entity_id: str
    acs_url: str
    request_id: str
    required: Loa
    service_id: str
    service_uuid: str
    #: (assertion ID, SignatureValue) of every assertion the statement may link to.
    linkable: tuple[tuple[str, str], ...]
    skew: timedelta
    #: The DV this login is for: the MR's audience must name it (its IntendedAudience).
    dv_entity_id: str = ""


@dataclass(frozen=True, slots=True)
class MrResult:
    verified: Verified
    statement: DecisionStatement
    used: Loa
    next_mr: str | None


def _same_service(a: str, b: str) -> bool:
    try:
        first, second = parse_service_id(a), parse_service_id(b)
    except ProtocolError:
        return False
    return (first.oin, first.index) == (second.oin, second.index)


def check_mr_answer(
    message: etree._Element,
    expect: MrExpectations,
    directory: PeerDirectory,
    replay: ReplayGuard,
    clock: Clock,
) -> MrResult:
    """Check the MR's Response to our XACMLAuthzDecisionQuery.

    :raises MrRefused: Deny (or another non-Permit decision), or status AuthnFailed (cancel).
    :raises BrokerError: NOT_AUTHORISED for another status, LOA_NOT_MET, UPSTREAM_INVALID,
        REPLAY.
    """
    try:
        response = parse_response(message)
        check_response(
            response,
            destination=expect.acs_url,
            in_response_to=expect.request_id,
            issuer=expect.mr_entity_id,
        )
    except AuthnFailedStatus as exc:
        raise MrRefused("cancelled at the MR") from exc
    except StatusError as exc:
        raise BrokerError(ErrorKind.NOT_AUTHORISED, debug=exc.public) from exc
    except ProtocolError as exc:
        raise upstream_error(exc) from exc
    element = single_assertion(response, "MR")
    try:
        verified = verify(
            element,
            VerifyPolicy(trusted=directory.signing_certificates(expect.mr_entity_id)),
        )
        assertion = parse_assertion(verified.element)
        check_assertion(
            assertion,
            AssertionExpectations(
                issuer=expect.mr_entity_id,
                audience=expect.hm_entity_id,
                recipient=None,
                in_response_to=None,
                max_clock_skew=expect.skew,
                require_bearer=False,
                require_authn_statement=False,
            ),
            clock,
        )
        statement = find_decision_statement(verified.element)
    except ProtocolError as exc:
        raise upstream_error(exc) from exc
    first_use(replay, expect.mr_entity_id, assertion)
    if not statement.permitted:
        raise MrRefused(statement.decision.value)
    try:
        used = statement.level_of_assurance_used
        linked = statement.linked_signature_value
        service_id, service_uuid = statement.service_id, statement.service_uuid
        next_mr = statement.next_mr
    except ProtocolError as exc:
        raise upstream_error(exc) from exc
    if used is None or not used.satisfies(expect.required):
        raise BrokerError(
            ErrorKind.LOA_NOT_MET,
            debug=f"MR used {used.label if used else None}, required {expect.required.label}",
        )
    refs = assertion.advice.assertion_id_refs if assertion.advice else ()
    if not any(linked == value and ref in refs for ref, value in expect.linkable):
        raise BrokerError(
            ErrorKind.UPSTREAM_INVALID, debug="MR statement not linked to the assertion sent"
        )
    if service_id is None or not _same_service(service_id, expect.service_id):
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="MR statement for another ServiceID")
    if service_uuid is None or service_uuid.strip().lower() != expect.service_uuid.lower():
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="MR statement for another UUID")
    restrictions = assertion.conditions.audience_restrictions if assertion.conditions else ()
    # Issue 5 (confused deputy): a mandate made out to another DV is not this DV's mandate.
    if expect.dv_entity_id and not all(expect.dv_entity_id in r for r in restrictions):
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="MR assertion for another DV")
    return MrResult(verified=verified, statement=statement, used=used, next_mr=next_mr)
