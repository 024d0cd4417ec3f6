"""Private Redis topologies for tests: a three-node Redis Cluster, a Sentinel-watched master,
and a master with a replica and three Sentinels to fail over.

Each is started from the ``redis-server`` binary on free loopback ports, in a temporary
directory, without persistence (``--save '' --appendonly no``), and stopped (by its pid) at
the end of the session; the machine's shared Redis is never touched. The fixtures are
registered in ``tests/conftest.py``. The cluster and the Sentinel are session-scoped, so the
state-store contract tests and the end-to-end login share one cluster (forming it takes about
a second); the failover topology is made for each test that asks for it (about half a
second), since a failover changes it for good. Without ``redis-server`` (or, for the cluster,
``redis-cli``) they skip and say which binary is missing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

import pytest
import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode
from redis.cluster import RedisCluster
from redis.retry import Retry

#: The name the Sentinel monitors its master under.
SENTINEL_SERVICE = "makelaar-test"
#: How long a server, the cluster or the Sentinel may take to come up before the test fails.
START_SECONDS = 15.0


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out (all bound at once, so they differ), then released."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [int(s.getsockname()[1]) for s in sockets]


def node_client(port: int) -> redis.Redis:
    """A plain client of one server; no retries, so a dead server answers at once."""
    return redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=5,
                       retry=Retry(NoBackoff(), 0))


def cluster_node(port: int) -> ClusterNode:
    """A startup node on loopback (redis-py leaves ClusterNode unannotated)."""
    return ClusterNode("127.0.0.1", port)  # type: ignore[no-untyped-call]


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (the Redis topology tests start their own servers)")
    return path


def _wait(condition: str, check: Callable[[], object]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {condition}")


class _Processes:
    """Servers of one fixture: started as children (never daemonised), stopped by their pid."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._running: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.directory / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - the redis-server binary and our arguments
            [_binary("redis-server"), *args],
            cwd=self.directory, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        self._running.append((process, log))
        return process

    def stop(self) -> None:
        for process, _ in self._running:
            if process.poll() is None:
                process.terminate()
        for process, log in self._running:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        self._running.clear()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-2000:]}"
                         for p in sorted(self.directory.glob("*.log")))


def _persistence_off() -> list[str]:
    return ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


# -- Redis Cluster ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterNodes:
    """A running three-primary Redis Cluster on loopback."""

    ports: tuple[int, ...]

    def url(self, prefix: str, **options: str) -> str:
        """A ``redis+cluster://`` state-store URL naming every node."""
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.ports)
        return f"redis+cluster://{hosts}?" + urlencode({"prefix": prefix, **options})

    def client(self) -> RedisCluster:
        """A cluster client for checks and clean-up (bytes, like the store's)."""
        return RedisCluster(
            startup_nodes=[cluster_node(port) for port in self.ports],
            socket_connect_timeout=1, socket_timeout=5,
        )

    def keys_per_node(self, prefix: str) -> dict[int, list[bytes]]:
        """The keys under ``prefix`` that each node holds, asked of each node itself."""
        return {
            port: list(node_client(port).scan_iter(match=prefix + "*", count=500))
            for port in self.ports
        }

    def delete_prefix(self, prefix: str) -> None:
        """Delete every key under ``prefix`` on every node, one key per DEL (keys on one node
        still lie in different slots, and DEL of several keys must stay within one slot)."""
        for port, keys in self.keys_per_node(prefix).items():
            client = node_client(port)
            for key in keys:
                client.delete(key)


def _cluster_ok(port: int, nodes: int) -> bool:
    info = node_client(port).cluster("INFO")  # redis-py parses it into a dict of str
    return bool(info.get("cluster_state") == "ok"
                and info.get("cluster_known_nodes") == str(nodes))


