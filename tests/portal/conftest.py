"""Fixtures of the portal tests: one development network per module, a seeded register
template, a fresh app (SQLite copy, in-process state store, outbox files) per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from idp.db.session import make_engine
from idp.db.session import upgrade_to_head
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.network import Network
from makelaar.network import build_network
from tests.conftest import GOLDEN_INSTANT
from tests.idp.conftest import _postgresql_migrated  # noqa: F401  (fixture)
from tests.idp.conftest import _sqlite_migrated  # noqa: F401  (fixture)
from tests.idp.conftest import empty_engine  # noqa: F401  (fixture)
from tests.idp.conftest import engine  # noqa: F401  (fixture)
from tests.idp.conftest import postgres_url  # noqa: F401  (fixture)
from tests.idp.conftest import session  # noqa: F401  (fixture)
from tests.portal.harness import Portal
from tests.portal.harness import make_portal
from tests.portal.harness import seed


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, dev_ca: DevCa,
            rings: dict[str, KeyRing]) -> Network:
    return build_network(tmp_path_factory.mktemp("portalnet"), rings=rings, ca=dev_ca,
                         clock=FixedClock(GOLDEN_INSTANT))


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("portaldb") / "template.sqlite"
    template = make_engine(f"sqlite:///{path}")
    upgrade_to_head(template)
    seed(template, FixedClock(GOLDEN_INSTANT))
    template.dispose()
    return path


@pytest.fixture()
def portal(network: Network, rings: dict[str, KeyRing], template_db: Path, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Portal:
    # Reading the rings back from disk is slow; the app is handed the session rings.
    monkeypatch.setattr("idp.app.load_ring", lambda _directory, role: rings[role])
    return make_portal(network, template_db, tmp_path, FixedClock(GOLDEN_INSTANT), rings)


@pytest.fixture()
def other(portal: Portal) -> Portal:
    """A second browser on the same app (another person)."""
    return Portal(portal.app, portal.app.test_client(), portal.clock, portal.sms_outbox,
                  portal.mail_outbox)
