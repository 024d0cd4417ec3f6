"""Hash-chained, append-only audit trail

Revision ID: r0003
Revises: r0002
Create Date: 2026-12-01

Adds ``seq``, ``prev_hash`` and ``hash`` to ``audit_event`` and the one-row table
``audit_chain_head`` (idp.db.audit_chain). Events already stored are chained in id order from
the genesis value with encoding version 1, and the head is set to the last of them. Then the
new columns become NOT NULL, ``seq`` unique, and triggers refuse UPDATE and DELETE of
``audit_event`` (PostgreSQL: TRUNCATE too), so the trail only grows even for writes that bypass
the ORM. The triggers must be dropped and made again by any later revision that rebuilds the
table on SQLite (batch mode drops a table's triggers with the table).
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Final

import sqlalchemy as sa
from alembic import op

from idp.db.audit_chain import GENESIS_HASH
from idp.db.audit_chain import HEAD_ID
from idp.db.audit_chain import AuditRecord
from idp.db.audit_chain import link_hash

revision: str = "r0003"
down_revision: str | None = "r0002"
branch_labels: str | None = None
depends_on: str | None = None

_BATCH: Final = 500
_REFUSED: Final = "audit_event is append-only"

_POSTGRESQL_GUARD: Final = (
    f"""
    CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_REFUSED}: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()
    """,
    """
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()
    """,
)
_POSTGRESQL_UNGUARD: Final = (
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
)
_SQLITE_GUARD: Final = tuple(
    f"""
    CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event
    BEGIN SELECT RAISE(ABORT, '{_REFUSED}: {verb} refused'); END
    """
    for verb in ("UPDATE", "DELETE")
)
_SQLITE_UNGUARD: Final = (
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
)

_events = sa.table(
    "audit_event",
    sa.column("id", sa.Integer()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("organisation_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("object_ref", sa.String()),
    sa.column("details", sa.JSON()),
    sa.column("seq", sa.BigInteger()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(f"id = {HEAD_ID}", name=op.f("ck_audit_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))

    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # Writers still running the previous release wait here instead of adding unchained
        # rows between the backfill and NOT NULL (which would make this migration fail).
        op.execute("LOCK TABLE audit_event IN EXCLUSIVE MODE")
    seq, head = _chain_existing_events(connection)
    connection.execute(
        sa.text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (:id, :seq, :hash)"),
        {"id": HEAD_ID, "seq": seq, "hash": head},
    )

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_seq"), ["seq"])

    for statement in _guard_statements(connection, install=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _guard_statements(op.get_bind(), install=False):
        op.execute(statement)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain_head")


def _guard_statements(connection: sa.Connection, *, install: bool) -> tuple[str, ...]:
    if connection.dialect.name == "postgresql":
        return _POSTGRESQL_GUARD if install else _POSTGRESQL_UNGUARD
    if connection.dialect.name == "sqlite":
        return _SQLITE_GUARD if install else _SQLITE_UNGUARD
    raise RuntimeError(f"no append-only guard for {connection.dialect.name}")


def _chain_existing_events(connection: sa.Connection) -> tuple[int, str]:
    """Chain the stored events in id order, a batch at a time; returns the new head."""
    seq, head, after = 0, GENESIS_HASH, 0
    while True:
        rows = connection.execute(
            sa.select(_events).where(_events.c.id > after).order_by(_events.c.id).limit(_BATCH)
        ).all()
        if not rows:
            return seq, head
        links = []
        for row in rows:
            seq += 1
            record = AuditRecord(
                at=_utc(row.at),
                actor=row.actor,
                organisation_id=row.organisation_id,
                action=row.action,
                object_ref=row.object_ref,
                details=row.details,
            )
            digest = link_hash(seq, record, head)
            links.append({"event_id": row.id, "b_seq": seq, "b_prev": head, "b_hash": digest})
            head = digest
        connection.execute(
            sa.update(_events)
            .where(_events.c.id == sa.bindparam("event_id"))
            .values(
                seq=sa.bindparam("b_seq"),
                prev_hash=sa.bindparam("b_prev"),
                hash=sa.bindparam("b_hash"),
            ),
            links,
        )
        after = rows[-1].id


def _utc(at: datetime) -> datetime:
    # SQLite gives stored UTC times back without a zone (idp.db.columns.UtcDateTime does this too).
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
