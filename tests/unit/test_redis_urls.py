"""The ``redis+cluster://`` and ``redis+sentinel://`` state-store URLs and their TLS forms
``rediss+cluster://`` and ``rediss+sentinel://``: what they are read as, what redis-py is given,
and the clear refusal of every malformed one (no server needed; the TLS ones read the session's
throwaway certificate files)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from redis.connection import SSLConnection
from redis.sentinel import SentinelConnectionPool
from redis.sentinel import SentinelManagedSSLConnection

from etoegang.state import RedisStateStore
from etoegang.state import StateStoreConfigError
from etoegang.state import store_from_url
from etoegang.state.redis_urls import ConnectionOptions
from etoegang.state.redis_urls import Node
from etoegang.state.redis_urls import SentinelAccess
from etoegang.state.redis_urls import TlsOptions
from etoegang.state.redis_urls import parse_cluster_url
from etoegang.state.redis_urls import parse_sentinel_url
from etoegang.state.redis_urls import sentinel_client
from tests.redis_servers import TlsFiles


def test_a_cluster_url_names_every_startup_node_with_the_prefix_and_socket_options() -> None:
    spec = parse_cluster_url(
        "redis+cluster://10.0.0.1:7000,10.0.0.2,[::1]:7002/?prefix=makelaar:broker:"
        "&socket_timeout=2.5&socket_connect_timeout=1"
    )
    assert spec.nodes == (Node("10.0.0.1", 7000), Node("10.0.0.2", 6379), Node("::1", 7002))
    assert spec.prefix == "makelaar:broker:"
    assert spec.options == ConnectionOptions(socket_timeout=2.5, socket_connect_timeout=1.0)


def test_cluster_credentials_are_percent_decoded_and_passed_to_the_nodes() -> None:
    spec = parse_cluster_url("redis+cluster://app:p%40ss%3Aw0rd@h1:7000,h2:7001")
    timeouts = {"socket_timeout": 5.0, "socket_connect_timeout": 3.0}  # the defaults
    assert spec.options.kwargs() == {"username": "app", "password": "p@ss:w0rd", **timeouts}
    assert spec.prefix is None
    only_password = parse_cluster_url("redis+cluster://:secret@h1:7000")
    assert only_password.options.kwargs() == {"password": "secret", **timeouts}


def test_a_sentinel_url_names_the_sentinels_the_service_and_the_database() -> None:
    spec = parse_sentinel_url(
        "redis+sentinel://:secret@s1:26380,s2/make%20laar/3?prefix=makelaar:idp:"
    )
    assert spec.sentinels == (Node("s1", 26380), Node("s2", 26379))
    assert spec.service == "make laar"
    assert spec.db == 3
    assert spec.prefix == "makelaar:idp:"
    assert spec.options.kwargs() == {
        "password": "secret", "socket_timeout": 5.0, "socket_connect_timeout": 3.0
    }
    assert parse_sentinel_url("redis+sentinel://s1:26379/mymaster").db == 0


def test_store_from_url_accepts_cluster_and_sentinel_urls_without_connecting() -> None:
    # Port 1 on loopback: nothing listens there. Neither URL opens a connection yet, so a
    # node starting while Redis is down starts (unready) instead of crashing.
    cluster = store_from_url("redis+cluster://127.0.0.1:1?prefix=makelaar:c:")
    sentinel = store_from_url("redis+sentinel://127.0.0.1:1/mymaster/2")
    assert isinstance(cluster, RedisStateStore) and cluster.prefix == "makelaar:c:"
    assert isinstance(sentinel, RedisStateStore) and sentinel.prefix == "makelaar:"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis+cluster://", "names no cluster node"),
        ("redis+cluster://h1:7000,,h2:7001", "cluster node 2"),
        ("redis+cluster://h1:7000,h2:notaport", "bad port"),
        ("redis+cluster://h1:70000", "bad port"),
        ("redis+cluster://h1:0", "port 0"),
        ("redis+cluster://h1:7000/0", "takes no path"),
        ("redis+cluster://h1:7000?db=1", "unknown state-store URL option 'db'"),
        ("redis+cluster://h1:7000?prefix=a&prefix=b", "more than one prefix"),
        ("redis+cluster://h1:7000?socket_timeout=0", "positive number of seconds"),
        ("redis+cluster://h1:7000?socket_timeout=nan", "positive number of seconds"),
        ("redis+cluster://h1:7000?socket_timeout=1&socket_timeout=2", "more than once"),
        ("redis+cluster://h1:7000#x", "no #fragment"),
        ("redis+cluster://h1:7000?prefix=", "non-empty key prefix"),
        ("redis+cluster://h1:7000?prefix=app:{all}:", "must not contain {"),
        ("redis+sentinel://s1:26379", "/<service-name>"),
        ("redis+sentinel://s1:26379/", "/<service-name>"),
        ("redis+sentinel://s1:26379/mymaster/x", "whole number"),
        ("redis+sentinel://s1:26379/mymaster/-1", "whole number"),
        ("redis+sentinel://s1:26379/mymaster/0/extra", "/<service-name>"),
        ("redis+sentinel://s1:26379//0", "/<service-name>"),
        ("redis+sentinel:///mymaster", "names no Sentinel"),
        ("redis+sentinel://s1:26379,:26380/mymaster", "Sentinel 2"),
        ("redis+sentinel://s1:26379/mymaster?password=x", "unknown state-store URL option"),
        ("redis+shard://h1:7000", "redis+cluster:// or redis+sentinel://"),
    ],
)
def test_malformed_cluster_and_sentinel_urls_are_refused_with_the_reason(
    url: str, says: str
) -> None:
    with pytest.raises(StateStoreConfigError, match=re.escape(says)):
        store_from_url(url)


def test_a_refusal_does_not_repeat_the_password() -> None:
    with pytest.raises(StateStoreConfigError) as refused:
        store_from_url("redis+cluster://app:hunter2@h1:7000?socket_timeout=-1")
    assert "hunter2" not in str(refused.value)


def test_a_prefix_with_a_hash_tag_is_refused_for_every_redis_store() -> None:
    # One server today may be a cluster tomorrow: braces in the prefix would then put every
    # key of the deployment into one hash slot, on one node.
    with pytest.raises(StateStoreConfigError, match="must not contain"):
        store_from_url("redis://127.0.0.1:6379/0?prefix=makelaar:{broker}:")


# -- TLS: rediss+cluster:// and rediss+sentinel:// ---------------------------------------------

#: What redis-py is always given for TLS: verify the certificate and the host name.
VERIFIED = {"ssl": True, "ssl_cert_reqs": "required", "ssl_check_hostname": True}
TIMEOUTS = {"socket_timeout": 5.0, "socket_connect_timeout": 3.0}


def test_a_tls_cluster_url_verifies_against_the_given_ca_with_the_client_certificate(
    redis_tls_files: TlsFiles,
) -> None:
    files = redis_tls_files
    spec = parse_cluster_url(
        "rediss+cluster://h1:7000,h2:7001?prefix=makelaar:broker:&"
        + urlencode({"ssl_ca_certs": files.ca, "ssl_certfile": files.client_cert,
                     "ssl_keyfile": files.client_key})
    )
    assert spec.nodes == (Node("h1", 7000), Node("h2", 7001))
    assert spec.prefix == "makelaar:broker:"
    assert spec.options.tls == TlsOptions(str(files.ca), str(files.client_cert),
                                          str(files.client_key))
    assert spec.options.kwargs() == {
        **TIMEOUTS, **VERIFIED, "ssl_ca_certs": str(files.ca),
        "ssl_certfile": str(files.client_cert), "ssl_keyfile": str(files.client_key),
    }


def test_without_ssl_ca_certs_a_tls_url_still_verifies_against_the_system_store() -> None:
    spec = parse_cluster_url("rediss+cluster://h1:7000")
    assert spec.options.tls == TlsOptions()
    assert spec.options.kwargs() == {**TIMEOUTS, **VERIFIED}


def test_a_plain_url_asks_for_no_tls() -> None:
    assert parse_cluster_url("redis+cluster://h1:7000").options.tls is None
    plain = parse_sentinel_url("redis+sentinel://s1/mymaster")
    assert plain.options.tls is None and plain.access == SentinelAccess()
    assert "ssl" not in plain.options.kwargs()


def test_the_sentinels_speak_tls_like_the_master_unless_sentinel_ssl_is_false(
    redis_tls_files: TlsFiles,
) -> None:
    ca = urlencode({"ssl_ca_certs": redis_tls_files.ca})
    same = parse_sentinel_url(f"rediss+sentinel://s1,s2/mymaster/1?{ca}")
    assert same.options.tls == TlsOptions(str(redis_tls_files.ca))
    assert same.access.tls == same.options.tls
    assert parse_sentinel_url(f"rediss+sentinel://s1/m?{ca}&sentinel_ssl=true").access.tls \
        == same.options.tls
    plain_sentinels = parse_sentinel_url(f"rediss+sentinel://s1/m?{ca}&sentinel_ssl=false")
    assert plain_sentinels.options.tls == same.options.tls
    assert plain_sentinels.access.tls is None


def test_sentinel_credentials_are_percent_decoded_and_kept_apart_from_the_masters() -> None:
    spec = parse_sentinel_url(
        "redis+sentinel://app:master-pw@s1/mymaster"
        "?sentinel_username=watch%40er&sentinel_password=s%2Bp%26w%3D1"
    )
    assert spec.access == SentinelAccess(username="watch@er", password="s+p&w=1")
    assert spec.options.kwargs() == {"username": "app", "password": "master-pw", **TIMEOUTS}


def test_the_sentinel_client_gives_each_side_its_own_credentials_and_tls(
    redis_tls_files: TlsFiles,
) -> None:
    # No connection is made: the clients are only configured.
    client = sentinel_client(parse_sentinel_url(
        "rediss+sentinel://:master-pw@127.0.0.1:1/mymaster?sentinel_password=sentinel-pw&"
        + urlencode({"ssl_ca_certs": redis_tls_files.ca})
    ))
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.connection_class is SentinelManagedSSLConnection
    assert pool.connection_kwargs["password"] == "master-pw"
    assert pool.connection_kwargs["ssl_cert_reqs"] == "required"
    assert pool.connection_kwargs["ssl_check_hostname"] is True
    assert pool.connection_kwargs["ssl_ca_certs"] == str(redis_tls_files.ca)
    [sentinel] = pool.sentinel_manager.sentinels
    sentinel_kwargs = sentinel.connection_pool.connection_kwargs
    assert sentinel.connection_pool.connection_class is SSLConnection
    assert sentinel_kwargs["password"] == "sentinel-pw"
    assert sentinel_kwargs["ssl_cert_reqs"] == "required"
    assert sentinel_kwargs["ssl_ca_certs"] == str(redis_tls_files.ca)


def test_store_from_url_accepts_tls_urls_without_connecting(redis_tls_files: TlsFiles) -> None:
    ca = urlencode({"ssl_ca_certs": redis_tls_files.ca})
    cluster = store_from_url(f"rediss+cluster://127.0.0.1:1?prefix=makelaar:c:&{ca}")
    sentinel = store_from_url(f"rediss+sentinel://127.0.0.1:1/mymaster?{ca}")
    assert isinstance(cluster, RedisStateStore) and cluster.prefix == "makelaar:c:"
    assert isinstance(sentinel, RedisStateStore) and sentinel.prefix == "makelaar:"


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files a TLS option must not accept: not PEM certificates, or an encrypted key."""
    directory = tmp_path_factory.mktemp("bad-tls-files")
    text = directory / "not-pem.txt"
    text.write_text("not a certificate\n")
    encrypted = directory / "encrypted.key"
    encrypted.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"key-password"),
    ))
    return {"text": text, "encrypted": encrypted, "missing": directory / "absent.pem"}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis+cluster://h1?ssl_ca_certs={ca}", "option of the TLS URLs"),
        ("redis+sentinel://s1/m?ssl_certfile={client}", "option of the TLS URLs"),
        ("redis+sentinel://s1/m?sentinel_ssl=true", "rediss+sentinel:// URLs only"),
        ("rediss+cluster://h1?sentinel_ssl=false", "rediss+sentinel:// URLs only"),
        ("rediss+cluster://h1?sentinel_password=x", "option of the Sentinel URLs"),
        ("redis+cluster://h1?sentinel_username=x", "option of the Sentinel URLs"),
        ("rediss+cluster://h1?ssl_cert_reqs=none", "unknown state-store URL option"),
        ("rediss+sentinel://s1/m?ssl_check_hostname=false", "unknown state-store URL option"),
        ("rediss+cluster://h1?ssl=false", "unknown state-store URL option 'ssl'"),
        ("rediss+sentinel://s1/m?sentinel_ssl=yes", "true or false, not 'yes'"),
        ("rediss+sentinel://s1/m?sentinel_ssl=", "true or false"),
        ("rediss+cluster://h1?ssl_ca_certs=", "ssl_ca_certs in the state-store URL is empty"),
        ("rediss+cluster://h1?ssl_ca_certs={ca}&ssl_ca_certs={ca}", "more than once"),
        ("rediss+cluster://h1?ssl_ca_certs={missing}", "not a readable file"),
        ("rediss+cluster://h1?ssl_ca_certs={text}", "not a readable file"),
        ("rediss+cluster://h1?ssl_ca_certs={client_key}", "not a readable file"),
        ("rediss+cluster://h1?ssl_keyfile={client_key}", "needs ssl_certfile"),
        ("rediss+cluster://h1?ssl_certfile={client}", "not a usable client certificate"),
        ("rediss+cluster://h1?ssl_certfile={client}&ssl_keyfile={server_key}",
         "not a usable client certificate"),
        ("rediss+cluster://h1?ssl_certfile={client}&ssl_keyfile={encrypted}",
         "not a usable client certificate"),
        ("rediss+cluster://h1?ssl_certfile={missing}&ssl_keyfile={client_key}",
         "not a usable client certificate"),
        ("rediss+sentinel://s1/m?sentinel_username=watcher", "needs sentinel_password"),
        ("rediss+sentinel://s1/m?sentinel_password=", "sentinel_password in the state-store URL "
         "is empty"),
        ("rediss+sentinel://s1/m?sentinel_username=&sentinel_password=x", "is empty"),
        ("rediss+cluster://h1:7000/0", "a rediss+cluster:// URL takes no path"),
        ("rediss+cluster://", "names no cluster node"),
        ("rediss+sentinel://s1:26379", "a rediss+sentinel:// URL names the monitored master"),
        ("rediss+sentinel://s1/m/x", "the database in a rediss+sentinel:// URL"),
        ("rediss+cluster://h1#x", "a rediss+cluster:// URL takes no #fragment"),
        ("rediss+cluster://h1?socket_timeout=0", "positive number of seconds"),
        ("rediss+cluster://h1?prefix=app:{{all}}:", "must not contain {"),
        ("redis+clusters://h1", "rediss+cluster://, rediss+sentinel://"),
    ],
)
def test_malformed_tls_and_sentinel_auth_urls_are_refused_with_the_reason(
    url: str, says: str, redis_tls_files: TlsFiles, bad_files: dict[str, Path]
) -> None:
    paths = {"ca": redis_tls_files.ca, "client": redis_tls_files.client_cert,
             "client_key": redis_tls_files.client_key,
             "server_key": redis_tls_files.server_key, **bad_files}
    with pytest.raises(StateStoreConfigError, match=re.escape(says)):
        store_from_url(url.format(**paths))


