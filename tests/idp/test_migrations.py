"""The Alembic migrations make exactly the schema of the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy import inspect
from sqlalchemy import text

from idp.db.models import Base
from idp.db.session import alembic_config
from idp.db.session import downgrade_to_base
from idp.db.session import make_engine
from idp.db.session import upgrade_to_head


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrated_schema_matches_the_models(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    assert _differences(empty_engine) == []


def test_an_empty_database_differs_from_the_models(empty_engine: Engine) -> None:
    # Shows that the comparison above can fail: without the migration every table is missing.
    differences = _differences(empty_engine)
    added = {d[1].name for d in differences if isinstance(d, tuple) and d[0] == "add_table"}
    assert added == {t.name for t in Base.metadata.sorted_tables}


def test_upgrade_is_idempotent_and_downgrade_removes_every_table(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    upgrade_to_head(empty_engine)
    with empty_engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    heads = ScriptDirectory.from_config(alembic_config(engine=empty_engine)).get_heads()
    assert [version] == heads
    downgrade_to_base(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(empty_engine)
    assert _differences(empty_engine) == []


def test_upgrade_by_url_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'by-url.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    try:
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_sqlite_connections_enforce_foreign_keys(empty_engine: Engine) -> None:
    if empty_engine.dialect.name != "sqlite":
        assert empty_engine.dialect.name == "postgresql"  # always enforced there
        return
    with empty_engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
