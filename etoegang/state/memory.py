"""In-process state store for the embedded demo and unit tests (DESIGN.md §3).

One lock guards one dictionary, so each operation is atomic between threads of one process
(never between processes: production uses :mod:`etoegang.state.redis_store`). Expiry follows the
injected :class:`~etoegang.clock.Clock`, so tests move a ``FixedClock`` instead of sleeping.
Expired entries are dropped when touched, and all of them on every ``PURGE_EVERY`` writes, so
the dictionary cannot grow without bound.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Final

from etoegang.clock import Clock
from etoegang.state.store import StateStoreError
from etoegang.state.store import check_key
from etoegang.state.store import check_ttl
from etoegang.state.store import check_value

#: Full sweep of expired entries after this many writes (a cheap bound on stale memory).
PURGE_EVERY: Final = 256


@dataclass(frozen=True, slots=True)
class _Entry:
    value: bytes
    expires_at: datetime


class InMemoryStateStore:
    """A thread-safe :class:`~etoegang.state.store.StateStore` held in this process."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._writes = 0

    # -- the port -------------------------------------------------------------------------

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        check_key(key)
        check_value(value)
        check_ttl(ttl_seconds)
        with self._lock:
            self._write(key, value, ttl_seconds)

    def put_new(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        check_key(key)
        check_value(value)
        check_ttl(ttl_seconds)
        with self._lock:
            if self._live(key) is not None:
                return False
            self._write(key, value, ttl_seconds)
            return True

    def get(self, key: str) -> bytes | None:
        check_key(key)
        with self._lock:
            entry = self._live(key)
            return None if entry is None else entry.value

    def take(self, key: str) -> bytes | None:
        check_key(key)
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return None
            del self._entries[key]
            return entry.value

    def delete(self, key: str) -> None:
        check_key(key)
        with self._lock:
            self._entries.pop(key, None)

    def incr(self, key: str, ttl_seconds: int) -> int:
        check_key(key)
        check_ttl(ttl_seconds)
        with self._lock:
            entry = self._live(key)
            if entry is None:
                self._write(key, b"1", ttl_seconds)
                return 1
            try:
                count = int(entry.value.decode("ascii")) + 1
            except (UnicodeDecodeError, ValueError) as exc:
                raise StateStoreError(f"the value at {key!r} is not a counter") from exc
            # Stored as ASCII digits, as Redis does, and with the first TTL kept (fixed window).
            self._entries[key] = _Entry(str(count).encode("ascii"), entry.expires_at)
            return count

    def ttl(self, key: str) -> int | None:
        check_key(key)
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return None
            remaining = (entry.expires_at - self._clock.now()).total_seconds()
            return math.ceil(remaining)

    def compare_and_set(self, key: str, expected: bytes, new: bytes, ttl_seconds: int) -> bool:
        check_key(key)
        check_value(expected)
        check_value(new)
        check_ttl(ttl_seconds)
        with self._lock:
            entry = self._live(key)
            if entry is None or entry.value != expected:
                return False
            self._write(key, new, ttl_seconds)
            return True

    # -- internals (call with the lock held) ----------------------------------------------

    def _live(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= self._clock.now():
            del self._entries[key]
            return None
        return entry

    def _write(self, key: str, value: bytes, ttl_seconds: int) -> None:
        now = self._clock.now()
        self._entries[key] = _Entry(value, now + timedelta(seconds=ttl_seconds))
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            self._purge(now)

    def _purge(self, now: datetime) -> None:
        expired = [k for k, e in self._entries.items() if e.expires_at <= now]
        for k in expired:
            del self._entries[k]

    def __len__(self) -> int:
        """The number of live entries (for tests and the demo's status page)."""
        with self._lock:
            self._purge(self._clock.now())
            return len(self._entries)
