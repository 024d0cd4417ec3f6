"""The TLS state-store URLs against real TLS-only servers: what they refuse to connect to.

The contract tests (test_state_store.py) already run every port operation through
``rediss+cluster://`` and ``rediss+sentinel://``; this file checks that TLS there means a
verified server: a store that does not trust the servers' CA (the system trust store, or
another CA) fails on first use with StateStoreError instead of connecting, a plain URL gets
nowhere on the TLS-only ports, the master's demand for a client certificate is met only when
the URL names one, and the Sentinels are reached with credentials of their own (never the
master's) and, unless ``sentinel_ssl=false``, over verified TLS as well. The servers are the
session's TLS cluster and TLS Sentinel setup of ``tests/redis_servers.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import SentinelConnectionPool

from etoegang.state import RedisStateStore
from etoegang.state import StateStore
from etoegang.state import StateStoreError
from etoegang.state import store_from_url
from etoegang.state.redis_urls import parse_sentinel_url
from etoegang.state.redis_urls import sentinel_client
from tests.redis_servers import ClusterNodes
from tests.redis_servers import SentinelSetup
from tests.redis_servers import TlsFiles

#: What OpenSSL says when the server's certificate does not chain to a trusted CA.
UNTRUSTED = "CERTIFICATE_VERIFY_FAILED"
#: The client certificate options of a URL.
CLIENT_CERT = ("ssl_certfile", "ssl_keyfile")


@pytest.fixture()
def prefix() -> str:
    return f"makelaar-tls:{uuid.uuid4().hex}:"


@pytest.fixture()
def tls_cluster(redis_tls_cluster: ClusterNodes, prefix: str) -> Iterator[ClusterNodes]:
    """The session's TLS cluster, with this test's keys removed afterwards."""
    yield redis_tls_cluster
    redis_tls_cluster.delete_prefix(prefix)


@pytest.fixture()
def tls_sentinel(redis_tls_sentinel: SentinelSetup, prefix: str) -> Iterator[SentinelSetup]:
    """The session's TLS master and Sentinel, with this test's keys removed afterwards."""
    yield redis_tls_sentinel
    master = redis_tls_sentinel.master()
    for key in master.scan_iter(match=prefix + "*"):
        master.delete(key)
    master.close()


def _causes(error: BaseException) -> str:
    """Every exception in the chain below ``error``, one per line (what the log would show)."""
    lines = []
    current: BaseException | None = error
    while current is not None:
        lines.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


def _refused(store: StateStore) -> str:
    """The cause chain of the StateStoreError of a first operation that must fail."""
    with pytest.raises(StateStoreError) as refused:
        store.put("k", b"v", 60)
    return _causes(refused.value)


def _sentinel_store_without_backoff(
    url: str, prefix: str
) -> tuple[RedisStateStore, list[redis.Redis]]:
    """The store of ``url`` and its clients of the Sentinels, these without redis-py's
    back-off: a Sentinel that cannot be used is then reported at once rather than after
    seconds of retries (the retries are not what these tests are about)."""
    client = sentinel_client(parse_sentinel_url(url))
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    sentinels: list[redis.Redis] = pool.sentinel_manager.sentinels
    for sentinel in sentinels:
        sentinel.set_retry(Retry(NoBackoff(), 0))
    return RedisStateStore(client, prefix), sentinels


# -- the cluster ------------------------------------------------------------------------------


def test_a_tls_cluster_store_writes_to_the_nodes_over_tls(
    tls_cluster: ClusterNodes, prefix: str
) -> None:
    # No client certificate: the cluster nodes ask for none, and it is optional in the URL.
    store = store_from_url(tls_cluster.url(prefix, omit=CLIENT_CERT))
    store.put("tx:1", b"state", 60)
    assert tls_cluster.client().get(prefix + "tx:1") == b"state"


@pytest.mark.parametrize("trust", ["system", "other-ca"])
def test_a_cluster_store_that_does_not_trust_the_nodes_ca_fails_on_first_use(
    tls_cluster: ClusterNodes, redis_tls_files: TlsFiles, prefix: str, trust: str
) -> None:
    if trust == "system":  # no ssl_ca_certs: the system trust store, which lacks the test CA
        url = tls_cluster.url(prefix, omit=("ssl_ca_certs",))
    else:
        url = tls_cluster.url(prefix, ssl_ca_certs=str(redis_tls_files.other_ca))
    assert UNTRUSTED in _refused(store_from_url(url))


def test_a_plain_cluster_url_gets_nowhere_on_tls_only_ports(
    tls_cluster: ClusterNodes, prefix: str
) -> None:
    store = store_from_url(f"redis+cluster://{tls_cluster.hosts}?prefix={prefix}"
                           "&socket_timeout=2&socket_connect_timeout=1")
    assert "Connection" in _refused(store)
    assert tls_cluster.keys_per_node(prefix) == {port: [] for port in tls_cluster.ports}


# -- the master behind Sentinel ---------------------------------------------------------------


def test_sentinel_ssl_false_asks_a_plain_sentinel_and_still_reaches_the_master_over_tls(
    tls_sentinel: SentinelSetup, prefix: str
) -> None:
    assert tls_sentinel.sentinel_plain_port is not None
    store = store_from_url(tls_sentinel.url(prefix, sentinel_port=tls_sentinel.sentinel_plain_port,
                                            sentinel_ssl="false"))
    store.put("tx:1", b"state", 60)
    assert tls_sentinel.master().get(prefix + "tx:1") == b"state"


@pytest.mark.parametrize("trust", ["system", "other-ca"])
def test_a_sentinel_store_that_does_not_trust_the_masters_ca_fails_on_first_use(
    tls_sentinel: SentinelSetup, redis_tls_files: TlsFiles, prefix: str, trust: str
) -> None:
    # The Sentinel is asked on its plain port, so what fails is the master's certificate.
    assert tls_sentinel.sentinel_plain_port is not None
    if trust == "system":  # no ssl_ca_certs: the system trust store, which lacks the test CA
        url = tls_sentinel.url(prefix, sentinel_port=tls_sentinel.sentinel_plain_port,
                               sentinel_ssl="false", omit=("ssl_ca_certs",))
    else:
        url = tls_sentinel.url(prefix, sentinel_port=tls_sentinel.sentinel_plain_port,
                               sentinel_ssl="false", ssl_ca_certs=str(redis_tls_files.other_ca))
    causes = _refused(store_from_url(url))
    assert UNTRUSTED in causes
    assert "MasterNotFoundError" not in causes  # the Sentinel answered; the master did not


def test_the_sentinels_certificate_is_verified_too(
    tls_sentinel: SentinelSetup, redis_tls_files: TlsFiles, prefix: str
) -> None:
    url = tls_sentinel.url(prefix, ssl_ca_certs=str(redis_tls_files.other_ca))
    store, sentinels = _sentinel_store_without_backoff(url, prefix)
    assert "MasterNotFoundError" in _refused(store)  # no Sentinel could be asked
    # redis-py keeps only the error's name in MasterNotFoundError; asked directly, the
    # Sentinel connection says why.
    with pytest.raises(redis.ConnectionError) as refused:
        sentinels[0].ping()
    assert UNTRUSTED in _causes(refused.value)


def test_a_plain_sentinel_url_gets_nowhere_on_the_tls_only_master(
    tls_sentinel: SentinelSetup, prefix: str
) -> None:
    assert tls_sentinel.sentinel_plain_port is not None
    url = tls_sentinel.url(prefix, scheme="redis+sentinel",
                           sentinel_port=tls_sentinel.sentinel_plain_port,
                           omit=("ssl_ca_certs", *CLIENT_CERT), socket_timeout="2")
    causes = _refused(store_from_url(url))
    assert "MasterNotFoundError" not in causes
    assert tls_sentinel.master().exists(prefix + "k") == 0


def test_the_master_demands_the_client_certificate_that_the_url_names(
    tls_sentinel: SentinelSetup, prefix: str
) -> None:
    # The Sentinel asks for no client certificate; the master refuses a client without one
    # (OpenSSL reports that as the alert or as the connection closed under TLS, by timing).
    causes = _refused(store_from_url(tls_sentinel.url(prefix, omit=CLIENT_CERT)))
    assert "SSL" in causes
    assert "MasterNotFoundError" not in causes
    with_certificate = store_from_url(tls_sentinel.url(prefix))
    with_certificate.put("k", b"v", 60)
    assert with_certificate.get("k") == b"v"


def test_a_sentinel_username_goes_with_the_sentinel_password(
    tls_sentinel: SentinelSetup, prefix: str
) -> None:
    # The Sentinel's requirepass is the password of its "default" user.
    store = store_from_url(tls_sentinel.url(prefix, sentinel_username="default"))
    store.put("tx:1", b"state", 60)
    assert store.get("tx:1") == b"state"


def test_the_sentinel_is_not_given_the_masters_password(
    tls_sentinel: SentinelSetup, prefix: str
) -> None:
    # The URL has the master's password but no sentinel_password: the Sentinels are asked
    # without one (and refuse), the master's password is kept for the master.
    url = tls_sentinel.url(prefix, omit=("sentinel_password",))
    store, sentinels = _sentinel_store_without_backoff(url, prefix)
    assert "MasterNotFoundError" in _refused(store)
    assert all(s.connection_pool.connection_kwargs.get("password") is None for s in sentinels)
    with pytest.raises(redis.AuthenticationError):
        sentinels[0].ping()


def test_a_wrong_sentinel_password_fails_and_is_not_repeated(
    tls_sentinel: SentinelSetup, prefix: str
) -> None:
    url = tls_sentinel.url(prefix, sentinel_password="wrong-hunter2")
    store, sentinels = _sentinel_store_without_backoff(url, prefix)
    causes = _refused(store)
    assert "MasterNotFoundError" in causes
    with pytest.raises(redis.AuthenticationError) as refused:
        sentinels[0].ping()
    causes += "\n" + _causes(refused.value)
    assert "hunter2" not in causes
    assert tls_sentinel.master_password is not None
    assert tls_sentinel.master_password not in causes


def test_the_tls_sentinel_fixture_watches_a_master_that_answers_only_over_tls(
    tls_sentinel: SentinelSetup,
) -> None:
    assert tls_sentinel.tls is not None and tls_sentinel.sentinel_password is not None
    address = tls_sentinel.sentinel().sentinel_get_master_addr_by_name(tls_sentinel.service)
    assert isinstance(address, tuple) and int(address[1]) == tls_sentinel.master_port
    plain = redis.Redis(host="127.0.0.1", port=tls_sentinel.master_port, socket_timeout=2,
                        socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    with pytest.raises(redis.ConnectionError):
        plain.ping()
