"""Fixtures of the operation tests: the broker test network and harness (tests/broker), a
state store that can be broken on demand, and a private redis-server on a free port."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from etoegang.clock import Clock
from etoegang.state import InMemoryStateStore
from etoegang.state import StateStoreError
from tests.broker.conftest import network  # noqa: F401 - fixture re-used here
from tests.broker.conftest import settings  # noqa: F401 - fixture re-used here
from tests.ports import free_port


class BreakableStore(InMemoryStateStore):
    """An in-process state store that raises like an unreachable Redis while ``broken``."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.broken = False

    def __getattribute__(self, name: str) -> object:
        if name in {"put", "put_new", "get", "take", "delete", "incr", "ttl", "compare_and_set"}:
            if object.__getattribute__(self, "broken"):
                raise StateStoreError("Redis refused or is unavailable: ConnectionError")
        return object.__getattribute__(self, name)


def _client(port: int) -> redis.Redis:
    # No retries with back-off (redis-py's default): a refused connection is an answer here.
    return redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5,
                       retry=Retry(NoBackoff(), 0))


@dataclass
class RedisServer:
    """A redis-server of this test only (never the machine's shared one on 6379)."""

    port: int
    directory: Path

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "yes",
                "--dir", str(self.directory),
                "--pidfile", str(self.directory / "redis.pid"),
            ],
            check=True,
            capture_output=True,
        )
        client = _client(self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        client = _client(self.port)
        try:
            client.shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # shutting down closes the connection: the expected answer
        for _ in range(100):
            try:
                client.ping()
            except redis.ConnectionError:
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not stop")


@pytest.fixture()
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        except RuntimeError:
            pass
