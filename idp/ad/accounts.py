"""The register side of a login: check a password against the means of an e-mail address,
read a means for SSO and for the assertion, and write the audit trail (issue 3 item 2).

The password is verified (argon2id) before anything about the account is told: an unknown
address costs one dummy verification (``verify_nothing``), and a revoked, expired or suspended
means is reported only after its password matched. Audit events name the means by id and the
outcome only, never the e-mail address or other personal data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.ad.consent import PersonFacts
from idp.db import identifiers
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Person
from idp.db.passwords import PasswordHasher
from idp.db.passwords import PasswordRefused
from idp.db.repositories import append_audit_event
from idp.db.repositories import find_active_means_by_email
from policies.loa import Loa


class PasswordOutcome(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    NOT_ACTIVE = "not_active"


@dataclass(frozen=True, slots=True)
class MeansFacts:
    id: int
    level: Loa
    organisation_id: int
    #: Validated mobile number in E.164, or None. Personal data: never log.
    mobile: str | None
    person: PersonFacts
    #: The MR-facing person identifier (Person.pseudonym).
    person_pseudonym: str
    #: The AD's internal pseudonym of this means: the transient NameID value (spec §4.6).
    subject: str


@dataclass(frozen=True, slots=True)
class PasswordResult:
    outcome: PasswordOutcome
    means: MeansFacts | None = None


def means_subject(person_pseudonym: str, means_id: int) -> str:
    """Stable per means, never reused (person pseudonyms are unique and never change), and
    not linkable to the MR-facing pseudonym without the register."""
    return hashlib.sha256(f"ad-subject\n{person_pseudonym}\n{means_id}".encode()).hexdigest()[:40]


def _facts(means: Means) -> MeansFacts:
    credential = means.credential
    person = means.person
    mobile = credential.mobile_e164 if credential and credential.mobile_validated else None
    return MeansFacts(
        id=means.id,
        level=means.level,
        organisation_id=means.organisation_id,
        mobile=mobile,
        person=PersonFacts(person.given_names, person.surname_prefix, person.surname),
        person_pseudonym=person.pseudonym,
        subject=means_subject(person.pseudonym, means.id),
    )


def _inactive_outcome(means: Means, at: datetime) -> PasswordOutcome:
    if means.status is MeansStatus.REVOKED:
        return PasswordOutcome.REVOKED
    if means.status is MeansStatus.SUSPENDED:
        return PasswordOutcome.SUSPENDED
    if means.status is MeansStatus.EXPIRED or means.valid_until <= at:
        return PasswordOutcome.EXPIRED
    return PasswordOutcome.NOT_ACTIVE


def _all_means(session: Session, email: str) -> Sequence[Means]:
    statement = (
        select(Means)
        .join(Means.person)
        .where(Person.email == email)
        .options(selectinload(Means.credential), selectinload(Means.person))
        .order_by(Means.id)
    )
    return session.scalars(statement).all()


def check_password(
    session: Session, hasher: PasswordHasher, email: str, password: str, at: datetime
) -> PasswordResult:
    """Which means (if any) of this address the password opens. Active means are tried
    first, highest level first; a matching hash made with old parameters is upgraded."""
    try:
        normalised = identifiers.email_address(email)
    except identifiers.InvalidIdentifier:
        normalised = ""
    active = list(find_active_means_by_email(session, normalised, at)) if normalised else []
    active_ids = {m.id for m in active}
    others = [m for m in _all_means(session, normalised) if m.id not in active_ids]
    candidates = [m for m in (*active, *others) if m.credential is not None]
    if not candidates:
        try:
            hasher.verify_nothing(password or "-")
        except PasswordRefused:
            pass
        return PasswordResult(PasswordOutcome.BAD_CREDENTIALS)
    for means in candidates:
        credential = means.credential
        assert credential is not None
        try:
            upgraded = hasher.verify(credential.password_hash, password)
        except PasswordRefused:
            continue
        if upgraded is not None:
            credential.password_hash = upgraded
            credential.password_changed_at = at
        if means.id in active_ids:
            return PasswordResult(PasswordOutcome.OK, _facts(means))
        return PasswordResult(_inactive_outcome(means, at), _facts(means))
    return PasswordResult(PasswordOutcome.BAD_CREDENTIALS)


def usable_means(session: Session, means_id: int, at: datetime) -> MeansFacts | None:
    """The means if it is still active and valid (an SSO session ends with its means)."""
    statement = (
        select(Means)
        .where(Means.id == means_id)
        .options(selectinload(Means.credential), selectinload(Means.person))
    )
    means = session.scalars(statement).first()
    if means is None or means.status is not MeansStatus.ACTIVE:
        return None
    if not (means.valid_from <= at < means.valid_until):
        return None
    return _facts(means)


def audit(
    session: Session,
    at: datetime,
    action: str,
    outcome: str,
    *,
    means_id: int | None = None,
    organisation_id: int | None = None,
) -> None:
    """One audit event per login step: the means (when known) and the outcome, nothing more."""
    append_audit_event(
        session,
        at=at,
        actor="ad",
        action=action,
        object_ref=f"means:{means_id}" if means_id is not None else "means:unknown",
        organisation_id=organisation_id,
        details={"outcome": outcome},
    )
