"""Replay protection: every message ID is accepted once per issuer (spec §1: IDs are unique for
12 months), remembered at least as long as the message could still be accepted.

Atomic ``put_new`` (Redis SET NX EX) — never check-then-set (STYLE §6, Sweden Connect).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from etoegang.clock import Clock
from etoegang.errors import ReplayError
from etoegang.state.store import StateStore

#: Floor for how long an ID is remembered, whatever its validity says.
MIN_REMEMBER_SECONDS = 600


@dataclass(frozen=True, slots=True)
class ReplayGuard:
    store: StateStore
    clock: Clock
    namespace: str = "replay"

    def first_use(self, issuer: str, message_id: str, valid_until: datetime | None = None) -> None:
        """Record ``message_id`` from ``issuer``; raise :class:`ReplayError` if seen before."""
        ttl = MIN_REMEMBER_SECONDS
        if valid_until is not None:
            ttl = max(ttl, int((valid_until - self.clock.now()).total_seconds()) + 300)
        digest = hashlib.sha256(f"{issuer}\n{message_id}".encode()).hexdigest()
        if not self.store.put_new(f"{self.namespace}:{digest}", b"1", ttl):
            raise ReplayError("this message was received before", debug=message_id[:80])
