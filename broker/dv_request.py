"""The DV face: receive a DV's AuthnRequest by POST, Redirect or Artifact, verify it with keys
from the DV's registered metadata only, and validate it into a :class:`ValidRequest`
(spec §4.1, §4.3, §4.4, §11 "Inbound from DV").

Order matters: until the DV, its signature and its ACS are known, every failure is
unrecoverable (error page, no redirect: an unverified request must never steer the browser).
Only failures after that are answered to the DV with a SAML status (see :mod:`broker.errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from lxml import etree

from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.network import BrokerNetwork
from broker.state import DvBinding
from etoegang.bindings.post import decode_post
from etoegang.bindings.redirect import check_relay_state
from etoegang.bindings.redirect import decode_redirect
from etoegang.clock import Clock
from etoegang.errors import BindingError
from etoegang.errors import InflateError
from etoegang.errors import MessageError
from etoegang.errors import MetadataError
from etoegang.errors import ProtocolError
from etoegang.errors import ReplayError
from etoegang.errors import SignatureError
from etoegang.errors import TransportError
from etoegang.errors import UnexpectedIssuer
from etoegang.errors import XmlError
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.inbound import issuer_of
from etoegang.exchange.inbound import verify_from_peer
from etoegang.exchange.replay import ReplayGuard
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import parse_authn_request
from metadata.model import Binding
from metadata.model import Endpoint

log = logging.getLogger(__name__)


class InboundBinding(Enum):
    POST = "post"
    REDIRECT = "redirect"
    ARTIFACT = "artifact"


@dataclass(frozen=True, slots=True)
class SsoInput:
    """What arrived at the SSO endpoint, framework-free."""

    binding: InboundBinding
    #: POST form fields (POST binding, or an artifact sent by POST).
    form: Mapping[str, str]
    #: The raw query string as received (Redirect binding).
    query_string: bytes = b""
    samlart: str | None = None
    relay_state: str | None = None


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    """A DV AuthnRequest whose signature verified with the DV's registered keys."""

    request: AuthnRequest
    relay_state: str | None


@dataclass(frozen=True, slots=True)
class ReturnChannel:
    """The validated ACS: from the DV's metadata, never from the request alone."""

    url: str
    binding: DvBinding


def _unrecoverable(kind: ErrorKind, exc: ProtocolError) -> BrokerError:
    return BrokerError(kind, debug=f"{exc.code}: {exc.debug or exc.public}"[:300])


def receive_element(
    inbound: SsoInput, network: BrokerNetwork, artifacts: ArtifactClient
) -> tuple[etree._Element, str | None]:
    """Decode a DV's signed request message and verify it; every failure is unrecoverable.

    :returns: the verified element and the RelayState.
    :raises BrokerError: UNDECODABLE, UNKNOWN_REQUESTER or BAD_SIGNATURE.
    """
    try:
        if inbound.binding is InboundBinding.POST:
            posted = decode_post(inbound.form, kind="SAMLRequest")
            element, relay_state = posted.element, posted.relay_state
            issuer = issuer_of(element)
            network.dv(issuer)
            element = verify_from_peer(element, artifacts.directory, expected_issuer=issuer).element
        elif inbound.binding is InboundBinding.REDIRECT:
            # Bindings §3.4.4.1: first look only at the Issuer, to know whose keys to try;
            # then decode again, this time requiring a detached signature by those keys.
            first = decode_redirect(inbound.query_string, trusted=None, require_signature=False)
            issuer = issuer_of(first.element)
            network.dv(issuer)
            certificates = artifacts.directory.signing_certificates(issuer)
            second = decode_redirect(
                inbound.query_string, trusted=certificates, require_signature=True
            )
            element, relay_state = second.element, second.relay_state
        else:
            relay_state = inbound.relay_state
            check_relay_state(relay_state)
            resolved = artifacts.resolve(inbound.samlart or "")
            network.dv(resolved.issuer)
            # The ArtifactResponse signature (checked) covers the carried request; it must
            # still be the DV's own request, not one it relays for somebody else.
            if issuer_of(resolved.element) != resolved.issuer:
                raise UnexpectedIssuer("the request's Issuer is not the artifact's issuer")
            element = resolved.element
            if resolved.own_signature is None:
                # spec §4.3: every message is signed by its sender.
                element = verify_from_peer(
                    element, artifacts.directory, expected_issuer=resolved.issuer
                ).element
    except MetadataError as exc:
        raise _unrecoverable(ErrorKind.UNKNOWN_REQUESTER, exc) from exc
    except (SignatureError, UnexpectedIssuer) as exc:
        raise _unrecoverable(ErrorKind.BAD_SIGNATURE, exc) from exc
    except TransportError as exc:
        raise _unrecoverable(ErrorKind.UNDECODABLE, exc) from exc
    except (BindingError, InflateError, XmlError, MessageError) as exc:
        raise _unrecoverable(ErrorKind.UNDECODABLE, exc) from exc
    return element, relay_state


