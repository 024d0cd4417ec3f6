"""Injected time and randomness: every message ID and timestamp comes through these ports.

Tests pass a fixed clock and ID source (golden files); production uses the system clock and
``secrets``. Nothing in the core reads the wall clock or a random generator directly.
"""

from __future__ import annotations

import secrets
from datetime import UTC
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """A source of the current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


class IdSource(Protocol):
    """A source of SAML message IDs (xs:ID: must not start with a digit)."""

    def new_id(self) -> str: ...


class SystemClock:
    """The real clock, in UTC with microseconds dropped (SAML timestamps are to the second)."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class FixedClock:
    """A clock that stands still until moved; for tests and golden files."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def move_to(self, at: datetime) -> None:
        self._at = at


class RandomIdSource:
    """IDs of 160 random bits, prefixed with ``_`` so they are valid xs:ID values."""

    def new_id(self) -> str:
        return "_" + secrets.token_hex(20)


class SequentialIdSource:
    """Predictable IDs for golden files: ``_id-0001``, ``_id-0002``, ..."""

    def __init__(self, prefix: str = "_id-") -> None:
        self._prefix = prefix
        self._n = 0

    def new_id(self) -> str:
        self._n += 1
        return f"{self._prefix}{self._n:04d}"


def saml_instant(at: datetime) -> str:
    """Format a datetime as a SAML xs:dateTime in UTC with a ``Z`` (SAML core 1.3.3)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: str) -> datetime:
    """Parse an xs:dateTime as peers send it (``Z`` or offset, optional fraction), to UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        from etoegang.errors import XmlValueError

        raise XmlValueError("invalid timestamp", debug=repr(text)[:64]) from exc
    if parsed.tzinfo is None:
        # SAML core 1.3.3: times without a zone are UTC.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
