"""Chain mandates (ketenmachtigingen, spec §7; issue 8): a client company authorises an
intermediary for services.

Two ways in:

- the client's administrator authorises an intermediary (by KvK number): active at once, the
  client itself consents;
- the intermediary's administrator registers a client (by KvK number, or an eenmanszaak by
  BSN): pending until the client's administrator approves it, or an operator does when the
  client has no administrator in this register (a paper authorisation, for instance).

Either party may revoke. Intermediaries see what their clients gave them with a status:
pending, active, expired (active but past its end), revoked or rejected. A BSN is stored for
the eenmanszaak (the model allows it only there) but never shown or audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db import identifiers
from idp.db.columns import add_years
from idp.db.models import ChainMandate
from idp.db.models import ChainMandateService
from idp.db.models import ChainMandateStatus
from idp.db.models import LegalForm
from idp.db.models import Organisation
from idp.portal.audit import record
from idp.portal.errors import Conflict
from idp.portal.errors import Forbidden
from idp.portal.errors import Invalid
from idp.portal.errors import NotFound
from idp.portal.forms import parse_level
from idp.portal.mandates import parse_years_1_to_5
from idp.portal.models import PortalRole
from idp.portal.models import Role
from policies.loa import Loa


class Direction(StrEnum):
    #: We are the client and authorise an intermediary.
    GIVE = "give"
    #: We are the intermediary and register a client's authorisation.
    RECEIVE = "receive"


@dataclass(frozen=True, slots=True)
class ChainForm:
    direction: Direction
    kvk: str | None
    bsn: str | None
    name: str
    legal_form: LegalForm
    level: Loa
    services: tuple[uuid.UUID, ...]
    years: int


def parse_chain(raw: Mapping[str, str], services: Collection[str],
                service_uuids: Collection[str]) -> ChainForm:
    errors: dict[str, str] = {}
    try:
        direction = Direction(raw.get("direction", ""))
    except ValueError:
        direction = Direction.GIVE
        errors["direction"] = "portal.chain.direction"
    kvk_text = raw.get("kvk", "").strip()
    bsn_text = raw.get("bsn", "").strip()
    kvk = bsn = None
    if kvk_text:
        try:
            kvk = identifiers.kvk_number(kvk_text)
        except identifiers.InvalidIdentifier:
            errors["kvk"] = "portal.chain.kvk"
    if bsn_text:
        try:
            bsn = identifiers.bsn(bsn_text)
        except identifiers.InvalidIdentifier:
            errors["bsn"] = "portal.chain.bsn"
    if not kvk_text and not bsn_text:
        errors["kvk"] = "portal.chain.party"
    elif bsn_text and (kvk_text or direction is Direction.GIVE):
        # Only a client (registered by its intermediary) may be an eenmanszaak known by BSN.
        errors.setdefault("bsn", "portal.chain.bsn_only_client")
    try:
        legal_form = LegalForm(raw.get("legal_form", "") or "overig")
    except ValueError:
        legal_form = LegalForm.OVERIG
        errors["legal_form"] = "portal.chain.legal_form"
    if bsn_text:
        legal_form = LegalForm.EENMANSZAAK
    name = raw.get("name", "").strip()
    if len(name) > 200:
        errors["name"] = "portal.chain.name"
    chosen = [s.strip().lower() for s in services if s.strip()]
    known = {s.lower() for s in service_uuids}
    if not chosen or any(s not in known for s in chosen):
        errors["services"] = "portal.mandate.services"
    level = parse_level(raw.get("level", ""))
    if level is None:
        errors["level"] = "portal.field.level"
    years = parse_years_1_to_5(raw.get("years", ""))
    if years is None:
        errors["years"] = "portal.mandate.years"
    if errors:
        raise Invalid(errors)
    assert level is not None and years is not None
    return ChainForm(direction, kvk, bsn, name, legal_form, level,
                     tuple(uuid.UUID(s) for s in sorted(set(chosen))), years)


def _party(db: Session, form: ChainForm, at: datetime) -> Organisation:
    if form.kvk is not None:
        found = db.scalars(select(Organisation).where(Organisation.kvk_number == form.kvk)
                           ).first()
    else:
        found = db.scalars(select(Organisation).where(
            Organisation.bsn == form.bsn, Organisation.legal_form == LegalForm.EENMANSZAAK)
        ).first()
    if found is not None:
        return found
    if not form.name:
        raise Invalid({"name": "portal.chain.name"})
    created = Organisation(kvk_number=form.kvk, name=form.name, legal_form=form.legal_form,
                           bsn=form.bsn, created_at=at)
    db.add(created)
    db.flush()
    return created


def register(db: Session, organisation: Organisation, form: ChainForm, actor: str,
             at: datetime) -> ChainMandate:
    other = _party(db, form, at)
    if other.id == organisation.id:
        raise Invalid({"kvk": "portal.chain.self"})
    giving = form.direction is Direction.GIVE
    chain = ChainMandate(
        client=organisation if giving else other,
        intermediary=other if giving else organisation,
        level=form.level, valid_from=at, valid_until=add_years(at, form.years),
        status=ChainMandateStatus.ACTIVE if giving else ChainMandateStatus.PENDING,
        created_at=at, decided_at=at if giving else None,
        services=[ChainMandateService(service_uuid=s) for s in form.services],
    )
    db.add(chain)
    db.flush()
    for organisation_id in {chain.client_organisation_id, chain.intermediary_organisation_id}:
        record(db, at, actor, "portal.chain.registered", f"chain_mandate:{chain.id}",
               organisation_id, direction=form.direction.value, level=form.level.label,
               services=len(form.services), client_by="bsn" if form.bsn else "kvk",
               status=chain.status.value)
    return chain


def _load(db: Session, chain_id: int) -> ChainMandate:
    chain = db.get(ChainMandate, chain_id)
    if chain is None:
        raise NotFound("portal.error.not_found")
    return chain


def chain_of(db: Session, organisation_id: int, chain_id: int) -> ChainMandate:
    chain = _load(db, chain_id)
    if organisation_id not in (chain.client_organisation_id, chain.intermediary_organisation_id):
        raise Forbidden("portal.error.forbidden")
    return chain


def _decide(db: Session, chain: ChainMandate, approve: bool, actor: str, at: datetime) -> None:
    if chain.status is not ChainMandateStatus.PENDING:
        raise Conflict("portal.chain.not_pending")
    chain.status = ChainMandateStatus.ACTIVE if approve else ChainMandateStatus.REJECTED
    chain.decided_at = at
    for organisation_id in {chain.client_organisation_id, chain.intermediary_organisation_id}:
        record(db, at, actor, "portal.chain.approved" if approve else "portal.chain.rejected",
               f"chain_mandate:{chain.id}", organisation_id)


def decide_as_client(db: Session, organisation_id: int, chain_id: int, approve: bool,
                     actor: str, at: datetime) -> None:
    chain = chain_of(db, organisation_id, chain_id)
    if chain.client_organisation_id != organisation_id:
        raise Forbidden("portal.chain.client_decides")
    _decide(db, chain, approve, actor, at)


def client_has_administrator(db: Session, chain: ChainMandate) -> bool:
    return db.scalars(select(PortalRole.id).where(
        PortalRole.organisation_id == chain.client_organisation_id,
        PortalRole.role == Role.ADMINISTRATOR)).first() is not None


def decide_as_operator(db: Session, chain_id: int, approve: bool, actor: str,
                       at: datetime) -> None:
    _decide(db, _load(db, chain_id), approve, actor, at)


def revoke(db: Session, organisation_id: int, chain_id: int, actor: str, at: datetime) -> None:
    chain = chain_of(db, organisation_id, chain_id)
    if chain.status not in (ChainMandateStatus.ACTIVE, ChainMandateStatus.PENDING):
        raise Conflict("portal.chain.not_revocable")
    chain.status = ChainMandateStatus.REVOKED
    chain.decided_at = at
    for party in {chain.client_organisation_id, chain.intermediary_organisation_id}:
        record(db, at, actor, "portal.chain.revoked", f"chain_mandate:{chain.id}", party)


def display_status(chain: ChainMandate, at: datetime) -> str:
    if chain.status is ChainMandateStatus.ACTIVE and chain.valid_until <= at:
        return "expired"
    return chain.status.value


def _listing(db: Session, condition: object) -> Sequence[ChainMandate]:
    return db.scalars(
        select(ChainMandate).where(condition)  # type: ignore[arg-type]
        .options(selectinload(ChainMandate.client), selectinload(ChainMandate.intermediary),
                 selectinload(ChainMandate.services))
        .order_by(ChainMandate.id.desc())
    ).all()


def given(db: Session, organisation_id: int) -> Sequence[ChainMandate]:
    """Chain mandates in which this organisation is the client."""
    return _listing(db, ChainMandate.client_organisation_id == organisation_id)


def received(db: Session, organisation_id: int) -> Sequence[ChainMandate]:
    """Chain mandates in which this organisation is the intermediary."""
    return _listing(db, ChainMandate.intermediary_organisation_id == organisation_id)


def pending_without_administrator(db: Session) -> list[ChainMandate]:
    pending = _listing(db, ChainMandate.status == ChainMandateStatus.PENDING)
    return [chain for chain in pending if not client_has_administrator(db, chain)]
