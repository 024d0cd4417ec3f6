"""The whole broker login once with its state (flows, artifacts, replay cache, sessions) on the
real Redis at 127.0.0.1:6379, under a unique prefix that is removed afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis

from broker.settings import BrokerSettings
from etoegang.clock import FixedClock
from etoegang.state import RedisStateStore
from etoegang.state import StateStore
from keys.ring import KeyRing
from makelaar.network import Network
from tests.broker.conftest import Harness
from tests.broker.conftest import make_harness
from tests.broker.helpers import dv_answer


@pytest.fixture()
def redis_harness(
    network: Network, settings: BrokerSettings, rings: dict[str, KeyRing]
) -> Iterator[tuple[Harness, redis.Redis, str]]:
    client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"makelaar:test-broker:{secrets.token_hex(8)}:"

    def state_for(_clock: FixedClock) -> StateStore:
        return RedisStateStore(client, prefix)

    try:
        yield make_harness(network, settings, rings, state_for), client, prefix
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_login_with_state_in_redis(redis_harness: tuple[Harness, redis.Redis, str]) -> None:
    harness, client, prefix = redis_harness
    started = harness.post_request(harness.dv.request(service_index=1))
    assert started.status_code == 302
    assert any(k.startswith(f"{prefix}flow:".encode()) for k in client.scan_iter(prefix + "*"))
    final = harness.mr_leg(harness.ad_leg(harness.choose()))
    assert dv_answer(harness, final).status.is_success
    stored = {k.decode()[len(prefix):].split(":")[0] for k in client.scan_iter(prefix + "*")}
    assert "session" in stored and "replay" in stored
    assert "flow" not in stored and "artifact" not in stored
