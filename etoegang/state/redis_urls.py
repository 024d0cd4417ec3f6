"""State-store URLs of a Redis Cluster and of a Sentinel-managed Redis, and their clients.

redis-py reads ``redis://`` URLs itself but has none for a cluster given by several startup
nodes, nor for Sentinel. These two schemes name every node the client may start from, so that
one node being down at start-up does not matter:

* ``redis+cluster://[user:password@]host:port[,host:port...][?options]``: the startup nodes of
  a Redis Cluster; the client learns the rest of the cluster from them. No path: a cluster has
  only database 0.
* ``redis+sentinel://[user:password@]host:port[,host:port...]/<service-name>[/<db>][?options]``:
  the Sentinels, and the name under which they monitor the master. The client asks them for the
  master's address and follows a failover.

A port may be left out (6379 for cluster nodes, 26379 for Sentinels); IPv6 hosts go in
brackets. Credentials are those of the Redis data nodes (the cluster nodes or the master), not
of the Sentinels. Options: ``prefix`` (the key prefix, as for ``redis://``),
``socket_timeout`` and ``socket_connect_timeout`` (seconds; they also apply to the Sentinel
connections). Anything else is refused rather than ignored, since an unread option is a
setting the operator believes is in force.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Final
from urllib.parse import SplitResult
from urllib.parse import parse_qsl
from urllib.parse import unquote
from urllib.parse import urlsplit

import redis
from redis.cluster import ClusterNode
from redis.cluster import RedisCluster
from redis.sentinel import Sentinel

from etoegang.state.store import StateStoreConfigError

CLUSTER_SCHEME: Final = "redis+cluster"
SENTINEL_SCHEME: Final = "redis+sentinel"
DEFAULT_NODE_PORT: Final = 6379
DEFAULT_SENTINEL_PORT: Final = 26379
#: The query options these URLs accept, besides ``prefix``.
SOCKET_OPTIONS: Final = ("socket_timeout", "socket_connect_timeout")
#: Defaults when the URL sets none (redis-py would wait without limit): an unreachable node
#: must cost a request seconds, and a node's first connect is made while other request
#: threads wait for the client.
DEFAULT_CONNECT_TIMEOUT: Final = 3.0
DEFAULT_SOCKET_TIMEOUT: Final = 5.0


@dataclass(frozen=True, slots=True)
class Node:
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    """What every connection to a data node is made with (None: redis-py's default)."""

    username: str | None = None
    password: str | None = None
    socket_timeout: float | None = None
    socket_connect_timeout: float | None = None

    def kwargs(self) -> dict[str, Any]:
        given = {
            "username": self.username,
            "password": self.password,
            "socket_timeout": self.socket_timeout,
            "socket_connect_timeout": self.socket_connect_timeout,
        }
        return {name: value for name, value in given.items() if value is not None}


@dataclass(frozen=True, slots=True)
class ClusterUrl:
    nodes: tuple[Node, ...]
    prefix: str | None
    options: ConnectionOptions


@dataclass(frozen=True, slots=True)
class SentinelUrl:
    sentinels: tuple[Node, ...]
    service: str
    db: int
    prefix: str | None
    options: ConnectionOptions


def split_prefix(query: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The ``prefix`` option (None when absent) and the other query options, in order."""
    pairs = parse_qsl(query, keep_blank_values=True)
    prefixes = [value for name, value in pairs if name == "prefix"]
    if len(prefixes) > 1:
        raise StateStoreConfigError("the state-store URL gives more than one prefix")
    rest = [(name, value) for name, value in pairs if name != "prefix"]
    return (prefixes[0] if prefixes else None), rest


def parse_cluster_url(url: str) -> ClusterUrl:
    """Read a ``redis+cluster://`` URL (module docstring); StateStoreConfigError if malformed."""
    parts = _split(url, CLUSTER_SCHEME)
    if parts.path.strip("/"):
        raise StateStoreConfigError(
            "a redis+cluster:// URL takes no path: a Redis Cluster has only database 0"
        )
    prefix, rest = split_prefix(parts.query)
    nodes, username, password = _nodes(parts.netloc, DEFAULT_NODE_PORT, "cluster node")
    return ClusterUrl(nodes, prefix, _options(rest, username, password))


def parse_sentinel_url(url: str) -> SentinelUrl:
    """Read a ``redis+sentinel://`` URL (module docstring); StateStoreConfigError if malformed."""
    parts = _split(url, SENTINEL_SCHEME)
    path = parts.path.removeprefix("/").removesuffix("/")
    segments = path.split("/") if path else []
    if not 1 <= len(segments) <= 2 or not all(segments):
        raise StateStoreConfigError(
            "a redis+sentinel:// URL names the monitored master as its path: "
            "/<service-name> or /<service-name>/<db>"
        )
    service = unquote(segments[0])
    db = 0
    if len(segments) == 2:
        if not segments[1].isdigit():
            raise StateStoreConfigError(
                "the database in a redis+sentinel:// URL is a whole number (/<service-name>/0)"
            )
        db = int(segments[1])
    prefix, rest = split_prefix(parts.query)
    sentinels, username, password = _nodes(parts.netloc, DEFAULT_SENTINEL_PORT, "Sentinel")
    return SentinelUrl(sentinels, service, db, prefix, _options(rest, username, password))


def cluster_client(spec: ClusterUrl) -> RedisCluster:
    """A cluster client; it connects to a startup node at once and learns the slot map."""
    return RedisCluster(
        # redis-py leaves ClusterNode, Sentinel and master_for unannotated.
        startup_nodes=[
            ClusterNode(node.host, node.port)  # type: ignore[no-untyped-call]
            for node in spec.nodes
        ],
        decode_responses=False,
        **spec.options.kwargs(),
    )


def sentinel_client(spec: SentinelUrl) -> redis.Redis:
    """A client of the current master; it connects (asks the Sentinels) on first use."""
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        [(node.host, node.port) for node in spec.sentinels],
        sentinel_kwargs=_sentinel_socket(spec.options),
    )
    client: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]
        spec.service, db=spec.db, decode_responses=False, **spec.options.kwargs()
    )
    return client