@pytest.mark.parametrize(
    "query",
    [
        "sentinel_password=hunter2&sentinel_password=hunter2",
        "sentinel_password=hunter2&sentinel_ssl=maybe",
        "sentinel_password=hunter2&sentinel_username=",
        "sentinel_password=hunter2&ssl_ca_certs=/nonexistent/ca.pem",
        "sentinel_password=hunter2&bogus=1",
        "sentinel_password=hunter2&socket_timeout=-1",
    ],
)
def test_a_refusal_never_repeats_a_sentinel_or_master_password(query: str) -> None:
    with pytest.raises(StateStoreConfigError) as refused:
        store_from_url(f"rediss+sentinel://:swordfish@s1/mymaster?{query}")
    assert "hunter2" not in str(refused.value)
    assert "swordfish" not in str(refused.value)


def test_a_cluster_url_refuses_sentinel_password_without_repeating_it() -> None:
    with pytest.raises(StateStoreConfigError, match="option of the Sentinel URLs") as refused:
        store_from_url("rediss+cluster://h1?sentinel_password=hunter2")
    assert "hunter2" not in str(refused.value)


def test_the_parsed_url_does_not_show_its_passwords() -> None:
    spec = parse_sentinel_url("redis+sentinel://:swordfish@s1/m?sentinel_password=hunter2")
    assert spec.options.password == "swordfish" and spec.access.password == "hunter2"
    assert "swordfish" not in repr(spec) and "hunter2" not in repr(spec)
