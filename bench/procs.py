"""Server processes of the benchmarks and their own accounting, read from ``/proc``.

Starts gunicorn (any interpreter, any WSGI application) and redis on free ports of 127.0.0.1,
waits until each answers, and reads each process tree's CPU time (``utime + stime`` of
``/proc/<pid>/stat``, master and workers) and memory (``VmHWM``, ``VmRSS`` of
``/proc/<pid>/status``) from outside, so a server's figures never include the client's or a
peer's work. Linux only (so is the benchmark). Stops only the processes it started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import requests

TICKS = os.sysconf("SC_CLK_TCK")
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out (all bound at once, so they differ), then released."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), 0 if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """``VmHWM`` (peak resident) and ``VmRSS`` (resident now) in KiB."""
    found: dict[str, int] = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = int(value.split()[0])
    return found


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers), found by scanning /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = READY_TIMEOUT) -> None:
    """Poll ``url`` until it answers below 500 (or the process ends: RuntimeError)."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"exited with status {process.returncode} before answering {url}")
        try:
            status = requests.get(url, timeout=5, allow_redirects=False).status_code
        except requests.RequestException:
            status = 599
        if status < 500:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer in time")
        time.sleep(0.1)


@dataclass
class Server:
    """One started server process (a gunicorn master with its workers, or redis)."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    _log_handle: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return children_of(self.process.pid)

    def pids(self) -> list[int]:
        return [self.process.pid, *self.workers()]

    def cpu(self) -> float:
        """CPU seconds of the master and every current worker."""
        return sum(cpu_seconds(pid) for pid in self.pids())

    def worker_memory(self) -> dict[int, dict[str, int]]:
        return {pid: memory_kib(pid) for pid in self.workers()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_handle.close()


def start(
    name: str,
    command: Sequence[str],
    port: int,
    log_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    drop_env: Sequence[str] = (),
) -> Server:
    """Start ``command`` with this environment plus ``env``, less the names in ``drop_env``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    handle = log.open("ab")
    full_env = dict(os.environ)
    full_env.update(env or {})
    for name in drop_env:
        full_env.pop(name, None)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    process = subprocess.Popen(  # noqa: S603 (our own command lines)
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=handle,
        stderr=handle,
        env=full_env,
        cwd=cwd,
    )
    return Server(name, port, process, log, handle)


def gunicorn(
    name: str,
    python: str,
    app: str,
    port: int,
    log_dir: Path,
    *,
    workers: int,
    threads: int,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    drop_env: Sequence[str] = (),
    worker_class: str = "gthread",
) -> Server:
    """gunicorn with ``workers`` workers (gthread: of ``threads`` threads each).

    The eHerkenning roles need threads: they call each other's SOAP endpoints while serving a
    request (broker → AD artifact resolution while the AD waits on the broker's), which with
    one-request-per-worker sync workers deadlocks as soon as two logins cross. A plain proxy
    has no back channel and may run sync workers.
    """
    command = [
        python,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        *(["--threads", str(threads)] if worker_class == "gthread" else []),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        app,
    ]
    return start(name, command, port, log_dir, env=env, cwd=cwd, drop_env=drop_env)


def redis_server(port: int, log_dir: Path) -> Server:
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    server = start("redis", command, port, log_dir)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"redis did not start (see {server.log})") from None
            time.sleep(0.05)
