"""Two broker instances sharing one Redis serve one login between them, and survive each other.

Both instances are processes of their own (``python -m makelaar.serve broker``) with the same
settings file, so they have the same entity id and base URL; the metadata names one broker URL,
so a small reverse proxy on that URL hands each request to the next instance in turn (round
robin), and only to the survivor once an instance has been killed. The state lives in the
machine's Redis (127.0.0.1:6379) under a prefix of this test run only, deleted at the end.
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
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO

import pytest
import redis
import requests

from idp import seed
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.demo import DemoNetwork
from makelaar.demo import DemoServers
from makelaar.demo import prepare_network
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Outcome
from makelaar.walkthrough import Walkthrough
from tests.e2e.people import add_twins
from tests.e2e.people import twin_email
from tests.e2e.servers import free_ports
from tests.e2e.servers import missing_pieces

pytestmark = pytest.mark.e2e

ANNA = "anna@goudenkorst.example"  # eH3 means, one mandate for the bakery (whole company)
EH3 = 2  # the demo DV's service index
TAGS = ["scale1", "scale2", "scale3"]
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


@dataclass
class Cluster:
    network: DemoNetwork
    backends: Backends
    brokers: dict[str, subprocess.Popen[bytes]]
    prefix: str
    log_dir: Path

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


def _redis() -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=6379, db=0, socket_connect_timeout=2)


def _keys_of(client: redis.Redis, prefix: str) -> list[bytes]:
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


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> Iterator[Cluster]:
    missing = missing_pieces()
    if missing:
        pytest.skip("roles not complete: " + "; ".join(missing))
    client = _redis()
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"makelaar-test-scale-out-{uuid.uuid4().hex}:"
    directory = tmp_path_factory.mktemp("scale-out")
    public, port_a, port_b, idp_port, dv_port = free_ports(5)
    urls = {"broker": f"http://127.0.0.1:{public}", "idp": f"http://127.0.0.1:{idp_port}",
            "dv": f"http://127.0.0.1:{dv_port}"}
    network, _ = prepare_network(
        directory / "net", urls=urls,
        build_options={"rings": rings, "ca": dev_ca,
                       "state_url": f"redis://127.0.0.1:6379/0?prefix={prefix}"},
    )
    from makelaar.commands.idp import seed_database

    seed_database(network.settings_file("idp"))
    add_twins(network.db_url, {ANNA: TAGS})
    log_dir = directory / "logs"
    log_dir.mkdir()
    backends = Backends({"A": port_a, "B": port_b}, ["A", "B"])
    proxy = ThreadingHTTPServer(("127.0.0.1", public), _proxy_handler(backends))
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    others = DemoServers(network, log_dir=log_dir, servers=("idp", "dv"))
    brokers: dict[str, subprocess.Popen[bytes]] = {}
    logs: list[IO[bytes]] = []
    try:
        for name, port in backends.ports.items():
            log = (log_dir / f"broker-{name}.log").open("ab")
            logs.append(log)
            brokers[name] = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                [sys.executable, "-m", "makelaar.serve", "broker",
                 "--settings", str(network.settings_file("broker")),
                 "--host", "127.0.0.1", "--port", str(port)],
                stdin=subprocess.DEVNULL, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        for name, port in backends.ports.items():
            _wait_ready(f"http://127.0.0.1:{port}/broker/metadata", brokers[name])
        others.start()
        backends.served.clear()
        yield Cluster(network, backends, brokers, prefix, log_dir)
    finally:
        others.stop()
        for process in brokers.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for handle in logs:
            handle.close()
        proxy.shutdown()
        proxy.server_close()
        # Only this run's keys: SCAN + DEL under the prefix, never a flush of the database.
        for key in _keys_of(client, prefix):
            client.delete(key)
        leftover = _keys_of(client, prefix)
        client.close()
        assert leftover == [], f"Redis keys of {prefix} left behind: {leftover[:5]}"


def _plan(tag: str, stop_at: tuple[str, ...] = ()) -> LoginPlan:
    return LoginPlan(email=twin_email(ANNA, tag), password=seed.DEMO_PASSWORD,
                     service_index=EH3, stop_at=stop_at)


def _assert_logged_in(outcome: Outcome, cluster: Cluster) -> None:
    assert outcome.logged_in, (
        f"not logged in; steps {outcome.steps}, ended at {outcome.page.url} "
        f"({outcome.page.status}): {outcome.page.text[:400]}\n{cluster.logs()}"
    )
    assert outcome.received, "the DV shows nothing it received"


def test_logins_whose_steps_alternate_between_two_broker_instances_succeed(
    cluster: Cluster,
) -> None:
    before = dict(cluster.backends.served)
    for tag in TAGS[:2]:
        walk = Walkthrough(cluster.network.urls["dv"], cluster.network.sms_outbox)
        _assert_logged_in(walk.login(_plan(tag)), cluster)
    served = {n: c - before.get(n, 0) for n, c in cluster.backends.served.items()}
    # Round robin over every broker request: each instance served steps of these logins.
    assert served.get("A", 0) >= 2 and served.get("B", 0) >= 2, served
    assert _keys_of(_redis(), cluster.prefix), "the login state is not in the shared Redis"


def test_a_login_finishes_on_the_survivor_after_its_instance_is_killed_mid_login(
    cluster: Cluster,
) -> None:
    walk = Walkthrough(cluster.network.urls["dv"], cluster.network.sms_outbox)
    plan = _plan(TAGS[2], stop_at=("ad-login",))
    served_by_a = cluster.backends.served.get("A", 0)
    halfway = walk.login(plan)
    # Discovery is done and the AD asked for credentials: its answer has not reached a broker.
    assert halfway.steps_seen[-2:] == ["discovery", "ad-login"], halfway.steps
    assert cluster.backends.served.get("A", 0) > served_by_a, "A served part of this login"

    cluster.kill("A")
    cluster.backends.only("B")
    served_by_b = cluster.backends.served.get("B", 0)
    outcome = walk.follow(halfway.page, replace(plan, stop_at=()))

    _assert_logged_in(outcome, cluster)
    assert cluster.brokers["A"].poll() is not None, "instance A should be dead"
    assert cluster.backends.served["B"] > served_by_b, "B served the rest of the login"
