"""State-store URLs of a Redis Cluster and of a Sentinel-managed Redis, and their clients.

redis-py reads ``redis://`` URLs itself but has none for a cluster given by several startup
nodes, nor for Sentinel. These schemes name every node the client may start from, so that
one node being down at start-up does not matter:

* ``redis+cluster://[user:password@]host:port[,host:port...][?options]``: the startup nodes of
  a Redis Cluster; the client learns the rest of the cluster from them. No path: a cluster has
  only database 0.
* ``redis+sentinel://[user:password@]host:port[,host:port...]/<service-name>[/<db>][?options]``:
  the Sentinels, and the name under which they monitor the master. The client asks them for the
  master's address and follows a failover.
* ``rediss+cluster://`` and ``rediss+sentinel://``: the same over TLS to every data node (each
  cluster node; the master found through the Sentinels), and by default to the Sentinels too.

A port may be left out (6379 for cluster nodes, 26379 for Sentinels); IPv6 hosts go in
brackets. Credentials are those of the Redis data nodes (the cluster nodes or the master), not
of the Sentinels. Options: ``prefix`` (the key prefix, as for ``redis://``),
``socket_timeout`` and ``socket_connect_timeout`` (seconds; they also apply to the Sentinel
connections); on the Sentinel schemes ``sentinel_password`` and ``sentinel_username`` (the
Sentinels' own credentials); on the TLS schemes ``ssl_ca_certs`` (a PEM file of the CAs that
the servers' certificates must chain to; the system trust store when absent),
``ssl_certfile`` and ``ssl_keyfile`` (a client certificate, for servers that ask for one) and,
on ``rediss+sentinel://``, ``sentinel_ssl`` (``true`` by default: whether the Sentinels speak
TLS too, with the same CA and client certificate). Anything else is refused rather than
ignored, since an unread option is a setting the operator believes is in force.

TLS here always verifies the server: its certificate must chain to a trusted CA and name the
host as written in the URL (or as the cluster or the Sentinels announce it). There is no
option to turn that off. The certificate files are read when the URL is, so a missing or
unreadable file stops the process at start-up rather than failing every login.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
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
TLS_CLUSTER_SCHEME: Final = "rediss+cluster"
TLS_SENTINEL_SCHEME: Final = "rediss+sentinel"
DEFAULT_NODE_PORT: Final = 6379
DEFAULT_SENTINEL_PORT: Final = 26379
#: The query options these URLs accept, besides ``prefix``.
SOCKET_OPTIONS: Final = ("socket_timeout", "socket_connect_timeout")
#: The options of the Sentinel schemes only.
SENTINEL_AUTH_OPTIONS: Final = ("sentinel_username", "sentinel_password")
#: The options of the TLS schemes only (``sentinel_ssl``: of ``rediss+sentinel://`` only).
TLS_OPTIONS: Final = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
SENTINEL_TLS_OPTION: Final = "sentinel_ssl"
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
class TlsOptions:
    """TLS with verification of the server: redis-py is told so explicitly (``required``,
    host name checked) rather than trusted to keep those defaults."""

    ca_certs: str | None = None  # None: the system trust store
    certfile: str | None = None
    keyfile: str | None = None

    def kwargs(self) -> dict[str, Any]:
        given = {
            "ssl_ca_certs": self.ca_certs,
            "ssl_certfile": self.certfile,
            "ssl_keyfile": self.keyfile,
        }
        return {
            "ssl": True,
            "ssl_cert_reqs": "required",
            "ssl_check_hostname": True,
            **{name: value for name, value in given.items() if value is not None},
        }


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    """What every connection to a data node is made with (None: redis-py's default)."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    socket_timeout: float | None = None
    socket_connect_timeout: float | None = None
    tls: TlsOptions | None = None

    def kwargs(self) -> dict[str, Any]:
        given = {
            "username": self.username,
            "password": self.password,
            "socket_timeout": self.socket_timeout,
            "socket_connect_timeout": self.socket_connect_timeout,
        }
        kwargs = {name: value for name, value in given.items() if value is not None}
        if self.tls is not None:
            kwargs.update(self.tls.kwargs())
        return kwargs


@dataclass(frozen=True, slots=True)
class SentinelAccess:
    """How the Sentinels themselves are reached: their own credentials (never the master's)
    and their TLS, which may differ from the data nodes'."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: TlsOptions | None = None


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
    access: SentinelAccess = SentinelAccess()


def split_prefix(query: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The ``prefix`` option (None when absent) and the other query options, in order."""
    pairs = parse_qsl(query, keep_blank_values=True)
    prefixes = [value for name, value in pairs if name == "prefix"]
    if len(prefixes) > 1:
        raise StateStoreConfigError("the state-store URL gives more than one prefix")
    rest = [(name, value) for name, value in pairs if name != "prefix"]
    return (prefixes[0] if prefixes else None), rest


def parse_cluster_url(url: str) -> ClusterUrl:
    """Read a ``redis+cluster://`` or ``rediss+cluster://`` URL (module docstring);
    StateStoreConfigError if malformed."""
    parts, scheme = _split(url, (CLUSTER_SCHEME, TLS_CLUSTER_SCHEME))
    if parts.path.strip("/"):
        raise StateStoreConfigError(
            f"a {scheme}:// URL takes no path: a Redis Cluster has only database 0"
        )
    prefix, rest = split_prefix(parts.query)
    tls = scheme == TLS_CLUSTER_SCHEME
    accepted = SOCKET_OPTIONS + (TLS_OPTIONS if tls else ())
    given = _given(rest, accepted, scheme)
    nodes, username, password = _nodes(parts.netloc, DEFAULT_NODE_PORT, "cluster node")
    return ClusterUrl(nodes, prefix, _options(given, username, password, tls))


def parse_sentinel_url(url: str) -> SentinelUrl:
    """Read a ``redis+sentinel://`` or ``rediss+sentinel://`` URL (module docstring);
    StateStoreConfigError if malformed."""
    parts, scheme = _split(url, (SENTINEL_SCHEME, TLS_SENTINEL_SCHEME))
    path = parts.path.removeprefix("/").removesuffix("/")
    segments = path.split("/") if path else []
    if not 1 <= len(segments) <= 2 or not all(segments):
        raise StateStoreConfigError(
            f"a {scheme}:// URL names the monitored master as its path: "
            "/<service-name> or /<service-name>/<db>"
        )
    service = unquote(segments[0])
    db = 0
    if len(segments) == 2:
        if not segments[1].isdigit():
            raise StateStoreConfigError(
                f"the database in a {scheme}:// URL is a whole number (/<service-name>/0)"
            )
        db = int(segments[1])
    prefix, rest = split_prefix(parts.query)
    tls = scheme == TLS_SENTINEL_SCHEME
    accepted: tuple[str, ...] = SOCKET_OPTIONS + SENTINEL_AUTH_OPTIONS
    if tls:
        accepted += TLS_OPTIONS + (SENTINEL_TLS_OPTION,)
    given = _given(rest, accepted, scheme)
    sentinels, username, password = _nodes(parts.netloc, DEFAULT_SENTINEL_PORT, "Sentinel")
    options = _options(given, username, password, tls)
    return SentinelUrl(sentinels, service, db, prefix, options, _access(given, options.tls))


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
        sentinel_kwargs=_sentinel_kwargs(spec),
    )
    client: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]
        spec.service, db=spec.db, decode_responses=False, **spec.options.kwargs()
    )
    return client


