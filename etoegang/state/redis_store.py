"""Redis state store for production: every node shares one Redis (DESIGN.md §3, §4 Scale).

Each operation is one atomic Redis command or one Lua script, never a read followed by a write
from Python: ``put_new`` is SET NX EX, ``take`` is GETDEL (Redis >= 6.2), ``incr`` and
``compare_and_set`` are scripts. Every key is stored under a configurable prefix, so several
deployments (or test runs) can share one Redis without seeing each other's keys.

The same code serves one Redis, a Sentinel-managed master (a plain client whose connections
follow the master) and a Redis Cluster (a :class:`~redis.cluster.RedisCluster` client, which
sends each command to the node that owns the key's hash slot). The cluster sets one rule that
all code here must keep:

* **Keys that one operation uses together must share a hash slot.** Redis runs a command or a
  script only on the node owning its keys, and refuses (CROSSSLOT) when they span slots; two
  separate commands on keys of different slots are not atomic together at all. Today every
  operation touches exactly one key (each script declares ``KEYS[1]`` only), so the question
  does not arise. An operation that needs two keys must give both the same hash tag, the part
  in braces that alone decides the slot: ``flow:{<id>}`` and ``flow:{<id>}:lock``.
* **The prefix holds no braces**, since a tag in the prefix would put every key of the
  deployment into one slot, i.e. onto one node. :class:`RedisStateStore` refuses such a prefix.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final
from typing import TypeAlias
from typing import cast

import redis
from redis.cluster import RedisCluster
from redis.commands.core import Script
from redis.exceptions import RedisClusterException

from etoegang.state.store import StateStoreConfigError
from etoegang.state.store import StateStoreError
from etoegang.state.store import check_key
from etoegang.state.store import check_ttl
from etoegang.state.store import check_value

DEFAULT_PREFIX: Final = "makelaar:"

#: A client of one Redis (also a Sentinel-managed master) or of a Redis Cluster.
RedisClient: TypeAlias = redis.Redis | RedisCluster

#: Every error a redis-py client raises: the cluster client's own family (no connectable
#: node, slot not covered) does not derive from ``RedisError``.
_CLIENT_ERRORS: Final = (redis.RedisError, RedisClusterException)

# INCR, then give the counter its TTL only when it has none: the first increment of a window
# sets it and later ones keep it (fixed window). Doing both in one script means no crash
# between the two commands can leave a counter that never expires.
_INCR_SCRIPT: Final = """
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
"""

# Replace the value only if it is still the one the caller read (optimistic concurrency).
_CAS_SCRIPT: Final = """
local current = redis.call('GET', KEYS[1])
if current ~= false and current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""


@dataclass(frozen=True, slots=True)
class _Connected:
    """A checked client with the scripts registered on it."""

    client: RedisClient
    incr: Script
    cas: Script


def _connected(client: RedisClient) -> _Connected:
    if client.get_encoder().decode_responses:
        raise StateStoreConfigError(
            "the Redis client must not decode responses: state values are bytes"
        )
    return _Connected(
        client, client.register_script(_INCR_SCRIPT), client.register_script(_CAS_SCRIPT)
    )


