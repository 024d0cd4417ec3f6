"""The register's decisions (idp.mr.flow, idp.mr2.flow) on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from etoegang.clock import FixedClock
from idp.db.models import ChainMandate
from idp.db.models import ChainMandateStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.mr.flow import ChainConfirmation
from idp.mr.flow import LegalSubject
from idp.mr.flow import OptionKind
from idp.mr.flow import Options
from idp.mr.flow import Party
from idp.mr.flow import confirm_chain
from idp.mr.flow import find_person
from idp.mr.flow import legal_subject
from idp.mr.flow import mandate_options
from idp.seed import BAKERY_KVK
from idp.seed import BAKERY_RSIN
from idp.seed import BRANCH_CENTRE
from idp.seed import CLIENT_KVK
from idp.seed import FIRM_KVK
from idp.seed import SOLE_BSN
from idp.seed import seed
from metadata.catalogue import EctaSet
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import ServiceView
from policies.chain import ChainPolicy
from policies.loa import Loa
from tests.idp_mr.conftest import FAST


@pytest.fixture()
def seeded(session: Session, clock: FixedClock, catalogue: ServiceCatalogue) -> Session:
    assert seed(session, clock, catalogue, hasher=FAST)
    session.commit()
    return session


def _views(catalogue: ServiceCatalogue) -> tuple[ServiceView, ...]:
    return tuple(sorted(ServiceView.all(catalogue), key=lambda v: v.loa.rank))


def _person(session: Session, email: str) -> Person:
    return session.scalars(select(Person).where(Person.email == email)).one()


def _options(
    session: Session,
    email: str,
    service: ServiceView,
    level: Loa,
    at: datetime,
    policy: ChainPolicy | None = None,
) -> Options:
    return mandate_options(session, person=_person(session, email), service=service,
                           minimum=level, at=at, chain_policy=policy or ChainPolicy())


def test_seed_is_idempotent(seeded: Session, clock: FixedClock,
                            catalogue: ServiceCatalogue) -> None:
    count = seeded.scalar(select(func.count()).select_from(Organisation))
    assert seed(seeded, clock, catalogue, hasher=FAST) is False
    assert seeded.scalar(select(func.count()).select_from(Organisation)) == count == 4


def test_one_direct_mandate_names_the_company_by_kvk(seeded: Session, clock: FixedClock,
                                                      catalogue: ServiceCatalogue) -> None:
    grant = _views(catalogue)[0]
    options = _options(seeded, "anna@goudenkorst.example", grant, Loa.EH2PLUS, clock.now())
    assert [(o.kind, o.represented.kvk_number, o.level) for o in options.options] == [
        (OptionKind.DIRECT, BAKERY_KVK, Loa.EH3)]
    assert options.options[0].legal_subject == LegalSubject(IdentifierType.KVKNR, BAKERY_KVK)


def test_two_mandates_give_two_options(seeded: Session, clock: FixedClock,
                                       catalogue: ServiceCatalogue) -> None:
    grant = _views(catalogue)[0]
    options = _options(seeded, "carla@klusbedrijfjansen.example", grant, Loa.EH2PLUS,
                       clock.now())
    assert sorted(o.represented.name for o in options.options) == [
        "Bakkerij De Gouden Korst B.V.", "Klusbedrijf Jansen"]


def test_branch_mandate_gives_the_branch_only_where_the_service_allows_it(
    seeded: Session, clock: FixedClock, catalogue: ServiceCatalogue
) -> None:
    grant = _views(catalogue)[0]
    options = _options(seeded, "bram@goudenkorst.example", grant, Loa.EH2PLUS, clock.now())
    assert [o.vestigingsnummer for o in options.options] == [BRANCH_CENTRE]
    no_branches = dataclasses.replace(grant, restrictions_allowed=())
    refused = _options(seeded, "bram@goudenkorst.example", no_branches, Loa.EH2PLUS,
                       clock.now())
    assert refused.options == () and refused.diagnosis.branch_only


def test_no_mandate_at_the_level_is_explained(seeded: Session, clock: FixedClock,
                                               catalogue: ServiceCatalogue) -> None:
    permit = _views(catalogue)[-1]
    options = _options(seeded, "anna@goudenkorst.example", permit, Loa.EH4, clock.now())
    assert options.options == ()
    assert options.diagnosis.lower_levels == (Loa.EH3,)
    assert options.diagnosis.administrators == ("Bakkerij De Gouden Korst B.V.",)


def test_expired_mandate_is_not_offered(seeded: Session, clock: FixedClock,
                                        catalogue: ServiceCatalogue) -> None:
    grant = _views(catalogue)[0]
    later = clock.now() + timedelta(days=6 * 366)
    assert _options(seeded, "anna@goudenkorst.example", grant, Loa.EH2PLUS, later).options == ()


def test_chain_option_for_the_firms_client(seeded: Session, clock: FixedClock,
                                           catalogue: ServiceCatalogue) -> None:
    payroll = _views(catalogue)[1]
    options = _options(seeded, "tom@telgen.example", payroll, Loa.EH3, clock.now())
    chains = [o for o in options.options if o.kind is OptionKind.CHAIN]
    assert len(chains) == 1 and len(options.options) == 2
    assert chains[0].represented.kvk_number == CLIENT_KVK
    assert chains[0].intermediary is not None
    assert chains[0].intermediary.kvk_number == FIRM_KVK


@pytest.mark.parametrize("level", [Loa.EH1])
def test_chain_refused_at_eh1(seeded: Session, clock: FixedClock,
                              catalogue: ServiceCatalogue, level: Loa) -> None:
    payroll = _views(catalogue)[1]
    options = _options(seeded, "tom@telgen.example", payroll, level, clock.now())
    assert [o.kind for o in options.options] == [OptionKind.DIRECT]


def test_chain_refused_by_policy(seeded: Session, clock: FixedClock,
                                 catalogue: ServiceCatalogue) -> None:
    payroll = _views(catalogue)[1]
    policy = ChainPolicy(frozenset({payroll.service_uuid.lower()}))
    options = _options(seeded, "tom@telgen.example", payroll, Loa.EH3, clock.now(), policy)
    assert [o.kind for o in options.options] == [OptionKind.DIRECT]


def test_mr2_confirms_only_an_active_chain_mandate(seeded: Session, clock: FixedClock,
                                                   catalogue: ServiceCatalogue) -> None:
    payroll = _views(catalogue)[1]
    client = LegalSubject(IdentifierType.KVKNR, CLIENT_KVK)

    def confirm() -> ChainConfirmation | None:
        return confirm_chain(seeded, client=client, intermediary_kvk=FIRM_KVK, service=payroll,
                             minimum=Loa.EH3, at=clock.now(), chain_policy=ChainPolicy())

    found = confirm()
    assert found is not None and found.legal_subject.value == CLIENT_KVK
    assert found.intermediary.name == "Administratiekantoor Telgen"
    for status in (ChainMandateStatus.PENDING, ChainMandateStatus.REVOKED):
        seeded.scalars(select(ChainMandate)).one().status = status
        seeded.flush()
        assert confirm() is None
    assert confirm_chain(seeded, client=client, intermediary_kvk=FIRM_KVK, service=payroll,
                         minimum=Loa.EH4, at=clock.now(), chain_policy=ChainPolicy()) is None


def test_person_is_found_by_internal_pseudonym(seeded: Session) -> None:
    anna = _person(seeded, "anna@goudenkorst.example")
    assert find_person(seeded, anna.pseudonym) == anna
    assert find_person(seeded, "0" * 64) is None


def _party(**kwargs: str | None) -> Party:
    values: dict[str, object] = {"kvk_number": None, "rsin": None, "bsn": None}
    values.update(kwargs)
    return Party(1, "X", **values)  # type: ignore[arg-type]


def test_identifier_type_follows_the_ecta_sets_in_order(catalogue: ServiceCatalogue) -> None:
    grant = _views(catalogue)[0]
    rsin_first = dataclasses.replace(grant, ecta_sets=(
        EctaSet(1, (IdentifierType.RSIN.value,)), EctaSet(2, (IdentifierType.KVKNR.value,))))
    bsn_only = dataclasses.replace(grant, ecta_sets=(EctaSet(1, (IdentifierType.BSN.value,)),))
    bv = _party(kvk_number=BAKERY_KVK, rsin=BAKERY_RSIN)
    assert legal_subject(grant, bv) == LegalSubject(IdentifierType.KVKNR, BAKERY_KVK)
    assert legal_subject(rsin_first, bv) == LegalSubject(IdentifierType.RSIN, BAKERY_RSIN)
    assert legal_subject(rsin_first, _party(kvk_number=BAKERY_KVK)) == LegalSubject(
        IdentifierType.KVKNR, BAKERY_KVK)
    assert legal_subject(bsn_only, _party(bsn=SOLE_BSN)) == LegalSubject(
        IdentifierType.BSN, SOLE_BSN)
    assert legal_subject(bsn_only, bv) is None
