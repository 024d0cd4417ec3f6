"""Two (or more) broker instances behind one URL, sharing the machine's Redis: the scale-out
and key-rollover end-to-end tests start them here.

Every instance is a process of its own (``python -m makelaar.serve broker``) with the same
settings file, so all have the same entity id and base URL; the metadata names one broker URL,
so a small reverse proxy on that URL hands each request to the next instance in turn (round
robin), and only to the survivors once an instance is taken out. The means issuer and the demo
DV run as processes too. The state lives in Redis (127.0.0.1:6379) under a prefix of this run
only, deleted at the end.
"""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO

import pytest
import redis
import requests

from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.demo import DemoNetwork
from makelaar.demo import DemoServers
from makelaar.demo import prepare_network
from tests.e2e.people import add_twins
from tests.e2e.servers import free_ports
from tests.e2e.servers import missing_pieces

#: Response headers that belong to one connection, not to the message (RFC 9110 section 7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authenticate", "proxy-authorization"}


@dataclass
class Backends:
    """The broker instances the proxy may use, in round-robin order, and who served what."""

    ports: dict[str, int]
    alive: list[str]
    served: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _turn: Iterator[int] = field(default_factory=itertools.count)

    def next(self) -> tuple[str, int]:
        with self.lock:
            name = self.alive[next(self._turn) % len(self.alive)]
            self.served[name] = self.served.get(name, 0) + 1
            return name, self.ports[name]

    def only(self, name: str) -> None:
        with self.lock:
            self.alive = [name]

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.served)


def _proxy_handler(backends: Backends) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            _, port = backends.next()
            upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                # The Host header goes along unchanged: the instance sees the public broker URL.
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                content = answer.read()
            finally:
                upstream.close()
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP | {"content-length"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_HEAD = _forward  # noqa: N815 - http.server's method names

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # the instances log every request themselves

    return Handler


def redis_client() -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=6379, db=0, socket_connect_timeout=2)


def keys_of(client: redis.Redis, prefix: str) -> list[bytes]:
    return list(client.scan_iter(match=prefix + "*", count=500))


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"broker exited with {process.returncode} before answering")
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"broker did not answer {url} in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Cluster:
    network: DemoNetwork
    backends: Backends
    brokers: dict[str, subprocess.Popen[bytes]]
    prefix: str
    log_dir: Path
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def keys_dir(self) -> Path:
        """The broker's key files (``hm-*``), as every instance loads them at start."""
        return self.network.directory / "keys"

    def start_brokers(self) -> None:
        """Start every instance (they start side by side) and wait until all answer."""
        for name, port in self.backends.ports.items():
            log = (self.log_dir / f"broker-{name}.log").open("ab")
            self._logs.append(log)
            self.brokers[name] = subprocess.Popen(  # noqa: S603 (our interpreter and module)
                [sys.executable, "-m", "makelaar.serve", "broker",
                 "--settings", str(self.network.settings_file("broker")),
                 "--host", "127.0.0.1", "--port", str(port)],
                stdin=subprocess.DEVNULL, stderr=log,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        for name, port in self.backends.ports.items():
            _wait_ready(f"http://127.0.0.1:{port}/broker/metadata", self.brokers[name])

    def stop_brokers(self) -> None:
        for process in self.brokers.values():
            _stop(process)
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def kill(self, name: str) -> None:
        process = self.brokers[name]
        process.send_signal(signal.SIGKILL)  # no shutdown code runs: a node that just dies
        process.wait()

    def logs(self) -> str:
        parts = []
        for path in sorted(self.log_dir.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-30:]
            parts.append(f"--- {path.name} ---\n" + "\n".join(tail))
        return "\n".join(parts)


@contextmanager
def broker_cluster(
    directory: Path,
    *,
    rings: dict[str, KeyRing],
    ca: DevCa,
    twins: dict[str, list[str]],
    name: str,
    before_brokers: Callable[[Cluster], None] | None = None,
) -> Iterator[Cluster]:
    """A network whose broker runs as instances ``A`` and ``B`` behind a round-robin proxy.

    The means issuer and the demo DV start first, the brokers last (``before_brokers`` runs
    just before they start), so a test's clock starts when the brokers are up. Skips when the
    checkout lacks a role or the machine has no Redis.
    """
    missing = missing_pieces()
    if missing:
        pytest.skip("roles not complete: " + "; ".join(missing))
    client = redis_client()
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"makelaar-test-{name}-{uuid.uuid4().hex}:"
    public, port_a, port_b, idp_port, dv_port = free_ports(5)
    urls = {"broker": f"http://127.0.0.1:{public}", "idp": f"http://127.0.0.1:{idp_port}",
            "dv": f"http://127.0.0.1:{dv_port}"}
    network, _ = prepare_network(
        directory / "net", urls=urls,
        build_options={"rings": rings, "ca": ca,
                       "state_url": f"redis://127.0.0.1:6379/0?prefix={prefix}"},
    )
    from makelaar.commands.idp import seed_database

    seed_database(network.settings_file("idp"))
    add_twins(network.db_url, twins)
    log_dir = directory / "logs"
    log_dir.mkdir()
    backends = Backends({"A": port_a, "B": port_b}, ["A", "B"])
    proxy = ThreadingHTTPServer(("127.0.0.1", public), _proxy_handler(backends))
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    others = DemoServers(network, log_dir=log_dir, servers=("idp", "dv"))
    cluster = Cluster(network, backends, {}, prefix, log_dir)
    try:
        others.start()
        if before_brokers is not None:
            before_brokers(cluster)
        cluster.start_brokers()
        backends.served.clear()
        yield cluster
    finally:
        others.stop()
        cluster.stop_brokers()
        proxy.shutdown()
        proxy.server_close()
        # Only this run's keys: SCAN + DEL under the prefix, never a flush of the database.
        for key in keys_of(client, prefix):
            client.delete(key)
        leftover = keys_of(client, prefix)
        client.close()
        assert leftover == [], f"Redis keys of {prefix} left behind: {leftover[:5]}"
