"""Contract tests of the state-store port, run against the in-process store and real Redis:
one server, a three-node Redis Cluster and a Sentinel-managed master, the last two also over
TLS only (``rediss+cluster://``, ``rediss+sentinel://``).

The one-server half talks to the server on 127.0.0.1:6379 (or MAKELAAR_TEST_REDIS_URL) under a
unique key prefix per test, removed afterwards. Without a reachable Redis that half fails in CI
(CI=true) and is skipped locally. The cluster and the Sentinel are private servers that the
session fixtures of ``tests/redis_servers.py`` start on free loopback ports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from etoegang.clock import FixedClock
from etoegang.clock import SystemClock
from etoegang.state import InMemoryStateStore
from etoegang.state import RedisStateStore
from etoegang.state import StateStore
from etoegang.state import StateStoreConfigError
from etoegang.state import StateStoreError
from etoegang.state import store_from_url
from etoegang.state.redis_store import RedisClient
from etoegang.state.redis_urls import cluster_client
from etoegang.state.redis_urls import parse_cluster_url
from etoegang.state.redis_urls import parse_sentinel_url
from etoegang.state.redis_urls import sentinel_client
from tests.redis_servers import ClusterNodes
from tests.redis_servers import SentinelSetup

REDIS_URL = os.environ.get("MAKELAAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_PREFIX = f"makelaar-test:{uuid.uuid4().hex}:"


def _ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Redis is required in CI: {reason}")
    pytest.skip(f"no Redis: {reason}")


@pytest.fixture(scope="session")
def redis_client() -> Iterator[redis.Redis]:
    # No retries: an absent server must be noticed at once, not after seconds of back-off.
    client = redis.Redis.from_url(
        REDIS_URL, socket_connect_timeout=2, socket_timeout=5, retry=Retry(NoBackoff(), 0)
    )
    if not _ping(client):
        server = shutil.which("redis-server")
        if server is not None:
            subprocess.run(
                [
                    server,
                    "--daemonize",
                    "yes",
                    "--port",
                    "6379",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                check=False,
                capture_output=True,
                timeout=10,
            )
            for _ in range(20):
                if _ping(client):
                    break
                time.sleep(0.1)
    if not _ping(client):
        _unavailable(f"nothing answers at {REDIS_URL}")
    yield client
    _delete_prefix(client, RUN_PREFIX)
    client.close()


def _delete_prefix(client: redis.Redis, prefix: str) -> None:
    # A uuid prefix holds no glob characters, so it can go into MATCH as it is.
    batch = list(client.scan_iter(match=prefix + "*", count=500))
    if batch:
        client.delete(*batch)


@dataclass
class Backend:
    """A store under test plus a way to make one of its keys run out of time."""

    store: StateStore
    expire: Callable[[str], None]


def _memory_backend() -> Backend:
    clock = FixedClock(SystemClock().now())
    store = InMemoryStateStore(clock)

    def expire(key: str) -> None:
        remaining = store.ttl(key)
        assert remaining is not None
        clock.move_to(clock.now() + timedelta(seconds=remaining))

    return Backend(store, expire)


def _redis_backend(store: StateStore, client: RedisClient, prefix: str) -> Backend:
    """``client`` reaches the same keys as ``store`` (to end a key early and to clean up)."""

    def expire(key: str) -> None:
        # Redis keeps its own clock; a 1 ms TTL ends the key without waiting seconds.
        assert client.pexpire(prefix + key, 1)
        for _ in range(100):
            if client.exists(prefix + key) == 0:
                return
            time.sleep(0.002)
        raise AssertionError("Redis did not expire the key")

    return Backend(store, expire)


#: The private clusters and Sentinel setups, by backend name: their session fixtures.
CLUSTERS = {"cluster": "redis_cluster", "tls-cluster": "redis_tls_cluster"}
SENTINELS = {"sentinel": "redis_sentinel", "tls-sentinel": "redis_tls_sentinel"}


@pytest.fixture(scope="session")
def kept_clients() -> Iterator[dict[str, RedisClient]]:
    """Clients made once per session, by name: a new TLS connection costs about 20 ms (redis-py
    loads the system trust store for each), and a cluster client opens several."""
    clients: dict[str, RedisClient] = {}
    yield clients
    for client in clients.values():
        client.close()


def _kept(clients: dict[str, RedisClient], name: str, make: Callable[[], RedisClient]
          ) -> RedisClient:
    if name not in clients:
        clients[name] = make()
    return clients[name]


@pytest.fixture(params=["memory", "redis", *CLUSTERS, *SENTINELS])
def backend(
    request: pytest.FixtureRequest, kept_clients: dict[str, RedisClient]
) -> Iterator[Backend]:
    if request.param == "memory":
        yield _memory_backend()
        return
    prefix = f"{RUN_PREFIX}{uuid.uuid4().hex}:"
    # A store made from its URL for each test; over TLS, each test's store shares the client
    # that the URL made for the first (the same client store_from_url makes, connected once).
    if request.param in CLUSTERS:
        cluster: ClusterNodes = request.getfixturevalue(CLUSTERS[request.param])
        admin = _kept(kept_clients, f"{request.param}:admin", cluster.client)
        url = cluster.url(prefix)
        if cluster.tls is None:
            store = store_from_url(url)
        else:
            shared = _kept(kept_clients, request.param,
                           lambda: cluster_client(parse_cluster_url(url)))
            store = RedisStateStore(shared, prefix)
        yield _redis_backend(store, admin, prefix)
        cluster.delete_prefix(prefix)
        return
    if request.param in SENTINELS:
        sentinel: SentinelSetup = request.getfixturevalue(SENTINELS[request.param])
        master = _kept(kept_clients, f"{request.param}:admin", sentinel.master)
        assert isinstance(master, redis.Redis)
        url = sentinel.url(prefix)
        if sentinel.tls is None:
            store = store_from_url(url)
        else:
            shared = _kept(kept_clients, request.param,
                           lambda: sentinel_client(parse_sentinel_url(url)))
            store = RedisStateStore(shared, prefix)
        yield _redis_backend(store, master, prefix)
        _delete_prefix(master, prefix)
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    yield _redis_backend(RedisStateStore(client, prefix), client, prefix)
    _delete_prefix(client, prefix)


# -- basic storage ------------------------------------------------------------------------


def test_put_then_get_returns_the_value(backend: Backend) -> None:
    backend.store.put("tx:1", b"\x00login\xff", 60)
    assert backend.store.get("tx:1") == b"\x00login\xff"


def test_get_of_an_absent_key_is_none(backend: Backend) -> None:
    assert backend.store.get("never-written") is None


def test_put_replaces_value_and_ttl(backend: Backend) -> None:
    backend.store.put("k", b"one", 600)
    backend.store.put("k", b"two", 30)
    assert backend.store.get("k") == b"two"
    remaining = backend.store.ttl("k")
    assert remaining is not None and 28 <= remaining <= 30


def test_delete_removes_the_key_and_is_idempotent(backend: Backend) -> None:
    backend.store.put("k", b"v", 60)
    backend.store.delete("k")
    backend.store.delete("k")
    assert backend.store.get("k") is None


def test_ttl_counts_down_from_the_given_seconds(backend: Backend) -> None:
    backend.store.put("k", b"v", 120)
    remaining = backend.store.ttl("k")
    assert remaining is not None and 118 <= remaining <= 120
    assert backend.store.ttl("absent") is None


# -- replay detection and one-time artifacts ------------------------------------------------


def test_put_new_refuses_a_second_write_of_the_same_key(backend: Backend) -> None:
    assert backend.store.put_new("seen:_abc", b"1", 300) is True
    assert backend.store.put_new("seen:_abc", b"2", 300) is False
    assert backend.store.get("seen:_abc") == b"1"


def test_put_new_succeeds_again_after_expiry(backend: Backend) -> None:
    assert backend.store.put_new("seen:_abc", b"1", 5)
    backend.expire("seen:_abc")
    assert backend.store.put_new("seen:_abc", b"2", 5) is True
    assert backend.store.get("seen:_abc") == b"2"


def test_take_returns_the_value_once(backend: Backend) -> None:
    backend.store.put("artifact:AAQA", b"response", 60)
    assert backend.store.take("artifact:AAQA") == b"response"
    assert backend.store.take("artifact:AAQA") is None
    assert backend.store.get("artifact:AAQA") is None


def _race_to_take(store: StateStore, key: str, racers: int) -> list[bytes | None]:
    start = threading.Barrier(racers)
    results: list[bytes | None] = []
    lock = threading.Lock()

    def taker() -> None:
        start.wait()
        got = store.take(key)
        with lock:
            results.append(got)

    threads = [threading.Thread(target=taker) for _ in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return results


def test_eight_threads_taking_one_artifact_have_exactly_one_winner(backend: Backend) -> None:
    for round_ in range(5):
        key = f"artifact:{round_}"
        backend.store.put(key, b"payload", 60)
        results = _race_to_take(backend.store, key, 8)
        assert len(results) == 8
        assert results.count(b"payload") == 1
        assert results.count(None) == 7


# -- counters --------------------------------------------------------------------------------


def test_incr_counts_from_one(backend: Backend) -> None:
    assert [backend.store.incr("attempts:x", 60) for _ in range(3)] == [1, 2, 3]
    assert backend.store.get("attempts:x") == b"3"


def test_incr_keeps_the_ttl_of_the_first_increment(backend: Backend) -> None:
    backend.store.incr("rate:x", 60)
    backend.store.incr("rate:x", 3600)
    remaining = backend.store.ttl("rate:x")
    assert remaining is not None and 58 <= remaining <= 60


def test_incr_starts_a_new_window_after_expiry(backend: Backend) -> None:
    backend.store.incr("rate:x", 60)
    backend.store.incr("rate:x", 60)
    backend.expire("rate:x")
    assert backend.store.incr("rate:x", 60) == 1


def test_incr_of_a_non_counter_is_refused(backend: Backend) -> None:
    backend.store.put("k", b"not a number", 60)
    with pytest.raises(StateStoreError):
        backend.store.incr("k", 60)


# -- expiry ------------------------------------------------------------------------------


def test_an_expired_key_is_gone_for_every_read(backend: Backend) -> None:
    backend.store.put("k", b"v", 30)
    backend.expire("k")
    assert backend.store.get("k") is None
    assert backend.store.take("k") is None
    assert backend.store.ttl("k") is None
    assert backend.store.compare_and_set("k", b"v", b"w", 30) is False


def test_memory_store_keeps_a_key_until_its_last_second() -> None:
    clock = FixedClock(SystemClock().now())
    store = InMemoryStateStore(clock)
    start = clock.now()
    store.put("k", b"v", 30)
    clock.move_to(start + timedelta(seconds=29))
    assert store.get("k") == b"v"
    assert store.ttl("k") == 1
    clock.move_to(start + timedelta(seconds=30))
    assert store.get("k") is None


def test_memory_store_purges_expired_entries_it_never_reads_again() -> None:
    clock = FixedClock(SystemClock().now())
    store = InMemoryStateStore(clock)
    for i in range(300):
        store.put(f"k{i}", b"v", 10)
    clock.move_to(clock.now() + timedelta(seconds=11))
    store.put("fresh", b"v", 10)
    assert len(store) == 1


# -- optimistic update of a login transaction ----------------------------------------------


def test_compare_and_set_replaces_a_matching_value(backend: Backend) -> None:
    backend.store.put("tx:1", b"v1", 60)
    assert backend.store.compare_and_set("tx:1", b"v1", b"v2", 600) is True
    assert backend.store.get("tx:1") == b"v2"
    remaining = backend.store.ttl("tx:1")
    assert remaining is not None and remaining > 60


def test_compare_and_set_refuses_when_another_node_changed_it_first(backend: Backend) -> None:
    backend.store.put("tx:1", b"v1", 60)
    assert backend.store.compare_and_set("tx:1", b"v1", b"node-a", 60)
    assert backend.store.compare_and_set("tx:1", b"v1", b"node-b", 60) is False
    assert backend.store.get("tx:1") == b"node-a"


def test_compare_and_set_of_an_absent_key_is_refused(backend: Backend) -> None:
    assert backend.store.compare_and_set("tx:none", b"", b"v", 60) is False
    assert backend.store.get("tx:none") is None


# -- argument checks -----------------------------------------------------------------------


@pytest.mark.parametrize("ttl", [0, -1, 86_401, True], ids=["zero", "negative", "too-long", "bool"])
def test_a_ttl_outside_one_second_to_a_day_is_refused(backend: Backend, ttl: int) -> None:
    with pytest.raises(StateStoreError):
        backend.store.put("k", b"v", ttl)


def test_a_value_that_is_not_bytes_is_refused(backend: Backend) -> None:
    with pytest.raises(StateStoreError):
        backend.store.put("k", "text", 60)  # type: ignore[arg-type]


def test_an_empty_key_is_refused(backend: Backend) -> None:
    with pytest.raises(StateStoreError):
        backend.store.get("")


def test_both_implementations_satisfy_the_protocol(backend: Backend) -> None:
    assert isinstance(backend.store, StateStore)


# -- Redis specifics -----------------------------------------------------------------------


def test_stores_with_different_prefixes_do_not_see_each_others_keys(
    redis_client: redis.Redis,
) -> None:
    a_prefix = f"{RUN_PREFIX}{uuid.uuid4().hex}:a:"
    b_prefix = f"{RUN_PREFIX}{uuid.uuid4().hex}:b:"
    a = RedisStateStore(redis_client, a_prefix)
    b = RedisStateStore(redis_client, b_prefix)
    try:
        a.put("shared-name", b"from a", 60)
        assert b.get("shared-name") is None
        assert b.put_new("shared-name", b"from b", 60) is True
        assert a.get("shared-name") == b"from a"
        assert b.take("shared-name") == b"from b"
        assert a.get("shared-name") == b"from a"
        assert redis_client.get(a_prefix + "shared-name") == b"from a"
    finally:
        _delete_prefix(redis_client, a_prefix)
        _delete_prefix(redis_client, b_prefix)


def test_a_decoding_redis_client_is_refused(redis_client: redis.Redis) -> None:
    decoding = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    with pytest.raises(StateStoreConfigError):
        RedisStateStore(decoding, "p:")


def test_an_unreachable_redis_raises_a_state_store_error() -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    client = redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    store = RedisStateStore(client, "p:")
    with pytest.raises(StateStoreError):
        store.get("k")


# -- store_from_url ------------------------------------------------------------------------


def test_memory_url_gives_an_in_process_store() -> None:
    store = store_from_url("memory://")
    assert isinstance(store, InMemoryStateStore)
    store.put("k", b"v", 60)
    assert store.get("k") == b"v"


def test_redis_url_gives_a_redis_store_with_the_prefix(redis_client: redis.Redis) -> None:
    prefix = f"{RUN_PREFIX}{uuid.uuid4().hex}:url:"
    store = store_from_url(f"{REDIS_URL}?prefix={prefix}&socket_timeout=5")
    assert isinstance(store, RedisStateStore)
    assert store.prefix == prefix
    try:
        store.put("k", b"v", 60)
        assert redis_client.get(prefix + "k") == b"v"
    finally:
        _delete_prefix(redis_client, prefix)


def test_redis_url_without_prefix_uses_the_default() -> None:
    store = store_from_url("redis://127.0.0.1:6379/0")
    assert isinstance(store, RedisStateStore)
    assert store.prefix == "makelaar:"


@pytest.mark.parametrize(
    "url",
    ["postgres://x", "memory://host", "redis://h/0?prefix=a&prefix=b", "redis://h/0?prefix="],
    ids=["other-scheme", "memory-with-host", "two-prefixes", "empty-prefix"],
)
def test_unacceptable_urls_are_refused(url: str) -> None:
    with pytest.raises(StateStoreConfigError):
        store_from_url(url)
