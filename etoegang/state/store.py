"""The state-store port: short-lived, shared state of logins (DESIGN.md §3 State and storage).

Login transactions, one-time artifacts, the replay cache of message IDs, hashed SMS codes,
attempt counters, rate limits and SSO sessions all live behind this one small interface, so that
any broker or means-issuer node can serve any step of any login (DESIGN.md §4 Scale). Keys are
strings, values are opaque bytes (callers encode their own typed values), and every key expires.

Every operation that guards a security decision is atomic in each implementation: ``put_new``
(SET NX EX: replay detection, spec §1 "Message @ID values MUST be unique"), ``take`` (GETDEL:
an artifact resolves once, SAML bindings 3.6.4), ``incr`` (fixed-window counters) and
``compare_and_set`` (optimistic update of a login transaction). A check-then-set replay cache
is exactly the defect this port exists to avoid (STYLE.md §6).
"""

from __future__ import annotations

from typing import Final
from typing import Protocol
from typing import runtime_checkable

#: The longest TTL accepted: no state in a login lives longer than a day (SSO sessions: 2 h;
#: replay entries: the validity window plus skew). A bigger number is a unit mistake.
MAX_TTL_SECONDS: Final = 24 * 60 * 60

#: Longest key accepted, so that a hostile value copied into a key cannot bloat the store.
MAX_KEY_LENGTH: Final = 512


class StateStoreError(Exception):
    """The state store refused an operation or could not be reached."""


class StateStoreConfigError(StateStoreError, ValueError):
    """A state-store URL or option is not acceptable."""


@runtime_checkable
class StateStore(Protocol):
    """Expiring key-value storage with the atomic operations a login needs."""

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store ``value`` under ``key`` for ``ttl_seconds``, replacing any value and TTL."""
        ...

    def put_new(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        """Store only if ``key`` is absent (SET NX EX); False when it already exists."""
        ...

    def get(self, key: str) -> bytes | None:
        """The live value of ``key``, or None."""
        ...

    def take(self, key: str) -> bytes | None:
        """Atomically read and delete ``key`` (GETDEL): of concurrent takers, one gets it."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        ...

    def incr(self, key: str, ttl_seconds: int) -> int:
        """Add one to the counter at ``key`` and return the new count.

        The TTL is set when the counter is created and is not extended by later increments,
        so a counter is a fixed window: rate limits and attempt counters end on time.
        """
        ...

    def ttl(self, key: str) -> int | None:
        """Whole seconds (rounded up) until ``key`` expires, or None when it does not exist."""
        ...

    def compare_and_set(self, key: str, expected: bytes, new: bytes, ttl_seconds: int) -> bool:
        """Set ``new`` (with a fresh TTL) only if the current value equals ``expected``.

        False when the key is absent or holds another value: another node changed the login
        transaction first, and the caller must reload and retry or give up.
        """
        ...


def check_key(key: str) -> None:
    """Refuse keys that are empty, too long or not strings (a bug, never user input)."""
    if not isinstance(key, str) or not key:
        raise StateStoreError("a state-store key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise StateStoreError(f"a state-store key is at most {MAX_KEY_LENGTH} characters")


def check_value(value: bytes) -> None:
    """Refuse values that are not bytes, so both implementations store exactly the same thing."""
    if not isinstance(value, bytes):
        raise StateStoreError("a state-store value must be bytes; encode it first")


def check_ttl(ttl_seconds: int) -> None:
    """Refuse TTLs that are not a positive whole number of seconds up to a day."""
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
        raise StateStoreError("a state-store TTL must be a whole number of seconds")
    if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
        raise StateStoreError(f"a state-store TTL must be between 1 and {MAX_TTL_SECONDS} seconds")
