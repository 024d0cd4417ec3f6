"""``makelaar idp seed --settings FILE``: migrate the means issuer's database, load demo data.

Seeding is idempotent (``idp.seed`` leaves a seeded register alone), so the demo runs it at every
start. The database URL comes from the means issuer's own settings file (idp.yaml).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from idp import seed as idp_seed
from idp.db.session import make_engine
from idp.db.session import make_session_factory
from idp.db.session import upgrade_to_head
from idp.settings import load_settings
from metadata.loading import catalogue_signers
from metadata.loading import load_catalogue
from metadata.loading import trust_from_files


@dataclass(frozen=True, slots=True)
class DemoUser:
    """One demo user as the demo prints it."""

    email: str
    password: str
    level: str
    description: str


def demo_users() -> tuple[DemoUser, ...]:
    """The demo users, with what each may do (``idp.seed.demo_users``)."""
    return tuple(
        DemoUser(u.email, u.password, u.level, u.description) for u in idp_seed.demo_users()
    )


def seed_database(settings_file: Path, clock: Clock | None = None) -> bool:
    """Bring the database named in ``settings_file`` to the newest schema and seed it.

    :returns: whether demo data was added (False: it was there already).
    """
    clock = clock or SystemClock()
    settings = load_settings(settings_file)
    trust = trust_from_files(settings.metadata_authorities)
    catalogue = load_catalogue(
        settings.catalogue,
        catalogue_signers(settings.catalogue_signer_metadata, trust, clock),
        clock,
    )
    engine = make_engine(settings.db_url)
    try:
        upgrade_to_head(engine)
        with make_session_factory(engine)() as session:
            added = idp_seed.seed(session, clock, catalogue)
            session.commit()
    finally:
        engine.dispose()
    return added


def _seed(args: argparse.Namespace) -> int:
    added = seed_database(args.settings)
    print(("seeded" if added else "already seeded") + f": the database of {args.settings}")
    for user in demo_users():
        print(f"  {user.email:34} {user.password:24} {user.level:5} {user.description}")
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "idp", help="the means issuer (AD, MR, MR2): database and demo data"
    )
    inner = parser.add_subparsers(dest="idp_command", required=True, metavar="ACTION")
    seed = inner.add_parser("seed", help="migrate the database, load the demo users (idempotent)")
    seed.add_argument("--settings", type=Path, required=True, help="the means issuer's idp.yaml")
    seed.set_defaults(func=_seed)

    reminders = inner.add_parser(
        "renewal-reminders",
        help="e-mail the renewal reminder 60 days before a means or mandate ends (idempotent)",
    )
    reminders.add_argument("--settings", type=Path, required=True, help="the idp.yaml")
    reminders.set_defaults(func=_reminders)


def _reminders(args: argparse.Namespace) -> int:
    """Run once a day (the Kubernetes CronJob does): each item is reminded once per end date."""
    from etoegang.clock import RandomIdSource
    from idp.mail.outbox import OutboxMailer
    from idp.mail.views import outbox_path
    from idp.portal.renewal import send_reminders

    settings = load_settings(args.settings)
    clock = SystemClock()
    engine = make_engine(settings.db_url)
    try:
        run = send_reminders(
            make_session_factory(engine),
            OutboxMailer(outbox_path(settings), clock),
            clock,
            settings.base_url,
            RandomIdSource().new_id,
        )
    finally:
        engine.dispose()
    print(f"renewal reminders: {run.sent} sent, {run.already} sent before, {run.failed} failed")
    return 1 if run.failed else 0
