"""Private Redis topologies for tests: a three-node Redis Cluster, a Sentinel-watched master,
a master with a replica and three Sentinels to fail over, and a cluster and a Sentinel-watched
master that speak only TLS (with a throwaway CA made for the session).

Each is started from the ``redis-server`` binary on free loopback ports, in a temporary
directory, without persistence (``--save '' --appendonly no``), and stopped (by its pid) at
the end of the session; the machine's shared Redis is never touched. The fixtures are
registered in ``tests/conftest.py``. The cluster and the Sentinel are session-scoped, so the
state-store contract tests and the end-to-end login share one cluster (forming it takes about
a second); the failover topology is made for each test that asks for it (about half a
second), since a failover changes it for good. Without ``redis-server`` (or, for the cluster,
``redis-cli``) they skip and say which binary is missing.

The TLS data nodes listen on their TLS port only (``--port 0``) and verify each other with
the session's CA; their certificate names 127.0.0.1 and localhost, so a client that checks the
host name accepts it. The TLS master also demands a client certificate of every client. The
TLS Sentinel answers on a plain port as well, so that a test can reach the master through it
without TLS to the Sentinel (``sentinel_ssl=false``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import partial
from ipaddress import IPv4Address
from pathlib import Path
from typing import IO
from typing import Any
from urllib.parse import quote
from urllib.parse import urlencode

import pytest
import redis
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode
from redis.cluster import RedisCluster
from redis.retry import Retry

from tests.ports import free_ports

#: The name the Sentinel monitors its master under.
SENTINEL_SERVICE = "makelaar-test"
#: How long a server, the cluster or the Sentinel may take to come up before the test fails.
START_SECONDS = 15.0


def node_client(port: int, tls: TlsFiles | None = None, password: str | None = None
                ) -> redis.Redis:
    """A client of one server (over TLS with the client certificate when ``tls`` is given);
    no retries, so a dead server answers at once."""
    return redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=5,
                       retry=Retry(NoBackoff(), 0), password=password,
                       **(tls.client_kwargs() if tls else {}))


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


def _without(query: dict[str, str], omit: Collection[str]) -> dict[str, str]:
    return {name: value for name, value in query.items() if name not in omit}


def _persistence_off() -> list[str]:
    return ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


# -- TLS -------------------------------------------------------------------------------------

#: The TLS servers' certificates are valid from a little before now until a day later.
_TLS_VALIDITY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files of a throwaway CA, of the servers' certificate (127.0.0.1 and localhost; the
    servers also present it to each other as clients) and of a client certificate, plus a CA
    that signed none of them."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path

    def client_kwargs(self) -> dict[str, Any]:
        """redis-py options of a verifying TLS client that presents the client certificate."""
        return {"ssl": True, "ssl_ca_certs": str(self.ca), "ssl_certfile": str(self.client_cert),
                "ssl_keyfile": str(self.client_key)}

    def server_args(self, auth_clients: bool) -> list[str]:
        """redis-server options: TLS for clients, replication and the cluster bus."""
        return ["--tls-cert-file", str(self.server_cert), "--tls-key-file", str(self.server_key),
                "--tls-ca-cert-file", str(self.ca), "--tls-replication", "yes",
                "--tls-auth-clients", "yes" if auth_clients else "no"]

    def url_options(self) -> dict[str, str]:
        """The TLS options of a state-store URL that trusts the CA and has the client cert."""
        return {"ssl_ca_certs": str(self.ca), "ssl_certfile": str(self.client_cert),
                "ssl_keyfile": str(self.client_key)}


def _ca(common_name: str, now: datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + _TLS_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _leaf(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, common_name: str,
          now: datetime, *, server: bool) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + _TLS_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
    )
    if server:
        usages.insert(0, ExtendedKeyUsageOID.SERVER_AUTH)
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                         x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False)
    certificate = (builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    return key, certificate


def _write_pem(path: Path, item: x509.Certificate | ec.EllipticCurvePrivateKey) -> Path:
    if isinstance(item, x509.Certificate):
        path.write_bytes(item.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(item.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return path


def make_tls_files(directory: Path) -> TlsFiles:
    """A new CA with a server and a client certificate (P-256: made in milliseconds)."""
    now = datetime.now(UTC)
    ca_key, ca = _ca("Makelaar TEST Redis CA", now)
    server_key, server = _leaf(ca_key, ca, "makelaar-test-redis", now, server=True)
    client_key, client = _leaf(ca_key, ca, "makelaar-test-client", now, server=False)
    _, other_ca = _ca("Makelaar TEST unrelated CA", now)
    return TlsFiles(
        ca=_write_pem(directory / "ca.pem", ca),
        server_cert=_write_pem(directory / "server.pem", server),
        server_key=_write_pem(directory / "server.key", server_key),
        client_cert=_write_pem(directory / "client.pem", client),
        client_key=_write_pem(directory / "client.key", client_key),
        other_ca=_write_pem(directory / "other-ca.pem", other_ca),
    )


@pytest.fixture(scope="session")
def redis_tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """The session's throwaway CA and certificates for the TLS servers and their clients."""
    return make_tls_files(tmp_path_factory.mktemp("redis-tls"))


