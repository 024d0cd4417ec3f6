"""SMS one-time codes (issue 3 item 2): six digits, five minutes, hashed at rest, single use,
at most five tries.

A code is made with :mod:`secrets` and stored only as HMAC-SHA256 under a key derived from the
application secret, bound to the login transaction and to a per-code nonce, in the state store
with a five-minute TTL. Each try increments a counter of that code first; the sixth try is
refused before any comparison, even with the right code. A right code is taken (GETDEL), so it
works once. The code itself is returned only to be put in the SMS text; it is never logged or
stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Final

from etoegang.clock import Clock
from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.state.store import StateStore
from web import metrics

CODE_DIGITS: Final = 6
CODE_LIFETIME: Final = timedelta(minutes=5)
MAX_TRIES: Final = 5


class CodeOutcome(Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    #: Five tries were used; this and any later try is refused.
    LOCKED = "locked"
    #: No live code: expired, already used, or never sent.
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class CodeCheck:
    outcome: CodeOutcome
    tries_left: int = 0


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def normalise(entered: str) -> str:
    """What the user typed, without spaces; only six digits can ever match."""
    return "".join(entered.split())[:32]


class CodeStore:
    def __init__(self, state: StateStore, clock: Clock, key: bytes) -> None:
        self._state = state
        self._clock = clock
        self._key = key

    def _mac(self, tx_id: str, nonce: str, code: str) -> str:
        message = f"{tx_id}\n{nonce}\n{code}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def issue(self, tx_id: str) -> str:
        """A fresh code for this login, replacing any earlier one; returns the code to send."""
        code = new_code()
        nonce = secrets.token_hex(8)
        record = {
            "nonce": nonce,
            "mac": self._mac(tx_id, nonce, code),
            "until": saml_instant(self._clock.now() + CODE_LIFETIME),
        }
        self._state.put(
            f"ad:otp:{tx_id}", json.dumps(record).encode(), int(CODE_LIFETIME.total_seconds())
        )
        return code

    def check(self, tx_id: str, entered: str) -> CodeCheck:
        data = self._state.get(f"ad:otp:{tx_id}")
        if data is None:
            return CodeCheck(CodeOutcome.EXPIRED)
        record = json.loads(data)
        if parse_instant(record["until"]) <= self._clock.now():
            self._state.delete(f"ad:otp:{tx_id}")
            return CodeCheck(CodeOutcome.EXPIRED)
        tries = self._state.incr(
            f"ad:otp-tries:{tx_id}:{record['nonce']}", int(CODE_LIFETIME.total_seconds())
        )
        if tries > MAX_TRIES:
            return CodeCheck(CodeOutcome.LOCKED)
        expected = record["mac"]
        if hmac.compare_digest(self._mac(tx_id, record["nonce"], normalise(entered)), expected):
            # Single use: of two concurrent right answers only the one that takes it wins.
            if self._state.take(f"ad:otp:{tx_id}") is None:
                return CodeCheck(CodeOutcome.EXPIRED)
            return CodeCheck(CodeOutcome.ACCEPTED)
        left = MAX_TRIES - tries
        metrics.observe_code_check(locked=left == 0)
        return CodeCheck(CodeOutcome.LOCKED if left == 0 else CodeOutcome.WRONG, left)

    def discard(self, tx_id: str) -> None:
        self._state.delete(f"ad:otp:{tx_id}")


def mask_number(e164: str) -> str:
    """``+31612345678`` -> ``+31 6 ** ** ** 78``: enough to recognise, not to read."""
    if e164.startswith("+316") and len(e164) == 12:
        return f"+31 6 ** ** ** {e164[-2:]}"
    return f"{e164[:3]} ** ** ** {e164[-2:]}"
