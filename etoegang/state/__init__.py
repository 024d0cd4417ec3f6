"""Short-lived shared state of logins: the port, its two implementations and a URL factory.

DESIGN.md §3: Redis in production (one server, Sentinel or Cluster), an in-process store for
the embedded demo; chosen by configuration through :func:`store_from_url`.
"""

from __future__ import annotations

from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import redis

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.state.memory import InMemoryStateStore
from etoegang.state.redis_store import DEFAULT_PREFIX
from etoegang.state.redis_store import RedisStateStore
from etoegang.state.redis_urls import CLUSTER_SCHEME
from etoegang.state.redis_urls import SENTINEL_SCHEME
from etoegang.state.redis_urls import TLS_CLUSTER_SCHEME
from etoegang.state.redis_urls import TLS_SENTINEL_SCHEME
from etoegang.state.redis_urls import cluster_client
from etoegang.state.redis_urls import parse_cluster_url
from etoegang.state.redis_urls import parse_sentinel_url
from etoegang.state.redis_urls import sentinel_client
from etoegang.state.redis_urls import split_prefix
from etoegang.state.store import StateStore
from etoegang.state.store import StateStoreConfigError
from etoegang.state.store import StateStoreError

__all__ = [
    "InMemoryStateStore",
    "RedisStateStore",
    "StateStore",
    "StateStoreConfigError",
    "StateStoreError",
    "store_from_url",
]


def store_from_url(url: str, *, clock: Clock | None = None) -> StateStore:
    """Make a state store from a configuration URL.

    * ``memory://``: an in-process store (expiry by ``clock``, the system clock by default).
    * ``redis://host:port/db?prefix=makelaar:broker:`` (or ``rediss://``, ``unix://``): one
      Redis. Other query parameters are passed to redis-py as connection options.
    * ``redis+cluster://host:port[,host:port...]?prefix=...``: a Redis Cluster, given by one or
      more startup nodes (no database number: a cluster has only database 0).
    * ``redis+sentinel://host:port[,host:port...]/<service-name>[/db]?prefix=...``: the master
      that these Sentinels monitor under ``service-name``, followed through failovers.
    * ``rediss+cluster://`` and ``rediss+sentinel://``: the same over TLS, the servers'
      certificates always verified (``ssl_ca_certs=<file>``, else the system trust store).

    Every Redis store puts ``prefix`` (default ``makelaar:``, no braces) in front of its keys.
    The cluster and Sentinel URLs also take ``user:password@`` before the hosts and the options
    ``socket_timeout`` and ``socket_connect_timeout`` (seconds), the Sentinel URLs the
    Sentinels' own ``sentinel_username`` and ``sentinel_password``, the TLS URLs
    ``ssl_ca_certs``, ``ssl_certfile``, ``ssl_keyfile`` (and ``sentinel_ssl``), and nothing
    else; see :mod:`etoegang.state.redis_urls`. A malformed URL, or a certificate file that
    cannot be read, raises :class:`StateStoreConfigError`.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        if parts.netloc or parts.path.strip("/") or parts.query:
            raise StateStoreConfigError("a memory:// state store takes no host, path or options")
        return InMemoryStateStore(clock or SystemClock())
    if scheme in ("redis", "rediss", "unix"):
        prefix, query = split_prefix(parts.query)
        client_url = urlunsplit(parts._replace(query=urlencode(query)))
        try:
            client = redis.Redis.from_url(client_url, decode_responses=False)
        except (ValueError, TypeError) as exc:
            raise StateStoreConfigError(f"bad Redis state-store URL: {exc}") from exc
        return RedisStateStore(client, _or_default(prefix))
    if scheme in (CLUSTER_SCHEME, TLS_CLUSTER_SCHEME):
        cluster = parse_cluster_url(url)
        # The cluster client connects when it is made: made on first use (RedisStateStore).
        return RedisStateStore(lambda: cluster_client(cluster), _or_default(cluster.prefix))
    if scheme in (SENTINEL_SCHEME, TLS_SENTINEL_SCHEME):
        sentinel = parse_sentinel_url(url)
        return RedisStateStore(sentinel_client(sentinel), _or_default(sentinel.prefix))
    raise StateStoreConfigError(
        "a state-store URL starts with memory://, redis:// (or rediss://, unix://), "
        "redis+cluster:// or redis+sentinel:// (or rediss+cluster://, rediss+sentinel://)"
    )


def _or_default(prefix: str | None) -> str:
    return DEFAULT_PREFIX if prefix is None else prefix
