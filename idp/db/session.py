"""Engines, sessions and schema migration of the means issuer's database (DESIGN.md §3).

SQLite is the default (the embedded demo), PostgreSQL through psycopg 3 the production choice
(``postgresql+psycopg://user@host/db``). On SQLite, foreign keys are switched on for every
connection: SQLite leaves them off unless asked, and the registers rely on them. Schemas are
made only by the Alembic migrations (:func:`upgrade_to_head`), never by ``create_all``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from typing import Final

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

DEFAULT_URL: Final = "sqlite:///makelaar-idp.sqlite3"
MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"


def make_engine(
    url: str = DEFAULT_URL, *, connect_args: dict[str, Any] | None = None, echo: bool = False
) -> Engine:
    """An engine for ``url``; with SQLite, every connection enforces foreign keys."""
    engine = create_engine(url, connect_args=connect_args or {}, echo=echo)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys_on)
    return engine


def _sqlite_foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (the web layer reads them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(engine: Engine | None = None, url: str | None = None) -> Config:
    """An Alembic configuration built in code, pointing at this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade_to_head(target: str | Engine) -> None:
    """Bring the database at ``target`` (a URL or an engine) to the newest schema.

    Pass an engine to migrate with its connection options (a PostgreSQL ``search_path``, say).
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        command.upgrade(alembic_config(engine), "head")
    finally:
        if isinstance(target, str):
            engine.dispose()


def downgrade_to_base(target: str | Engine) -> None:
    """Remove every table the migrations made (for tests and for starting a demo afresh)."""
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        command.downgrade(alembic_config(engine), "base")
    finally:
        if isinstance(target, str):
            engine.dispose()
