"""How the portal writes the audit trail: who (a reference, never a name), what, which object,
for which organisation; details without personal data (the model refuses those)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from typing import Final

from sqlalchemy.orm import Session

from idp.db.repositories import append_audit_event

#: ``Session.info`` key of the events a :func:`deferred` block is collecting.
_DEFERRED: Final = "makelaar_deferred_audit"


@contextmanager
def deferred(db: Session) -> Iterator[list[dict[str, Any]]]:
    """Collect the audit events :func:`record` writes in this block; append them at its end.

    Why: appending an event locks the audit chain's head until the transaction commits
    (:mod:`idp.db.audit_chain`), and every AD login step and MR decision appends one. A long
    transaction that records as it goes (a CSV import step of hundreds of rows) would hold that
    one lock for its whole length; deferred, the lock is taken just before the commit. The
    caller drops the events of work it undoes (``del pending[mark:]`` after a rolled-back
    savepoint). Nothing is appended when the block raises: its transaction rolls back.
    """
    pending: list[dict[str, Any]] = []
    db.info[_DEFERRED] = pending
    try:
        yield pending
    finally:
        db.info.pop(_DEFERRED, None)
    for item in pending:
        append_audit_event(db, **item)


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
    item: dict[str, Any] = {
        "at": at,
        "actor": actor,
        "action": action,
        "object_ref": object_ref,
        "organisation_id": organisation_id,
        "details": dict(details),
    }
    pending: list[dict[str, Any]] | None = db.info.get(_DEFERRED)
    if pending is not None:
        pending.append(item)
        return
    append_audit_event(db, **item)
