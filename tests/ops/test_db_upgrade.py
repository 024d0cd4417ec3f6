"""``makelaar db upgrade``: the means issuer's database migrated from its settings file, on SQLite
and on PostgreSQL (a fresh schema of the server on 127.0.0.1:5432, dropped afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import text

from idp.db.session import alembic_config
from idp.db.session import make_engine
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.cli import main
from makelaar.network import build_network
from tests.idp.conftest import postgres_url  # noqa: F401 - fixture re-used here


@pytest.fixture(scope="module")
def idp_yaml(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> dict[str, object]:
    directory = tmp_path_factory.mktemp("db-upgrade")
    build_network(directory / "net", rings=rings, ca=dev_ca)
    settings: dict[str, object] = yaml.safe_load((directory / "net" / "idp.yaml").read_text())
    return settings


def _settings_with(idp_yaml: dict[str, object], db_url: str, folder: Path) -> Path:
    path = folder / "idp.yaml"
    path.write_text(yaml.safe_dump({**idp_yaml, "db_url": db_url}))
    return path


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_db_upgrade_migrates_a_new_sqlite_database_and_prints_the_head_revision(
    idp_yaml: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'idp.sqlite3'}"
    settings = _settings_with(idp_yaml, url, tmp_path)

    assert main(["db", "upgrade", "--settings", str(settings)]) == 0

    assert capsys.readouterr().out.strip() == f"database at revision {_head()}"
    engine = make_engine(url)
    try:
        assert "alembic_version" in inspect(engine).get_table_names()
        assert len(inspect(engine).get_table_names()) > 1
    finally:
        engine.dispose()
    # A second run finds nothing to do and reports the same revision.
    assert main(["db", "upgrade", "--settings", str(settings)]) == 0
    assert capsys.readouterr().out.strip() == f"database at revision {_head()}"


@pytest.fixture()
def postgres_schema_url(postgres_url: str) -> Iterator[tuple[str, str]]:  # noqa: F811
    schema = f"makelaar_test_{uuid.uuid4().hex}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # libpq's own "options" parameter puts every connection of the command in the new schema.
    url = f"{postgres_url}?options={quote(f'-csearch_path={schema}')}"
    try:
        yield url, schema
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_db_upgrade_migrates_a_fresh_postgresql_schema_and_prints_the_head_revision(
    idp_yaml: dict[str, object],
    postgres_schema_url: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, schema = postgres_schema_url
    settings = _settings_with(idp_yaml, url, tmp_path)

    assert main(["db", "upgrade", "--settings", str(settings)]) == 0

    assert capsys.readouterr().out.strip() == f"database at revision {_head()}"
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names(schema=schema)
        assert "alembic_version" in tables and len(tables) > 1
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert stored == _head()
    finally:
        engine.dispose()