def start_cluster(directory: Path, processes: _Processes, nodes: int = 3) -> ClusterNodes:
    """Start ``nodes`` cluster-enabled servers and join them as primaries covering all slots."""
    cli = _binary("redis-cli")
    ports = free_ports(2 * nodes)
    data, bus = ports[:nodes], ports[nodes:]
    for port, bus_port in zip(data, bus, strict=True):
        processes.start(f"cluster-{port}", [
            "--port", str(port), "--cluster-port", str(bus_port), *_persistence_off(),
            "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
            "--cluster-node-timeout", "2000", "--dir", str(directory),
        ])
    for port in data:
        _wait(f"cluster node {port}", node_client(port).ping)
    created = subprocess.run(  # noqa: S603 - the redis-cli binary and our arguments
        [cli, "--cluster", "create", *(f"127.0.0.1:{port}" for port in data),
         "--cluster-replicas", "0", "--cluster-yes"],
        capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
    )
    if created.returncode != 0:
        raise RuntimeError(f"redis-cli --cluster create failed:\n{created.stdout}\n"
                           f"{created.stderr}\n{processes.logs()}")
    for port in data:
        _wait(f"cluster_state:ok on node {port}", partial(_cluster_ok, port, nodes))
    return ClusterNodes(tuple(data))


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterNodes]:
    """A three-node Redis Cluster (three primaries, no replicas) for the whole session."""
    _binary("redis-server")
    directory = tmp_path_factory.mktemp("redis-cluster")
    processes = _Processes(directory)
    try:
        yield start_cluster(directory, processes)
    finally:
        processes.stop()


# -- Redis Sentinel --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentinelSetup:
    """A running master and one Sentinel that monitors it (quorum 1)."""

    master_port: int
    sentinel_port: int
    service: str = SENTINEL_SERVICE

    def url(self, prefix: str, db: int = 0) -> str:
        """A ``redis+sentinel://`` state-store URL for the monitored master."""
        return (f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{self.service}/{db}?"
                + urlencode({"prefix": prefix}))

    def master(self) -> redis.Redis:
        """A plain client of the master itself, for checks and clean-up."""
        return node_client(self.master_port)


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelSetup]:
    """One redis-server master and one ``redis-server --sentinel`` watching it."""
    _binary("redis-server")
    directory = tmp_path_factory.mktemp("redis-sentinel")
    processes = _Processes(directory)
    master_port, sentinel_port = free_ports(2)
    # The Sentinel rewrites its configuration file, so it gets one of its own.
    config = directory / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {directory}\n"
        f"sentinel monitor {SENTINEL_SERVICE} 127.0.0.1 {master_port} 1\n"
        f"sentinel down-after-milliseconds {SENTINEL_SERVICE} 5000\n"
    )
    setup = SentinelSetup(master_port, sentinel_port)
    try:
        processes.start("master", ["--port", str(master_port), *_persistence_off(),
                                   "--dir", str(directory)])
        _wait("the Sentinel's master", node_client(master_port).ping)
        processes.start("sentinel", [str(config), "--sentinel"])
        sentinel = node_client(sentinel_port)

        def knows_the_master() -> bool:
            address = sentinel.sentinel_get_master_addr_by_name(SENTINEL_SERVICE)
            return isinstance(address, tuple) and int(address[1]) == master_port

        _wait("the Sentinel to know the master", knows_the_master)
        yield setup
    finally:
        processes.stop()


# -- Redis Sentinel with a replica, for failovers ----------------------------------------------

#: The name the failover Sentinels monitor their master under (not the session Sentinel's).
FAILOVER_SERVICE = "makelaar-failover"
#: A master that has not answered for this long is down (30 s by default).
FAILOVER_DOWN_AFTER_MS = 1000
#: How long one failover may take, and twice this before the same master is failed over again.
FAILOVER_TIMEOUT_MS = 3000
#: Sentinel's own periods (``SENTINEL DEBUG``, Redis >= 6.2), shortened so that a failover takes
#: about a second, not ten: ``info-period`` (10 s) is how often a Sentinel reads INFO of the
#: master and replicas (how it learns of the replica and of a promotion), ``publish-period``
#: (2 s) how often Sentinels say hello to each other (how they find each other and spread a new
#: master) and, times four, how long a Sentinel waits before demoting a former master that
#: still says it is master; ``ask-period`` (1 s) how often a Sentinel asks the others whether
#: they, too, find the master down.
FAILOVER_SENTINEL_DEBUG = {"info-period": 200, "publish-period": 200, "ask-period": 200}


