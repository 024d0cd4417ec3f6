"""Placing, listing and cancelling requests for new means (issue 8: "Request means for one
colleague", "Lopende aanvragen").

A request makes (or reuses, by e-mail address) the person, a means in status ``requested``, the
request itself, its order and an activation token; the caller mails the link after commit.
Two requests are the same when organisation, e-mail address and level are: the ``row_key``
is unique per organisation, so a form sent twice or a CSV row uploaded twice creates nothing
new. A cancelled or rejected request releases its key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db.columns import add_years
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.portal import mails
from idp.portal import tokens
from idp.portal.audit import record
from idp.portal.errors import Conflict
from idp.portal.errors import Forbidden
from idp.portal.errors import NotFound
from idp.portal.forms import NewMeans
from idp.portal.models import OPEN_STATUSES
from idp.portal.models import MeansRequest
from idp.portal.models import Order
from idp.portal.models import OrderItem
from idp.portal.models import RequestKind
from idp.portal.models import RequestStatus
from idp.portal.models import TokenPurpose
from idp.portal.tariffs import Price
from idp.portal.tariffs import Tariffs
from idp.portal.tariffs import means_price
from idp.portal.tokens import LIFETIMES


@dataclass(frozen=True, slots=True)
class Placed:
    request_id: int
    price: Price
    mail: mails.Outgoing


def row_key(organisation_id: int, email: str, level_label: str) -> str:
    return hashlib.sha256(f"{organisation_id}\n{email}\n{level_label}".encode()).hexdigest()


def activation_link(base_url: str, raw_token: str) -> str:
    return f"{base_url}/portal/activate/{raw_token}"


def existing_key(db: Session, organisation_id: int, key: str) -> MeansRequest | None:
    return db.scalars(
        select(MeansRequest).where(
            MeansRequest.organisation_id == organisation_id, MeansRequest.row_key == key
        )
    ).first()


def _person(db: Session, item: NewMeans, at: datetime) -> Person:
    person = db.scalars(select(Person).where(Person.email == item.email)).first()
    if person is None:
        person = Person(
            given_names=item.given_names,
            surname_prefix=item.surname_prefix,
            surname=item.surname,
            email=item.email,
            created_at=at,
        )
        db.add(person)
        db.flush()
    return person


def has_means_at(db: Session, person_id: int, organisation_id: int, item: NewMeans) -> bool:
    found = db.scalars(
        select(Means).where(
            Means.person_id == person_id,
            Means.organisation_id == organisation_id,
            Means.status == MeansStatus.ACTIVE,
        )
    ).all()
    return any(means.level.satisfies(item.level) for means in found)


def place_new_means(
    db: Session,
    *,
    organisation: Organisation,
    actor: str,
    item: NewMeans,
    at: datetime,
    tariffs: Tariffs,
    base_url: str,
    batch_id: int | None = None,
) -> Placed:
    """Place one request; raises :class:`Conflict` when it exists or the means does."""
    key = row_key(organisation.id, item.email, item.level.label)
    if existing_key(db, organisation.id, key) is not None:
        raise Conflict("portal.request.duplicate")
    person = _person(db, item, at)
    if has_means_at(db, person.id, organisation.id, item):
        raise Conflict("portal.request.has_means")
    means = Means(
        person=person,
        organisation_id=organisation.id,
        level=item.level,
        status=MeansStatus.REQUESTED,
        valid_from=at,
        valid_until=add_years(at, item.years),
        is_employee=item.is_employee,
        identity_document_validated=False,
        created_at=at,
    )
    db.add(means)
    db.flush()
    price = means_price(tariffs, item.level, item.years)
    request = MeansRequest(
        organisation_id=organisation.id,
        person_id=person.id,
        means_id=means.id,
        kind=RequestKind.NEW,
        level=item.level,
        validity_years=item.years,
        is_employee=item.is_employee,
        identity_confirmed=item.identity_confirmed,
        status=RequestStatus.AWAITING_EMAIL,
        mobile_e164=item.mobile,
        row_key=key,
        batch_id=batch_id,
        price_cents=price.total_cents,
        requested_by=actor,
        created_at=at,
        updated_at=at,
    )
    db.add(request)
    db.flush()
    db.add(
        Order(
            organisation_id=organisation.id,
            item=OrderItem.MEANS,
            object_ref=f"request:{request.id}",
            level=item.level,
            years=item.years,
            amount_cents=price.total_cents,
            created_by=actor,
            created_at=at,
        )
    )
    raw = tokens.issue(db, TokenPurpose.ACTIVATE, at, request_id=request.id, means_id=means.id)
    record(db, at, actor, "portal.request.placed", f"request:{request.id}", organisation.id,
           level=item.level.label, years=item.years, employee=item.is_employee,
           batch=batch_id)
    mail = mails.activation(item.email, organisation.name, item.level.label,
                            activation_link(base_url, raw), LIFETIMES[TokenPurpose.ACTIVATE].days)
    return Placed(request.id, price, mail)


def request_of(db: Session, organisation_id: int, request_id: int) -> MeansRequest:
    """The request, if it belongs to this organisation (403 for another's, 404 for none)."""
    request = db.get(MeansRequest, request_id)
    if request is None:
        raise NotFound("portal.error.not_found")
    if request.organisation_id != organisation_id:
        raise Forbidden("portal.error.forbidden")
    return request


def pending(db: Session, organisation_id: int) -> Sequence[MeansRequest]:
    return db.scalars(
        select(MeansRequest)
        .where(
            MeansRequest.organisation_id == organisation_id,
            MeansRequest.status.in_(OPEN_STATUSES),
        )
        .options(selectinload(MeansRequest.person), selectinload(MeansRequest.means))
        .order_by(MeansRequest.created_at.desc(), MeansRequest.id.desc())
    ).all()


def release_key(request: MeansRequest) -> None:
    """A closed request no longer blocks a new one for the same address and level."""
    request.row_key = hashlib.sha256(f"{request.row_key}\nreleased\n{request.id}".encode()
                                     ).hexdigest()


def cancel(db: Session, organisation_id: int, request_id: int, actor: str, at: datetime) -> None:
    request = request_of(db, organisation_id, request_id)
    if request.status not in OPEN_STATUSES:
        raise Conflict("portal.request.not_open")
    request.status = RequestStatus.CANCELLED
    request.updated_at = at
    release_key(request)
    if request.kind is RequestKind.NEW and request.means.status is MeansStatus.REQUESTED:
        request.means.status = MeansStatus.REVOKED
    tokens.void_for_request(db, request.id, at)
    record(db, at, actor, "portal.request.cancelled", f"request:{request.id}", organisation_id,
           kind=request.kind.value)


def resend(db: Session, organisation_id: int, request_id: int, actor: str, at: datetime,
           base_url: str) -> mails.Outgoing:
    """A fresh activation link (the old one stops working); the activation starts over."""
    request = request_of(db, organisation_id, request_id)
    if request.kind is not RequestKind.NEW or request.status not in (
            RequestStatus.AWAITING_EMAIL, RequestStatus.AWAITING_CODE,
            RequestStatus.AWAITING_PASSWORD):
        raise Conflict("portal.request.not_open")
    tokens.void_for_request(db, request.id, at)
    request.status = RequestStatus.AWAITING_EMAIL
    request.updated_at = at
    raw = tokens.issue(db, TokenPurpose.ACTIVATE, at, request_id=request.id,
                       means_id=request.means_id)
    record(db, at, actor, "portal.request.resent", f"request:{request.id}", organisation_id)
    return mails.activation(request.person.email, request.organisation.name,
                            request.level.label, activation_link(base_url, raw),
                            LIFETIMES[TokenPurpose.ACTIVATE].days)
