"""Alembic environment of the means issuer's database.

Run programmatically by :func:`idp.db.session.upgrade_to_head`, which passes an engine in
``config.attributes["engine"]``; the ``sqlalchemy.url`` option is the fallback for the alembic
command line. Batch mode is on so that later migrations can alter tables on SQLite.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from idp.db.models import Base
from idp.db.session import make_engine


def _engine() -> tuple[Engine, bool]:
    config = context.config
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine, False
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass an engine or set sqlalchemy.url")
    return make_engine(url), True


def run_migrations_online() -> None:
    engine, owned = _engine()
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; connect to the database")
run_migrations_online()