@dataclass(frozen=True, slots=True)
class FailoverSetup:
    """A master, its replica and three Sentinels that monitor them (quorum 2), each its own
    process: what a production Sentinel deployment is, in miniature."""

    master_port: int
    replica_port: int
    sentinel_ports: tuple[int, ...]
    processes: dict[int, subprocess.Popen[bytes]]
    service: str = FAILOVER_SERVICE

    def url(self, prefix: str) -> str:
        """A ``redis+sentinel://`` state-store URL naming every Sentinel."""
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{self.service}?" + urlencode({"prefix": prefix})

    def sentinels(self) -> list[redis.Redis]:
        return [node_client(port) for port in self.sentinel_ports]

    def masters_named(self) -> set[int]:
        """The master port that each Sentinel gives for the service (one, once they agree)."""
        ports = set()
        for sentinel in self.sentinels():
            address = sentinel.sentinel_get_master_addr_by_name(self.service)
            ports.add(int(address[1]) if isinstance(address, tuple) else 0)
        return ports

    def role(self, port: int) -> str:
        """``master`` or ``slave``, as the server itself says."""
        return str(node_client(port).info("replication")["role"])

    def kill(self, port: int) -> None:
        """SIGKILL the server on ``port`` (a crash: no goodbye to clients or replicas)."""
        process = self.processes[port]
        process.kill()
        process.wait(timeout=5)


def _in_sync(replica_port: int) -> bool:
    return node_client(replica_port).info("replication").get("master_link_status") == "up"


def _sentinels_ready(setup: FailoverSetup) -> bool:
    """Every Sentinel names the master, knows the replica in sync and the two other Sentinels."""
    if setup.masters_named() != {setup.master_port}:
        return False
    for sentinel in setup.sentinels():
        replicas = sentinel.sentinel_slaves(setup.service)
        if not any(int(r["port"]) == setup.replica_port and r["flags"] == "slave"
                   and r["master-link-status"] == "ok" for r in replicas):
            return False
        others = sentinel.sentinel_sentinels(setup.service)
        if not isinstance(others, list) or len(others) != len(setup.sentinel_ports) - 1:
            return False
    return True


def start_failover_topology(directory: Path, processes: _Processes) -> FailoverSetup:
    """Start a master, a replica in sync with it and three Sentinels that know both."""
    master_port, replica_port, *sentinel_ports = free_ports(5)
    servers = {}
    for name, port, extra in (("master", master_port, []),
                              ("replica", replica_port,
                               ["--replicaof", "127.0.0.1", str(master_port)])):
        # Full syncs start at once, not after the 5 s that a diskless sync waits for more
        # replicas by default (also when the former master rejoins as a replica).
        servers[port] = processes.start(name, [
            "--port", str(port), *_persistence_off(), "--dir", str(directory),
            "--repl-diskless-sync-delay", "0", *extra,
        ])
    _wait("the failover master", node_client(master_port).ping)
    _wait("the replica to be in sync with the master", partial(_in_sync, replica_port))
    setup = FailoverSetup(master_port, replica_port, tuple(sentinel_ports), servers)
    quorum = len(sentinel_ports) // 2 + 1
    for port in sentinel_ports:
        # Each Sentinel rewrites its configuration file, so each gets one of its own.
        config = directory / f"sentinel-{port}.conf"
        config.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {directory}\n"
            f"sentinel monitor {FAILOVER_SERVICE} 127.0.0.1 {master_port} {quorum}\n"
            f"sentinel down-after-milliseconds {FAILOVER_SERVICE} {FAILOVER_DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {FAILOVER_SERVICE} {FAILOVER_TIMEOUT_MS}\n"
        )
        processes.start(f"sentinel-{port}", [str(config), "--sentinel"])
    for port in sentinel_ports:
        _wait(f"Sentinel {port}", node_client(port).ping)
        debug = [str(part) for pair in FAILOVER_SENTINEL_DEBUG.items() for part in pair]
        node_client(port).execute_command(  # type: ignore[no-untyped-call]
            "SENTINEL", "DEBUG", *debug)
    _wait("the Sentinels to know the master, the replica and each other",
          partial(_sentinels_ready, setup))
    return setup


@pytest.fixture()
def redis_sentinel_failover(tmp_path: Path) -> Iterator[FailoverSetup]:
    """A master, a replica and three Sentinels of this test's own, to fail over at will."""
    _binary("redis-server")
    processes = _Processes(tmp_path)
    try:
        yield start_failover_topology(tmp_path, processes)
    finally:
        processes.stop()
