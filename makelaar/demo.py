"""The development network on localhost: build it once, seed it, run each role as a process.

``makelaar demo`` and the end-to-end tests share this module. :func:`prepare_network` writes
keys, metadata, catalogue and settings (``makelaar.network``) into a directory once;
:class:`DemoServers` starts broker, means issuer and demo DV as separate processes
(``python -m makelaar.serve``), waits until each answers over HTTP and stops them all again,
also when something fails half-way. Nothing here talks SAML: the roles do that among themselves.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml

from makelaar.network import DEFAULT_PORTS
from makelaar.network import build_network
from makelaar.serve import ROLES

#: The servers of the demo, in the order they start (the DV last: users start there).
SERVERS: tuple[str, ...] = ("broker", "idp", "dv")
#: What ``makelaar demo`` starts: the eIDAS node simulator too, when the network has it
#: (docs/eidas.md); a fourth server on port 8804.
DEMO_SERVERS: tuple[str, ...] = ("broker", "idp", "eidas-node", "dv")
#: Start and readiness limits; generous, since a 2-core machine may be busy with tests.
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0


class DemoError(RuntimeError):
    """The demo could not be started; the message says why (and where the log is)."""


@dataclass(frozen=True, slots=True)
class DemoNetwork:
    """A built development network: its directory and the base URL of each server."""

    directory: Path
    urls: Mapping[str, str]

    def settings_file(self, server: str) -> Path:
        return self.directory / f"{server}.yaml"

    def port(self, server: str) -> int:
        port = urlsplit(self.urls[server]).port
        if port is None:
            raise DemoError(f"{server} URL {self.urls[server]} has no port")
        return port

    @property
    def sms_outbox(self) -> Path:
        return Path(str(self._idp_settings()["sms_outbox"]))

    @property
    def db_url(self) -> str:
        return str(self._idp_settings()["db_url"])

    def _idp_settings(self) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(self.settings_file("idp").read_text())
        return data


def default_urls(host: str = "127.0.0.1") -> dict[str, str]:
    return {name: f"http://{host}:{port}" for name, port in DEFAULT_PORTS.items()}


def _is_built(directory: Path) -> bool:
    return all((directory / f"{server}.yaml").is_file() for server in SERVERS) and (
        directory / "catalogue.xml"
    ).is_file()


def _urls_of(directory: Path) -> dict[str, str]:
    urls: dict[str, str] = {}
    for server in DEMO_SERVERS:
        if server not in SERVERS and not (directory / f"{server}.yaml").is_file():
            continue
        data = yaml.safe_load((directory / f"{server}.yaml").read_text())
        urls[server] = str(data["base_url"])
    return urls


def prepare_network(
    directory: Path,
    *,
    fresh: bool = False,
    urls: Mapping[str, str] | None = None,
    build_options: Mapping[str, Any] | None = None,
) -> tuple[DemoNetwork, bool]:
    """Build the network in ``directory`` unless it is there already (``fresh`` rebuilds it).

    :returns: the network and whether it was built now.
    """
    if fresh and directory.exists():
        shutil.rmtree(directory)
    if _is_built(directory):
        return DemoNetwork(directory, _urls_of(directory)), False
    wanted = dict(urls) if urls is not None else default_urls()
    build_network(directory, urls=wanted, **dict(build_options or {}))
    return DemoNetwork(directory, wanted), True


def _wait_ready(url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    # Polls instead of sleeping a fixed time: ready as soon as the app answers over HTTP.
    while True:
        if process.poll() is not None:
            raise DemoError(f"exited with status {process.returncode} before answering {url}")
        try:
            answer = requests.get(url, timeout=5, allow_redirects=False)
        except requests.RequestException:
            answer = None
        if answer is not None and answer.status_code < 500:
            return
        if time.monotonic() > deadline:
            raise DemoError(f"did not answer {url} in time")
        time.sleep(0.1)


class DemoServers:
    """Broker, means issuer and demo DV, each in its own process (a context manager).

    :param log_dir: where each server's stderr goes (``<role>.log``); ``None`` lets the servers
        log to this process's stderr (the interactive demo).
    """

    def __init__(
        self,
        network: DemoNetwork,
        *,
        host: str = "127.0.0.1",
        log_dir: Path | None = None,
        servers: Sequence[str] = DEMO_SERVERS,
    ) -> None:
        self.network = network
        self.host = host
        self.log_dir = log_dir
        self.servers = tuple(s for s in servers if s in network.urls)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    def log_file(self, server: str) -> Path | None:
        return None if self.log_dir is None else self.log_dir / f"{server}.log"

    def start(self, timeout: float = READY_TIMEOUT) -> None:
        """Start every server and wait until each answers; stop them all if one fails."""
        try:
            for server in self.servers:
                self._spawn(server)
            deadline = time.monotonic() + timeout
            for server in self.servers:
                ready = self.network.urls[server] + ROLES[server].ready_path
                try:
                    _wait_ready(ready, self.processes[server], deadline)
                except DemoError as exc:
                    where = self.log_file(server)
                    hint = f" (see {where})" if where else ""
                    raise DemoError(f"{server}: {exc}{hint}") from None
        except BaseException:
            self.stop()
            raise

    def _spawn(self, server: str) -> None:
        command = [
            sys.executable,
            "-m",
            "makelaar.serve",
            server,
            "--settings",
            str(self.network.settings_file(server)),
            "--host",
            self.host,
            "--port",
            str(self.network.port(server)),
        ]
        stderr: IO[bytes] | None = None
        where = self.log_file(server)
        if where is not None:
            where.parent.mkdir(parents=True, exist_ok=True)
            stderr = where.open("ab")
            self._logs.append(stderr)
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.processes[server] = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command, stdin=subprocess.DEVNULL, stderr=stderr, env=env
        )

    def stop(self) -> None:
        """Stop every server this object started: SIGTERM, then SIGKILL after a grace time."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def crashed(self) -> list[str]:
        """Servers whose process has ended (while they should be running)."""
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def __enter__(self) -> DemoServers:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
