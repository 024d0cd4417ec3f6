"""Redis state store for production: every node shares one Redis (DESIGN.md §3, §4 Scale).

Each operation is one atomic Redis command or one Lua script, never a read followed by a write
from Python: ``put_new`` is SET NX EX, ``take`` is GETDEL (Redis >= 6.2), ``incr`` and
``compare_and_set`` are scripts. Every key is stored under a configurable prefix, so several
deployments (or test runs) can share one Redis without seeing each other's keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final
from typing import cast

import redis

from etoegang.state.store import StateStoreConfigError
from etoegang.state.store import StateStoreError
from etoegang.state.store import check_key
from etoegang.state.store import check_ttl
from etoegang.state.store import check_value

DEFAULT_PREFIX: Final = "makelaar:"

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


class RedisStateStore:
    """A :class:`~etoegang.state.store.StateStore` on Redis, through redis-py.

    :param client: a client made with ``decode_responses=False`` (values are bytes).
    :param prefix: put in front of every key, e.g. ``"makelaar:broker:"``.
    """

    def __init__(self, client: redis.Redis, prefix: str = DEFAULT_PREFIX) -> None:
        if client.get_connection_kwargs().get("decode_responses"):
            raise StateStoreConfigError(
                "the Redis client must not decode responses: state values are bytes"
            )
        if not prefix:
            raise StateStoreConfigError("a Redis state store needs a non-empty key prefix")
        self._client = client
        self._prefix = prefix
        self._incr = client.register_script(_INCR_SCRIPT)
        self._cas = client.register_script(_CAS_SCRIPT)

    @property
    def prefix(self) -> str:
        return self._prefix

    def _key(self, key: str) -> str:
        check_key(key)
        return self._prefix + key

    # -- the port -------------------------------------------------------------------------

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        full = self._key(key)
        check_value(value)
        check_ttl(ttl_seconds)
        with _translated():
            self._client.set(full, value, ex=ttl_seconds)

    def put_new(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        full = self._key(key)
        check_value(value)
        check_ttl(ttl_seconds)
        with _translated():
            # SET NX EX answers OK when it stored the value and nil when the key existed.
            return bool(self._client.set(full, value, ex=ttl_seconds, nx=True))

    def get(self, key: str) -> bytes | None:
        full = self._key(key)
        with _translated():
            return _as_bytes(self._client.get(full))

    def take(self, key: str) -> bytes | None:
        full = self._key(key)
        with _translated():
            return _as_bytes(self._client.getdel(full))

    def delete(self, key: str) -> None:
        full = self._key(key)
        with _translated():
            self._client.delete(full)

    def incr(self, key: str, ttl_seconds: int) -> int:
        full = self._key(key)
        check_ttl(ttl_seconds)
        try:
            result = self._incr(keys=[full], args=[ttl_seconds])
        except redis.ResponseError as exc:
            raise StateStoreError(f"the value at {key!r} is not a counter") from exc
        except redis.RedisError as exc:
            raise StateStoreError(f"Redis is unavailable: {type(exc).__name__}") from exc
        return int(cast(int, result))

    def ttl(self, key: str) -> int | None:
        full = self._key(key)
        with _translated():
            millis = self._client.pttl(full)
        # PTTL: -2 = no such key, -1 = no expiry (this port never makes such keys).
        if millis < 0:
            return None
        return math.ceil(millis / 1000)

    def compare_and_set(self, key: str, expected: bytes, new: bytes, ttl_seconds: int) -> bool:
        full = self._key(key)
        check_value(expected)
        check_value(new)
        check_ttl(ttl_seconds)
        with _translated():
            result = self._cas(keys=[full], args=[expected, new, ttl_seconds])
        return int(cast(int, result)) == 1


def _as_bytes(value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    raise StateStoreError("Redis answered with a non-bytes value; is decode_responses on?")


@contextmanager
def _translated() -> Iterator[None]:
    """Turn redis-py's errors into :class:`StateStoreError` (callers know only the port)."""
    try:
        yield
    except redis.RedisError as exc:
        raise StateStoreError(f"Redis refused or is unavailable: {type(exc).__name__}") from exc
