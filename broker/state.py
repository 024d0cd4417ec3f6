"""The typed state of one login (:class:`FlowState`), of a broker SSO session
(:class:`BrokerSession`) and of a logout (:class:`LogoutState`), and their storage on the
shared state store (DESIGN §3; STYLE §4.3 step 4).

The browser holds only random ids (in signed cookies, or as RelayState toward the means
issuer); everything else lives here, serialised as JSON with a version number and a TTL. A
stored value that does not decode is treated as missing (an unrecoverable
``FLOW_MISSING_OR_EXPIRED``), never half-filled. Stage changes use ``compare_and_set``, so an
artifact submitted twice (or on two nodes at once) advances the flow once.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from enum import Enum
from typing import Any
from typing import Final
from typing import TypeVar

from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.errors import XmlError
from etoegang.state.store import StateStore
from metadata.catalogue_view import ServiceView
from policies.loa import Loa

#: Bumped whenever a stored field changes meaning; older values are refused (never guessed).
STATE_VERSION: Final = 1


class Stage(Enum):
    """Where a login stands: which answer the ACS waits for."""

    DISCOVERY = "discovery"
    AD = "ad"
    MR = "mr"
    MR2 = "mr2"
    #: The MR said Deny or the user cancelled there: choose another AD or cancel (§4.8).
    RETRY = "retry"
    DONE = "done"
    #: Waiting for the eIDAS node's answer (the EB back, broker.eidas; docs/eidas.md).
    EIDAS = "eidas"

    @classmethod
    def _missing_(cls, value: object) -> Stage:
        raise ValueError(f"unknown flow stage {value!r}")


class DvBinding(Enum):
    """How the answer goes back to the DV's ACS (spec §4.1: Artifact; POST where asked)."""

    ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

    @classmethod
    def _missing_(cls, value: object) -> DvBinding:
        raise ValueError(f"unsupported ACS binding {value!r}")


class DvProtocol(Enum):
    """The DV-facing protocol a login came in by, and so the way it ends (DESIGN §2)."""

    SAML = "saml"
    OIDC = "oidc"
    #: A foreign eIDAS connector at the proxy-service face (broker.eidas.proxy).
    EIDAS = "eidas"

    @classmethod
    def _missing_(cls, value: object) -> DvProtocol:
        raise ValueError(f"unknown protocol {value!r}")


@dataclass(frozen=True, slots=True)
class OidcReturn:
    """The validated OIDC return channel of a login (:mod:`broker.oidc`): where the code goes
    and what it is bound to. Only values an authorization request already passed checks with
    (registered client, exactly registered redirect URI, S256 challenge) get here."""

    client_id: str
    redirect_uri: str
    state: str | None
    nonce: str | None
    #: The S256 PKCE challenge the code will be bound to (RFC 7636 §4.2).
    code_challenge: str
    scope: str
    #: The eH level URNs an essential ``acr`` accepts, space-separated (None: not essential).
    essential_acr: str | None = None


def new_token() -> str:
    """A random opaque id for cookies and RelayState (256 bits)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class FlowState:
    """One login transaction from the DV's AuthnRequest to the HM's answer."""

    flow_id: str
    created_at: datetime
    expires_at: datetime
    #: The DV and its request, as verified.
    dv_entity_id: str
    dv_request_id: str
    #: Echoed unchanged to the DV (spec §4.2); at most 80 bytes, checked on arrival.
    relay_state: str | None
    #: The validated ACS: from the DV's metadata only.
    dv_acs_url: str
    dv_binding: DvBinding
    dv_name: str
    service_id: str
    service_uuid: str
    service_name_nl: str
    service_name_en: str
    #: The catalogue level and the level this login must reach (a request may lower it, §2).
    catalogue_loa: Loa
    required_loa: Loa
    force_authn: bool
    sso_allowed: bool
    #: An AD named by the DV's Scoping/IDPList, admitted and reaching the level (§9 GUC3).
    preselected_ad: str | None = None
    #: Set after a cancel at the AD: the remembered choice is not used again (§4.8).
    ignore_remembered: bool = False
    stage: Stage = Stage.DISCOVERY
    chosen_ad: str | None = None
    ad_request_id: str | None = None
    #: The AD assertion as received (serialised), its SignatureValue and the facts read from it.
    ad_assertion: str | None = None
    ad_signature_value: str | None = None
    ad_loa: Loa | None = None
    ad_authn_instant: datetime | None = None
    ad_name_id: str | None = None
    ad_name_id_format: str | None = None
    ad_session_index: str | None = None
    mr_entity_id: str | None = None
    mr_request_id: str | None = None
    mr_assertion: str | None = None
    mr2_entity_id: str | None = None
    mr2_request_id: str | None = None
    mr2_assertion: str | None = None
    #: The broker SSO session this login reused (AD leg skipped, §9), if any.
    session_id: str | None = None
    #: SAML (the dv_* fields name the ACS) or OIDC (``oidc`` names the redirect URI).
    protocol: DvProtocol = DvProtocol.SAML
    oidc: OidcReturn | None = None

    def advanced(self, **changes: Any) -> FlowState:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class BrokerSession:
    """A broker SSO session after a complete login (spec §9: at most 2 hours, never eH4)."""

    session_id: str
    created_at: datetime
    expires_at: datetime
    ad_entity_id: str
    ad_loa: Loa
    ad_assertion: str
    ad_signature_value: str
    ad_authn_instant: datetime
    ad_name_id: str
    ad_name_id_format: str | None
    ad_session_index: str | None
    mr_entity_id: str
    #: The SessionIndex we put in our AuthnStatements (for the DV's LogoutRequest).
    session_index: str
    #: DVs that received an assertion in this session.
    dv_entity_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LogoutState:
    """A DV's logout on its way through the AD (spec §9 single logout)."""

    logout_id: str
    dv_entity_id: str
    dv_request_id: str
    dv_relay_state: str | None
    ad_entity_id: str
    ad_request_id: str


