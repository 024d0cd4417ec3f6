"""Operator forms (issue 8): what the portal cannot do itself, handled by an operator, with
the outcome mailed.

- A change of the company's registered data (trade name, address), submitted by an
  administrator; it is an order of the data-change tariff. On approval the trade name becomes
  the organisation's name (the address is kept in the case: the register has no address).
- The revocation of a means whose holder has left and cannot log in, submitted without a login
  (the organisation's only administrator may be the one who left) by KvK number and the
  holder's e-mail address; the operator checks the request out of band and, on approval, every
  means of that holder at that organisation is revoked.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db import identifiers
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.portal import mails
from idp.portal.audit import record
from idp.portal.errors import Conflict
from idp.portal.errors import Invalid
from idp.portal.errors import NotFound
from idp.portal.forms import email_or_none
from idp.portal.models import CaseKind
from idp.portal.models import CaseStatus
from idp.portal.models import OperatorCase
from idp.portal.models import Order
from idp.portal.models import OrderItem
from idp.portal.tariffs import Price
from idp.portal.tariffs import Tariffs
from idp.portal.tariffs import data_change_price


def submit_company_data(db: Session, organisation: Organisation, raw: Mapping[str, str],
                        reply_to: str, actor: str, at: datetime, tariffs: Tariffs
                        ) -> tuple[OperatorCase, Price]:
    trade_name = raw.get("trade_name", "").strip()
    address = raw.get("address", "").strip()
    errors = {}
    if not trade_name and not address:
        errors["trade_name"] = "portal.case.nothing"
    if len(trade_name) > 200:
        errors["trade_name"] = "portal.case.too_long"
    if len(address) > 400:
        errors["address"] = "portal.case.too_long"
    if errors:
        raise Invalid(errors)
    case = OperatorCase(organisation_id=organisation.id, kind=CaseKind.COMPANY_DATA,
                        status=CaseStatus.OPEN,
                        data={"trade_name": trade_name, "company_address": address},
                        reply_to=reply_to, created_by=actor, created_at=at)
    db.add(case)
    db.flush()
    price = data_change_price(tariffs)
    db.add(Order(organisation_id=organisation.id, item=OrderItem.DATA_CHANGE,
                 object_ref=f"case:{case.id}", level=None, years=0,
                 amount_cents=price.total_cents, created_by=actor, created_at=at))
    record(db, at, actor, "portal.case.submitted", f"case:{case.id}", organisation.id,
           kind=case.kind.value)
    return case, price


def submit_revoke_left(db: Session, raw: Mapping[str, str], at: datetime) -> OperatorCase | None:
    """A public request; None when the organisation is unknown (the page says the same)."""
    errors: dict[str, str] = {}
    try:
        kvk = identifiers.kvk_number(raw.get("kvk", ""))
    except identifiers.InvalidIdentifier:
        errors["kvk"] = "portal.chain.kvk"
        kvk = ""
    holder = email_or_none(raw.get("holder_email", ""))
    if holder is None:
        errors["holder_email"] = "portal.field.email"
    reply_to = email_or_none(raw.get("reply_to", ""))
    if reply_to is None:
        errors["reply_to"] = "portal.field.email"
    if errors:
        raise Invalid(errors)
    assert holder is not None and reply_to is not None
    organisation = db.scalars(select(Organisation).where(Organisation.kvk_number == kvk)).first()
    if organisation is None:
        return None
    case = OperatorCase(organisation_id=organisation.id, kind=CaseKind.REVOKE_LEFT,
                        status=CaseStatus.OPEN, data={"holder": holder},
                        reply_to=reply_to, created_by="public", created_at=at)
    db.add(case)
    db.flush()
    record(db, at, "public", "portal.case.submitted", f"case:{case.id}", organisation.id,
           kind=case.kind.value)
    return case


def open_cases(db: Session) -> Sequence[OperatorCase]:
    return db.scalars(select(OperatorCase).where(OperatorCase.status == CaseStatus.OPEN)
                      .options(selectinload(OperatorCase.organisation))
                      .order_by(OperatorCase.created_at, OperatorCase.id)).all()


def decide(db: Session, case_id: int, approve: bool, actor: str, at: datetime
           ) -> mails.Outgoing:
    case = db.get(OperatorCase, case_id)
    if case is None:
        raise NotFound("portal.error.not_found")
    if case.status is not CaseStatus.OPEN:
        raise Conflict("portal.case.closed")
    if approve and case.kind is CaseKind.COMPANY_DATA and case.data.get("trade_name"):
        case.organisation.name = str(case.data["trade_name"])
    revoked = 0
    if approve and case.kind is CaseKind.REVOKE_LEFT:
        for means in db.scalars(select(Means).join(Person, Person.id == Means.person_id).where(
                Person.email == case.data.get("holder"),
                Means.organisation_id == case.organisation_id,
                Means.status != MeansStatus.REVOKED)):
            means.status = MeansStatus.REVOKED
            revoked += 1
    case.status = CaseStatus.DONE if approve else CaseStatus.REJECTED
    case.decided_by = actor
    case.decided_at = at
    record(db, at, actor, "portal.case.decided", f"case:{case.id}", case.organisation_id,
           kind=case.kind.value, approved=approve, revoked=revoked)
    return mails.case_outcome(case.reply_to, case.kind.value, approve)
