"""Reading the HM's AuthnRequest into what the AD will answer (spec §4.4, §4.6, §4.8).

Sans-IO: takes the parsed, signature-checked request, the HM's registered SP role and the
catalogue, and returns an :class:`AdRequest` or raises one of two errors, following the two
error families (STYLE §4.6): :class:`UnsafeRequest` when no answer can be sent safely (wrong
Destination or issuer, expired, no registered Artifact ACS: an error page, never a redirect)
and :class:`RefusedRequest` when the request is understood but not supported (answered to the
HM's ACS with Requester/RequestUnsupported).

The service travels in ``samlp:Extensions`` as ``saml:Attribute`` elements named
``urn:etoegang:core:ServiceID``, ``urn:etoegang:core:ServiceUUID`` and
``urn:etoegang:core:IntendedAudience`` (the DV's entity id), as the broker documents.
RequestedAuthnContext is read as a floor: ``minimum`` and ``exact`` (the SAML default when
Comparison is absent) both mean "at least" in eHerkenning practice (spec §2: the request
gives the minimum level, the answer the level achieved); ``maximum`` and ``better`` are not
supported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Final

from etoegang.errors import CatalogueServiceUnknown
from etoegang.errors import UnknownEndpoint
from etoegang.errors import XmlValueError
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.authn_request import AuthnRequest
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import ServiceView
from metadata.model import Binding
from metadata.model import SpRole
from policies.loa import Loa

SERVICE_ID: Final = "urn:etoegang:core:ServiceID"
SERVICE_UUID: Final = "urn:etoegang:core:ServiceUUID"
INTENDED_AUDIENCE: Final = "urn:etoegang:core:IntendedAudience"
#: How old an AuthnRequest may be when it reaches us (it travels by artifact within seconds).
MAX_AGE: Final = timedelta(minutes=5)
#: How far a peer's clock may run ahead of ours.
SKEW: Final = timedelta(seconds=60)
_ATTRIBUTE = qname(SAML, "Attribute")
_VALUE = qname(SAML, "AttributeValue")


class UnsafeRequest(Exception):
    """The request cannot be answered safely: show an error page, never redirect."""

    def __init__(self, public: str, *, debug: str = "") -> None:
        self.public = public
        self.debug = debug
        super().__init__(f"{public} ({debug})" if debug else public)


@dataclass(frozen=True, slots=True)
class ReturnChannel:
    """Where an answer to the HM goes: validated against the HM's registered metadata."""

    hm_entity_id: str
    request_id: str
    acs_url: str
    relay_state: str | None


class RefusedRequest(Exception):
    """Understood but not supported: answer Requester/RequestUnsupported on ``channel``."""

    def __init__(self, channel: ReturnChannel, public: str) -> None:
        self.channel = channel
        self.public = public
        super().__init__(public)


@dataclass(frozen=True, slots=True)
class AdRequest:
    channel: ReturnChannel
    required: Loa
    force_authn: bool
    service: ServiceView
    dv_entity_id: str


def _extension_values(request: AuthnRequest) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in request.other_extensions:
        if element.tag != _ATTRIBUTE:
            continue
        name = element.get("Name", "")
        values = [v for v in element if v.tag == _VALUE]
        if name and len(values) == 1 and name not in found:
            try:
                found[name] = text_of(values[0])
            except XmlValueError as exc:
                # Markup in a value (a comment survives every exclusive-C14N signature) is
                # tampering, not a value to skip: skipping it let the other attribute decide.
                raise UnsafeRequest("a service attribute holds markup", debug=name[:80]) from exc
    return found


def _acs(request: AuthnRequest, sp: SpRole) -> str:
    try:
        if request.assertion_consumer_service_url is not None:
            endpoint = sp.acs_by_url(request.assertion_consumer_service_url, Binding.HTTP_ARTIFACT)
        else:
            endpoint = sp.acs_by_index(request.assertion_consumer_service_index)
    except UnknownEndpoint as exc:
        raise UnsafeRequest("the HM's AssertionConsumerService is not registered",
                            debug=exc.public) from exc
    if endpoint.binding is not Binding.HTTP_ARTIFACT:
        raise UnsafeRequest("the HM's AssertionConsumerService does not take artifacts")
    return endpoint.location


def _required(request: AuthnRequest, channel: ReturnChannel, service: ServiceView) -> Loa:
    context = request.requested_authn_context
    if context is None:
        return service.loa
    if context.comparison not in (AuthnContextComparison.MINIMUM, AuthnContextComparison.EXACT):
        raise RefusedRequest(channel, "only a minimum level of assurance is supported")
    if not context.loas:
        raise RefusedRequest(channel, "no eHerkenning level of assurance requested")
    required = min(context.loas, key=lambda loa: loa.rank)
    if required > service.loa:
        # Spec §2 [OF #3969]: the request may only lower the catalogue's level.
        raise RefusedRequest(channel, "the requested level is above the service's level")
    return required


def _service(values: dict[str, str], catalogue: ServiceCatalogue,
             channel: ReturnChannel) -> ServiceView:
    uuid, service_id = values.get(SERVICE_UUID), values.get(SERVICE_ID)
    try:
        if uuid:
            view = ServiceView.by_service_uuid(catalogue, uuid)
            other = ServiceView.by_service_id(catalogue, service_id) if service_id else view
            if other.service_uuid != view.service_uuid:
                raise RefusedRequest(channel, "ServiceID and ServiceUUID name different services")
            return view
        if service_id:
            return ServiceView.by_service_id(catalogue, service_id)
    except CatalogueServiceUnknown as exc:
        raise RefusedRequest(channel, "the service is not in the service catalogue") from exc
    raise RefusedRequest(channel, "the request does not name the service")


def read_request(
    request: AuthnRequest,
    *,
    signer: str,
    sso_urls: tuple[str, ...],
    hm_sp: SpRole,
    catalogue: ServiceCatalogue,
    now: datetime,
    relay_state: str | None,
) -> AdRequest:
    """Check the HM's AuthnRequest (signed by ``signer``) and read what the AD must do."""
    if request.issuer != signer:
        raise UnsafeRequest("the request's Issuer is not its signer", debug=request.issuer[:120])
    if request.destination not in sso_urls:
        raise UnsafeRequest("the request is not addressed to this service",
                            debug=str(request.destination)[:120])
    if request.issue_instant < now - MAX_AGE or request.issue_instant > now + SKEW:
        raise UnsafeRequest("the request has expired or comes from the future")
    channel = ReturnChannel(signer, request.id, _acs(request, hm_sp), relay_state)
    if request.is_passive:
        raise RefusedRequest(channel, "passive authentication is not supported")
    if request.consent is not None:
        raise RefusedRequest(channel, "Consent must not be used toward an AD (spec §4.6)")
    values = _extension_values(request)
    service = _service(values, catalogue, channel)
    dv = values.get(INTENDED_AUDIENCE, "")
    if not dv:
        raise RefusedRequest(channel, "the request does not name the IntendedAudience")
    return AdRequest(
        channel=channel,
        required=_required(request, channel, service),
        force_authn=bool(request.force_authn),
        service=service,
        dv_entity_id=dv,
    )