# -- parsing ---------------------------------------------------------------------------------


def _split(url: str, scheme: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme.lower() != scheme:
        raise StateStoreConfigError(f"not a {scheme}:// URL")
    if parts.fragment:
        raise StateStoreConfigError(f"a {scheme}:// URL takes no #fragment")
    return parts


def _nodes(
    netloc: str, default_port: int, what: str
) -> tuple[tuple[Node, ...], str | None, str | None]:
    """The ``host:port`` list of a netloc, and the user and password before its ``@``."""
    userinfo, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon and secret else None
    if not hosts:
        raise StateStoreConfigError(f"the state-store URL names no {what} (host:port)")
    nodes = []
    for number, item in enumerate(hosts.split(","), start=1):
        nodes.append(_node(item, default_port, f"{what} {number}"))
    return tuple(nodes), username, password


def _node(item: str, default_port: int, what: str) -> Node:
    if not item:
        raise StateStoreConfigError(f"{what} in the state-store URL is empty (a stray comma?)")
    parts = urlsplit(f"//{item}")
    try:
        port = parts.port
    except ValueError as exc:
        raise StateStoreConfigError(f"{what} in the state-store URL has a bad port") from exc
    host = parts.hostname
    if not host or parts.username is not None or parts.path:
        raise StateStoreConfigError(f"{what} in the state-store URL is not host:port")
    if port == 0:
        raise StateStoreConfigError(f"{what} in the state-store URL has port 0")
    return Node(host, port if port is not None else default_port)


def _options(
    pairs: Sequence[tuple[str, str]], username: str | None, password: str | None
) -> ConnectionOptions:
    seen: dict[str, float] = {}
    for name, value in pairs:
        if name not in SOCKET_OPTIONS:
            raise StateStoreConfigError(
                f"unknown state-store URL option {name!r}; accepted: prefix, "
                + ", ".join(SOCKET_OPTIONS)
            )
        if name in seen:
            raise StateStoreConfigError(f"the state-store URL gives {name} more than once")
        seen[name] = _seconds(name, value)
    return ConnectionOptions(
        username=username,
        password=password,
        socket_timeout=seen.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT),
        socket_connect_timeout=seen.get("socket_connect_timeout", DEFAULT_CONNECT_TIMEOUT),
    )


def _seconds(name: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise StateStoreConfigError(f"{name} in the state-store URL is a positive number of "
                                    f"seconds, not {value!r}")
    return seconds


def _sentinel_socket(options: ConnectionOptions) -> dict[str, Any]:
    """The socket options only: the Sentinels get the timeouts, never the master's password."""
    kwargs = options.kwargs()
    return {name: kwargs[name] for name in SOCKET_OPTIONS if name in kwargs}
