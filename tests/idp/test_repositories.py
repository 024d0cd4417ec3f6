"""The register queries of the authentication service and the mandate registers, on both DBs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from etoegang.clock import FixedClock
from idp.db.columns import add_years
from idp.db.identifiers import InvalidIdentifier
from idp.db.models import AuditEvent
from idp.db.models import ChainMandateStatus
from idp.db.models import Credential
from idp.db.models import MandateStatus
from idp.db.models import MeansStatus
from idp.db.passwords import Argon2Parameters
from idp.db.passwords import PasswordHasher
from idp.db.repositories import append_audit_event
from idp.db.repositories import find_active_means_by_email
from idp.db.repositories import find_chain_mandates
from idp.db.repositories import find_mandates
from idp.db.repositories import levels_at_or_above
from policies.loa import Loa
from tests.idp import builders as b

TAX = uuid.UUID("6b1f2ec3-4b5a-4a42-9d5e-1f0a8c3e7d11")
SUBSIDY = uuid.UUID("0f6d9a51-94e1-4c9c-8a77-2d1b1c0e5a22")
FAST = Argon2Parameters(time_cost=1, memory_cost_kib=1024, parallelism=1)


def test_levels_at_or_above_follow_the_lattice() -> None:
    assert levels_at_or_above(Loa.EH2PLUS) == (Loa.EH2PLUS, Loa.EH3, Loa.EH4)
    assert levels_at_or_above(Loa.EH1) == (Loa.EH2, Loa.EH2PLUS, Loa.EH3, Loa.EH4)
    assert levels_at_or_above(Loa.EH4) == (Loa.EH4,)


# -- means -----------------------------------------------------------------------------------


def test_active_means_are_found_by_email_in_any_case(session: Session, clock: FixedClock) -> None:
    now = clock.now()
    who = b.person(session, now, "jan@example.nl")
    org = b.organisation(session, now, b.KVK_A)
    means = b.means(session, now, who, org, level=Loa.EH3)
    session.add(
        Credential(
            means=means, password_hash=PasswordHasher(FAST).hash("pw"), password_changed_at=now
        )
    )
    session.commit()
    session.expunge_all()
    found = find_active_means_by_email(session, "  JAN@Example.nl", now)
    assert [m.id for m in found] == [means.id]
    assert found[0].credential is not None
    assert found[0].credential.password_hash.startswith("$argon2id$")
    assert found[0].organisation.kvk_number == b.KVK_A


def test_means_that_are_not_active_or_not_valid_now_are_not_found(
    session: Session, clock: FixedClock
) -> None:
    now = clock.now()
    who = b.person(session, now)
    org = b.organisation(session, now, b.KVK_A)
    for status in (
        MeansStatus.REQUESTED,
        MeansStatus.SUSPENDED,
        MeansStatus.REVOKED,
        MeansStatus.EXPIRED,
    ):
        b.means(session, now, who, org, status=status)
    b.means(session, now, who, org, valid_from=now + timedelta(seconds=1))  # not yet valid
    b.means(session, now, who, org, years=1, valid_from=add_years(now, -1))  # just ended
    valid = b.means(session, now, who, org, years=1, valid_from=now)  # starts this instant
    assert [m.id for m in find_active_means_by_email(session, who.email, now)] == [valid.id]


def test_several_means_come_highest_level_first(session: Session, clock: FixedClock) -> None:
    now = clock.now()
    who = b.person(session, now)
    org = b.organisation(session, now, b.KVK_A)
    low = b.means(session, now, who, org, level=Loa.EH2)
    high = b.means(session, now, who, org, level=Loa.EH4)
    mid = b.means(session, now, who, org, level=Loa.EH2PLUS)
    found = find_active_means_by_email(session, who.email, now)
    assert [m.id for m in found] == [high.id, mid.id, low.id]


def test_an_unknown_email_finds_nothing_and_a_malformed_one_is_refused(
    session: Session, clock: FixedClock
) -> None:
    assert find_active_means_by_email(session, "nobody@example.nl", clock.now()) == []
    with pytest.raises(InvalidIdentifier):
        find_active_means_by_email(session, "nobody", clock.now())


# -- mandates --------------------------------------------------------------------------------


def test_a_mandate_at_or_above_the_level_is_found(session: Session, clock: FixedClock) -> None:
    now = clock.now()
    who = b.person(session, now)
    org = b.organisation(session, now, b.KVK_A)
    mandate = b.mandate(session, now, who, org, [TAX, SUBSIDY], level=Loa.EH3)
    session.commit()
    session.expunge_all()
    for minimum in (Loa.EH2, Loa.EH2PLUS, Loa.EH3):
        found = find_mandates(session, who.id, TAX, minimum, now)
        assert [m.id for m in found] == [mandate.id]
    assert find_mandates(session, who.id, TAX, Loa.EH4, now) == []
    found = find_mandates(session, who.id, SUBSIDY, Loa.EH3, now)
    assert found[0].service_uuids == {TAX, SUBSIDY}
    assert found[0].organisation.kvk_number == b.KVK_A
    assert found[0].branch is None


def test_mandates_for_other_services_people_or_times_are_not_found(
    session: Session, clock: FixedClock
) -> None:
    now = clock.now()
    who = b.person(session, now, "a@example.nl")
    someone_else = b.person(session, now, "b@example.nl")
    org = b.organisation(session, now, b.KVK_A)
    b.mandate(session, now, who, org, [SUBSIDY])
    b.mandate(session, now, someone_else, org, [TAX])
    b.mandate(session, now, who, org, [TAX], status=MandateStatus.REVOKED)
    b.mandate(session, now, who, org, [TAX], valid_from=now + timedelta(minutes=1))
    b.mandate(session, now, who, org, [TAX], valid_from=now - timedelta(days=10), valid_until=now)
    assert find_mandates(session, who.id, TAX, Loa.EH2, now) == []


def test_branch_restricted_mandates_come_with_their_branch(
    session: Session, clock: FixedClock
) -> None:
    now = clock.now()
    who = b.person(session, now)
    org = b.organisation(session, now, b.KVK_A)
    shop = b.branch(session, org, "000012345678")
    whole = b.mandate(session, now, who, org, [TAX])
    restricted = b.mandate(session, now, who, org, [TAX], where=shop)
    session.commit()
    session.expunge_all()
    found = find_mandates(session, who.id, TAX, Loa.EH3, now)
    assert [m.id for m in found] == [whole.id, restricted.id]
    assert found[1].branch is not None
    assert found[1].branch.vestigingsnummer == "000012345678"


# -- chain mandates ----------------------------------------------------------------------------


def test_an_active_chain_mandate_is_found_for_its_service(
    session: Session, clock: FixedClock
) -> None:
    now = clock.now()
    client = b.organisation(session, now, b.KVK_A, "Klant B.V.")
    accountant = b.organisation(session, now, b.KVK_B, "Accountant B.V.")
    chain = b.chain_mandate(session, now, client, accountant, [TAX], level=Loa.EH3)
    session.commit()
    session.expunge_all()
    found = find_chain_mandates(session, accountant.id, client.id, TAX, now)
    assert [c.id for c in found] == [chain.id]
    assert found[0].client.name == "Klant B.V."
    assert found[0].intermediary.kvk_number == b.KVK_B
    assert find_chain_mandates(session, accountant.id, client.id, TAX, now, Loa.EH3) != []
    assert find_chain_mandates(session, accountant.id, client.id, TAX, now, Loa.EH4) == []


def test_chain_mandates_in_other_states_directions_or_services_are_not_found(
    session: Session, clock: FixedClock
) -> None:
    now = clock.now()
    client = b.organisation(session, now, b.KVK_A, "Klant B.V.")
    accountant = b.organisation(session, now, b.KVK_B, "Accountant B.V.")
    other = b.organisation(session, now, b.KVK_C, "Derde B.V.")
    for status in (
        ChainMandateStatus.PENDING,
        ChainMandateStatus.REJECTED,
        ChainMandateStatus.REVOKED,
    ):
        b.chain_mandate(session, now, client, accountant, [TAX], status=status)
    b.chain_mandate(session, now, accountant, client, [TAX])  # the other direction
    b.chain_mandate(session, now, other, accountant, [TAX])  # another client
    b.chain_mandate(session, now, client, accountant, [SUBSIDY])  # another service
    b.chain_mandate(session, now, client, accountant, [TAX], valid_until=now)  # ended
    assert find_chain_mandates(session, accountant.id, client.id, TAX, now) == []


# -- audit -----------------------------------------------------------------------------------


def test_audit_events_are_appended_with_an_id(session: Session, clock: FixedClock) -> None:
    now = clock.now()
    org = b.organisation(session, now, b.KVK_A)
    who = b.person(session, now)
    first = append_audit_event(
        session,
        at=now,
        actor=f"person:{who.pseudonym}",
        action="mandate.grant",
        object_ref="mandate:1",
        organisation_id=org.id,
        details={"level": "eH3", "services": 2},
    )
    second = append_audit_event(
        session,
        at=now + timedelta(seconds=1),
        actor="system",
        action="means.expire",
        object_ref="means:7",
    )
    session.commit()
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [r.id for r in rows] == [first.id, second.id]
    assert rows[0].details == {"level": "eH3", "services": 2}
    assert rows[1].details == {} and rows[1].organisation_id is None


def test_an_audit_event_with_personal_data_is_refused(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="personal data"):
        append_audit_event(
            session,
            at=clock.now(),
            actor="system",
            action="person.update",
            object_ref="person:1",
            details={"email": "jan@example.nl"},
        )
