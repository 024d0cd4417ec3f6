"""The DV -> HM AuthnRequest (spec §4.4) and the pending-login record that the answer must match.

What goes out: ``ID``, ``Version``, ``IssueInstant``, ``Destination`` = the HM's SSO URL for
interface 1.13 from its metadata, ``AssertionConsumerServiceIndex`` of our Artifact ACS (never a
URL + ProtocolBinding: §4.4 says the index is required), ``AttributeConsumingServiceIndex`` =
the service, ``ForceAuthn`` only when asked, ``Issuer`` = our EntityID, optionally
``RequestedAuthnContext`` (Comparison minimum, to *lower* the catalogue level, §2) and
``Scoping/IDPList`` with a preselected AD (§4.4, §9 discovery skip).

The pending record keeps only ids and choices (DESIGN §3): it lives in the state store under an
opaque key that the browser carries in a signed cookie and as RelayState.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.xmldsig import sign
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import IDPEntry
from etoegang.messages.authn_request import RequestedAuthnContext
from etoegang.messages.authn_request import Scoping
from etoegang.messages.authn_request import build_authn_request
from policies.loa import Loa
from sp_adapters.eherkenning.config import ACS_INDEX
from sp_adapters.eherkenning.config import SpConfig
from sp_adapters.settings import RequestBinding


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """What the answer to one AuthnRequest must match."""

    request_id: str
    service_index: int
    #: The level the DV requires for this login: the service's, or the lower one requested.
    required_loa: str
    #: The application's own RelayState (returned with the result; never sent to the HM).
    relay_state: str | None = None

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> PendingLogin:
        values: dict[str, Any] = json.loads(data.decode("utf-8"))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class LoginRequest:
    #: The AuthnRequest: signed (enveloped) for POST, unsigned for Redirect (detached there).
    element: etree._Element
    pending: PendingLogin
    destination: str


def build_login_request(
    config: SpConfig,
    service_index: int,
    *,
    clock: Clock,
    ids: IdSource,
    relay_state: str | None = None,
    force_authn: bool = False,
    loa: Loa | None = None,
    ad: str | None = None,
    binding: RequestBinding = RequestBinding.POST,
) -> LoginRequest:
    """Build the AuthnRequest for one of our services.

    :param loa: a level *below* the service's catalogue level to request for this login;
        asking for more is refused by the HM (§2), so it is refused here already.
    :param ad: the EntityID of a preselected AD (Scoping/IDPList).
    :raises KeyError: the service index is not configured.
    :raises ValueError: ``loa`` is above the service's level.
    """
    service = config.service(service_index)
    required = service.loa
    context = None
    if loa is not None:
        if loa > service.loa:
            raise ValueError(
                f"service {service_index} is at {service.loa.label}; a request may only lower it"
            )
        required = loa
        context = RequestedAuthnContext((loa.urn,), AuthnContextComparison.MINIMUM)
    if binding is RequestBinding.POST:
        destination = config.hm.sso_post or config.hm.sso_redirect or ""
    else:
        destination = config.hm.sso_redirect or config.hm.sso_post or ""
    request = AuthnRequest(
        id=ids.new_id(),
        issue_instant=clock.now(),
        issuer=config.entity_id,
        destination=destination,
        force_authn=True if force_authn else None,
        assertion_consumer_service_index=ACS_INDEX,
        attribute_consuming_service_index=service_index,
        requested_authn_context=context,
        scoping=Scoping(idp_entries=(IDPEntry(ad),)) if ad else None,
    )
    element = build_authn_request(request)
    if binding is RequestBinding.POST:
        # Redirect carries a detached signature over the query instead (bindings 3.4.4.1).
        sign(element, config.keys.signing)
    pending = PendingLogin(request.id, service_index, required.value, relay_state)
    return LoginRequest(element, pending, destination)
