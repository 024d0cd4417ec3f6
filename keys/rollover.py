"""Scheduled key activation: the instant from which a role's *next* key takes over.

An operator publishes the next key first (metadata, JWKS), then schedules its activation; every
process that holds the ring switches at that instant by itself, without a restart, so all
instances behind a load balancer change keys at the same moment (docs/operations.md "Key
rollover"). The schedule is a small file next to the key it concerns,
``<role>-<slot>-next.activation``, holding one ISO-8601 instant with an explicit offset
(``2026-12-01T00:00:00Z``); it travels with the key files (the same Secret or volume), so it
needs no settings of its own.
"""

from __future__ import annotations

import os
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Final

#: The ring slots that can have a scheduled next key.
SLOTS: Final = ("signing", "encryption")


class ActivationError(ValueError):
    """An activation file or instant cannot be used; the message says which and why."""


def activation_path(directory: Path, role: str, slot: str) -> Path:
    """Where the activation instant of ``<role>-<slot>-next`` lives."""
    if slot not in SLOTS:
        raise ActivationError(f"slot must be one of {', '.join(SLOTS)}, not {slot!r}")
    return directory / f"{role}-{slot}-next.activation"


def parse_activation(text: str, *, where: str = "activation") -> datetime:
    """One ISO-8601 instant with an offset (``Z`` or ``+hh:mm``), as aware UTC.

    :raises ActivationError: not an instant, no offset (a local time would switch keys at a
        different moment on every machine), or a fraction of a second.
    """
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ActivationError(f"{where}: {value[:40]!r} is not an ISO-8601 instant") from exc
    if parsed.tzinfo is None:
        raise ActivationError(f"{where}: {value[:40]!r} has no offset; write it in UTC with Z")
    if parsed.microsecond:
        # Activation files hold whole seconds: what is checked must be what is written.
        raise ActivationError(f"{where}: {value[:40]!r} has a fraction of a second; give whole "
                              "seconds")
    return parsed.astimezone(UTC)


def format_activation(at: datetime) -> str:
    """The instant as written to an activation file and shown by ``makelaar keys status``."""
    if at.tzinfo is None:
        raise ActivationError("an activation instant must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_activation(directory: Path, role: str, slot: str) -> datetime | None:
    """The scheduled activation of ``<role>-<slot>-next``, or None when none is scheduled."""
    path = activation_path(directory, role, slot)
    if not path.exists():
        return None
    return parse_activation(path.read_text(encoding="utf-8"), where=str(path))


def write_activation(directory: Path, role: str, slot: str, at: datetime) -> Path:
    """Schedule (or move) an activation. Written to a temporary file and renamed, so a process
    starting at the same moment reads the old schedule or the new one, never half a line."""
    path = activation_path(directory, role, slot)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(format_activation(at) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def clear_activation(directory: Path, role: str, slot: str) -> bool:
    """Remove a schedule; False when there was none."""
    path = activation_path(directory, role, slot)
    if not path.exists():
        return False
    path.unlink()
    return True
