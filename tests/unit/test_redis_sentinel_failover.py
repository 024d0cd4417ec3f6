"""The Sentinel state store across a failover: what Sentinel is for.

Each test has a master, its replica and three Sentinels of its own (``redis_sentinel_failover``
in ``tests/redis_servers.py``; quorum 2, a master is down after 1 s). One store, made once from
the ``redis+sentinel://`` URL, is used before and after the master changes: what it wrote
before is still there, what it writes after lands on the new master, and the atomic operations
keep their meaning (a replayed ``put_new`` is still refused, a counter goes on counting, a
taken value is gone). The store is never made again: a node recovers without a restart.

What a request sees, as observed with redis-py 8.1 and Redis 7.0 and asserted below:

* The Sentinel client of ``store_from_url`` does not retry (redis-py gives Sentinel-managed
  connections no retries, unlike its plain client). An operation fails at once with
  :class:`StateStoreError` while there is no master to reach, and the first operation after
  the promotion succeeds: the pool asks the Sentinels for the master on every new connection,
  and a connection that the old master closed is noticed when it is taken from the pool.
* A master that crashes: operations fail fast (connection refused, then MasterNotFoundError
  once the Sentinels find the master down) until the replica is promoted, here about 1.5-3 s.
* A forced failover (the old master keeps running): the Sentinels promote the replica, and
  only later (four Sentinel publish periods, 8 s by default, 0.8 s here) demote the old master,
  which closes its clients' connections. Until then a store still connected to the old master
  keeps writing there, and those writes are lost when it resynchronises as a replica; this is
  Sentinel's asynchronous replication, not the store's. The test therefore waits for the
  demotion; after it, not one operation fails.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TypeVar

import pytest
import redis

from etoegang.state import StateStore
from etoegang.state import StateStoreError
from etoegang.state import store_from_url
from etoegang.state.redis_urls import DEFAULT_CONNECT_TIMEOUT
from tests.redis_servers import FailoverSetup
from tests.redis_servers import node_client

T = TypeVar("T")

#: How long the failover itself may take on a loaded machine (about 1-3 s is usual).
FAILOVER_SECONDS = 10.0
#: The values written before the failover, by key (the rate counter is read as its count).
BEFORE = {"tx:1": b"state", "seen:1": b"1", "rate:1": b"1", "cas:1": b"v2", "artifact:1": b"a"}


@pytest.fixture()
def prefix() -> str:
    return f"makelaar-failover:{uuid.uuid4().hex}:"


def _poll(condition: str, check: Callable[[], bool], seconds: float = FAILOVER_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except redis.ConnectionError:
            pass  # a server being reconfigured may drop a probe; ask again
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {condition}")
        time.sleep(0.05)


def _force_failover(topology: FailoverSetup) -> None:
    """SENTINEL FAILOVER, asked of each Sentinel in turn until one starts it.

    On a loaded machine a Sentinel may not yet count the replica as a good candidate
    (NOGOODSLAVE), or may drop the connection while it reconfigures; none of these is what the
    test is about, so it asks again. A failover already in progress (INPROG) is what was asked.
    """
    deadline = time.monotonic() + FAILOVER_SECONDS
    problems: list[str] = []
    while time.monotonic() < deadline:
        for sentinel in topology.sentinels():
            try:
                if sentinel.sentinel_failover(topology.service):
                    return
            except redis.ResponseError as exc:
                if "INPROG" in str(exc):  # started already (perhaps by our dropped request)
                    return
                problems.append(f"{type(exc).__name__}: {exc}")
            except redis.ConnectionError as exc:
                problems.append(f"{type(exc).__name__}: {exc}")
        try:
            if topology.replica_port in topology.masters_named():
                return  # a dropped request had started it
        except redis.ConnectionError as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.2)
    raise AssertionError(f"no Sentinel started the failover: {problems[-3:]}")


def _write_before(store: StateStore) -> None:
    store.put("tx:1", b"state", 60)
    assert store.put_new("seen:1", b"1", 60)
    assert store.incr("rate:1", 60) == 1
    store.put("cas:1", b"v1", 60)
    assert store.compare_and_set("cas:1", b"v1", b"v2", 60)
    store.put("artifact:1", b"a", 60)


def _replicated(topology: FailoverSetup, prefix: str) -> None:
    """Wait until the replica holds every value written so far (replication is asynchronous:
    a write the replica has not received when its master goes is lost in the failover)."""
    replica = node_client(topology.replica_port)
    _poll("the replica has the values written through the store",
          lambda: {key: replica.get(prefix + key) for key in BEFORE} == BEFORE, seconds=5.0)


def _first_success(operation: Callable[[], T]) -> tuple[T, list[float]]:
    """Call ``operation`` until it succeeds; its result and how long each failed call took.

    Only StateStoreError is tolerated (anything else fails the test), and only until the
    deadline: the store must recover by itself, with no new store and no restart.
    """
    failed: list[float] = []
    deadline = time.monotonic() + FAILOVER_SECONDS
    while True:
        started = time.monotonic()
        try:
            return operation(), failed
        except StateStoreError:
            failed.append(time.monotonic() - started)
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _check_after(store: StateStore, topology: FailoverSetup, prefix: str) -> None:
    """Every value of before is there, the operations keep their meaning, and new writes land
    on the former replica, which says itself that it is the master now."""
    new_master = node_client(topology.replica_port)
    assert new_master.info("replication")["role"] == "master"
    assert store.get("tx:1") == b"state"
    assert store.ttl("tx:1") in range(1, 61)
    assert store.put_new("seen:1", b"1", 60) is False  # a replay is still a replay
    assert store.incr("rate:1", 60) == 2
    assert store.compare_and_set("cas:1", b"v1", b"v3", 60) is False
    assert store.compare_and_set("cas:1", b"v2", b"v3", 60) is True
    assert store.take("artifact:1") == b"a"
    assert store.take("artifact:1") is None
    store.put("tx:2", b"after", 60)
    assert store.put_new("seen:2", b"1", 60) is True
    assert store.put_new("seen:2", b"1", 60) is False
    expected = {"tx:2": b"after", "seen:2": b"1", "cas:1": b"v3", "rate:1": b"2",
                "artifact:1": None}
    assert {key: new_master.get(prefix + key) for key in expected} == expected


def test_a_store_follows_a_forced_failover_and_keeps_its_data(
    redis_sentinel_failover: FailoverSetup, prefix: str
) -> None:
    topology = redis_sentinel_failover
    store = store_from_url(topology.url(prefix))
    _write_before(store)
    _replicated(topology, prefix)

    _force_failover(topology)
    _poll("every Sentinel names the former replica as the master",
          lambda: topology.masters_named() == {topology.replica_port})
    # The old master still runs and would still take the store's writes (module docstring):
    # wait until the Sentinels have made it a replica of the new master.
    _poll("the former master is demoted to a replica",
          lambda: topology.role(topology.master_port) == "slave")

    value, failed = _first_success(lambda: store.get("tx:1"))
    assert value == b"state"
    # The demotion closed the store's idle connection; the pool noticed it when the
    # connection was next taken, and connected afresh to the master the Sentinels name.
    assert failed == []
    _check_after(store, topology, prefix)


def test_a_store_recovers_by_itself_when_the_master_crashes(
    redis_sentinel_failover: FailoverSetup, prefix: str
) -> None:
    topology = redis_sentinel_failover
    store = store_from_url(topology.url(prefix))
    _write_before(store)
    _replicated(topology, prefix)

    crashed = time.monotonic()
    topology.kill(topology.master_port)
    value, failed = _first_success(lambda: store.get("tx:1"))
    recovered = time.monotonic() - crashed
    assert value == b"state"
    # Until the Sentinels promote the replica (down after 1 s, then the election and the
    # promotion), every request fails with a StateStoreError, the Redis-outage 503 of a node;
    # it fails fast, not after a socket timeout, and the first request after recovers.
    assert failed, "the store answered while no master was reachable"
    assert max(failed) < DEFAULT_CONNECT_TIMEOUT, failed
    assert recovered < FAILOVER_SECONDS
    _check_after(store, topology, prefix)
