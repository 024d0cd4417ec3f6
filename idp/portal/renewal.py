"""The renewal job (issue 8 "Renewal"): 60 days before a means or mandate ends, mail the
organisation's administrators a link to a pre-filled renewal form; one mail per item and end
date, however often the job runs.

Idempotent by the unique ``(object_ref, valid_until)`` of :class:`RenewalReminder`: the row is
inserted in the item's own transaction before its mails go out, and the transaction commits
only when they did. A second run, or a concurrent one on another node, finds the row (or loses
the insert) and sends nothing. A renewed item has a new end date, so it is reminded again 60
days before that one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from etoegang.clock import Clock
from idp.db.models import Mandate
from idp.db.models import MandateStatus
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Person
from idp.mail.gateway import MailError
from idp.mail.gateway import MailGateway
from idp.mail.gateway import MailMessage
from idp.portal import mails
from idp.portal.audit import record
from idp.portal.models import PortalRole
from idp.portal.models import RenewalReminder
from idp.portal.models import Role

WINDOW: Final = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class DueItem:
    object_ref: str
    organisation_id: int
    valid_until: datetime
    what_nl: str
    what_en: str
    link_path: str


@dataclass(frozen=True, slots=True)
class ReminderRun:
    sent: int
    already: int
    failed: int


def due_items(db: Session, at: datetime) -> list[DueItem]:
    """Active means and mandates ending within the window (not yet ended)."""
    items: list[DueItem] = []
    for means in db.scalars(select(Means).where(
            Means.status == MeansStatus.ACTIVE, Means.valid_until > at,
            Means.valid_until <= at + WINDOW).order_by(Means.id)):
        name = _name(means.person)
        items.append(DueItem(f"means:{means.id}", means.organisation_id, means.valid_until,
                             f"Het eHerkenningsmiddel ({means.level.label}) van {name}",
                             f"The eHerkenning means ({means.level.label}) of {name}",
                             f"/portal/means/{means.id}/renew"))
    for mandate in db.scalars(select(Mandate).where(
            Mandate.status == MandateStatus.ACTIVE, Mandate.valid_until > at,
            Mandate.valid_until <= at + WINDOW).order_by(Mandate.id)):
        name = _name(mandate.person)
        items.append(DueItem(f"mandate:{mandate.id}", mandate.organisation_id,
                             mandate.valid_until,
                             f"De machtiging ({mandate.level.label}) van {name}",
                             f"The mandate ({mandate.level.label}) of {name}",
                             f"/portal/mandates/{mandate.id}/renew"))
    return items


def _name(person: Person) -> str:
    return " ".join(p for p in (person.given_names, person.surname_prefix, person.surname) if p)


def administrators(db: Session, organisation_id: int) -> list[str]:
    return list(db.scalars(
        select(Person.email).join(PortalRole, PortalRole.person_id == Person.id)
        .where(PortalRole.organisation_id == organisation_id,
               PortalRole.role == Role.ADMINISTRATOR)
        .order_by(Person.id)
    ))


def send_reminders(sessions: sessionmaker[Session], mailer: MailGateway, clock: Clock,
                   base_url: str, new_reference: Callable[[], str]) -> ReminderRun:
    at = clock.now()
    with sessions() as db:
        items = due_items(db, at)
    sent = already = failed = 0
    for item in items:
        with sessions() as db:
            try:
                with db.begin():
                    db.add(RenewalReminder(object_ref=item.object_ref,
                                           valid_until=item.valid_until,
                                           organisation_id=item.organisation_id, sent_at=at))
                    db.flush()
                    recipients = administrators(db, item.organisation_id)
                    until = item.valid_until.date().isoformat()
                    for address in recipients:
                        outgoing = mails.renewal_reminder(address, item.what_nl, item.what_en,
                                                          until, base_url + item.link_path)
                        mailer.send(MailMessage(outgoing.to, outgoing.subject, outgoing.body,
                                                new_reference()))
                    record(db, at, "system", "portal.renewal.reminded", item.object_ref,
                           item.organisation_id, recipients=len(recipients))
            except IntegrityError:
                already += 1
                continue
            except MailError:
                failed += 1
                continue
            sent += 1
    return ReminderRun(sent, already, failed)
