"""Rate limits on sending SMS codes, against SMS pumping and code flooding (issue 3, item 3).

Fixed windows on the shared state store (``StateStore.incr``: the window starts with the first
send and is not extended), so every node of the means issuer sees the same counts:

- per mobile number: one message per 30 seconds, five per hour;
- per means: the same (one person may have a number on several means);
- per source (client IP address): twenty per hour.

Keys hold keyed hashes, never the number or the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from etoegang.state.store import StateStore


@dataclass(frozen=True, slots=True)
class Window:
    seconds: int
    limit: int


@dataclass(frozen=True, slots=True)
class SmsLimits:
    short: Window = Window(30, 1)
    long: Window = Window(3600, 5)
    per_source: Window = Window(3600, 20)


class RateLimited(Exception):
    """Sending is refused for now; ``retry_after`` says for how many seconds."""

    def __init__(self, scope: str, retry_after: int) -> None:
        self.scope = scope
        self.retry_after = retry_after
        super().__init__(f"sms rate limit ({scope}); retry after {retry_after} s")


@dataclass(frozen=True, slots=True)
class SmsRateLimiter:
    state: StateStore
    #: Key for hashing numbers and addresses into state-store keys.
    key: bytes
    limits: SmsLimits = SmsLimits()
    prefix: str = "sms-rate:"

    def _h(self, kind: str, value: str) -> str:
        return hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _count(self, name: str, window: Window) -> None:
        key = f"{self.prefix}{name}:{window.seconds}"
        if self.state.incr(key, window.seconds) > window.limit:
            raise RateLimited(name.split(":", 1)[0], self.state.ttl(key) or window.seconds)

    def check_and_count(self, *, number: str, means_id: int, source: str) -> None:
        """Count one send; raise :class:`RateLimited` (nothing sent) when a limit is reached.

        The short windows are checked first, so pressing "resend" twice in a row does not
        use up the hourly allowance.
        """
        subjects = (f"number:{self._h('n', number)}", f"means:{means_id}")
        for name in subjects:
            self._count(name, self.limits.short)
        for name in subjects:
            self._count(name, self.limits.long)
        self._count(f"source:{self._h('s', source)}", self.limits.per_source)
