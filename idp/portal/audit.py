"""How the portal writes the audit trail: who (a reference, never a name), what, which object,
for which organisation; details without personal data (the model refuses those)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from idp.db.repositories import append_audit_event


def actor_of(pseudonym: str) -> str:
    return f"person:{pseudonym}"


def record(
    db: Session,
    at: datetime,
    actor: str,
    action: str,
    object_ref: str,
    organisation_id: int | None,
    **details: str | int | bool | None,
) -> None:
    append_audit_event(
        db,
        at=at,
        actor=actor,
        action=action,
        object_ref=object_ref,
        organisation_id=organisation_id,
        details=dict(details),
    )