# -- parsing ---------------------------------------------------------------------------------


def _split(url: str, schemes: tuple[str, ...]) -> tuple[SplitResult, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        raise StateStoreConfigError("not a " + " or ".join(f"{s}://" for s in schemes) + " URL")
    if parts.fragment:
        raise StateStoreConfigError(f"a {scheme}:// URL takes no #fragment")
    return parts, scheme


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


def _given(
    pairs: Sequence[tuple[str, str]], accepted: tuple[str, ...], scheme: str
) -> dict[str, str]:
    """The options by name, each known to ``scheme`` and given once (values not checked yet)."""
    given: dict[str, str] = {}
    for name, value in pairs:
        if name not in accepted:
            raise StateStoreConfigError(_unknown(name, accepted, scheme))
        if name in given:
            raise StateStoreConfigError(f"the state-store URL gives {name} more than once")
        given[name] = value
    return given


def _unknown(name: str, accepted: tuple[str, ...], scheme: str) -> str:
    if name in TLS_OPTIONS:
        return (f"{name} is an option of the TLS URLs ({TLS_CLUSTER_SCHEME}://, "
                f"{TLS_SENTINEL_SCHEME}://), not of {scheme}://")
    if name in SENTINEL_AUTH_OPTIONS:
        return (f"{name} is an option of the Sentinel URLs ({SENTINEL_SCHEME}://, "
                f"{TLS_SENTINEL_SCHEME}://), not of {scheme}://")
    if name == SENTINEL_TLS_OPTION:
        return f"{name} is an option of {TLS_SENTINEL_SCHEME}:// URLs only, not of {scheme}://"
    return (f"unknown state-store URL option {name!r}; accepted: prefix, "
            + ", ".join(accepted))


def _options(
    given: Mapping[str, str], username: str | None, password: str | None, tls: bool
) -> ConnectionOptions:
    seconds = {name: _seconds(name, given[name]) for name in SOCKET_OPTIONS if name in given}
    return ConnectionOptions(
        username=username,
        password=password,
        socket_timeout=seconds.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT),
        socket_connect_timeout=seconds.get("socket_connect_timeout", DEFAULT_CONNECT_TIMEOUT),
        tls=_tls(given) if tls else None,
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


def _tls(given: Mapping[str, str]) -> TlsOptions:
    """The TLS files, each read now: a file that cannot be used fails at start-up."""
    for name in TLS_OPTIONS:
        if name in given and not given[name]:
            raise StateStoreConfigError(f"{name} in the state-store URL is empty (a file path)")
    ca_certs = given.get("ssl_ca_certs")
    certfile = given.get("ssl_certfile")
    keyfile = given.get("ssl_keyfile")
    context = ssl.create_default_context()
    if ca_certs is not None:
        try:
            context.load_verify_locations(cafile=ca_certs)
        except (OSError, ssl.SSLError) as exc:
            raise StateStoreConfigError(
                f"ssl_ca_certs in the state-store URL: {ca_certs!r} is not a readable file of "
                f"PEM CA certificates ({_reason(exc)})"
            ) from exc
    if keyfile is not None and certfile is None:
        raise StateStoreConfigError(
            "ssl_keyfile in the state-store URL needs ssl_certfile (the client certificate)"
        )
    if certfile is not None:
        try:
            # A callback, never a terminal prompt: an encrypted key fails here instead.
            context.load_cert_chain(certfile, keyfile, password=_no_key_password)
        except (OSError, ssl.SSLError) as exc:
            raise StateStoreConfigError(
                f"ssl_certfile/ssl_keyfile in the state-store URL: {certfile!r} and its key "
                f"are not a usable client certificate and unencrypted PEM key ({_reason(exc)})"
            ) from exc
    return TlsOptions(ca_certs=ca_certs, certfile=certfile, keyfile=keyfile)


def _no_key_password() -> bytes:
    """The password OpenSSL asks for when the key is encrypted: none, so that the key fails to
    load (redis-py passes no password and OpenSSL would prompt on the terminal)."""
    return b""


def _reason(exc: OSError | ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLError):
        return exc.reason or type(exc).__name__
    return exc.strerror or type(exc).__name__


def _access(given: Mapping[str, str], data_tls: TlsOptions | None) -> SentinelAccess:
    username = given.get("sentinel_username")
    password = given.get("sentinel_password")
    if username == "":
        raise StateStoreConfigError("sentinel_username in the state-store URL is empty")
    if password == "":
        raise StateStoreConfigError("sentinel_password in the state-store URL is empty")
    if username is not None and password is None:
        raise StateStoreConfigError(
            "sentinel_username in the state-store URL needs sentinel_password"
        )
    sentinel_tls = data_tls
    flag = given.get(SENTINEL_TLS_OPTION)
    if flag is not None:
        if flag not in ("true", "false"):
            raise StateStoreConfigError(
                f"{SENTINEL_TLS_OPTION} in the state-store URL is true or false, not {flag!r}"
            )
        sentinel_tls = data_tls if flag == "true" else None
    return SentinelAccess(username=username, password=password, tls=sentinel_tls)


def _sentinel_kwargs(spec: SentinelUrl) -> dict[str, Any]:
    """The Sentinels get the timeouts, their own credentials and TLS; never the master's
    password."""
    kwargs = spec.options.kwargs()
    sentinel: dict[str, Any] = {name: kwargs[name] for name in SOCKET_OPTIONS if name in kwargs}
    access = spec.access
    if access.username is not None:
        sentinel["username"] = access.username
    if access.password is not None:
        sentinel["password"] = access.password
    if access.tls is not None:
        sentinel.update(access.tls.kwargs())
    return sentinel
