"""Redis stopped mid-run: a 503 page and readiness false, nothing half-written, then logins work
again when it is back, without restarting the app (redis-py reconnects). Uses a redis-server of
its own on a free port, never the machine's shared Redis."""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from broker.settings import BrokerSettings
from etoegang.clock import FixedClock
from etoegang.state import RedisStateStore
from etoegang.state import StateStore
from keys.ring import KeyRing
from makelaar.network import Network
from tests.broker.conftest import make_harness
from tests.broker.helpers import dv_answer
from tests.ops.conftest import RedisServer


def test_redis_outage_gives_503_then_recovers_without_restart(
    network: Network, settings: BrokerSettings, rings: dict[str, KeyRing],
    redis_server: RedisServer,
) -> None:
    # No retries with back-off (redis-py's default), so the outage is seen at once.
    client = redis.Redis(host="127.0.0.1", port=redis_server.port, socket_connect_timeout=0.5,
                         socket_timeout=1, retry=Retry(NoBackoff(), 0))

    def state_for(_clock: FixedClock) -> StateStore:
        return RedisStateStore(client, "makelaar:ops-test:")

    harness = make_harness(network, settings, rings, state_for)
    assert harness.client.get("/readyz").status_code == 200
    # a login in progress when Redis goes away
    assert harness.post_request(harness.dv.request()).status_code == 302
    redis_server.stop()

    ready = harness.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["state_store"] is False
    page = harness.client.get("/broker/discovery")
    assert page.status_code == 503
    assert "tijdelijk niet beschikbaar" in page.get_data(as_text=True)
    refused = harness.post_request(harness.dv.request())
    assert refused.status_code == 503
    assert harness.client.get("/healthz").status_code == 200

    redis_server.start()  # empty again (no persistence): the old login is gone, not corrupt
    assert harness.client.get("/readyz").status_code == 200
    final = harness.login()
    assert final.status_code == 302
    assert dv_answer(harness, final).status.is_success