def receive(
    inbound: SsoInput, network: BrokerNetwork, artifacts: ArtifactClient
) -> VerifiedRequest:
    """Decode, verify and parse a DV's AuthnRequest (unrecoverable failures only)."""
    element, relay_state = receive_element(inbound, network, artifacts)
    try:
        request = parse_authn_request(element)
    except MessageError as exc:
        raise _unrecoverable(ErrorKind.UNDECODABLE, exc) from exc
    return VerifiedRequest(request, relay_state)


def check_fresh(
    verified: VerifiedRequest,
    *,
    sso_url: str,
    binding: InboundBinding,
    replay: ReplayGuard,
    clock: Clock,
    max_age: timedelta,
    skew: timedelta,
) -> None:
    """Destination, age and replay of the request (unrecoverable when wrong)."""
    request = verified.request
    # SAML bindings 3.4.5.2 / 3.5.5.2: a signed request sent through the browser carries
    # Destination, and it must be this endpoint. By artifact it is optional but, if present,
    # must be ours as well.
    if request.destination is None and binding is not InboundBinding.ARTIFACT:
        raise BrokerError(ErrorKind.BAD_DESTINATION, debug="no Destination")
    if request.destination is not None and request.destination != sso_url:
        raise BrokerError(ErrorKind.BAD_DESTINATION, debug=request.destination[:120])
    now = clock.now()
    if request.issue_instant > now + skew or request.issue_instant + max_age + skew < now:
        raise BrokerError(ErrorKind.MESSAGE_EXPIRED, debug=request.id[:64])
    try:
        replay.first_use(request.issuer, request.id, request.issue_instant + max_age + skew)
    except ReplayError as exc:
        raise BrokerError(ErrorKind.REPLAY, debug=request.id[:64]) from exc


def _channel(endpoint: Endpoint) -> ReturnChannel:
    try:
        binding = DvBinding(endpoint.binding.value)
    except ValueError as exc:
        raise BrokerError(
            ErrorKind.BAD_RETURN_CHANNEL, debug=f"ACS binding {endpoint.binding.name}"
        ) from exc
    return ReturnChannel(endpoint.location, binding)


def return_channel(request: AuthnRequest, network: BrokerNetwork) -> ReturnChannel:
    """The ACS by index, by a URL the DV's metadata lists, or the default one.

    :raises BrokerError: BAD_RETURN_CHANNEL (unrecoverable: never redirect to an unknown URL).
    """
    sp = network.dv(request.issuer)
    try:
        if request.assertion_consumer_service_url is not None:
            wanted: Binding | None = None
            if request.protocol_binding is not None:
                try:
                    wanted = Binding(request.protocol_binding)
                except MetadataError as exc:
                    raise BrokerError(
                        ErrorKind.BAD_RETURN_CHANNEL, debug="ProtocolBinding"
                    ) from exc
            endpoint = sp.acs_by_url(request.assertion_consumer_service_url, wanted)
        else:
            endpoint = sp.acs_by_index(request.assertion_consumer_service_index)
    except MetadataError as exc:
        raise BrokerError(ErrorKind.BAD_RETURN_CHANNEL, debug=exc.public) from exc
    return _channel(endpoint)
