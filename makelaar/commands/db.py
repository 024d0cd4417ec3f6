"""``makelaar db upgrade --settings FILE``: bring the means issuer's database to the newest schema.

For a deployment step (a Kubernetes Job or an init container) before new code starts: the
Alembic migrations of :mod:`idp.db.migrations` run against the ``db_url`` of the means issuer's
own settings file (idp.yaml), and the revision the database is at afterwards is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from idp.db.session import make_engine
from idp.db.session import upgrade_to_head
from idp.settings import load_settings


def register(subparsers: Any) -> None:
    parent = subparsers.add_parser("db", help="the means issuer's database")
    actions = parent.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="run the migrations up to the newest revision")
    upgrade.add_argument("--settings", required=True, type=Path, metavar="FILE",
                         help="the means issuer's settings (idp.yaml) naming db_url")
    upgrade.set_defaults(func=_upgrade)


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database at ``engine`` is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(settings_file: Path) -> str | None:
    """Migrate the database named in ``settings_file`` to head; returns its revision then."""
    settings = load_settings(settings_file)
    engine = make_engine(settings.db_url)
    try:
        upgrade_to_head(engine)
        return current_revision(engine)
    finally:
        engine.dispose()


def _upgrade(args: argparse.Namespace) -> int:
    revision = upgrade_database(args.settings)
    print(f"database at revision {revision}")
    return 0
