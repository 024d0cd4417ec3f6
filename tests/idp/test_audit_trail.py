"""The audit trail in the database, on SQLite and PostgreSQL: events are chained as they are
written (in the writer's transaction), the ORM and the database refuse to change or delete them,
tampering by direct database access is found, concurrent writers keep one chain, and the
migration chains the events stored before it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from etoegang.clock import FixedClock
from idp.db.audit_chain import GENESIS_HASH
from idp.db.audit_chain import AppendOnlyViolation
from idp.db.audit_chain import BreakKind
from idp.db.audit_chain import ChainHeadMissing
from idp.db.audit_chain import Verification
from idp.db.audit_chain import read_head
from idp.db.audit_chain import verify_stored
from idp.db.models import AuditEvent
from idp.db.models import Base
from idp.db.repositories import append_audit_event
from idp.db.session import alembic_config
from idp.db.session import upgrade_to_head
from tests.idp import builders as b
from tests.idp.audit_guards import append_only_lifted

EVENTS = Base.metadata.tables["audit_event"]
HEAD = Base.metadata.tables["audit_chain_head"]


def write(session: Session, clock: FixedClock, n: int, **fields: Any) -> AuditEvent:
    values: dict[str, Any] = {"actor": "system", "action": "means.expire",
                              "object_ref": f"means:{n}", "details": {"n": n}}
    values.update(fields)
    return append_audit_event(session, at=clock.now() + timedelta(seconds=n), **values)


def verified(engine: Engine, expect_head: str | None = None) -> Verification:
    with engine.connect() as connection:
        return verify_stored(connection, expect_head)


@pytest.fixture()
def five(session: Session, clock: FixedClock) -> list[AuditEvent]:
    """Five committed events, the first for an organisation."""
    org = b.organisation(session, clock.now(), b.KVK_A)
    events = [write(session, clock, 1, organisation_id=org.id, details={"level": "eH3"})]
    events += [write(session, clock, n) for n in range(2, 6)]
    session.commit()
    return events


def tamper(engine: Engine, *statements: Any) -> None:
    """Run ``statements`` as someone with direct write access to the database would."""
    with engine.begin() as connection, append_only_lifted(connection):
        for statement in statements:
            connection.execute(statement)


# -- appending ---------------------------------------------------------------------------------


def test_appended_events_form_a_chain_from_genesis_that_verifies(
    engine: Engine, five: list[AuditEvent]
) -> None:
    assert [e.seq for e in five] == [1, 2, 3, 4, 5]
    assert five[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in five[1:]] == [e.hash for e in five[:-1]]
    outcome = verified(engine)
    assert outcome.intact, outcome.first_break
    assert (outcome.rows_checked, outcome.last_seq, outcome.last_hash) == (5, 5, five[-1].hash)
    with engine.connect() as connection:
        head = read_head(connection)
    assert head is not None and (head.seq, head.hash) == (5, five[-1].hash)


def test_a_rolled_back_transaction_leaves_neither_its_event_nor_a_head_move(
    engine: Engine, session: Session, clock: FixedClock
) -> None:
    write(session, clock, 1)
    session.commit()
    write(session, clock, 2, object_ref="means:lost")
    session.rollback()
    third = write(session, clock, 3)
    session.commit()
    assert third.seq == 2
    refs = session.scalars(select(AuditEvent.object_ref).order_by(AuditEvent.seq)).all()
    assert refs == ["means:1", "means:3"]
    assert verified(engine).intact


def test_events_flushed_together_are_chained_in_the_order_they_were_added(
    engine: Engine, session: Session, clock: FixedClock
) -> None:
    events = [
        AuditEvent(at=clock.now(), actor="system", action="means.expire", object_ref=f"means:{n}")
        for n in range(3)
    ]
    session.add_all(events)
    session.commit()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].details == {}
    assert verified(engine).intact


def test_without_a_head_record_nothing_is_appended(
    engine: Engine, session: Session, clock: FixedClock
) -> None:
    with engine.begin() as connection:
        connection.execute(delete(HEAD))
    with pytest.raises(ChainHeadMissing, match="makelaar db upgrade"):
        write(session, clock, 1)
    session.rollback()
    assert session.scalars(select(AuditEvent)).all() == []


# -- append-only guards ------------------------------------------------------------------------


def test_the_orm_refuses_to_change_or_delete_an_event(
    session: Session, five: list[AuditEvent], caplog: pytest.LogCaptureFixture
) -> None:
    five[2].action = "mandate.revoke"
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    assert "refused to change or delete an audit event" in caplog.text
    session.rollback()
    session.delete(five[2])
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()
    with pytest.raises(AppendOnlyViolation):
        session.execute(update(AuditEvent).values(action="x"))
    session.rollback()
    with pytest.raises(AppendOnlyViolation):
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    session.rollback()
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.seq == 3)).one() == (
        "means.expire"
    )
    assert session.scalar(select(sa.func.count()).select_from(AuditEvent)) == 5


@pytest.mark.parametrize(
    "statement",
    [
        update(EVENTS).where(EVENTS.c.seq == 3).values(action="mandate.revoke"),
        delete(EVENTS).where(EVENTS.c.seq == 3),
        delete(EVENTS),
    ],
    ids=["update", "delete-one", "delete-all"],
)
def test_the_database_refuses_to_change_or_delete_an_event(
    engine: Engine, five: list[AuditEvent], statement: Any
) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(statement)
    assert verified(engine).rows_checked == 5


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_refuses_to_truncate_the_trail(engine: Engine, five: list[AuditEvent]) -> None:
    with pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"):
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_event"))
    assert verified(engine).intact


# -- tampering is found ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"details": {"n": 99}},
        {"action": "mandate.revoke"},
        {"actor": "person:" + "cd" * 32},
        {"at": "later"},
    ],
    ids=["details", "action", "actor", "at"],
)
def test_a_changed_middle_event_is_found(
    engine: Engine, five: list[AuditEvent], change: dict[str, Any]
) -> None:
    if change.get("at") == "later":
        change = {"at": five[2].at + timedelta(seconds=1)}
    tamper(engine, update(EVENTS).where(EVENTS.c.seq == 3).values(**change))
    problem = verified(engine).first_break
    assert problem is not None
    assert (problem.kind, problem.seq, problem.event_id) == (BreakKind.HASH, 3, five[2].id)
    assert problem.found == five[2].hash and problem.expected != five[2].hash


def test_a_deleted_middle_event_is_found(engine: Engine, five: list[AuditEvent]) -> None:
    tamper(engine, delete(EVENTS).where(EVENTS.c.seq == 3))
    problem = verified(engine).first_break
    assert problem is not None and (problem.kind, problem.seq) == (BreakKind.GAP, 4)
    assert (problem.expected, problem.found) == ("seq 3", "seq 4")


def test_a_reordered_pair_is_found(engine: Engine, five: list[AuditEvent]) -> None:
    swap = [(3, -1), (4, 3), (-1, 4)]
    tamper(engine, *(update(EVENTS).where(EVENTS.c.seq == a).values(seq=z) for a, z in swap))
    problem = verified(engine).first_break
    assert problem is not None
    assert (problem.kind, problem.seq, problem.event_id) == (BreakKind.LINK, 3, five[3].id)


def test_a_cut_tail_is_found_by_the_head_record_or_else_by_the_anchor(
    engine: Engine, five: list[AuditEvent]
) -> None:
    anchor = five[-1].hash
    tamper(engine, delete(EVENTS).where(EVENTS.c.seq > 3))
    problem = verified(engine).first_break
    assert problem is not None and problem.kind is BreakKind.HEAD
    # A careful attacker rewinds the head record too: only the anchor kept elsewhere tells.
    with engine.begin() as connection:
        connection.execute(update(HEAD).values(seq=3, hash=five[2].hash))
    assert verified(engine).intact
    assert verified(engine, expect_head=five[1].hash).intact
    problem = verified(engine, expect_head=anchor).first_break
    assert problem is not None and problem.kind is BreakKind.ANCHOR


# -- concurrent writers (PostgreSQL) -----------------------------------------------------------


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_concurrent_writers_keep_one_unbroken_chain(engine: Engine, clock: FixedClock) -> None:
    per_writer = 15
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            with Session(engine) as db:
                start.wait()
                for n in range(per_writer):
                    write(db, clock, n, object_ref=f"{name}:{n}")
                    db.commit()
        except BaseException as exc:  # reported by the test thread below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("means", "mandate")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    outcome = verified(engine)
    assert outcome.intact, outcome.first_break
    assert outcome.rows_checked == outcome.last_seq == 2 * per_writer


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_second_writer_waits_for_the_first_and_chains_from_its_event(
    engine: Engine, clock: FixedClock
) -> None:
    with Session(engine) as first, Session(engine) as second:
        earlier = write(first, clock, 1)  # holds the head until it commits
        done = threading.Event()
        seen: dict[str, object] = {}

        def second_writer() -> None:
            later = write(second, clock, 2)
            seen.update(seq=later.seq, prev_hash=later.prev_hash)
            second.commit()
            done.set()

        thread = threading.Thread(target=second_writer)
        thread.start()
        try:
            assert not done.wait(0.5), "the second writer did not wait for the chain head"
            first.commit()
            assert done.wait(10)
        finally:
            thread.join(timeout=10)
        assert seen == {"seq": earlier.seq + 1, "prev_hash": earlier.hash}
    assert verified(engine).intact


# -- the migration -----------------------------------------------------------------------------


@pytest.fixture()
def at_r0002(empty_engine: Engine) -> Iterator[Engine]:
    command.upgrade(alembic_config(empty_engine), "r0002")
    yield empty_engine


def test_the_migration_chains_stored_events_in_id_order(
    at_r0002: Engine, clock: FixedClock
) -> None:
    old = sa.table(
        "audit_event", sa.column("id", sa.Integer()), sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()), sa.column("action", sa.String()),
        sa.column("object_ref", sa.String()), sa.column("details", sa.JSON()),
    )
    # Ids out of time order: the chain follows the ids, as the rows were written.
    rows = [(9, 1), (2, 3), (5, 2)]
    with at_r0002.begin() as connection:
        connection.execute(sa.insert(old), [
            {"id": event_id, "at": clock.now() + timedelta(minutes=minute), "actor": "system",
             "action": "means.expire", "object_ref": f"means:{event_id}",
             "details": {"old": True}}
            for event_id, minute in rows
        ])
    upgrade_to_head(at_r0002)

    outcome = verified(at_r0002)
    assert outcome.intact, outcome.first_break
    assert outcome.rows_checked == 3
    with Session(at_r0002) as session:
        stored = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [(e.id, e.seq) for e in stored] == [(2, 1), (5, 2), (9, 3)]
        assert stored[0].details == {"old": True}
        newer = write(session, clock, 10)
        session.commit()
        assert (newer.seq, newer.prev_hash) == (4, stored[-1].hash)
    assert verified(at_r0002).intact


def test_the_migration_starts_an_empty_trail_at_genesis_and_downgrades(at_r0002: Engine) -> None:
    upgrade_to_head(at_r0002)
    with at_r0002.connect() as connection:
        head = read_head(connection)
    assert head is not None and (head.seq, head.hash) == (0, GENESIS_HASH)
    command.downgrade(alembic_config(at_r0002), "r0002")
    inspector = sa.inspect(at_r0002)
    assert "audit_chain_head" not in inspector.get_table_names()
    assert {c["name"] for c in inspector.get_columns("audit_event")}.isdisjoint(
        {"seq", "prev_hash", "hash"}
    )
    with at_r0002.begin() as connection:  # no trigger left behind
        connection.execute(text(
            "INSERT INTO audit_event (id, at, actor, action, object_ref, details) "
            "VALUES (1, CURRENT_TIMESTAMP, 'system', 'a', 'b:1', '{}')"
        ))
        connection.execute(text("UPDATE audit_event SET action = 'c'"))
        assert connection.execute(delete(sa.table("audit_event"))).rowcount == 1
