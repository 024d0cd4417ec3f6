"""Test-only access past the audit trail's database guards: emptying the tables between tests,
and playing an attacker who can write the database directly (PostgreSQL: the table owner
disables the triggers; SQLite: the triggers are dropped and made again from their own SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy import text

from idp.db.audit_chain import GENESIS_HASH
from idp.db.audit_chain import HEAD_ID


@contextmanager
def append_only_lifted(connection: Connection) -> Iterator[None]:
    """Inside the block, ``connection`` may UPDATE, DELETE (and TRUNCATE) audit_event."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        yield
        connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        return
    # On PostgreSQL a failure rolls the ALTER back with everything else; on SQLite DDL may run
    # outside the transaction, so the triggers are made again whatever happens.
    triggers = connection.execute(
        text("SELECT name, sql FROM sqlite_master "
             "WHERE type = 'trigger' AND tbl_name = 'audit_event'")
    ).all()
    assert triggers, "the migration installs append-only triggers on audit_event"
    for name, _sql in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    try:
        yield
    finally:
        for _name, sql in triggers:
            connection.execute(text(sql))


def reset_chain_head(connection: Connection) -> None:
    """Put back the genesis head that the migration made (after the tables were emptied)."""
    connection.execute(text("DELETE FROM audit_chain_head"))
    connection.execute(
        text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (:id, 0, :genesis)"),
        {"id": HEAD_ID, "genesis": GENESIS_HASH},
    )
