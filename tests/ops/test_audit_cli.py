"""``makelaar audit verify`` and ``makelaar audit head``: output and exit status on an intact,
a tampered and an unreadable trail, on SQLite and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from sqlalchemy import create_engine
from sqlalchemy import delete
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from idp.db.models import Base
from idp.db.repositories import append_audit_event
from idp.db.session import make_engine
from idp.db.session import upgrade_to_head
from makelaar.cli import main
from tests.idp.audit_guards import append_only_lifted
from tests.idp.conftest import postgres_url  # noqa: F401 - fixture re-used here

EVENTS = Base.metadata.tables["audit_event"]
HEAD = Base.metadata.tables["audit_chain_head"]
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def settings_file(folder: Path, db_url: str) -> Path:
    """An idp.yaml that names ``db_url``; the other settings are never read by these commands."""
    settings = {
        "base_url": "https://idp.example.test", "ad_entity_id": "urn:ad",
        "mr_entity_id": "urn:mr", "mr2_entity_id": "urn:mr2", "keys_dir": "keys",
        "metadata": [], "metadata_authorities": [], "catalogue": "catalogue.xml",
        "catalogue_signer_metadata": "signer.xml", "db_url": db_url,
        "state_url": "memory://", "sms_outbox": "outbox", "secret_key_file": "secret",
    }
    path = folder / "idp.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def write_events(db_url: str, count: int) -> list[str]:
    """``count`` committed events; returns their hashes in chain order."""
    engine = make_engine(db_url)
    try:
        upgrade_to_head(engine)
        with Session(engine, expire_on_commit=False) as session:
            events = [
                append_audit_event(session, at=T0 + timedelta(seconds=n), actor="system",
                                   action="means.expire", object_ref=f"means:{n}")
                for n in range(count)
            ]
            session.commit()
        return [e.hash for e in events]
    finally:
        engine.dispose()


def tamper(db_url: str, *statements: Executable) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection, append_only_lifted(connection):
            for statement in statements:
                connection.execute(statement)
    finally:
        engine.dispose()


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'idp.sqlite3'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_verify_of_an_intact_trail_prints_one_line_and_exits_0(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hashes = write_events(sqlite_url, 3)
    settings = str(settings_file(tmp_path, sqlite_url))

    status, out, _ = run(capsys, "audit", "verify", "--settings", settings)
    assert status == 0
    assert out == f"audit trail intact: 3 events checked; head seq 3 hash {hashes[-1]}\n"

    status, out, _ = run(capsys, "audit", "head", "--settings", settings)
    assert (status, out) == (0, f"audit chain head: seq 3 hash {hashes[-1]}\n")

    status, out, _ = run(capsys, "audit", "verify", "--settings", settings, "--json")
    assert status == 0
    assert json.loads(out) == {"intact": True, "rows_checked": 3, "last_seq": 3,
                               "last_hash": hashes[-1], "break": None}
    status, out, _ = run(capsys, "audit", "head", "--settings", settings, "--json")
    assert (status, json.loads(out)) == (0, {"seq": 3, "hash": hashes[-1]})


def test_verify_names_the_first_broken_link_and_exits_1(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hashes = write_events(sqlite_url, 4)
    settings = str(settings_file(tmp_path, sqlite_url))
    tamper(sqlite_url, update(EVENTS).where(EVENTS.c.seq == 2).values(action="mandate.revoke"))

    status, out, _ = run(capsys, "audit", "verify", "--settings", settings)
    assert status == 1
    assert out.startswith("audit trail BROKEN at seq 2 (event id 2): the hash does not match")
    assert out.rstrip().endswith(f", found {hashes[1]}")

    status, out, _ = run(capsys, "audit", "verify", "--settings", settings, "--json")
    report = json.loads(out)
    assert status == 1 and report["intact"] is False
    assert report["break"]["kind"] == "hash" and report["break"]["seq"] == 2
    assert report["break"]["found"] == hashes[1] and report["last_hash"] == hashes[0]


def test_expect_head_catches_a_tail_cut_off_with_its_head_record(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hashes = write_events(sqlite_url, 5)
    settings = str(settings_file(tmp_path, sqlite_url))
    tamper(
        sqlite_url,
        delete(EVENTS).where(EVENTS.c.seq > 3),
        update(HEAD).values(seq=3, hash=hashes[2]),
    )

    assert run(capsys, "audit", "verify", "--settings", settings)[0] == 0
    status, out, _ = run(capsys, "audit", "verify", "--settings", settings,
                         "--expect-head", hashes[-1].upper())
    assert status == 1
    assert out.startswith("audit trail BROKEN at end of chain: the expected head is not in")
    assert f"expected a link {hashes[-1]}" in out
    older = run(capsys, "audit", "verify", "--settings", settings, "--expect-head", hashes[1])
    assert older[0] == 0


def test_a_malformed_expected_head_is_a_usage_error(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = str(settings_file(tmp_path, sqlite_url))
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify", "--settings", settings, "--expect-head", "abc"])
    assert exited.value.code == 2
    assert "a head hash is 64 hexadecimal characters" in capsys.readouterr().err


def test_an_unmigrated_database_or_missing_settings_exit_2_with_a_reason(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = str(settings_file(tmp_path, sqlite_url))
    status, out, err = run(capsys, "audit", "verify", "--settings", settings)
    assert (status, out) == (2, "")
    assert err.startswith("makelaar audit verify: cannot read the audit trail (no such table")
    assert err.rstrip().endswith("is the database migrated?")
    status, out, _ = run(capsys, "audit", "head", "--settings", settings, "--json")
    assert status == 2 and "cannot read the audit trail" in json.loads(out)["error"]

    missing = str(tmp_path / "absent.yaml")
    status, _, err = run(capsys, "audit", "head", "--settings", missing)
    assert status == 2 and "cannot use the settings file" in err


def test_head_without_a_head_record_exits_2(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_events(sqlite_url, 1)
    tamper(sqlite_url, delete(HEAD))
    settings = str(settings_file(tmp_path, sqlite_url))
    status, _, err = run(capsys, "audit", "head", "--settings", settings)
    assert status == 2 and "head record (table audit_chain_head) is missing" in err
    status, out, _ = run(capsys, "audit", "verify", "--settings", settings)
    assert status == 1 and "chain head record is not the chain's last link" in out


@pytest.fixture()
def postgresql_db_url(postgres_url: str) -> Iterator[str]:  # noqa: F811
    schema = f"makelaar_test_{uuid.uuid4().hex}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{postgres_url}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_verify_on_postgresql_passes_then_finds_a_deleted_event(
    postgresql_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hashes = write_events(postgresql_db_url, 4)
    settings = str(settings_file(tmp_path, postgresql_db_url))
    status, out, _ = run(capsys, "audit", "verify", "--settings", settings,
                         "--expect-head", hashes[-1])
    assert status == 0 and out.startswith("audit trail intact: 4 events checked")

    tamper(postgresql_db_url, delete(EVENTS).where(EVENTS.c.seq == 2))
    status, out, _ = run(capsys, "audit", "verify", "--settings", settings)
    assert status == 1
    assert out.startswith("audit trail BROKEN at seq 3 (event id 3): the sequence skips")
    assert "expected seq 2, found seq 3" in out
