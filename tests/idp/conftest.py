"""Database fixtures for the means issuer's tests: every test runs on SQLite and PostgreSQL.

Schemas are made only by the Alembic migration. PostgreSQL is the server on 127.0.0.1:5432
(trust auth, database ``test``, user postgres or root; or MAKELAAR_TEST_POSTGRES_URL), used in a
fresh schema ``makelaar_test_<uuid>`` per test run that is dropped afterwards. Without a
reachable PostgreSQL the PostgreSQL half fails in CI (CI=true) and is skipped locally.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from idp.db.models import Base
from idp.db.session import make_engine
from idp.db.session import upgrade_to_head
from tests.idp.audit_guards import append_only_lifted
from tests.idp.audit_guards import reset_chain_head

_CANDIDATE_URLS = (
    [os.environ["MAKELAAR_TEST_POSTGRES_URL"]]
    if os.environ.get("MAKELAAR_TEST_POSTGRES_URL")
    else [
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "postgresql+psycopg://root@127.0.0.1:5432/test",
    ]
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"no PostgreSQL: {reason}")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problems = []
    for url in _CANDIDATE_URLS:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return url
        except OperationalError as exc:
            problems.append(f"{url}: {type(exc.orig).__name__}")
        finally:
            engine.dispose()
    _unavailable("; ".join(problems))
    raise AssertionError("unreachable")


@contextmanager
def postgres_schema(url: str) -> Iterator[Engine]:
    """An engine whose connections all work in a new, empty schema, dropped at the end."""
    schema = f"makelaar_test_{uuid.uuid4().hex}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def sqlite_engine(folder: Path) -> Engine:
    return make_engine(f"sqlite:///{folder / f'idp-{uuid.uuid4().hex}.sqlite3'}")


@pytest.fixture(scope="session")
def _postgresql_migrated(postgres_url: str) -> Iterator[Engine]:
    with postgres_schema(postgres_url) as engine:
        upgrade_to_head(engine)
        yield engine


@pytest.fixture(scope="session")
def _sqlite_migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = sqlite_engine(tmp_path_factory.mktemp("idp-db"))
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated database, emptied after each test."""
    migrated: Engine = request.getfixturevalue(f"_{request.param}_migrated")
    yield migrated
    with migrated.begin() as connection, append_only_lifted(connection):
        tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
        if migrated.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f"DELETE FROM {name}"))
        reset_chain_head(connection)


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as db:
        yield db
        db.rollback()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no schema at all, for migration tests."""
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
        return
    url: str = request.getfixturevalue("postgres_url")
    with postgres_schema(url) as engine:
        yield engine
