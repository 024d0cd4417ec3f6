"""Browser state of the AD: the login transaction and the AD SSO session (DESIGN.md §3).

Both live in the shared state store as versioned JSON of frozen dataclasses; the browser holds
only their random ids, in signed HttpOnly SameSite=Lax cookies (:func:`sign_token`). A login
transaction lives 15 minutes; an AD session at most 2 hours from the authentication with
password (spec §9: "AD session max 2 hours"; a silent reuse does not extend it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from enum import Enum
from typing import Any
from typing import Final

from etoegang.clock import Clock
from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.state.store import StateStore
from policies.loa import Loa

TRANSACTION_TTL: Final = 15 * 60
SESSION_LIFETIME: Final = timedelta(hours=2)
TX_COOKIE: Final = "mk_ad_tx"
SSO_COOKIE: Final = "mk_ad_sso"
_VERSION: Final = 1


def sign_token(key: bytes, value: str) -> str:
    """``value.mac``: the cookie form of an opaque id."""
    mac = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{value}.{mac}"


def unsign_token(key: bytes, token: str | None) -> str | None:
    """The id inside a cookie made by :func:`sign_token`, or None when absent or forged."""
    if not token or len(token) > 200 or "." not in token:
        return None
    value, _, mac = token.rpartition(".")
    expected = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
    return value if hmac.compare_digest(mac, expected) else None


class Stage(Enum):
    PASSWORD = "password"  # noqa: S105  (a stage name, not a secret)
    CODE = "code"
    CONSENT = "consent"

    @classmethod
    def _missing_(cls, value: object) -> Stage:
        raise ValueError(f"not a login stage: {value!r}")


@dataclass(frozen=True, slots=True)
class LoginTransaction:
    """One AuthnRequest of the HM being answered."""

    id: str
    request_id: str
    hm_entity_id: str
    acs_url: str
    relay_state: str | None
    required: Loa
    force_authn: bool
    service_uuid: str
    service_id: str
    dv_entity_id: str
    created_at: datetime
    stage: Stage = Stage.PASSWORD
    means_id: int | None = None
    #: When the user proved the means (password, or the SSO session's original login).
    authn_instant: datetime | None = None
    session_index: str | None = None
    masked_number: str | None = None


@dataclass(frozen=True, slots=True)
class AdSession:
    """An AD SSO session: who logged in with which means at which level, until when."""

    id: str
    means_id: int
    level: Loa
    authn_instant: datetime
    expires_at: datetime
    session_index: str
    hm_entity_id: str
    #: The services (ServiceUUIDs) this session logged in to, for the logout page.
    services: tuple[str, ...] = ()


def _encode(value: LoginTransaction | AdSession) -> bytes:
    raw: dict[str, Any] = asdict(value)
    for name, item in list(raw.items()):
        if isinstance(item, datetime):
            raw[name] = saml_instant(item)
        elif isinstance(item, Loa):
            raw[name] = item.value
        elif isinstance(item, Stage):
            raw[name] = item.value
        elif isinstance(item, tuple):
            raw[name] = list(item)
    raw["v"] = _VERSION
    return json.dumps(raw, sort_keys=True).encode()


def _decode_tx(data: bytes) -> LoginTransaction:
    raw = json.loads(data)
    if raw.pop("v", None) != _VERSION:
        raise ValueError("unknown login transaction version")
    raw["required"] = Loa(raw["required"])
    raw["stage"] = Stage(raw["stage"])
    raw["created_at"] = parse_instant(raw["created_at"])
    if raw.get("authn_instant"):
        raw["authn_instant"] = parse_instant(raw["authn_instant"])
    return LoginTransaction(**raw)


def _decode_session(data: bytes) -> AdSession:
    raw = json.loads(data)
    if raw.pop("v", None) != _VERSION:
        raise ValueError("unknown AD session version")
    raw["level"] = Loa(raw["level"])
    raw["authn_instant"] = parse_instant(raw["authn_instant"])
    raw["expires_at"] = parse_instant(raw["expires_at"])
    raw["services"] = tuple(raw.get("services", ()))
    return AdSession(**raw)


class AdStates:
    """Login transactions and AD sessions on the state store."""

    def __init__(self, state: StateStore, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    # -- login transactions ---------------------------------------------------------------

    def new_transaction(self, **fields: Any) -> LoginTransaction:
        tx = LoginTransaction(id=secrets.token_urlsafe(24), created_at=self._clock.now(), **fields)
        self._state.put(f"ad:tx:{tx.id}", _encode(tx), TRANSACTION_TTL)
        return tx

    def transaction(self, tx_id: str | None) -> LoginTransaction | None:
        if not tx_id:
            return None
        data = self._state.get(f"ad:tx:{tx_id}")
        return _decode_tx(data) if data is not None else None

    def update(self, tx: LoginTransaction, **changes: Any) -> LoginTransaction:
        """Store a changed transaction; its lifetime still counts from its creation."""
        new = replace(tx, **changes)
        left = TRANSACTION_TTL - int((self._clock.now() - tx.created_at).total_seconds())
        self._state.put(f"ad:tx:{tx.id}", _encode(new), max(left, 1))
        return new

    def renewed(self, tx: LoginTransaction, **changes: Any) -> LoginTransaction:
        """The changed transaction under a new id, the old id gone: after a factor is proved,
        an id planted in the browser before the login is worth nothing (session fixation)."""
        self._state.delete(f"ad:tx:{tx.id}")
        return self.update(replace(tx, id=secrets.token_urlsafe(24)), **changes)

    def finish(self, tx_id: str) -> LoginTransaction | None:
        """Take the transaction (GETDEL): of two concurrent finishes only one gets it."""
        data = self._state.take(f"ad:tx:{tx_id}")
        return _decode_tx(data) if data is not None else None

    # -- AD sessions ----------------------------------------------------------------------

    def new_session(
        self, *, means_id: int, level: Loa, authn_instant: datetime, hm_entity_id: str
    ) -> AdSession:
        session = AdSession(
            id=secrets.token_urlsafe(24),
            means_id=means_id,
            level=level,
            authn_instant=authn_instant,
            expires_at=authn_instant + SESSION_LIFETIME,
            session_index="_" + secrets.token_hex(16),
            hm_entity_id=hm_entity_id,
        )
        self._save_session(session)
        return session

    def _save_session(self, session: AdSession) -> None:
        left = int((session.expires_at - self._clock.now()).total_seconds())
        if left <= 0:
            return
        self._state.put(f"ad:sso:{session.id}", _encode(session), left)
        self._state.put(f"ad:sso-index:{session.session_index}", session.id.encode(), left)

    def session(self, session_id: str | None) -> AdSession | None:
        if not session_id:
            return None
        data = self._state.get(f"ad:sso:{session_id}")
        if data is None:
            return None
        session = _decode_session(data)
        return session if session.expires_at > self._clock.now() else None

    def add_service(self, session: AdSession, service_uuid: str) -> AdSession:
        if service_uuid in session.services:
            return session
        new = replace(session, services=(*session.services, service_uuid))
        self._save_session(new)
        return new

    def end_session(self, session_id: str | None) -> AdSession | None:
        if not session_id:
            return None
        data = self._state.take(f"ad:sso:{session_id}")
        if data is None:
            return None
        session = _decode_session(data)
        self._state.delete(f"ad:sso-index:{session.session_index}")
        return session

    def end_session_by_index(self, session_index: str) -> AdSession | None:
        data = self._state.take(f"ad:sso-index:{session_index}")
        return self.end_session(data.decode()) if data is not None else None
