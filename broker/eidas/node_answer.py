"""Checks on an eIDAS node's Response to the connector (spec §8.2; DESIGN §5).

Nothing the node claims is trusted: the Response's signature must verify with the node's
registered metadata keys by RSASSA-PSS or ECDSA only (PKCS#1 v1.5 and SHA-1 are refused, the
RIA profile); its Issuer, Destination (our ACS) and InResponseTo (our request) must be ours;
it must hold exactly one EncryptedAssertion, encrypted with AES-GCM (a CBC-encrypted assertion
is refused before any key is touched) for our eIDAS key; the decrypted assertion must carry its
own valid signature by the node, name us as audience and our ACS as bearer recipient, lie in
its validity window and be used once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from lxml import etree

from broker.eidas.messages import eidas_policy
from broker.errors import BrokerError
from broker.errors import ErrorKind
from etoegang.clock import Clock
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import decrypt
from etoegang.crypto.xmlenc_algorithms import DataEncryption
from etoegang.errors import AuthnFailedStatus
from etoegang.errors import DestinationMismatch
from etoegang.errors import InResponseToMismatch
from etoegang.errors import MessageError
from etoegang.errors import ProtocolError
from etoegang.errors import ReplayError
from etoegang.errors import SignatureError
from etoegang.errors import StatusError
from etoegang.errors import UnexpectedIssuer
from etoegang.exchange.inbound import issuer_of
from etoegang.exchange.replay import ReplayGuard
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.checks import AssertionExpectations
from etoegang.messages.checks import check_assertion
from etoegang.messages.checks import check_response
from etoegang.messages.response import parse_response
from etoegang.xml.ns import XENC
from etoegang.xml.ns import qname
from keys.ring import KeyRing
from keys.ring import PeerCertificate

_DATA_METHOD: Final = f"{qname(XENC, 'EncryptedData')}/{qname(XENC, 'EncryptionMethod')}"


@dataclass(frozen=True, slots=True)
class NodeExpectations:
    node_entity_id: str
    connector_entity_id: str
    acs_url: str
    request_id: str
    skew: timedelta


class NodeCancelled(Exception):
    """The node answered AuthnFailed: the person cancelled or could not log in abroad."""


def _kind_of(exc: ProtocolError) -> ErrorKind:
    # A forged answer, or one for another request, is an attack on this browser's login:
    # unrecoverable (a page, the login kept); a node that breaks the profile is answered.
    if isinstance(exc, (SignatureError, UnexpectedIssuer)):
        return ErrorKind.BAD_SIGNATURE
    if isinstance(exc, InResponseToMismatch):
        return ErrorKind.STEP_OUT_OF_ORDER
    if isinstance(exc, DestinationMismatch):
        return ErrorKind.BAD_DESTINATION
    return ErrorKind.UPSTREAM_INVALID


def _refused(exc: ProtocolError) -> BrokerError:
    return BrokerError(_kind_of(exc), debug=f"{exc.code}: {exc.debug or exc.public}"[:300])


def require_gcm(encrypted: etree._Element) -> None:
    """§8.2: eIDAS assertions are AES-GCM encrypted; CBC (unauthenticated) is refused."""
    method = encrypted.find(_DATA_METHOD)
    try:
        algorithm = DataEncryption(method.get("Algorithm") if method is not None else None)
    except ProtocolError as exc:
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug=exc.debug) from exc
    if not algorithm.is_gcm:
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug=f"assertion {algorithm.name}")


def check_node_answer(
    message: etree._Element,
    expect: NodeExpectations,
    trusted: tuple[PeerCertificate, ...],
    ring: KeyRing,
    replay: ReplayGuard,
    clock: Clock,
) -> Assertion:
    """The node's verified, decrypted and checked assertion.

    :raises NodeCancelled: status AuthnFailed.
    :raises BrokerError: BAD_SIGNATURE, STEP_OUT_OF_ORDER, BAD_DESTINATION (unrecoverable);
        AUTHN_FAILED, UPSTREAM_INVALID, REPLAY.
    """
    try:
        if issuer_of(message) != expect.node_entity_id:
            raise UnexpectedIssuer("the Response is not from the node this login was sent to")
        verified = verify(message, eidas_policy(trusted))
        response = parse_response(verified.element, allow_extensions=True)
        check_response(response, destination=expect.acs_url, in_response_to=expect.request_id,
                       issuer=expect.node_entity_id)
    except AuthnFailedStatus as exc:
        raise NodeCancelled(exc.status_message or "") from exc
    except StatusError as exc:
        raise BrokerError(ErrorKind.AUTHN_FAILED, debug=exc.public) from exc
    except (ProtocolError, MessageError) as exc:
        raise _refused(exc) from exc
    if response.assertions or len(response.encrypted_assertions) != 1:
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="need one EncryptedAssertion only")
    encrypted = response.encrypted_assertions[0]
    require_gcm(encrypted)
    try:
        plain = decrypt(encrypted, ring)
        signed = verify(plain, eidas_policy(trusted))
        assertion = parse_assertion(signed.element)
        check_assertion(
            assertion,
            AssertionExpectations(
                issuer=expect.node_entity_id,
                audience=expect.connector_entity_id,
                recipient=expect.acs_url,
                in_response_to=expect.request_id,
                max_clock_skew=expect.skew,
            ),
            clock,
        )
    except ProtocolError as exc:
        raise _refused(exc) from exc
    not_after = assertion.conditions.not_on_or_after if assertion.conditions else None
    try:
        replay.first_use(expect.node_entity_id, assertion.id, not_after)
    except ReplayError as exc:
        raise BrokerError(ErrorKind.REPLAY, debug=assertion.id[:64]) from exc
    return assertion