def flow_for_service(
    service: ServiceView,
    *,
    required: Loa,
    now: datetime,
    ttl_seconds: int,
    flow_id: str | None = None,
    **face: Any,
) -> FlowState:
    """A new login for ``service`` at level ``required``, whichever face it came in by.

    The service's fields come from the catalogue the same way for the SAML, OIDC and eIDAS
    faces (names in Dutch and English, falling back to Dutch, then to the ServiceID); ``face``
    holds what the face itself received (the requester, its return channel, ForceAuthn, ...).
    """
    names = {t.lang: t.text for t in service.service_names}
    return FlowState(
        flow_id=flow_id or new_token(),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
        service_id=service.service_id,
        service_uuid=service.service_uuid,
        service_name_nl=names.get("nl", service.service_id),
        service_name_en=names.get("en", names.get("nl", service.service_id)),
        catalogue_loa=service.loa,
        required_loa=required,
        **face,
    )


_T = TypeVar("_T", FlowState, BrokerSession, LogoutState)


_FIELD_NAMES: Final[dict[type, tuple[str, ...]]] = {}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _encode_value(value: Any) -> Any:
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return saml_instant(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, OidcReturn):
        return {name: getattr(value, name) for name in _field_names(OidcReturn)}
    return value


def encode(value: FlowState | BrokerSession | LogoutState) -> bytes:
    """JSON bytes with the type's version; only plain values, no pickling (STYLE §6).

    Fields are read one level deep by name rather than with ``dataclasses.asdict``, which
    deep-copies every value (the stored assertions included) and cost more than the JSON
    encoding itself on every stage change of a login.
    """
    data = {name: _encode_value(getattr(value, name)) for name in _field_names(type(value))}
    data["_v"] = STATE_VERSION
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()


_DECODERS: Final[dict[str, Any]] = {
    "Loa": Loa,
    "Stage": Stage,
    "DvBinding": DvBinding,
    "DvProtocol": DvProtocol,
    "OidcReturn": lambda raw: OidcReturn(**raw),
}


def _decode_field(annotation: str, raw: Any) -> Any:
    if raw is None:
        return None
    base = annotation.replace(" | None", "")
    if base == "datetime":
        return parse_instant(raw)
    if base in _DECODERS:
        return _DECODERS[base](raw)
    if base.startswith("tuple["):
        return tuple(raw)
    return raw


def decode(cls: type[_T], data: bytes) -> _T:
    """The stored value, or ValueError for anything not exactly a current-version value."""
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("stored state is not JSON") from exc
    if not isinstance(raw, dict) or raw.pop("_v", None) != STATE_VERSION:
        raise ValueError("stored state has another version")
    names = {f.name: f for f in fields(cls)}
    if set(raw) - set(names):
        raise ValueError("stored state has unknown fields")
    try:
        values = {name: _decode_field(str(names[name].type), item) for name, item in raw.items()}
        return cls(**values)
    except (TypeError, ValueError, XmlError) as exc:
        raise ValueError("stored state does not decode") from exc


@dataclass(frozen=True, slots=True)
class StateRepository:
    """Typed access to flows, sessions and logouts on the shared :class:`StateStore`."""

    store: StateStore
    flow_ttl_seconds: int
    session_ttl_seconds: int

    # flows ----------------------------------------------------------------------------------

    def new_flow(self, flow: FlowState) -> None:
        if not self.store.put_new(f"flow:{flow.flow_id}", encode(flow), self.flow_ttl_seconds):
            raise ValueError("flow id collision")

    def flow(self, flow_id: str) -> tuple[FlowState, bytes] | None:
        """The flow and its stored bytes (for :meth:`advance`), or None when gone."""
        if not flow_id:
            return None
        data = self.store.get(f"flow:{flow_id}")
        if data is None:
            return None
        try:
            return decode(FlowState, data), data
        except ValueError:
            return None

    def advance(self, expected: bytes, flow: FlowState) -> bool:
        """Store the next state of the flow only if nobody changed it meanwhile."""
        return self.store.compare_and_set(
            f"flow:{flow.flow_id}", expected, encode(flow), self.flow_ttl_seconds
        )

    def end_flow(self, flow_id: str) -> None:
        self.store.delete(f"flow:{flow_id}")

    # sessions -------------------------------------------------------------------------------

    def put_session(self, session: BrokerSession, ttl_seconds: int) -> None:
        self.store.put(f"session:{session.session_id}", encode(session), max(1, ttl_seconds))

    def session(self, session_id: str | None) -> BrokerSession | None:
        if not session_id:
            return None
        data = self.store.get(f"session:{session_id}")
        if data is None:
            return None
        try:
            return decode(BrokerSession, data)
        except ValueError:
            return None

    def end_session(self, session_id: str) -> None:
        self.store.delete(f"session:{session_id}")

    # logouts --------------------------------------------------------------------------------

    def put_logout(self, logout: LogoutState) -> None:
        self.store.put(f"logout:{logout.logout_id}", encode(logout), self.flow_ttl_seconds)

    def take_logout(self, logout_id: str | None) -> LogoutState | None:
        if not logout_id:
            return None
        data = self.store.take(f"logout:{logout_id}")
        if data is None:
            return None
        try:
            return decode(LogoutState, data)
        except ValueError:
            return None
