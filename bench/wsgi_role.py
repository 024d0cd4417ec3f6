"""One role's WSGI application for gunicorn in the benchmarks: ``gunicorn bench.wsgi_role:app``.

The role and its settings file come from the environment (``BENCH_ROLE``: ``broker``, ``idp`` or
``dv``; ``BENCH_SETTINGS``: the role's YAML file), and the application is built exactly as
``makelaar.serve`` builds it (:func:`makelaar.serve.build_app`), so the benchmark measures the
roles as they run anywhere else. ``BENCH_APP`` may instead name ``module:attribute`` of any WSGI
application (the thin proxy of the proxy scenario).

Two optional instruments, each switched on by an environment variable and costing next to
nothing when on:

- ``BENCH_COUNT_DIR``: every RSA private-key operation (``sign``, ``decrypt``) of every key the
  role loads is counted (:mod:`bench.rsa_count`) in a small memory-mapped file per process
  in that directory, which the benchmark reads from outside while the servers run.
- ``BENCH_PROFILE_DIR``: each request runs under ``cProfile`` (one profiler per thread, timed
  by the thread's CPU time);
  the process writes ``<role>-<pid>.prof`` (pstats format, all threads merged) when it exits.
"""

from __future__ import annotations

import atexit
import cProfile
import importlib
import logging
import os
import pstats
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench import rsa_count

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Profiled:
    """Runs each request of ``app`` under a per-thread ``cProfile.Profile``; dumps at exit."""

    def __init__(self, app: WsgiApp, target: Path) -> None:
        self.app = app
        self.target = target
        self._local = threading.local()
        self._all: list[cProfile.Profile] = []
        self._lock = threading.Lock()
        atexit.register(self.dump)

    def _profiler(self) -> cProfile.Profile:
        profiler: cProfile.Profile | None = getattr(self._local, "profiler", None)
        if profiler is None:
            # CPU time of this thread, not wall time: waiting on a peer or on a busy core's
            # scheduler is not the broker's cost.
            profiler = cProfile.Profile(time.thread_time)
            self._local.profiler = profiler
            with self._lock:
                self._all.append(profiler)
        return profiler

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        profiler = self._profiler()
        profiler.enable()
        try:
            # The body is materialised inside the profiled span (Flask bodies are small).
            return list(self.app(environ, start_response))
        finally:
            profiler.disable()

    def dump(self) -> None:
        with self._lock:
            profilers = list(self._all)
        if not profilers:
            return
        stats: pstats.Stats | None = None
        for profiler in profilers:
            profiler.create_stats()
            if not profiler.stats:
                continue
            if stats is None:
                stats = pstats.Stats(profiler)
            else:
                stats.add(profiler)
        if stats is not None:
            stats.dump_stats(str(self.target))


def _build() -> WsgiApp:
    role = os.environ.get("BENCH_ROLE", "app")
    level = os.environ.get("BENCH_LOG_LEVEL", "INFO")
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format=f"%(asctime)s {role:<6} %(process)d %(levelname)s %(name)s: %(message)s",
    )
    count_dir = os.environ.get("BENCH_COUNT_DIR")
    if count_dir:
        rsa_count.install(Path(count_dir), role)
    target = os.environ.get("BENCH_APP")
    if target:
        module_name, _, attribute = target.partition(":")
        application: WsgiApp = getattr(importlib.import_module(module_name), attribute or "app")
    else:
        from makelaar.serve import build_app

        application = build_app(role, Path(os.environ["BENCH_SETTINGS"]))
    if count_dir:
        application = rsa_count.count_requests(application, Path(count_dir), role)
    profile_dir = os.environ.get("BENCH_PROFILE_DIR")
    if profile_dir:
        application = _Profiled(application, Path(profile_dir) / f"{role}-{os.getpid()}.prof")
    return application


app = _build()