class RedisStateStore:
    """A :class:`~etoegang.state.store.StateStore` on Redis, through redis-py.

    :param client: a client made with ``decode_responses=False`` (values are bytes), or a
        function that makes one when the store is first used. A Redis Cluster client connects
        as soon as it is made, so :func:`~etoegang.state.store_from_url` passes a function:
        a node that starts while the cluster is down then starts unready (its operations raise
        :class:`StateStoreError`) and recovers without a restart, as with one Redis.
    :param prefix: put in front of every key, e.g. ``"makelaar:broker:"``; no braces (see the
        module docstring).
    """

    def __init__(
        self, client: RedisClient | Callable[[], RedisClient], prefix: str = DEFAULT_PREFIX
    ) -> None:
        if not prefix:
            raise StateStoreConfigError("a Redis state store needs a non-empty key prefix")
        if "{" in prefix or "}" in prefix:
            raise StateStoreConfigError(
                "a Redis state-store prefix must not contain { or }: in a Redis Cluster a hash "
                "tag in the prefix would put every key on one node"
            )
        self._prefix = prefix
        self._lock = threading.Lock()
        self._conn: _Connected | None = None
        if isinstance(client, redis.Redis | RedisCluster):
            self._conn = _connected(client)  # a decoding client is refused at once
            given = client
            self._connect: Callable[[], RedisClient] = lambda: given
        else:
            self._connect = client

    @property
    def prefix(self) -> str:
        return self._prefix

    def _key(self, key: str) -> str:
        check_key(key)
        return self._prefix + key

    def _redis(self) -> _Connected:
        """The client, made on first use when the store was given a function."""
        conn = self._conn
        if conn is not None:
            return conn
        with self._lock:
            if self._conn is None:
                with _translated():
                    self._conn = _connected(self._connect())
            return self._conn

    # -- the port -------------------------------------------------------------------------

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        full = self._key(key)
        check_value(value)
        check_ttl(ttl_seconds)
        with _translated():
            self._redis().client.set(full, value, ex=ttl_seconds)

    def put_new(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        full = self._key(key)
        check_value(value)
        check_ttl(ttl_seconds)
        with _translated():
            # SET NX EX answers OK when it stored the value and nil when the key existed.
            return bool(self._redis().client.set(full, value, ex=ttl_seconds, nx=True))

    def get(self, key: str) -> bytes | None:
        full = self._key(key)
        with _translated():
            return _as_bytes(self._redis().client.get(full))

    def take(self, key: str) -> bytes | None:
        full = self._key(key)
        with _translated():
            return _as_bytes(self._redis().client.getdel(full))

    def delete(self, key: str) -> None:
        full = self._key(key)
        with _translated():
            self._redis().client.delete(full)

    def incr(self, key: str, ttl_seconds: int) -> int:
        full = self._key(key)
        check_ttl(ttl_seconds)
        incr = self._redis().incr
        try:
            result = incr(keys=[full], args=[ttl_seconds])
        except redis.ResponseError as exc:
            if _is_refusal_of_the_command(exc):
                raise StateStoreError(f"the value at {key!r} is not a counter") from exc
            raise _unavailable(exc) from exc
        except _CLIENT_ERRORS as exc:
            raise _unavailable(exc) from exc
        return int(cast(int, result))

    def ttl(self, key: str) -> int | None:
        full = self._key(key)
        with _translated():
            millis = self._redis().client.pttl(full)
        # PTTL: -2 = no such key, -1 = no expiry (this port never makes such keys).
        if millis < 0:
            return None
        return math.ceil(millis / 1000)

    def compare_and_set(self, key: str, expected: bytes, new: bytes, ttl_seconds: int) -> bool:
        full = self._key(key)
        check_value(expected)
        check_value(new)
        check_ttl(ttl_seconds)
        cas = self._redis().cas
        with _translated():
            result = cas(keys=[full], args=[expected, new, ttl_seconds])
        return int(cast(int, result)) == 1


def _as_bytes(value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    raise StateStoreError("Redis answered with a non-bytes value; is decode_responses on?")


def _is_refusal_of_the_command(exc: redis.ResponseError) -> bool:
    """True for a plain error reply (``ERR value is not an integer``), False for the replies
    redis-py maps to a subclass: MOVED, ASK, CLUSTERDOWN, TRYAGAIN, CROSSSLOT, READONLY, OOM,
    NOPERM and the like say the server cannot serve right now, not that the value is wrong."""
    return type(exc) is redis.ResponseError


def _unavailable(exc: BaseException) -> StateStoreError:
    return StateStoreError(f"Redis refused or is unavailable: {type(exc).__name__}")


@contextmanager
def _translated() -> Iterator[None]:
    """Turn redis-py's errors into :class:`StateStoreError` (callers know only the port)."""
    try:
        yield
    except _CLIENT_ERRORS as exc:
        raise _unavailable(exc) from exc
