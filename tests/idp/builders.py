"""Small builders of register rows for the means issuer's tests (flushed, not committed)."""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timedelta

from sqlalchemy.orm import Session

from idp.db.columns import add_years
from idp.db.models import Branch
from idp.db.models import ChainMandate
from idp.db.models import ChainMandateService
from idp.db.models import ChainMandateStatus
from idp.db.models import LegalForm
from idp.db.models import Mandate
from idp.db.models import MandateService
from idp.db.models import MandateStatus
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from policies.loa import Loa

#: Test KvK numbers and RSINs that pass the 11-test (made up, not real companies).
KVK_A = "90000001"
KVK_B = "90000002"
KVK_C = "90000003"
RSIN_A = "123456782"
BSN_A = "111222333"


def organisation(
    session: Session,
    at: datetime,
    kvk: str | None,
    name: str = "Bakkerij B.V.",
    legal_form: LegalForm = LegalForm.BV,
    bsn: str | None = None,
) -> Organisation:
    org = Organisation(kvk_number=kvk, name=name, legal_form=legal_form, bsn=bsn, created_at=at)
    session.add(org)
    session.flush()
    return org


def branch(session: Session, org: Organisation, number: str) -> Branch:
    row = Branch(organisation=org, vestigingsnummer=number, name="Filiaal")
    session.add(row)
    session.flush()
    return row


def person(session: Session, at: datetime, email: str = "jan@example.nl") -> Person:
    row = Person(given_names="Jan", surname="Jansen", email=email, created_at=at)
    session.add(row)
    session.flush()
    return row


def means(
    session: Session,
    at: datetime,
    who: Person,
    org: Organisation,
    level: Loa = Loa.EH3,
    status: MeansStatus = MeansStatus.ACTIVE,
    years: int = 3,
    valid_from: datetime | None = None,
) -> Means:
    start = valid_from or at - timedelta(days=30)
    row = Means(
        person=who,
        organisation=org,
        level=level,
        status=status,
        valid_from=start,
        valid_until=add_years(start, years),
        is_employee=True,
        identity_document_validated=True,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def mandate(
    session: Session,
    at: datetime,
    who: Person,
    org: Organisation,
    services: list[uuid.UUID],
    level: Loa = Loa.EH3,
    status: MandateStatus = MandateStatus.ACTIVE,
    where: Branch | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> Mandate:
    start = valid_from or at - timedelta(days=1)
    row = Mandate(
        person=who,
        organisation=org,
        branch=where,
        level=level,
        status=status,
        valid_from=start,
        valid_until=valid_until or add_years(start, 1),
        created_at=at,
        services=[MandateService(service_uuid=s) for s in services],
    )
    session.add(row)
    session.flush()
    return row


def chain_mandate(
    session: Session,
    at: datetime,
    client: Organisation,
    intermediary: Organisation,
    services: list[uuid.UUID],
    level: Loa = Loa.EH3,
    status: ChainMandateStatus = ChainMandateStatus.ACTIVE,
    valid_until: datetime | None = None,
) -> ChainMandate:
    start = at - timedelta(days=1)
    row = ChainMandate(
        client=client,
        intermediary=intermediary,
        level=level,
        status=status,
        valid_from=start,
        valid_until=valid_until or add_years(start, 1),
        created_at=at,
        services=[ChainMandateService(service_uuid=s) for s in services],
    )
    session.add(row)
    session.flush()
    return row
