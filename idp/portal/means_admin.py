"""What an administrator does with the means of their organisation (issue 8): list, upgrade,
revoke (opzeggen), renew, and change a holder's e-mail address or mobile number.

Upgrade rules (docs/portal.md): the target is higher than the current level; from eH2+ the
means needs a verified mobile number; eH3 for an employee whose administrator declares the
identity document checked is upgraded at once, any other eH3 and every eH4 waits for an
operator's identity-document validation. A change of e-mail address or mobile number takes
effect only when the new one is verified: a link mailed to the new address, or an SMS code
sent to the new number (the link to start that is mailed to the holder). Renewal starts a new
period of 1, 3 or 5 years at the moment of renewal.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db.columns import MEANS_VALIDITY_YEARS
from idp.db.columns import add_years
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.portal import mails
from idp.portal import tokens
from idp.portal.activation import needs_operator
from idp.portal.audit import actor_of
from idp.portal.audit import record
from idp.portal.errors import Conflict
from idp.portal.errors import Forbidden
from idp.portal.errors import Invalid
from idp.portal.errors import NotFound
from idp.portal.forms import email_or_none
from idp.portal.forms import mobile_or_none
from idp.portal.means_requests import existing_key
from idp.portal.models import MeansRequest
from idp.portal.models import Order
from idp.portal.models import OrderItem
from idp.portal.models import RequestKind
from idp.portal.models import RequestStatus
from idp.portal.models import TokenPurpose
from idp.portal.tariffs import Price
from idp.portal.tariffs import Tariffs
from idp.portal.tariffs import renewal_price
from idp.portal.tariffs import upgrade_price
from policies.loa import Loa


@dataclass(frozen=True, slots=True)
class UpgradeOutcome:
    request_id: int
    completed: bool
    price: Price
    mail: mails.Outgoing | None


def list_means(db: Session, organisation_id: int) -> Sequence[Means]:
    return db.scalars(
        select(Means)
        .where(Means.organisation_id == organisation_id)
        .options(selectinload(Means.person), selectinload(Means.credential))
        .order_by(Means.id)
    ).all()


def means_of(db: Session, organisation_id: int, means_id: int) -> Means:
    means = db.get(Means, means_id)
    if means is None:
        raise NotFound("portal.error.not_found")
    if means.organisation_id != organisation_id:
        raise Forbidden("portal.error.forbidden")
    return means


def _usable(means: Means, at: datetime) -> None:
    if means.status is not MeansStatus.ACTIVE or not means.valid_from <= at < means.valid_until:
        raise Conflict("portal.means.not_active")


def period_years(means: Means) -> int:
    for years in sorted(MEANS_VALIDITY_YEARS):
        if add_years(means.valid_from, years) == means.valid_until:
            return years
    return 1


def years_left(means: Means, at: datetime) -> int:
    return max(1, math.ceil((means.valid_until - at).days / 365))


def upgrade_quote(tariffs: Tariffs, means: Means, target: Loa, at: datetime) -> Price:
    return upgrade_price(tariffs, means.level, target, years_left(means, at))


def upgrade(db: Session, organisation: Organisation, means_id: int, target: Loa,
            identity_confirmed: bool, actor: str, at: datetime, tariffs: Tariffs
            ) -> UpgradeOutcome:
    means = means_of(db, organisation.id, means_id)
    _usable(means, at)
    if target.rank <= means.level.rank:
        raise Invalid({"level": "portal.upgrade.higher"})
    credential = means.credential
    if target.rank >= Loa.EH2PLUS.rank and (credential is None or not credential.mobile_validated):
        raise Conflict("portal.upgrade.no_mobile")
    key = hashlib.sha256(f"{organisation.id}\nupgrade\n{means.id}\n{target.label}".encode()
                         ).hexdigest()
    if existing_key(db, organisation.id, key) is not None:
        raise Conflict("portal.request.duplicate")
    confirmed = identity_confirmed and means.is_employee
    waits = needs_operator(target, means.is_employee, confirmed) and not (
        means.identity_document_validated and target is not Loa.EH4
    )
    price = upgrade_quote(tariffs, means, target, at)
    request = MeansRequest(
        organisation_id=organisation.id, person_id=means.person_id, means_id=means.id,
        kind=RequestKind.UPGRADE, level=target, validity_years=period_years(means),
        is_employee=means.is_employee, identity_confirmed=confirmed,
        status=RequestStatus.AWAITING_VALIDATION if waits else RequestStatus.COMPLETED,
        mobile_e164=None, row_key=key, price_cents=price.total_cents, requested_by=actor,
        created_at=at, updated_at=at,
    )
    db.add(request)
    db.flush()
    db.add(Order(organisation_id=organisation.id, item=OrderItem.UPGRADE,
                 object_ref=f"request:{request.id}", level=target, years=years_left(means, at),
                 amount_cents=price.total_cents, created_by=actor, created_at=at))
    mail = None
    if not waits:
        means.level = target
        if target.rank >= Loa.EH3.rank:
            means.identity_document_validated = True
        mail = mails.upgraded(means.person.email, organisation.name, target.label)
    record(db, at, actor, "portal.means.upgrade", f"means:{means.id}", organisation.id,
           level=target.label, waits_for_operator=waits)
    return UpgradeOutcome(request.id, not waits, price, mail)


def revoke(db: Session, organisation_id: int, means_id: int, actor: str, at: datetime) -> None:
    means = means_of(db, organisation_id, means_id)
    if means.status is MeansStatus.REVOKED:
        raise Conflict("portal.means.revoked_already")
    means.status = MeansStatus.REVOKED
    for request in db.scalars(select(MeansRequest).where(
            MeansRequest.means_id == means.id,
            MeansRequest.status.in_([RequestStatus.AWAITING_EMAIL, RequestStatus.AWAITING_CODE,
                                     RequestStatus.AWAITING_PASSWORD,
                                     RequestStatus.AWAITING_VALIDATION]))):
        request.status = RequestStatus.CANCELLED
        request.updated_at = at
        tokens.void_for_request(db, request.id, at)
    record(db, at, actor, "portal.means.revoked", f"means:{means.id}", organisation_id)


def renew(db: Session, organisation: Organisation, means_id: int, years: int, actor: str,
          at: datetime, tariffs: Tariffs) -> Price:
    means = means_of(db, organisation.id, means_id)
    if years not in MEANS_VALIDITY_YEARS:
        raise Invalid({"years": "portal.field.years"})
    if means.status not in (MeansStatus.ACTIVE, MeansStatus.EXPIRED):
        raise Conflict("portal.means.not_active")
    price = renewal_price(tariffs, means.level, years)
    means.status = MeansStatus.ACTIVE
    means.valid_from = at
    means.valid_until = add_years(at, years)
    db.add(Order(organisation_id=organisation.id, item=OrderItem.RENEWAL,
                 object_ref=f"means:{means.id}", level=means.level, years=years,
                 amount_cents=price.total_cents, created_by=actor, created_at=at))
    record(db, at, actor, "portal.means.renewed", f"means:{means.id}", organisation.id,
           years=years)
    return price


def start_email_change(db: Session, organisation_id: int, means_id: int, new_email: str,
                       actor: str, at: datetime, base_url: str) -> mails.Outgoing:
    means = means_of(db, organisation_id, means_id)
    email = email_or_none(new_email)
    if email is None:
        raise Invalid({"email": "portal.field.email"})
    if db.scalars(select(Person.id).where(Person.email == email)).first() is not None:
        raise Invalid({"email": "portal.email.taken"})
    raw = tokens.issue(db, TokenPurpose.EMAIL_CHANGE, at, means_id=means.id,
                       person_id=means.person_id, new_value=email)
    record(db, at, actor, "portal.email.change_started", f"means:{means.id}", organisation_id)
    return mails.email_change(email, f"{base_url}/portal/verify-email/{raw}")


def confirm_email_change(db: Session, raw: str, at: datetime) -> None:
    token = tokens.consume(db, raw, TokenPurpose.EMAIL_CHANGE, at)
    person = db.get(Person, token.person_id) if token.person_id is not None else None
    if person is None or token.new_value is None:
        raise Conflict("portal.token.unknown")
    if db.scalars(select(Person.id).where(Person.email == token.new_value)).first() is not None:
        raise Conflict("portal.email.taken")
    person.email = token.new_value
    means = db.get(Means, token.means_id) if token.means_id is not None else None
    record(db, at, actor_of(person.pseudonym), "portal.email.changed", f"person:{person.id}",
           means.organisation_id if means else None)


def start_mobile_change(db: Session, organisation_id: int, means_id: int, new_mobile: str,
                        actor: str, at: datetime, base_url: str) -> mails.Outgoing:
    means = means_of(db, organisation_id, means_id)
    _usable(means, at)
    mobile = mobile_or_none(new_mobile)
    if mobile is None:
        raise Invalid({"mobile": "portal.field.mobile"})
    raw = tokens.issue(db, TokenPurpose.MOBILE_CHANGE, at, means_id=means.id,
                       person_id=means.person_id, new_value=mobile)
    record(db, at, actor, "portal.mobile.change_started", f"means:{means.id}", organisation_id)
    return mails.mobile_change(means.person.email, f"{base_url}/portal/mobile/{raw}")


def open_mobile_change(db: Session, raw: str, at: datetime) -> tuple[int, str]:
    """Use the link; returns the means id and the new number to send the code to."""
    token = tokens.consume(db, raw, TokenPurpose.MOBILE_CHANGE, at)
    if token.means_id is None or token.new_value is None:
        raise Conflict("portal.token.unknown")
    return token.means_id, token.new_value


def apply_mobile(db: Session, means_id: int, mobile: str, actor: str | None,
                 at: datetime) -> None:
    """The code sent to ``mobile`` was entered: it becomes the means' number."""
    means = db.get(Means, means_id)
    if means is None or means.credential is None:
        raise NotFound("portal.error.not_found")
    means.credential.mobile_e164 = mobile
    means.credential.mobile_validated = True
    record(db, at, actor or actor_of(means.person.pseudonym), "portal.mobile.changed",
           f"means:{means.id}", means.organisation_id)
