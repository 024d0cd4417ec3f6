"""The ``redis+cluster://`` and ``redis+sentinel://`` state-store URLs: what they are read as,
and the clear refusal of every malformed one (no server needed)."""

from __future__ import annotations

import re

import pytest

from etoegang.state import RedisStateStore
from etoegang.state import StateStoreConfigError
from etoegang.state import store_from_url
from etoegang.state.redis_urls import ConnectionOptions
from etoegang.state.redis_urls import Node
from etoegang.state.redis_urls import parse_cluster_url
from etoegang.state.redis_urls import parse_sentinel_url


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
