"""Data-model rules, enforced on assignment in Python and by the database on both backends."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from etoegang.clock import FixedClock
from idp.db.columns import add_years
from idp.db.identifiers import InvalidIdentifier
from idp.db.models import AuditEvent
from idp.db.models import Credential
from idp.db.models import LegalForm
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.db.passwords import Argon2Parameters
from idp.db.passwords import PasswordHasher
from policies.loa import Loa
from tests.idp import builders as b

SERVICE = uuid.UUID("6b1f2ec3-4b5a-4a42-9d5e-1f0a8c3e7d11")
FAST = Argon2Parameters(time_cost=1, memory_cost_kib=1024, parallelism=1)


def test_identifiers_are_validated_on_assignment() -> None:
    with pytest.raises(InvalidIdentifier):
        Organisation(kvk_number="1234", name="X", legal_form=LegalForm.BV)
    with pytest.raises(InvalidIdentifier):
        Organisation(rsin="123456789", name="X", legal_form=LegalForm.BV)
    with pytest.raises(InvalidIdentifier):
        Person(given_names="A", surname="B", email="not-an-address")
    with pytest.raises(InvalidIdentifier):
        Credential(mobile_e164="0201234567")


def test_email_and_mobile_are_stored_normalised(session: Session, clock: FixedClock) -> None:
    who = b.person(session, clock.now(), email=" Jan@Example.NL")
    org = b.organisation(session, clock.now(), b.KVK_A)
    means = b.means(session, clock.now(), who, org)
    credential = Credential(
        means=means,
        password_hash=PasswordHasher(FAST).hash("pw"),
        mobile_e164="06 1234 5678",
        password_changed_at=clock.now(),
    )
    session.add(credential)
    session.commit()
    assert session.scalars(select(Person.email)).one() == "jan@example.nl"
    assert session.scalars(select(Credential.mobile_e164)).one() == "+31612345678"


def test_a_person_gets_a_random_pseudonym_that_never_changes(
    session: Session, clock: FixedClock
) -> None:
    a = b.person(session, clock.now(), "a@example.nl")
    other = b.person(session, clock.now(), "b@example.nl")
    assert len(a.pseudonym) == 64 and a.pseudonym != other.pseudonym
    with pytest.raises(ValueError, match="never changes"):
        a.pseudonym = other.pseudonym


def test_a_duplicate_email_is_refused_by_the_database(session: Session, clock: FixedClock) -> None:
    b.person(session, clock.now(), "jan@example.nl")
    with pytest.raises(IntegrityError):
        b.person(session, clock.now(), "JAN@example.nl")


def test_an_eenmanszaak_may_be_registered_by_bsn_only(session: Session, clock: FixedClock) -> None:
    org = b.organisation(
        session, clock.now(), None, "Jansen Klussen", LegalForm.EENMANSZAAK, bsn=b.BSN_A
    )
    session.commit()
    assert org.kvk_number is None
    assert b.BSN_A not in repr(org)


def test_an_organisation_without_kvk_that_is_no_eenmanszaak_is_refused(
    session: Session, clock: FixedClock
) -> None:
    with pytest.raises(IntegrityError):
        b.organisation(session, clock.now(), None, "Geen KvK B.V.", LegalForm.BV)


def test_a_bsn_on_a_legal_entity_is_refused(session: Session, clock: FixedClock) -> None:
    with pytest.raises(IntegrityError):
        b.organisation(session, clock.now(), b.KVK_A, legal_form=LegalForm.BV, bsn=b.BSN_A)


def test_means_validity_must_be_one_three_or_five_years(
    session: Session, clock: FixedClock
) -> None:
    who = b.person(session, clock.now())
    org = b.organisation(session, clock.now(), b.KVK_A)
    for years in (1, 3, 5):
        assert b.means(session, clock.now(), who, org, years=years).id
    with pytest.raises(ValueError, match="1, 3 or 5 years"):
        b.means(session, clock.now(), who, org, years=2)


def test_eh1_is_not_a_level_means_can_have(session: Session, clock: FixedClock) -> None:
    who = b.person(session, clock.now())
    org = b.organisation(session, clock.now(), b.KVK_A)
    with pytest.raises(StatementError, match="eH1"):
        b.means(session, clock.now(), who, org, level=Loa.EH1)


def test_an_active_eh3_means_needs_a_validated_identity_document(
    session: Session, clock: FixedClock
) -> None:
    who = b.person(session, clock.now())
    org = b.organisation(session, clock.now(), b.KVK_A)
    means = b.means(session, clock.now(), who, org, level=Loa.EH3, status=MeansStatus.REQUESTED)
    means.identity_document_validated = False
    session.flush()
    means.status = MeansStatus.ACTIVE
    with pytest.raises(IntegrityError):
        session.flush()


def test_levels_and_times_round_trip(session: Session, clock: FixedClock) -> None:
    who = b.person(session, clock.now())
    org = b.organisation(session, clock.now(), b.KVK_A)
    amsterdam = timezone(timedelta(hours=1))
    start = datetime(2026, 2, 28, 13, 30, tzinfo=amsterdam)
    b.means(session, clock.now(), who, org, level=Loa.EH2PLUS, valid_from=start)
    session.commit()
    session.expunge_all()
    means = session.scalars(select(Means)).one()
    assert means.level is Loa.EH2PLUS
    assert means.valid_from == start and means.valid_from.tzinfo == UTC
    assert session.execute(text("SELECT level FROM means")).scalar() == "eH2+"


def test_naive_datetimes_are_refused(session: Session, clock: FixedClock) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        b.person(session, clock.now().replace(tzinfo=None))


def test_a_mandate_of_more_than_five_years_is_refused(session: Session, clock: FixedClock) -> None:
    who = b.person(session, clock.now())
    org = b.organisation(session, clock.now(), b.KVK_A)
    start = clock.now()
    assert b.mandate(
        session, start, who, org, [SERVICE], valid_from=start, valid_until=add_years(start, 5)
    )
    with pytest.raises(ValueError, match="at most 5 years"):
        b.mandate(
            session,
            start,
            who,
            org,
            [SERVICE],
            valid_from=start,
            valid_until=add_years(start, 5) + timedelta(seconds=1),
        )


def test_a_mandate_needs_at_least_one_service(session: Session, clock: FixedClock) -> None:
    who = b.person(session, clock.now())
    org = b.organisation(session, clock.now(), b.KVK_A)
    with pytest.raises(ValueError, match="at least one service"):
        b.mandate(session, clock.now(), who, org, [])


def test_a_mandate_branch_must_belong_to_the_mandate_organisation(
    session: Session, clock: FixedClock
) -> None:
    who = b.person(session, clock.now())
    org = b.organisation(session, clock.now(), b.KVK_A)
    other = b.organisation(session, clock.now(), b.KVK_B, "Ander B.V.")
    foreign_branch = b.branch(session, other, "000000000002")
    with pytest.raises(IntegrityError):
        b.mandate(session, clock.now(), who, org, [SERVICE], where=foreign_branch)


def test_a_chain_mandate_needs_two_different_organisations(
    session: Session, clock: FixedClock
) -> None:
    org = b.organisation(session, clock.now(), b.KVK_A)
    with pytest.raises(IntegrityError):
        b.chain_mandate(session, clock.now(), org, org, [SERVICE])


def test_only_argon2id_hashes_are_stored() -> None:
    with pytest.raises(ValueError, match="argon2id"):
        Credential(password_hash="$2b$12$bcrypt-hash")


@pytest.mark.parametrize(
    "details",
    [
        {"email": "x"},
        {"note": "jan@example.nl"},
        {"note": "BSN 111222333"},
        {"note": "+31 6 1234 5678"},
        {"nested": {"a": 1}},
    ],
    ids=["personal-key", "address", "bsn", "phone", "nested"],
)
def test_audit_details_refuse_personal_data(details: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AuditEvent(details=details)


def test_audit_actor_must_be_a_reference() -> None:
    with pytest.raises(ValueError, match="reference"):
        AuditEvent(actor="jan@example.nl")
