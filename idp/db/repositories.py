"""The queries the authentication service and the mandate registers run (DESIGN.md §2, §3).

Plain functions over a SQLAlchemy :class:`~sqlalchemy.orm.Session`; the caller owns the
transaction (these functions flush, never commit). Every validity check takes the instant
``at`` from the caller's injected clock, and every level check is "at or above" on the
eH lattice of :mod:`policies.loa`, never a string comparison.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db import identifiers
from idp.db.models import ISSUABLE_LEVELS
from idp.db.models import AuditEvent
from idp.db.models import ChainMandate
from idp.db.models import ChainMandateService
from idp.db.models import ChainMandateStatus
from idp.db.models import Mandate
from idp.db.models import MandateService
from idp.db.models import MandateStatus
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Person
from policies.loa import Loa


def levels_at_or_above(minimum: Loa) -> tuple[Loa, ...]:
    """The levels a means or mandate may have that satisfy ``minimum`` (spec §2)."""
    return tuple(level for level in ISSUABLE_LEVELS if level.satisfies(minimum))


def find_active_means_by_email(session: Session, email: str, at: datetime) -> Sequence[Means]:
    """The active, currently valid means of the person with this e-mail address.

    Highest level first, each with its credential and organisation loaded. The address is
    normalised first, so case and surrounding spaces do not matter; an address that is not
    an e-mail address at all raises :class:`~idp.db.identifiers.InvalidIdentifier`.
    """
    normalised = identifiers.email_address(email)
    statement = (
        select(Means)
        .join(Means.person)
        .where(
            Person.email == normalised,
            Means.status == MeansStatus.ACTIVE,
            Means.valid_from <= at,
            Means.valid_until > at,
        )
        .options(selectinload(Means.credential), selectinload(Means.organisation))
        .order_by(Means.id)
    )
    found = session.scalars(statement).all()
    return sorted(found, key=lambda means: means.level.rank, reverse=True)


def find_mandates(
    session: Session, person_id: int, service_uuid: uuid.UUID, minimum: Loa, at: datetime
) -> Sequence[Mandate]:
    """Mandates of a person for a service at ``minimum`` or higher, valid at ``at``.

    Revoked mandates are left out; each result has its organisation and branch loaded (a
    branch-restricted mandate yields a Vestigingsnr, spec §3.1). Ordered by organisation, then
    whole-organisation mandates before branch-restricted ones.
    """
    statement = (
        select(Mandate)
        .join(MandateService, MandateService.mandate_id == Mandate.id)
        .where(
            Mandate.person_id == person_id,
            MandateService.service_uuid == service_uuid,
            Mandate.status == MandateStatus.ACTIVE,
            Mandate.level.in_(levels_at_or_above(minimum)),
            Mandate.valid_from <= at,
            Mandate.valid_until > at,
        )
        .options(
            selectinload(Mandate.organisation),
            selectinload(Mandate.branch),
            selectinload(Mandate.services),
        )
        # Whole-organisation mandates before branch ones, the same on SQLite and PostgreSQL
        # (whose default NULL orderings differ).
        .order_by(Mandate.organisation_id, Mandate.branch_id.asc().nulls_first(), Mandate.id)
    )
    return session.scalars(statement).all()


def find_chain_mandates(
    session: Session,
    intermediary_id: int,
    client_id: int,
    service_uuid: uuid.UUID,
    at: datetime,
    minimum: Loa | None = None,
) -> Sequence[ChainMandate]:
    """Active chain mandates by which ``client_id`` authorises ``intermediary_id`` (spec §7).

    Only mandates covering ``service_uuid``, valid at ``at`` and (when given) at ``minimum``
    or higher; pending, rejected and revoked ones are left out.
    """
    conditions: list[Any] = [
        ChainMandate.intermediary_organisation_id == intermediary_id,
        ChainMandate.client_organisation_id == client_id,
        ChainMandateService.service_uuid == service_uuid,
        ChainMandate.status == ChainMandateStatus.ACTIVE,
        ChainMandate.valid_from <= at,
        ChainMandate.valid_until > at,
    ]
    if minimum is not None:
        conditions.append(ChainMandate.level.in_(levels_at_or_above(minimum)))
    statement = (
        select(ChainMandate)
        .join(ChainMandateService, ChainMandateService.chain_mandate_id == ChainMandate.id)
        .where(*conditions)
        .options(
            selectinload(ChainMandate.client),
            selectinload(ChainMandate.intermediary),
            selectinload(ChainMandate.services),
        )
        .order_by(ChainMandate.id)
    )
    return session.scalars(statement).all()


def append_audit_event(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    object_ref: str,
    organisation_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event and flush it, so it has an id and its link in the hash chain
    (:mod:`idp.db.audit_chain`) and fails now if it is refused. The chain head stays locked
    until the caller's transaction ends: commit soon, and do no network I/O in between.

    ``actor`` and ``object_ref`` are references (``person:<pseudonym>``, ``mandate:17``);
    ``details`` is a flat mapping without personal data (refused with ValueError otherwise).
    """
    event = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        object_ref=object_ref,
        organisation_id=organisation_id,
        details=dict(details or {}),
    )
    session.add(event)
    session.flush()
    return event
