"""The AD's login decisions, without I/O (STYLE §4.1): which factors a level needs, when an
SSO session may answer a request, and the attempt limits on passwords (spec §2, §9).

SSO rule (documented decision, spec §9 [AS-SSO]): within an AD session (at most 2 hours from
the login with password, never extended by reuse) a request for the session's level or lower
is answered without asking the password *or* the SMS code again, unless the request has
ForceAuthn="true" (which ends the session) or asks eH4 (never SSO at eH4; the session stays
for other requests). The means must still be active: a revoked means ends its sessions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from etoegang.state.store import StateStore
from idp.ad.session import AdSession
from policies.loa import Loa

#: From this level a second factor (the SMS code) is asked (issue 3 item 2).
CODE_FROM: Final = Loa.EH2PLUS


def needs_code(level: Loa) -> bool:
    return level >= CODE_FROM


class SsoDecision(Enum):
    NONE = "none"
    REUSE = "reuse"
    #: ForceAuthn: end the session, then log in again.
    END = "end"
    #: eH4 or a higher level than the session's: log in again, keep the session.
    LOGIN = "login"


def sso_decision(
    session: AdSession | None, *, required: Loa, force_authn: bool, hm_entity_id: str,
    now: datetime,
) -> SsoDecision:
    if session is None or session.expires_at <= now:
        return SsoDecision.NONE
    if force_authn:
        return SsoDecision.END
    if required >= Loa.EH4 or not session.level.satisfies(required):
        return SsoDecision.LOGIN
    if session.hm_entity_id != hm_entity_id:
        return SsoDecision.LOGIN
    return SsoDecision.REUSE


@dataclass(frozen=True, slots=True)
class LoginLimits:
    #: Failed passwords per account (e-mail address) before a temporary lock.
    per_account: int = 5
    #: Failed passwords per source address before a temporary lock.
    per_source: int = 20
    window_seconds: int = 15 * 60


class LoginGuard:
    """Failed-password counters per account and per source, and the lock they cause.

    The account is the keyed hash of the normalised e-mail address (the holder of the
    means), counted for unknown addresses too, so a lock tells nothing about whether an
    account exists.
    """

    def __init__(self, state: StateStore, key: bytes, limits: LoginLimits) -> None:
        self._state = state
        self._key = key
        self._limits = limits

    def _h(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _keys(self, account: str, source: str) -> tuple[str, str]:
        return (
            f"ad:pw-fail:acct:{self._h('a', account.strip().lower())}",
            f"ad:pw-fail:src:{self._h('s', source)}",
        )

    def locked(self, account: str, source: str) -> bool:
        acct, src = self._keys(account, source)
        return (
            int(self._state.get(acct) or b"0") >= self._limits.per_account
            or int(self._state.get(src) or b"0") >= self._limits.per_source
        )

    def failed(self, account: str, source: str) -> None:
        for key in self._keys(account, source):
            self._state.incr(key, self._limits.window_seconds)

    def succeeded(self, account: str, source: str) -> None:
        self._state.delete(self._keys(account, source)[0])
