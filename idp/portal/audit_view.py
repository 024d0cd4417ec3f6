"""The organisation's audit trail and its users' login history (issue 8), read from
:class:`~idp.db.models.AuditEvent`.

Both show only events of the administrator's own organisation. The AD writes one event per
login step (``ad.password``, ``ad.code``; actor ``ad``, object ``means:<id>``, an outcome); the
portal writes ``portal.*`` events with the acting person as ``person:<pseudonym>``. For the
administrator's eyes a pseudonym or means id is shown as the person's name when that person
holds a means of this organisation; other actors are shown as their reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.db.models import AuditEvent
from idp.db.models import Means
from idp.db.models import Person

LOGIN_ACTIONS: Final = ("ad.password", "ad.code", "portal.login")
PAGE_SIZE: Final = 100


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    object_ref: str
    details: dict[str, Any]


def _names(db: Session, organisation_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """(pseudonym -> name, "means:<id>" -> name) for this organisation's people."""
    rows = db.execute(
        select(Person.pseudonym, Person.given_names, Person.surname_prefix, Person.surname,
               Means.id)
        .join(Means, Means.person_id == Person.id)
        .where(Means.organisation_id == organisation_id)
    ).all()
    by_pseudonym: dict[str, str] = {}
    by_means: dict[str, str] = {}
    for pseudonym, given, prefix, surname, means_id in rows:
        name = " ".join(part for part in (given, prefix, surname) if part)
        by_pseudonym[f"person:{pseudonym}"] = name
        by_means[f"means:{means_id}"] = name
    return by_pseudonym, by_means


def _lines(db: Session, organisation_id: int, events: Sequence[AuditEvent]) -> list[AuditLine]:
    by_pseudonym, by_means = _names(db, organisation_id)
    lines = []
    for event in events:
        actor = by_pseudonym.get(event.actor, event.actor)
        if event.actor == "ad":
            actor = by_means.get(event.object_ref, event.actor)
        lines.append(AuditLine(event.at, actor, event.action, event.object_ref,
                               dict(event.details)))
    return lines


def trail(db: Session, organisation_id: int, page: int = 0) -> list[AuditLine]:
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.organisation_id == organisation_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(page * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return _lines(db, organisation_id, events)


def login_history(db: Session, organisation_id: int, page: int = 0) -> list[AuditLine]:
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.organisation_id == organisation_id,
                                 AuditEvent.action.in_(LOGIN_ACTIONS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(page * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return _lines(db, organisation_id, events)
