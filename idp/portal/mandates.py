"""Mandates of an organisation's people (issue 8): add (services from the catalogue, level,
optionally one branch, 1 to 5 years), list, revoke and renew.

A mandate is given only to a person who holds a means issued through this organisation; its
services are catalogue ServiceUUIDs (spec §1: registers record mandates by ServiceUUID); a
branch must be one of the organisation's own. Each added or renewed mandate is an order of the
extra-mandate tariff for its years.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db.columns import MAX_MANDATE_YEARS
from idp.db.columns import add_years
from idp.db.models import Branch
from idp.db.models import Mandate
from idp.db.models import MandateService
from idp.db.models import MandateStatus
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.portal.audit import record
from idp.portal.errors import Conflict
from idp.portal.errors import Forbidden
from idp.portal.errors import Invalid
from idp.portal.errors import NotFound
from idp.portal.forms import parse_level
from idp.portal.models import Order
from idp.portal.models import OrderItem
from idp.portal.tariffs import Price
from idp.portal.tariffs import Tariffs
from idp.portal.tariffs import mandate_price
from policies.loa import Loa


@dataclass(frozen=True, slots=True)
class MandateForm:
    person_id: int
    services: tuple[uuid.UUID, ...]
    level: Loa
    branch_id: int | None
    years: int


def people(db: Session, organisation_id: int) -> Sequence[Person]:
    """People holding a means (not revoked) issued through this organisation."""
    return db.scalars(
        select(Person).join(Means, Means.person_id == Person.id)
        .where(Means.organisation_id == organisation_id, Means.status != MeansStatus.REVOKED)
        .distinct().order_by(Person.surname, Person.id)
    ).all()


def branches(db: Session, organisation_id: int) -> Sequence[Branch]:
    return db.scalars(select(Branch).where(Branch.organisation_id == organisation_id)
                      .order_by(Branch.vestigingsnummer)).all()


def parse_years_1_to_5(text: str) -> int | None:
    cleaned = text.strip()
    if cleaned.isdigit() and 1 <= int(cleaned) <= MAX_MANDATE_YEARS:
        return int(cleaned)
    return None


def parse_mandate(db: Session, organisation_id: int, raw: Mapping[str, str],
                  services: Collection[str], service_uuids: Collection[str]) -> MandateForm:
    """Check a mandate form; ``service_uuids`` are the catalogue's."""
    errors: dict[str, str] = {}
    person_text = raw.get("person", "")
    person_ids = {p.id for p in people(db, organisation_id)}
    person_id = int(person_text) if person_text.isdigit() else 0
    if person_id not in person_ids:
        errors["person"] = "portal.mandate.person"
    chosen = [s.strip().lower() for s in services if s.strip()]
    known = {s.lower() for s in service_uuids}
    if not chosen or any(s not in known for s in chosen):
        errors["services"] = "portal.mandate.services"
    level = parse_level(raw.get("level", ""))
    if level is None:
        errors["level"] = "portal.field.level"
    branch_text = raw.get("branch", "")
    branch_id: int | None = None
    if branch_text:
        own = {b.id for b in branches(db, organisation_id)}
        branch_id = int(branch_text) if branch_text.isdigit() else -1
        if branch_id not in own:
            errors["branch"] = "portal.mandate.branch"
    years = parse_years_1_to_5(raw.get("years", ""))
    if years is None:
        errors["years"] = "portal.mandate.years"
    if errors:
        raise Invalid(errors)
    assert level is not None and years is not None
    return MandateForm(person_id, tuple(uuid.UUID(s) for s in sorted(set(chosen))), level,
                       branch_id, years)


def add(db: Session, organisation: Organisation, form: MandateForm, actor: str, at: datetime,
        tariffs: Tariffs) -> tuple[Mandate, Price]:
    price = mandate_price(tariffs, form.level, form.years)
    mandate = Mandate(
        person_id=form.person_id, organisation_id=organisation.id, branch_id=form.branch_id,
        level=form.level, valid_from=at, valid_until=add_years(at, form.years),
        status=MandateStatus.ACTIVE, created_at=at, revoked_at=None,
        services=[MandateService(service_uuid=s) for s in form.services],
    )
    db.add(mandate)
    db.flush()
    db.add(Order(organisation_id=organisation.id, item=OrderItem.MANDATE,
                 object_ref=f"mandate:{mandate.id}", level=form.level, years=form.years,
                 amount_cents=price.total_cents, created_by=actor, created_at=at))
    record(db, at, actor, "portal.mandate.added", f"mandate:{mandate.id}", organisation.id,
           level=form.level.label, years=form.years, services=len(form.services),
           branch=form.branch_id is not None)
    return mandate, price


def list_mandates(db: Session, organisation_id: int) -> Sequence[Mandate]:
    return db.scalars(
        select(Mandate).where(Mandate.organisation_id == organisation_id)
        .options(selectinload(Mandate.person), selectinload(Mandate.services),
                 selectinload(Mandate.branch))
        .order_by(Mandate.status, Mandate.id)
    ).all()


def mandate_of(db: Session, organisation_id: int, mandate_id: int) -> Mandate:
    mandate = db.get(Mandate, mandate_id)
    if mandate is None:
        raise NotFound("portal.error.not_found")
    if mandate.organisation_id != organisation_id:
        raise Forbidden("portal.error.forbidden")
    return mandate


def revoke(db: Session, organisation_id: int, mandate_id: int, actor: str, at: datetime) -> None:
    mandate = mandate_of(db, organisation_id, mandate_id)
    if mandate.status is MandateStatus.REVOKED:
        raise Conflict("portal.mandate.revoked_already")
    mandate.status = MandateStatus.REVOKED
    mandate.revoked_at = at
    record(db, at, actor, "portal.mandate.revoked", f"mandate:{mandate.id}", organisation_id)


def renew(db: Session, organisation: Organisation, mandate_id: int, years: int, actor: str,
          at: datetime, tariffs: Tariffs) -> Price:
    mandate = mandate_of(db, organisation.id, mandate_id)
    if mandate.status is MandateStatus.REVOKED:
        raise Conflict("portal.mandate.revoked_already")
    if not 1 <= years <= MAX_MANDATE_YEARS:
        raise Invalid({"years": "portal.mandate.years"})
    price = mandate_price(tariffs, mandate.level, years)
    mandate.valid_from = at
    mandate.valid_until = add_years(at, years)
    db.add(Order(organisation_id=organisation.id, item=OrderItem.RENEWAL,
                 object_ref=f"mandate:{mandate.id}", level=mandate.level, years=years,
                 amount_cents=price.total_cents, created_by=actor, created_at=at))
    record(db, at, actor, "portal.mandate.renewed", f"mandate:{mandate.id}", organisation.id,
           years=years)
    return price
