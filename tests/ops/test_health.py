"""/healthz, /readyz and the 503 page on the broker, means issuer and demo DV apps."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from broker.settings import BrokerSettings
from etoegang.clock import FixedClock
from keys.ring import KeyRing
from makelaar.network import Network
from tests.broker.conftest import Harness
from tests.broker.conftest import make_harness
from tests.ops.conftest import BreakableStore
from web.ops import database_check
from web.ops import keys_check
from web.ops import run_checks


@pytest.fixture()
def breakable(
    network: Network, settings: BrokerSettings, rings: dict[str, KeyRing]
) -> tuple[Harness, BreakableStore]:
    stores: list[BreakableStore] = []

    def state_for(clock: FixedClock) -> BreakableStore:
        stores.append(BreakableStore(clock))
        return stores[-1]

    harness = make_harness(network, settings, rings, state_for)
    return harness, stores[0]


def test_healthz_answers_alive(breakable: tuple[Harness, BreakableStore]) -> None:
    harness, _ = breakable
    answer = harness.client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "alive"}


def test_readyz_reports_every_check_ok(breakable: tuple[Harness, BreakableStore]) -> None:
    harness, _ = breakable
    answer = harness.client.get("/readyz")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["status"] == "ready"
    assert body["role"] == "broker"
    assert body["checks"] == {"state_store": True, "keys": True}


def test_readyz_is_503_with_detail_when_the_state_store_fails(
    breakable: tuple[Harness, BreakableStore],
) -> None:
    harness, store = breakable
    store.broken = True
    answer = harness.client.get("/readyz")
    assert answer.status_code == 503
    body = json.loads(answer.get_data(as_text=True))
    assert body["status"] == "unavailable"
    assert body["checks"]["state_store"] is False
    assert body["checks"]["keys"] is True
    # liveness stays green: an orchestrator must not restart a node for Redis' sake
    assert harness.client.get("/healthz").status_code == 200


def test_a_login_step_with_the_state_store_down_gets_a_clear_503_page(
    breakable: tuple[Harness, BreakableStore],
) -> None:
    harness, store = breakable
    store.broken = True
    answer = harness.post_request(harness.dv.request())
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert answer.mimetype == "text/html"
    assert "tijdelijk niet beschikbaar" in answer.get_data(as_text=True)
    store.broken = False
    assert harness.post_request(harness.dv.request()).status_code == 302


def test_keys_check_fails_for_an_expired_signing_key(rings: dict[str, KeyRing]) -> None:
    ring = rings["hm"]
    past = FixedClock(ring.signing.not_after + timedelta(seconds=1))
    assert run_checks([keys_check(lambda: ring, clock=past)]) == {"keys": False}
    assert run_checks([keys_check(lambda: ring)]) == {"keys": True}


def test_keys_check_fails_when_the_keys_cannot_be_loaded() -> None:
    def missing() -> KeyRing:
        raise FileNotFoundError("hm-signing.key")

    assert run_checks([keys_check(missing)]) == {"keys": False}


def test_a_check_that_raises_counts_as_not_ready() -> None:
    def broken() -> tuple[str, bool]:
        raise RuntimeError("bug")

    assert run_checks([broken]) == {"broken": False}



def test_the_means_issuer_is_ready_with_state_store_database_and_keys(network: Network) -> None:
    from idp.app import create_app
    from idp.settings import load_settings

    app = create_app(load_settings(network.settings_file("idp")))
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["checks"] == {"state_store": True, "database": True, "keys": True}


def test_database_check_fails_when_the_database_is_unreachable(tmp_path: Path) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    missing = tmp_path / "no-such-dir" / "db.sqlite"
    sessions = sessionmaker(create_engine(f"sqlite:///{missing}"))
    assert run_checks([database_check(sessions)]) == {"database": False}
