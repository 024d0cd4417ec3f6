"""Demo and test data for the means issuer: organisations, people, means and mandates.

``seed(session, clock, catalogue)`` fills an empty register (idempotent: a register that
already holds the demo's first organisation is left alone) with:

* Bakkerij De Gouden Korst B.V. (KvK + RSIN) with two branches (12-digit vestigingsnummers);
* Klusbedrijf Jansen, a sole proprietorship (eenmanszaak) registered by BSN (and KvK, so
  it can use services that accept only KvK or RSIN);
* Administratiekantoor Telgen, an accountancy firm acting as intermediary, and its client
  Hoveniersbedrijf Groen B.V., which authorised the firm by a chain mandate;
* people with means at eH2+, eH3 and eH4 (argon2id passwords, validated mobile numbers),
  mandates (one restricted to a branch, one person with two mandates so the choice page
  shows), and an expired and a revoked means.

Mandates cover every service in the catalogue (its instance ServiceUUIDs, spec §1), so the
demo works for whatever services the network publishes. Passwords appear only in
:func:`demo_users`, for the demo to print; nothing here logs them.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from idp.db.columns import add_years
from idp.db.models import Branch
from idp.db.models import ChainMandate
from idp.db.models import ChainMandateService
from idp.db.models import ChainMandateStatus
from idp.db.models import Credential
from idp.db.models import LegalForm
from idp.db.models import Mandate
from idp.db.models import MandateService
from idp.db.models import MandateStatus
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.db.passwords import PasswordHasher
from idp.portal.models import PortalRole
from idp.portal.models import Role
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import ServiceView
from policies.loa import Loa

#: The demo password of every seeded means (printed by the demo, never logged).
DEMO_PASSWORD: Final = "Demo-wachtwoord-2026!"  # noqa: S105 - public demo data

BAKERY_KVK: Final = "69599084"
BAKERY_RSIN: Final = "820000012"
BRANCH_CENTRE: Final = "000012345678"
BRANCH_NORTH: Final = "000087654321"
SOLE_BSN: Final = "111222345"
SOLE_KVK: Final = "60012345"
FIRM_KVK: Final = "53920191"
FIRM_RSIN: Final = "850000014"
CLIENT_KVK: Final = "71234560"


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    password: str
    level: str
    description: str


_USERS: Final = (
    DemoUser("anna@goudenkorst.example", DEMO_PASSWORD, "eH3",
             "one mandate: Bakkerij De Gouden Korst B.V. (whole company, eH3); "
             "administrator of the bakery in the portal (/portal)"),
    DemoUser("bram@goudenkorst.example", DEMO_PASSWORD, "eH2+",
             "branch mandate: Bakkerij De Gouden Korst B.V., branch Centrum (eH2+)"),
    DemoUser("carla@klusbedrijfjansen.example", DEMO_PASSWORD, "eH4",
             "two mandates: Klusbedrijf Jansen (eenmanszaak, eH4) and the bakery (eH3)"),
    DemoUser("tom@telgen.example", DEMO_PASSWORD, "eH3",
             "intermediary: Administratiekantoor Telgen, and for its client "
             "Hoveniersbedrijf Groen B.V. by chain mandate (eH3); administrator of Telgen "
             "in the portal"),
    DemoUser("olga@telgen.example", DEMO_PASSWORD, "eH3",
             "the means issuer's operator in the portal: validates identity documents"),
    DemoUser("eva@goudenkorst.example", DEMO_PASSWORD, "eH3", "expired means: login refused"),
    DemoUser("rob@goudenkorst.example", DEMO_PASSWORD, "eH2+", "revoked means: login refused"),
)


def demo_users() -> tuple[DemoUser, ...]:
    """(email, password, level, description) of the seeded people, for the demo to print."""
    return _USERS


def _organisation(
    session: Session, at: datetime, name: str, form: LegalForm, *,
    kvk: str | None = None, rsin: str | None = None, bsn: str | None = None,
) -> Organisation:
    row = Organisation(name=name, legal_form=form, kvk_number=kvk, rsin=rsin, bsn=bsn,
                       created_at=at)
    session.add(row)
    return row


def _person(
    session: Session, at: datetime, given: str, surname: str, email: str
) -> Person:
    row = Person(given_names=given, surname=surname, email=email, created_at=at)
    session.add(row)
    return row


def _means(
    session: Session,
    at: datetime,
    who: Person,
    org: Organisation,
    level: Loa,
    mobile: str,
    password_hash: str,
    status: MeansStatus = MeansStatus.ACTIVE,
) -> Means:
    start = at - timedelta(days=30)
    years = 3
    if status is MeansStatus.EXPIRED:
        start, years = add_years(at, -1) - timedelta(days=30), 1
    row = Means(
        person=who,
        organisation=org,
        level=level,
        status=status,
        valid_from=start,
        valid_until=add_years(start, years),
        is_employee=True,
        identity_document_validated=level.satisfies(Loa.EH3),
        created_at=at,
    )
    row.credential = Credential(
        password_hash=password_hash,
        mobile_e164=mobile,
        mobile_validated=True,
        password_changed_at=at,
    )
    session.add(row)
    return row


def _mandate(
    session: Session,
    at: datetime,
    who: Person,
    org: Organisation,
    level: Loa,
    services: Iterable[uuid.UUID],
    branch: Branch | None = None,
) -> Mandate:
    start = at - timedelta(days=1)
    row = Mandate(
        person=who,
        organisation=org,
        branch=branch,
        level=level,
        valid_from=start,
        valid_until=add_years(start, 5),
        status=MandateStatus.ACTIVE,
        created_at=at,
        services=[MandateService(service_uuid=s) for s in services],
    )
    session.add(row)
    return row


def service_uuids(catalogue: ServiceCatalogue) -> tuple[uuid.UUID, ...]:
    """The instance ServiceUUIDs of every service in the catalogue (what queries carry)."""
    return tuple(sorted({uuid.UUID(view.service_uuid) for view in ServiceView.all(catalogue)}))


def seed(
    session: Session,
    clock: Clock,
    catalogue: ServiceCatalogue,
    *,
    hasher: PasswordHasher | None = None,
) -> bool:
    """Fill the register with the demo data; False (and nothing changed) if already there.

    Flushes, does not commit: the caller owns the transaction.
    """
    existing = session.scalars(
        select(Organisation).where(Organisation.kvk_number == BAKERY_KVK)
    ).first()
    if existing is not None:
        return False
    at = clock.now()
    services = service_uuids(catalogue)
    password_hash = (hasher or PasswordHasher()).hash(DEMO_PASSWORD)

    bakery = _organisation(session, at, "Bakkerij De Gouden Korst B.V.", LegalForm.BV,
                           kvk=BAKERY_KVK, rsin=BAKERY_RSIN)
    centre = Branch(organisation=bakery, vestigingsnummer=BRANCH_CENTRE, name="Centrum")
    north = Branch(organisation=bakery, vestigingsnummer=BRANCH_NORTH, name="Noord")
    session.add_all([centre, north])
    sole = _organisation(session, at, "Klusbedrijf Jansen", LegalForm.EENMANSZAAK,
                         kvk=SOLE_KVK, bsn=SOLE_BSN)
    firm = _organisation(session, at, "Administratiekantoor Telgen", LegalForm.BV,
                         kvk=FIRM_KVK, rsin=FIRM_RSIN)
    client = _organisation(session, at, "Hoveniersbedrijf Groen B.V.", LegalForm.BV,
                           kvk=CLIENT_KVK)

    anna = _person(session, at, "Anna", "de Vries", "anna@goudenkorst.example")
    _means(session, at, anna, bakery, Loa.EH3, "+31612345601", password_hash)
    _mandate(session, at, anna, bakery, Loa.EH3, services)

    bram = _person(session, at, "Bram", "Bakker", "bram@goudenkorst.example")
    _means(session, at, bram, bakery, Loa.EH2PLUS, "+31612345602", password_hash)
    _mandate(session, at, bram, bakery, Loa.EH2PLUS, services, branch=centre)

    carla = _person(session, at, "Carla", "Jansen", "carla@klusbedrijfjansen.example")
    _means(session, at, carla, sole, Loa.EH4, "+31612345603", password_hash)
    _mandate(session, at, carla, sole, Loa.EH4, services)
    _mandate(session, at, carla, bakery, Loa.EH3, services)

    tom = _person(session, at, "Tom", "Telgen", "tom@telgen.example")
    _means(session, at, tom, firm, Loa.EH3, "+31612345604", password_hash)
    _mandate(session, at, tom, firm, Loa.EH3, services)
    start = at - timedelta(days=1)
    session.add(
        ChainMandate(
            client=client,
            intermediary=firm,
            level=Loa.EH3,
            valid_from=start,
            valid_until=add_years(start, 5),
            status=ChainMandateStatus.ACTIVE,
            created_at=at,
            decided_at=at,
            services=[ChainMandateService(service_uuid=s) for s in services],
        )
    )

    eva = _person(session, at, "Eva", "Smit", "eva@goudenkorst.example")
    _means(session, at, eva, bakery, Loa.EH3, "+31612345605", password_hash,
           status=MeansStatus.EXPIRED)
    _mandate(session, at, eva, bakery, Loa.EH3, services)
    rob = _person(session, at, "Rob", "Mulder", "rob@goudenkorst.example")
    _means(session, at, rob, bakery, Loa.EH2PLUS, "+31612345606", password_hash,
           status=MeansStatus.REVOKED)
    olga = _person(session, at, "Olga", "Overbeek", "olga@telgen.example")
    _means(session, at, olga, firm, Loa.EH3, "+31612345607", password_hash)
    session.flush()
    # Portal roles (idp/portal): administrators of their organisation, and one operator.
    session.add_all([
        PortalRole(person_id=anna.id, organisation_id=bakery.id, role=Role.ADMINISTRATOR,
                   created_at=at),
        PortalRole(person_id=tom.id, organisation_id=firm.id, role=Role.ADMINISTRATOR,
                   created_at=at),
        PortalRole(person_id=olga.id, organisation_id=None, role=Role.OPERATOR, created_at=at),
    ])
    session.flush()
    return True


def run(settings_path: Path, clock: Clock | None = None) -> int:
    """``makelaar idp seed SETTINGS``: migrate, seed and print the demo users."""
    from idp.db.session import make_engine
    from idp.db.session import make_session_factory
    from idp.db.session import upgrade_to_head
    from idp.settings import load_settings
    from metadata.loading import catalogue_signers
    from metadata.loading import load_catalogue
    from metadata.loading import trust_from_files

    clock = clock or SystemClock()
    settings = load_settings(settings_path)
    trust = trust_from_files(settings.metadata_authorities)
    catalogue = load_catalogue(
        settings.catalogue,
        catalogue_signers(settings.catalogue_signer_metadata, trust, clock),
        clock,
    )
    engine = make_engine(settings.db_url)
    upgrade_to_head(engine)
    with make_session_factory(engine)() as session:
        added = seed(session, clock, catalogue)
        session.commit()
    engine.dispose()
    print("seeded" if added else "already seeded")
    for user in demo_users():
        print(f"{user.email:34} {user.password:24} {user.level:5} {user.description}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``seed`` to an ``idp`` sub-command parser (for makelaar/commands/idp.py)."""
    parser = subparsers.add_parser("seed", help="fill the means issuer's register with demo data")
    parser.add_argument("settings", type=Path, help="idp.yaml")
    parser.set_defaults(func=lambda args: run(args.settings))
