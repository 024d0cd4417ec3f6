"""The Redis state store on a real three-node Redis Cluster and behind a real Sentinel.

The contract tests (test_state_store.py) already run every port operation on both; this file
checks what is particular to them: the cluster really spreads one store's keys over its nodes,
every operation stays within the hash slot of its key (the rule of ``redis_store``'s
docstring), a store recovers when the cluster becomes reachable, the Sentinel URL reaches the
monitored master's database, and every cluster or Sentinel failure becomes a StateStoreError.
The servers are those of ``tests/redis_servers.py`` (private, on free loopback ports).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.crc import key_slot
from redis.exceptions import AskError
from redis.exceptions import ClusterCrossSlotError
from redis.exceptions import ClusterDownError
from redis.exceptions import MovedError
from redis.exceptions import ReadOnlyError
from redis.exceptions import RedisClusterException
from redis.exceptions import SlotNotCoveredError
from redis.exceptions import TryAgainError
from redis.retry import Retry
from redis.sentinel import MasterNotFoundError
from redis.sentinel import Sentinel

from etoegang.state import RedisStateStore
from etoegang.state import StateStoreConfigError
from etoegang.state import StateStoreError
from etoegang.state import store_from_url
from etoegang.state.redis_store import RedisClient
from etoegang.state.redis_urls import cluster_client
from etoegang.state.redis_urls import parse_cluster_url
from tests.redis_servers import ClusterNodes
from tests.redis_servers import SentinelSetup
from tests.redis_servers import cluster_node
from tests.redis_servers import free_ports
from tests.redis_servers import node_client


@pytest.fixture()
def prefix() -> str:
    return f"makelaar-test:{uuid.uuid4().hex}:"


@pytest.fixture()
def cluster(redis_cluster: ClusterNodes, prefix: str) -> Iterator[ClusterNodes]:
    """The session's cluster, with this test's keys removed from every node afterwards."""
    yield redis_cluster
    redis_cluster.delete_prefix(prefix)
    assert sum(map(len, redis_cluster.keys_per_node(prefix).values())) == 0


# -- Redis Cluster ---------------------------------------------------------------------------


def test_a_cluster_store_spreads_its_keys_over_all_three_nodes(
    cluster: ClusterNodes, prefix: str
) -> None:
    store = store_from_url(cluster.url(prefix))
    for i in range(60):
        store.put(f"flow:{i}", b"state", 60)
    held = {port: len(keys) for port, keys in cluster.keys_per_node(prefix).items()}
    assert sum(held.values()) == 60, held
    # 60 keys whose slots follow from a random prefix: a node left empty has odds 3 * (2/3)^60.
    assert all(count > 0 for count in held.values()), held
    assert len(held) == 3


def test_keys_with_one_hash_tag_share_a_slot_and_a_node(
    cluster: ClusterNodes, prefix: str
) -> None:
    # The rule for future multi-key operations (redis_store docstring): the tag, not the
    # prefix, decides the slot, so keys used together are written as flow:{id} and
    # flow:{id}:lock.
    store = store_from_url(cluster.url(prefix))
    tagged = [f"flow:{{tx-{n}}}" for n in range(4)]
    for key in tagged:
        store.put(key, b"state", 60)
        store.put(key + ":lock", b"1", 60)
        assert key_slot((prefix + key).encode()) == key_slot((prefix + key + ":lock").encode())
    nodes_of = {
        key.decode()[len(prefix):]: port
        for port, keys in cluster.keys_per_node(prefix).items() for key in keys
    }
    assert all(nodes_of[key] == nodes_of[key + ":lock"] for key in tagged), nodes_of


class _SlotRecorder(RedisCluster):
    """A cluster client that notes the hash slot of every keyed command it sends."""

    def __init__(self, **kwargs: Any) -> None:
        self.slots: list[int | None] = []
        self.recording = False  # not the client's own start-up commands (COMMAND)
        super().__init__(**kwargs)
        self.recording = True

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        # SCRIPT LOAD has no key: it goes to every primary when a script is not cached yet.
        keyed = "target_nodes" not in kwargs and str(args[0]).upper() != "SCRIPT LOAD"
        if self.recording and keyed:
            self.slots.append(self.determine_slot(*args))
        return super().execute_command(*args, **kwargs)  # type: ignore[no-untyped-call]

    def _partition_keys_by_slot(self, keys: Any) -> Any:
        # DEL, EXISTS, MGET and the like are split by slot and sent per slot from a pipeline.
        partition = super()._partition_keys_by_slot(keys)
        if self.recording:
            self.slots.extend(partition)
        return partition


def test_every_operation_of_the_store_stays_in_the_hash_slot_of_its_key(
    cluster: ClusterNodes, prefix: str
) -> None:
    # One command or one script per operation today; an operation that later touched a
    # second key (or sent two commands) in another slot would not be atomic in a cluster.
    recorder = _SlotRecorder(
        startup_nodes=[cluster_node(port) for port in cluster.ports]
    )
    store = RedisStateStore(recorder, prefix)
    store.put("artifact:1", b"a", 60)
    store.put("tx:1", b"v1", 60)
    operations: dict[str, tuple[str, Callable[[], object]]] = {
        "put": ("tx:2", lambda: store.put("tx:2", b"v", 60)),
        "put_new": ("seen:_1", lambda: store.put_new("seen:_1", b"1", 60)),
        "get": ("tx:1", lambda: store.get("tx:1")),
        "take": ("artifact:1", lambda: store.take("artifact:1")),
        "delete": ("tx:2", lambda: store.delete("tx:2")),
        "incr": ("rate:1", lambda: store.incr("rate:1", 60)),
        "ttl": ("tx:1", lambda: store.ttl("tx:1")),
        "compare_and_set": ("tx:1", lambda: store.compare_and_set("tx:1", b"v1", b"v2", 60)),
    }
    for name, (key, operation) in operations.items():
        recorder.slots.clear()
        operation()
        assert recorder.slots, f"{name} sent no keyed command"
        assert set(recorder.slots) == {key_slot((prefix + key).encode())}, (name, recorder.slots)
    assert store.get("tx:1") == b"v2" and store.get("artifact:1") is None
    recorder.close()


def test_a_store_whose_cluster_is_unreachable_at_first_connects_once_it_is_reachable(
    cluster: ClusterNodes, prefix: str
) -> None:
    # The node starts unready instead of crashing, and needs no restart (RedisStateStore
    # makes the cluster client on first use, and again after a failed attempt).
    (nothing_here,) = free_ports(1)
    target = [f"redis+cluster://127.0.0.1:{nothing_here}?socket_connect_timeout=1"]
    store = RedisStateStore(lambda: cluster_client(parse_cluster_url(target[0])), prefix)
    with pytest.raises(StateStoreError, match="unavailable"):
        store.get("k")
    target[0] = cluster.url(prefix)
    store.put("k", b"v", 60)
    assert store.get("k") == b"v"


def test_a_dead_startup_node_is_passed_over_for_the_next_one(
    cluster: ClusterNodes, prefix: str
) -> None:
    (nothing_here,) = free_ports(1)
    url = cluster.url(prefix).replace("redis+cluster://", f"redis+cluster://127.0.0.1:"
                                      f"{nothing_here},", 1)
    store = store_from_url(url)
    store.put("k", b"v", 60)
    assert cluster.client().get(prefix + "k") == b"v"


def test_an_unreachable_cluster_raises_a_state_store_error() -> None:
    store = store_from_url("redis+cluster://127.0.0.1:1?socket_connect_timeout=1")
    with pytest.raises(StateStoreError, match="unavailable"):
        store.put("k", b"v", 60)


def test_a_decoding_cluster_client_is_refused(redis_cluster: ClusterNodes) -> None:
    decoding = RedisCluster(startup_nodes=[cluster_node(redis_cluster.ports[0])],
                            decode_responses=True)
    with pytest.raises(StateStoreConfigError, match="must not decode"):
        RedisStateStore(decoding, "p:")
    decoding.close()


# -- Redis Sentinel --------------------------------------------------------------------------


def test_a_sentinel_store_writes_to_the_database_of_the_monitored_master(
    redis_sentinel: SentinelSetup, prefix: str
) -> None:
    store = store_from_url(redis_sentinel.url(prefix, db=1))
    in_db0 = redis_sentinel.master()
    in_db1 = redis.Redis(host="127.0.0.1", port=redis_sentinel.master_port, db=1)
    try:
        store.put("tx:1", b"state", 60)
        assert in_db1.get(prefix + "tx:1") == b"state"
        assert in_db0.get(prefix + "tx:1") is None
        assert store.take("tx:1") == b"state"
        assert in_db1.exists(prefix + "tx:1") == 0
    finally:
        in_db1.delete(prefix + "tx:1")


def test_an_unreachable_sentinel_raises_a_state_store_error() -> None:
    # No retries: redis-py's default back-off would spend seconds before MasterNotFoundError.
    no_retry = {"socket_connect_timeout": 1, "retry": Retry(NoBackoff(), 0)}
    sentinels = Sentinel(  # type: ignore[no-untyped-call]
        [("127.0.0.1", 1)], sentinel_kwargs=no_retry
    )
    master = sentinels.master_for("makelaar-test", **no_retry)  # type: ignore[no-untyped-call]
    store = RedisStateStore(master, "p:")
    with pytest.raises(StateStoreError, match="MasterNotFoundError"):
        store.get("k")


def test_the_sentinel_fixture_watches_a_master_that_answers(
    redis_sentinel: SentinelSetup,
) -> None:
    sentinel = node_client(redis_sentinel.sentinel_port)
    address = sentinel.sentinel_get_master_addr_by_name(redis_sentinel.service)
    assert isinstance(address, tuple) and int(address[1]) == redis_sentinel.master_port
    assert redis_sentinel.master().ping()


# -- every cluster and Sentinel failure is a StateStoreError -----------------------------------


class _Answering(redis.Redis):
    """A client whose every command gets one given error (no server is contacted)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(host="127.0.0.1", port=1)
        self._error = error

    def execute_command(self, *args: Any, **options: Any) -> Any:
        raise self._error