# -- Redis Cluster ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterNodes:
    """A running three-primary Redis Cluster on loopback (TLS only when ``tls`` is set)."""

    ports: tuple[int, ...]
    tls: TlsFiles | None = None
    #: A client per node, made on first use and kept: each TLS connection costs tens of ms
    #: (redis-py loads the system trust store for every one).
    nodes: dict[int, redis.Redis] = field(default_factory=dict, compare=False, repr=False)

    @property
    def hosts(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def url(self, prefix: str, *, omit: Collection[str] = (), **options: str) -> str:
        """A ``redis+cluster://`` state-store URL naming every node; for a TLS cluster a
        ``rediss+cluster://`` one that trusts the session's CA (less the options in ``omit``)."""
        if self.tls is None:
            return f"redis+cluster://{self.hosts}?" + urlencode({"prefix": prefix, **options})
        query = {"prefix": prefix, **self.tls.url_options(), **options}
        return f"rediss+cluster://{self.hosts}?" + urlencode(_without(query, omit))

    def client(self) -> RedisCluster:
        """A cluster client for checks and clean-up (bytes, like the store's)."""
        return RedisCluster(
            startup_nodes=[cluster_node(port) for port in self.ports],
            socket_connect_timeout=1, socket_timeout=5,
            **(self.tls.client_kwargs() if self.tls else {}),
        )

    def node(self, port: int) -> redis.Redis:
        """The kept client of the node on ``port``."""
        if port not in self.nodes:
            self.nodes[port] = node_client(port, self.tls)
        return self.nodes[port]

    def keys_per_node(self, prefix: str) -> dict[int, list[bytes]]:
        """The keys under ``prefix`` that each node holds, asked of each node itself."""
        return {
            port: list(self.node(port).scan_iter(match=prefix + "*", count=500))
            for port in self.ports
        }

    def delete_prefix(self, prefix: str) -> None:
        """Delete every key under ``prefix`` on every node, one key per DEL (keys on one node
        still lie in different slots, and DEL of several keys must stay within one slot)."""
        for port, keys in self.keys_per_node(prefix).items():
            for key in keys:
                self.node(port).delete(key)


def _cluster_ok(port: int, nodes: int, tls: TlsFiles | None) -> bool:
    info = node_client(port, tls).cluster("INFO")  # redis-py parses it into a dict of str
    return bool(info.get("cluster_state") == "ok"
                and info.get("cluster_known_nodes") == str(nodes))


def start_cluster(directory: Path, processes: _Processes, nodes: int = 3,
                  tls: TlsFiles | None = None) -> ClusterNodes:
    """Start ``nodes`` cluster-enabled servers and join them as primaries covering all slots;
    with ``tls``, TLS is all they speak, to clients and on the cluster bus."""
    cli = _binary("redis-cli")
    ports = free_ports(2 * nodes)
    data, bus = ports[:nodes], ports[nodes:]
    for port, bus_port in zip(data, bus, strict=True):
        listen = (["--port", str(port)] if tls is None else
                  ["--port", "0", "--tls-port", str(port), "--tls-cluster", "yes",
                   *tls.server_args(auth_clients=False)])
        processes.start(f"cluster-{port}", [
            *listen, "--cluster-port", str(bus_port), *_persistence_off(),
            "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
            "--cluster-node-timeout", "2000", "--dir", str(directory),
        ])
    for port in data:
        _wait(f"cluster node {port}", node_client(port, tls).ping)
    cli_tls = [] if tls is None else ["--tls", "--cacert", str(tls.ca)]
    created = subprocess.run(  # noqa: S603 - the redis-cli binary and our arguments
        [cli, *cli_tls, "--cluster", "create", *(f"127.0.0.1:{port}" for port in data),
         "--cluster-replicas", "0", "--cluster-yes"],
        capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
    )
    if created.returncode != 0:
        raise RuntimeError(f"redis-cli --cluster create failed:\n{created.stdout}\n"
                           f"{created.stderr}\n{processes.logs()}")
    for port in data:
        _wait(f"cluster_state:ok on node {port}", partial(_cluster_ok, port, nodes, tls))
    return ClusterNodes(tuple(data), tls)


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


@pytest.fixture(scope="session")
def redis_tls_cluster(tmp_path_factory: pytest.TempPathFactory,
                      redis_tls_files: TlsFiles) -> Iterator[ClusterNodes]:
    """A three-node Redis Cluster that speaks only TLS, for the whole session."""
    _binary("redis-server")
    directory = tmp_path_factory.mktemp("redis-tls-cluster")
    processes = _Processes(directory)
    try:
        yield start_cluster(directory, processes, tls=redis_tls_files)
    finally:
        processes.stop()


# -- Redis Sentinel --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentinelSetup:
    """A running master and one Sentinel that monitors it (quorum 1). With ``tls`` the master
    speaks only TLS and demands a client certificate, and the Sentinel speaks TLS on
    ``sentinel_port`` and plain Redis on ``sentinel_plain_port``; each may have a password."""

    master_port: int
    sentinel_port: int
    service: str = SENTINEL_SERVICE
    tls: TlsFiles | None = None
    sentinel_plain_port: int | None = None
    master_password: str | None = None
    sentinel_password: str | None = None

    def url(self, prefix: str, db: int = 0, *, scheme: str | None = None,
            sentinel_port: int | None = None, omit: Collection[str] = (),
            **options: str) -> str:
        """A ``redis+sentinel://`` state-store URL for the monitored master; with TLS a
        ``rediss+sentinel://`` one with the CA, the client certificate and the passwords
        (less the options in ``omit``)."""
        if scheme is None:
            scheme = "redis+sentinel" if self.tls is None else "rediss+sentinel"
        query = {"prefix": prefix}
        if self.tls is not None:
            query.update(self.tls.url_options())
        if self.sentinel_password is not None:
            query["sentinel_password"] = self.sentinel_password
        query.update(options)
        auth = "" if self.master_password is None else f":{quote(self.master_password, safe='')}@"
        port = self.sentinel_port if sentinel_port is None else sentinel_port
        return (f"{scheme}://{auth}127.0.0.1:{port}/{self.service}/{db}?"
                + urlencode(_without(query, omit)))

    def master(self) -> redis.Redis:
        """A client of the master itself, for checks and clean-up."""
        return node_client(self.master_port, self.tls, self.master_password)

    def sentinel(self) -> redis.Redis:
        """A client of the Sentinel itself."""
        return node_client(self.sentinel_port, self.tls, self.sentinel_password)


def start_sentinel(directory: Path, processes: _Processes, tls: TlsFiles | None = None,
                   master_password: str | None = None,
                   sentinel_password: str | None = None) -> SentinelSetup:
    """Start a master and a Sentinel that monitors it, and wait until the Sentinel knows it."""
    master_port, sentinel_port, plain_port = free_ports(3)
    setup = SentinelSetup(master_port, sentinel_port, tls=tls,
                          sentinel_plain_port=None if tls is None else plain_port,
                          master_password=master_password, sentinel_password=sentinel_password)
    listen = (["--port", str(master_port)] if tls is None else
              ["--port", "0", "--tls-port", str(master_port),
               *tls.server_args(auth_clients=True)])
    secret = [] if master_password is None else ["--requirepass", master_password]
    processes.start("master", [*listen, *_persistence_off(), "--dir", str(directory), *secret])
    _wait("the Sentinel's master", setup.master().ping)
    # The Sentinel rewrites its configuration file, so it gets one of its own. It reaches the
    # master over TLS because of tls-replication, with its server certificate as client one.
    lines = [f"port {sentinel_port}"] if tls is None else [
        f"port {plain_port}", f"tls-port {sentinel_port}", f"tls-cert-file {tls.server_cert}",
        f"tls-key-file {tls.server_key}", f"tls-ca-cert-file {tls.ca}",
        "tls-auth-clients no", "tls-replication yes",
    ]
    lines += ["bind 127.0.0.1", f"dir {directory}",
              f"sentinel monitor {SENTINEL_SERVICE} 127.0.0.1 {master_port} 1",
              f"sentinel down-after-milliseconds {SENTINEL_SERVICE} 5000"]
    if master_password is not None:
        lines.append(f"sentinel auth-pass {SENTINEL_SERVICE} {master_password}")
    if sentinel_password is not None:
        lines.append(f"requirepass {sentinel_password}")
    config = directory / "sentinel.conf"
    config.write_text("\n".join(lines) + "\n")
    processes.start("sentinel", [str(config), "--sentinel"])
    sentinel = setup.sentinel()

    def knows_the_master() -> bool:
        address = sentinel.sentinel_get_master_addr_by_name(SENTINEL_SERVICE)
        return isinstance(address, tuple) and int(address[1]) == master_port

    _wait("the Sentinel to know the master", knows_the_master)
    return setup


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelSetup]:
    """One redis-server master and one ``redis-server --sentinel`` watching it."""
    _binary("redis-server")
    directory = tmp_path_factory.mktemp("redis-sentinel")
    processes = _Processes(directory)
    try:
        yield start_sentinel(directory, processes)
    finally:
        processes.stop()


@pytest.fixture(scope="session")
def redis_tls_sentinel(tmp_path_factory: pytest.TempPathFactory,
                       redis_tls_files: TlsFiles) -> Iterator[SentinelSetup]:
    """A TLS-only master (client certificate required, a password) and a Sentinel with a
    password of its own that watches it over TLS and answers on a TLS and a plain port."""
    _binary("redis-server")
    directory = tmp_path_factory.mktemp("redis-tls-sentinel")
    processes = _Processes(directory)
    try:
        yield start_sentinel(directory, processes, tls=redis_tls_files,
                             master_password="master+secret/1", sentinel_password="sentinel&s=2")
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
