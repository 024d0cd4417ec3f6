"""Short-lived shared state of logins: the port, its two implementations and a URL factory.

DESIGN.md §3: Redis in production, an in-process store for the embedded demo; chosen by
configuration through :func:`store_from_url`.
"""

from __future__ import annotations

from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import redis

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.state.memory import InMemoryStateStore
from etoegang.state.redis_store import DEFAULT_PREFIX
from etoegang.state.redis_store import RedisStateStore
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

    ``memory://`` gives an in-process store (expiry by ``clock``, the system clock by default);
    ``redis://host:port/db?prefix=makelaar:broker:`` (or ``rediss://``, ``unix://``) gives a
    Redis store whose keys all start with ``prefix`` (default ``makelaar:``). Other query
    parameters are passed to redis-py as connection options.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        if parts.netloc or parts.path.strip("/") or parts.query:
            raise StateStoreConfigError("a memory:// state store takes no host, path or options")
        return InMemoryStateStore(clock or SystemClock())
    if scheme in ("redis", "rediss", "unix"):
        query = parse_qsl(parts.query, keep_blank_values=True)
        prefixes = [value for name, value in query if name == "prefix"]
        if len(prefixes) > 1:
            raise StateStoreConfigError("the state-store URL gives more than one prefix")
        prefix = prefixes[0] if prefixes else DEFAULT_PREFIX
        rest = urlencode([(name, value) for name, value in query if name != "prefix"])
        client_url = urlunsplit(parts._replace(query=rest))
        try:
            client = redis.Redis.from_url(client_url, decode_responses=False)
        except (ValueError, TypeError) as exc:
            raise StateStoreConfigError(f"bad Redis state-store URL: {exc}") from exc
        return RedisStateStore(client, prefix)
    raise StateStoreConfigError(
        "a state-store URL starts with memory:// or redis:// (or rediss://, unix://)"
    )