CLUSTER_AND_SENTINEL_ERRORS = [
    ClusterDownError("CLUSTERDOWN The cluster is down"),
    MovedError("3999 127.0.0.1:6381"),
    AskError("3999 127.0.0.1:6381"),
    TryAgainError("TRYAGAIN Multiple keys request during rehashing of slot"),
    ClusterCrossSlotError("CROSSSLOT Keys in request don't hash to the same slot"),
    ReadOnlyError("You can't write against a read only replica."),
    MasterNotFoundError("No master found for 'makelaar'"),
    SlotNotCoveredError("Slot 3999 is not covered by the cluster."),
    RedisClusterException("Redis Cluster cannot be connected."),
]


@pytest.mark.parametrize("error", CLUSTER_AND_SENTINEL_ERRORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("operation", ["put", "get", "take", "incr", "compare_and_set"])
def test_cluster_and_sentinel_failures_become_state_store_errors(
    error: Exception, operation: str
) -> None:
    store = RedisStateStore(_Answering(error), "p:")
    calls: dict[str, Callable[[], object]] = {
        "put": lambda: store.put("k", b"v", 60),
        "get": lambda: store.get("k"),
        "take": lambda: store.take("k"),
        "incr": lambda: store.incr("k", 60),
        "compare_and_set": lambda: store.compare_and_set("k", b"v", b"w", 60),
    }
    with pytest.raises(StateStoreError) as raised:
        calls[operation]()
    # The cause is named for the log, and a cluster in trouble is never "not a counter".
    assert str(raised.value) == f"Redis refused or is unavailable: {type(error).__name__}"
    assert raised.value.__cause__ is error


def test_a_plain_error_reply_to_incr_still_means_not_a_counter() -> None:
    refusal = redis.ResponseError("ERR value is not an integer or out of range")
    with pytest.raises(StateStoreError, match="not a counter"):
        RedisStateStore(_Answering(refusal), "p:").incr("k", 60)


def test_a_client_of_either_kind_is_accepted(redis_cluster: ClusterNodes) -> None:
    clients: list[RedisClient] = [redis_cluster.client(), node_client(redis_cluster.ports[0])]
    for client in clients:
        assert RedisStateStore(client, "p:").prefix == "p:"
