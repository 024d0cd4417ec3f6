"""HM <-> AD: the AuthnRequest the broker sends the chosen AD, and the checks on its answer
(spec §4.6, §2, §4.8; wave-2 contract for the Extensions).

The AD learns the service from ``samlp:Extensions`` holding ``saml:Attribute`` elements
``urn:etoegang:core:ServiceID``, ``...:ServiceUUID`` and ``...:IntendedAudience`` (the DV's
EntityID), each with one xs:string value (derived: the HM-AD extension table could not be
read, spec §4.4/§4.6); extra catalogue attributes follow in ``esp:RequestedAttributes``.

The answer is checked by the broker itself, trusting nothing the AD claims: the Response's
issuer, destination and InResponseTo; the assertion's own signature with the AD's registered
keys (the assertion element itself is verified, so only signed content is read); issuer,
audience (the HM), bearer recipient (our ACS), InResponseTo and validity window; the
assertion ID once only; and the level in the AuthnStatement against the required one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Final

from lxml import etree

from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.upstream import first_use
from broker.upstream import single_assertion
from broker.upstream import upstream_error
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.xmldsig import Verified
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.errors import AuthnFailedStatus
from etoegang.errors import ProtocolError
from etoegang.errors import StatusError
from etoegang.exchange.peers import PeerDirectory
from etoegang.exchange.replay import ReplayGuard
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import RequestedAttribute
from etoegang.messages.authn_request import RequestedAuthnContext
from etoegang.messages.authn_request import build_authn_request
from etoegang.messages.checks import AssertionExpectations
from etoegang.messages.checks import check_assertion
from etoegang.messages.checks import check_response
from etoegang.messages.response import parse_response
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XS
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from metadata.catalogue import ServiceView
from policies.loa import Loa

SERVICE_ID: Final = "urn:etoegang:core:ServiceID"
SERVICE_UUID: Final = "urn:etoegang:core:ServiceUUID"
INTENDED_AUDIENCE: Final = "urn:etoegang:core:IntendedAudience"
AUTHORIZATION_REGISTRY_ID: Final = "urn:etoegang:core:AuthorizationRegistryID"
_ATTRNAME_URI: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


def _extension_attribute(name: str, value: str) -> etree._Element:
    attribute = etree.Element(
        qname(SAML, "Attribute"), nsmap={"saml": SAML, "xs": XS, "xsi": XSI}
    )
    attribute.set("Name", name)
    attribute.set("NameFormat", _ATTRNAME_URI)
    holder = etree.SubElement(attribute, qname(SAML, "AttributeValue"))
    holder.set(qname(XSI, "type"), "xs:string")
    holder.text = value
    return attribute


@dataclass(frozen=True, slots=True)
class AdRequestInput:
    issuer: str
    destination: str
    acs_index: int
    required: Loa
    force_authn: bool
    service: ServiceView
    dv_entity_id: str


def build_ad_request(data: AdRequestInput, clock: Clock, ids: IdSource) -> etree._Element:
    """The unsigned HM -> AD AuthnRequest (spec §4.6): no Consent, no IsPassive, an ACS index
    into our metadata, the required level as a minimum, the service in Extensions."""
    extensions = (
        _extension_attribute(SERVICE_ID, data.service.service_id),
        _extension_attribute(SERVICE_UUID, data.service.service_uuid),
        _extension_attribute(INTENDED_AUDIENCE, data.dv_entity_id),
    )
    request = AuthnRequest(
        id=ids.new_id(),
        issue_instant=clock.now(),
        issuer=data.issuer,
        destination=data.destination,
        force_authn=True if data.force_authn else None,
        assertion_consumer_service_index=data.acs_index,
        requested_authn_context=RequestedAuthnContext(
            (data.required.urn,), AuthnContextComparison.MINIMUM
        ),
        requested_attributes=tuple(
            RequestedAttribute(a.name, a.is_required, a.name_format, a.friendly_name)
            for a in data.service.requested_attributes
        ),
        other_extensions=extensions,
    )
    return build_authn_request(request)


@dataclass(frozen=True, slots=True)
class AdResult:
    """What the broker keeps of a checked AD answer."""

    verified: Verified
    assertion: Assertion
    loa: Loa
    authn_instant: datetime
    mr_entity_id: str


class AdCancelled(Exception):
    """The AD answered AuthnFailed: the user cancelled there (spec §4.8)."""


@dataclass(frozen=True, slots=True)
class AdExpectations:
    ad_entity_id: str
    hm_entity_id: str
    acs_url: str
    request_id: str
    required: Loa
    service_uuid: str
    skew: timedelta
    #: The DV this login is for: the AD's audience must name it (the IntendedAudience sent).
    dv_entity_id: str = ""


def check_ad_answer(
    message: etree._Element,
    expect: AdExpectations,
    directory: PeerDirectory,
    replay: ReplayGuard,
    clock: Clock,
) -> AdResult:
    """Check the AD's Response (already resolved from a verified ArtifactResponse).

    :raises AdCancelled: status AuthnFailed: the AD shows failures itself and only a cancel
        comes back (spec §4.8, GUC3.3), so the user chooses again.
    :raises BrokerError: AUTHN_FAILED for another status, UPSTREAM_INVALID for an answer
        that fails a check, LOA_NOT_MET for a level below the required one, REPLAY.
    """
    try:
        response = parse_response(message)
        check_response(
            response,
            destination=expect.acs_url,
            in_response_to=expect.request_id,
            issuer=expect.ad_entity_id,
        )
    except AuthnFailedStatus as exc:
        raise AdCancelled(exc.status_message or "") from exc
    except StatusError as exc:
        raise BrokerError(ErrorKind.AUTHN_FAILED, debug=exc.public) from exc
    except ProtocolError as exc:
        raise upstream_error(exc) from exc
    element = single_assertion(response, "AD")
    try:
        verified = verify(
            element,
            VerifyPolicy(trusted=directory.signing_certificates(expect.ad_entity_id)),
        )
        assertion = parse_assertion(verified.element)
        check_assertion(
            assertion,
            AssertionExpectations(
                issuer=expect.ad_entity_id,
                audience=expect.hm_entity_id,
                recipient=expect.acs_url,
                in_response_to=expect.request_id,
                max_clock_skew=expect.skew,
            ),
            clock,
        )
    except ProtocolError as exc:
        raise upstream_error(exc) from exc
    first_use(replay, expect.ad_entity_id, assertion)
    statement = assertion.authn_statement
    loa = statement.loa if statement is not None else None
    # The broker checks the level itself and never trusts the AD's Success (spec §2, issue 4).
    if statement is None or loa is None or not loa.satisfies(expect.required):
        raise BrokerError(
            ErrorKind.LOA_NOT_MET,
            debug=f"AD level {loa.label if loa else None}, required {expect.required.label}",
        )
    uuid = assertion.attribute(SERVICE_UUID)
    if uuid is not None and uuid.texts and uuid.texts[0].strip() != expect.service_uuid:
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="AD assertion for another service")
    registry = assertion.attribute(AUTHORIZATION_REGISTRY_ID)
    if registry is None or len(registry.texts) != 1 or not registry.texts[0].strip():
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="no AuthorizationRegistryID")
    restrictions = assertion.conditions.audience_restrictions if assertion.conditions else ()
    # Issue 5 (confused deputy): an authentication for another DV's request is not this one's.
    if expect.dv_entity_id and not all(expect.dv_entity_id in r for r in restrictions):
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="AD assertion for another DV")
    return AdResult(
        verified=verified,
        assertion=assertion,
        loa=loa,
        authn_instant=statement.authn_instant,
        mr_entity_id=registry.texts[0].strip(),
    )
