"""What a user does for themselves (issue 8 "User self-service"): see their means and
mandates, change their password, reset a forgotten password by e-mail and SMS.

A password belongs to the person: a change or reset sets it on the credentials of all their
means that are not revoked, since the AD's login asks for one e-mail address and one password.
A reset needs the e-mail link and, when any of the person's means has a verified mobile
number, an SMS code to that number as well (an eH2 means has only e-mail and password).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db.models import Mandate
from idp.db.models import MandateStatus
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Person
from idp.db.passwords import PasswordHasher
from idp.db.passwords import PasswordRefused
from idp.portal import mails
from idp.portal import tokens
from idp.portal.audit import actor_of
from idp.portal.audit import record
from idp.portal.errors import Conflict
from idp.portal.errors import Invalid
from idp.portal.forms import email_or_none
from idp.portal.models import TokenPurpose
from idp.portal.password_policy import check_password


def my_means(db: Session, person_id: int) -> Sequence[Means]:
    return db.scalars(select(Means).where(Means.person_id == person_id)
                      .options(selectinload(Means.organisation), selectinload(Means.credential))
                      .order_by(Means.id)).all()


def my_mandates(db: Session, person_id: int) -> Sequence[Mandate]:
    return db.scalars(select(Mandate).where(Mandate.person_id == person_id,
                                            Mandate.status == MandateStatus.ACTIVE)
                      .options(selectinload(Mandate.services), selectinload(Mandate.organisation),
                               selectinload(Mandate.branch))
                      .order_by(Mandate.id)).all()


def _credentials(db: Session, person_id: int) -> list[Means]:
    return [m for m in my_means(db, person_id)
            if m.status is not MeansStatus.REVOKED and m.credential is not None]


def set_password(db: Session, person_id: int, password_hash: str, at: datetime) -> int:
    """Set the new hash on every usable credential; returns how many."""
    changed = 0
    for means in _credentials(db, person_id):
        assert means.credential is not None
        means.credential.password_hash = password_hash
        means.credential.password_changed_at = at
        changed += 1
    return changed


def change_password(db: Session, hasher: PasswordHasher, means_id: int, current: str,
                    new: str, repeat: str, at: datetime) -> None:
    means = db.get(Means, means_id)
    if means is None or means.credential is None:
        raise Conflict("portal.means.not_active")
    try:
        hasher.verify(means.credential.password_hash, current)
    except PasswordRefused as exc:
        raise Invalid({"current": "portal.password.wrong"}) from exc
    if new != repeat:
        raise Invalid({"repeat": "portal.password.mismatch"})
    check_password(new, email=means.person.email)
    set_password(db, means.person_id, hasher.hash(new), at)
    record(db, at, actor_of(means.person.pseudonym), "portal.password.changed",
           f"person:{means.person_id}", means.organisation_id)


def start_reset(db: Session, email: str, at: datetime, base_url: str) -> mails.Outgoing | None:
    """A reset link for this address, or None (the page says the same either way)."""
    address = email_or_none(email)
    if address is None:
        raise Invalid({"email": "portal.field.email"})
    person = db.scalars(select(Person).where(Person.email == address)).first()
    if person is None or not _credentials(db, person.id):
        return None
    raw = tokens.issue(db, TokenPurpose.PASSWORD_RESET, at, person_id=person.id)
    record(db, at, actor_of(person.pseudonym), "portal.password.reset_started",
           f"person:{person.id}", None)
    return mails.password_reset(address, f"{base_url}/portal/reset/{raw}")


def open_reset(db: Session, raw: str, at: datetime) -> int:
    token = tokens.consume(db, raw, TokenPurpose.PASSWORD_RESET, at)
    if token.person_id is None:
        raise Conflict("portal.token.unknown")
    return token.person_id


def reset_mobile(db: Session, person_id: int) -> tuple[int, str] | None:
    """The means and verified number the reset code goes to, if the person has one."""
    for means in _credentials(db, person_id):
        credential = means.credential
        if credential is not None and credential.mobile_validated and credential.mobile_e164:
            return means.id, credential.mobile_e164
    return None


def finish_reset(db: Session, hasher: PasswordHasher, person_id: int, new: str, repeat: str,
                 at: datetime) -> None:
    person = db.get(Person, person_id)
    if person is None:
        raise Conflict("portal.token.unknown")
    if new != repeat:
        raise Invalid({"repeat": "portal.password.mismatch"})
    check_password(new, email=person.email)
    set_password(db, person_id, hasher.hash(new), at)
    record(db, at, actor_of(person.pseudonym), "portal.password.reset", f"person:{person.id}",
           None)
