"""Login benchmark: complete eHerkenning logins against broker, means issuer and DV under gunicorn.

``python -m bench.login`` builds a development network in a temporary directory
(:func:`makelaar.network.build_network`, state in a redis of its own, one database per role),
seeds the means issuer with benchmark twins of a demo user (:mod:`bench.people`), starts the
broker, the means issuer and the demo DV as gunicorn servers (:mod:`bench.wsgi_role`), and
drives complete logins the way ``makelaar.walkthrough`` does (DV button → POST form to the
broker → discovery → AD e-mail and password → SMS code from the development outbox → mandate
→ DV result; every SAML exchange between the roles over HTTP) at each concurrency.

Per phase it reports logins per second, p50/p95/p99 latency, CPU milliseconds per login of each
role from the processes' own accounting (``/proc/<pid>/stat`` of the gunicorn master and
workers, before and after), peak memory per worker (``VmHWM``), and the RSA private-key
operations per login counted inside the servers (:mod:`bench.rsa_count`); with ``openssl speed
rsa2048`` run in the same invocation that gives each role's crypto floor. The AD's argon2id
password hash is measured on its own (it is deliberately expensive and not the broker's).

``--leak N`` then runs N single sign-on logins (the same browser again: no password, no SMS)
and reports worker memory (``VmRSS``) before and after; ``--profile N`` restarts the broker
with ``cProfile`` in its workers for N more logins and prints the top functions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import requests
import yaml
from requests.adapters import HTTPAdapter

from bench import rsa_count
from bench.crypto_ops import openssl_rsa2048
from bench.people import add_twins
from bench.procs import Server
from bench.procs import free_ports
from bench.procs import gunicorn
from bench.procs import redis_server
from bench.procs import wait_http
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.network import build_network
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Outcome
from makelaar.walkthrough import Walkthrough

ROLES = ("broker", "idp", "dv")
READY_PATHS = {"broker": "/broker/metadata", "idp": "/ad/metadata", "dv": "/saml/metadata"}
BENCH_USER = "anna@goudenkorst.example"
SERVICE_INDEX = 1
#: Logins per client address before the next one (the AD allows 1,000 SMS per address an hour).
LOGINS_PER_SOURCE = 400


# --- the client ------------------------------------------------------------------------------


class _SourceAdapter(HTTPAdapter):
    """Connects from a given loopback address (127.0.0.0/8 all reaches 127.0.0.1)."""

    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(source: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", _SourceAdapter(source))
    return session


class BenchWalk(Walkthrough):
    """The walkthrough, reading only its own user's SMS from the shared outbox.

    With several logins at once the newest outbox line may be someone else's code, so the
    code is looked up by mobile number, from the outbox size noted when the password was sent.
    """

    def __init__(self, dv_url: str, outbox: Path, mobile: str, session: requests.Session):
        super().__init__(dv_url, outbox, session=session)
        self.mobile = mobile

    def _outbox_size(self) -> int:
        try:
            return self.sms_outbox.stat().st_size
        except FileNotFoundError:
            return 0

    def sms_code(self) -> str:
        with self.sms_outbox.open("rb") as handle:
            handle.seek(self._outbox_mark)
            lines = handle.read().decode("utf-8").splitlines()
        for line in reversed(lines):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if str(entry.get("to")) != self.mobile:
                continue
            found = re.search(r"\b(\d{5,8})\b", str(entry.get("text")))
            if found:
                return found.group(1)
        raise RuntimeError(f"no SMS code for {self.mobile} in {self.sms_outbox}")


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    mobile: str
    password: str


@dataclass
class PhaseResult:
    name: str
    concurrency: int
    logins: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    cpu_ms: dict[str, float]
    rsa_ops: dict[str, dict[str, tuple[float, float]]]
    client_cpu_ms: float
    #: HTTP requests each role served per login (counted inside the servers).
    requests: dict[str, float] = field(default_factory=dict)
    memory: dict[str, dict[int, dict[str, int]]] = field(default_factory=dict)
    first_error: str = ""

    @property
    def per_second(self) -> float:
        return self.logins / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "concurrency": self.concurrency,
            "logins": self.logins,
            "errors": self.errors,
            "first_error": self.first_error,
            "seconds": self.seconds,
            "logins_per_second": self.per_second,
            "latency_ms": {
                "p50": self.percentile(0.50),
                "p95": self.percentile(0.95),
                "p99": self.percentile(0.99),
                "mean": statistics.fmean(self.latencies_ms) if self.latencies_ms else 0.0,
            },
            "cpu_ms_per_login": self.cpu_ms,
            "client_cpu_ms_per_login": self.client_cpu_ms,
            "http_requests_per_login": self.requests,
            "rsa_private_ops_per_login": {
                role: {name: {"sign": s, "decrypt": d} for name, (s, d) in ops.items()}
                for role, ops in self.rsa_ops.items()
            },
            "worker_memory_kib": {
                role: {str(pid): mem for pid, mem in m.items()} for role, m in self.memory.items()
            },
        }


LoginFn = Callable[[int, int], bool]


def run_phase(
    name: str,
    servers: dict[str, Server],
    count_dir: Path | None,
    logins: int,
    concurrency: int,
    login: LoginFn,
) -> PhaseResult:
    """``logins`` calls of ``login(thread, number)`` on ``concurrency`` threads, measured."""
    counter = iter(range(logins))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def worker(thread: int) -> None:
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            started = time.perf_counter()
            try:
                ok = login(thread, number)
                problem = "" if ok else "login did not reach the DV result"
            except Exception as exc:  # noqa: BLE001 (counted and reported, the run goes on)
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(elapsed)

    cpu_before = {role: server.cpu() for role, server in servers.items()}
    rsa_before = _rsa_snapshot(count_dir)
    requests_before = _request_snapshot(count_dir)
    client_before = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - client_before
    cpu_after = {role: server.cpu() for role, server in servers.items()}
    rsa_after = _rsa_snapshot(count_dir)
    requests_after = _request_snapshot(count_dir)
    done = len(latencies)
    per = max(done, 1)
    return PhaseResult(
        name=name,
        concurrency=concurrency,
        logins=done,
        errors=len(errors),
        seconds=seconds,
        latencies_ms=latencies,
        cpu_ms={role: (cpu_after[role] - cpu_before[role]) * 1000 / per for role in servers},
        rsa_ops={
            role: {
                key: (
                    (after[0] - rsa_before.get(role, {}).get(key, (0, 0))[0]) / per,
                    (after[1] - rsa_before.get(role, {}).get(key, (0, 0))[1]) / per,
                )
                for key, after in keys.items()
            }
            for role, keys in rsa_after.items()
        },
        client_cpu_ms=client_cpu * 1000 / per,
        requests={
            role: (requests_after[role] - requests_before.get(role, 0)) / per
            for role in requests_after
        },
        memory={role: server.worker_memory() for role, server in servers.items()},
        first_error=errors[0] if errors else "",
    )


def _request_snapshot(count_dir: Path | None) -> dict[str, int]:
    if count_dir is None:
        return {}
    return {role: rsa_count.read_requests(count_dir, role) for role in ROLES}


def _rsa_snapshot(count_dir: Path | None) -> dict[str, dict[str, tuple[int, int]]]:
    if count_dir is None:
        return {}
    return {role: rsa_count.read_counts(count_dir, role) for role in ROLES}


# --- the network -----------------------------------------------------------------------------


@dataclass
class Bench:
    """A built, seeded network and (while started) its servers."""

    directory: Path
    urls: dict[str, str]
    ports: dict[str, int]
    people: list[Person]
    outbox: Path
    count_dir: Path | None
    servers: dict[str, Server] = field(default_factory=dict)
    redis: Server | None = None

    def start(
        self, workers: int, threads: int, *, profile_dir: Path | None = None,
        roles: Sequence[str] = ROLES,
    ) -> None:
        for role in roles:
            env = {
                "BENCH_ROLE": role,
                "BENCH_SETTINGS": str(self.directory / f"{role}.yaml"),
                "MAKELAAR_MIGRATE": "0",
            }
            if self.count_dir is not None:
                env["BENCH_COUNT_DIR"] = str(self.count_dir)
            if profile_dir is not None and role == "broker":
                env["BENCH_PROFILE_DIR"] = str(profile_dir)
            self.servers[role] = gunicorn(
                role, sys.executable, "bench.wsgi_role:app", self.ports[role],
                self.directory / "logs", workers=workers, threads=threads, env=env,
                cwd=Path(__file__).resolve().parent.parent,
            )
        for role in roles:
            try:
                wait_http(self.urls[role] + READY_PATHS[role], self.servers[role].process)
            except RuntimeError as exc:
                self.stop()
                raise RuntimeError(f"{role}: {exc} (see {self.directory / 'logs'})") from None
        # Every worker answers once before measuring (gunicorn spreads the first requests).
        for role in roles:
            for _ in range(workers * 4):
                requests.get(self.urls[role] + READY_PATHS[role], timeout=30)

    def stop(self, roles: Sequence[str] = ROLES) -> None:
        for role in roles:
            server = self.servers.pop(role, None)
            if server is not None:
                server.stop()

    def close(self) -> None:
        self.stop(tuple(self.servers))
        if self.redis is not None:
            self.redis.stop()


def build(
    directory: Path,
    people: int,
    count: bool,
    *,
    rings: dict[str, KeyRing] | None = None,
    ca: DevCa | None = None,
) -> Bench:
    from makelaar.commands.idp import seed_database

    ports = free_ports(4)
    urls = {role: f"http://127.0.0.1:{port}" for role, port in zip(ROLES, ports, strict=False)}
    redis = redis_server(ports[3], directory / "logs")
    try:
        build_network(directory, urls=urls, state_url="memory://", rings=rings, ca=ca)
        # One redis database per role, as separate deployments would have.
        for number, role in enumerate(ROLES):
            settings_file = directory / f"{role}.yaml"
            data = yaml.safe_load(settings_file.read_text())
            data["state_url"] = f"redis://127.0.0.1:{ports[3]}/{number}"
            settings_file.write_text(yaml.safe_dump(data, sort_keys=False))
        seed_database(directory / "idp.yaml")
        idp_settings = yaml.safe_load((directory / "idp.yaml").read_text())
        from idp.seed import demo_users

        password = next(u.password for u in demo_users() if u.email == BENCH_USER)
        twins = add_twins(str(idp_settings["db_url"]), BENCH_USER, people)
    except BaseException:
        redis.stop()
        raise
    return Bench(
        directory=directory,
        urls=urls,
        ports={role: port for role, port in zip(ROLES, ports, strict=False)},
        people=[Person(email, mobile, password) for email, mobile in twins],
        outbox=Path(str(idp_settings["sms_outbox"])),
        count_dir=(directory / "rsa-counts") if count else None,
        redis=redis,
    )


def full_login(bench: Bench, concurrency: int) -> LoginFn:
    """One complete login in a fresh browser; thread ``t`` uses only its own people."""
    used = [0] * concurrency

    def login(thread: int, number: int) -> bool:
        pool = bench.people[thread::concurrency]
        person = pool[used[thread] % len(pool)]
        used[thread] += 1
        source = f"127.1.{(number // LOGINS_PER_SOURCE) % 250}.{thread + 1}"
        walk = BenchWalk(bench.urls["dv"], bench.outbox, person.mobile, browser(source))
        outcome = walk.login(_plan(person))
        walk.http.close()
        return _check(outcome)

    return login


def _check(outcome: Outcome) -> bool:
    if not outcome.logged_in:
        page = outcome.page
        raise RuntimeError(
            f"ended at {page.url} ({page.status}) after {outcome.steps_seen}: {page.text[:300]}"
        )
    return True


def _plan(person: Person) -> LoginPlan:
    return LoginPlan(email=person.email, password=person.password, service_index=SERVICE_INDEX)


def sso_login(bench: Bench, concurrency: int) -> LoginFn:
    """Logins in one browser per thread: the first is complete, the rest single sign-on."""
    sessions: dict[int, tuple[requests.Session, Person]] = {}

    def login(thread: int, number: int) -> bool:
        if thread not in sessions:
            person = bench.people[thread % len(bench.people)]
            sessions[thread] = (browser(f"127.2.0.{thread + 1}"), person)
        session, person = sessions[thread]
        walk = BenchWalk(bench.urls["dv"], bench.outbox, person.mobile, session)
        return _check(walk.login(_plan(person)))

    return login


# --- argon2 and the report --------------------------------------------------------------------


def argon2_cpu_ms(rounds: int = 5) -> float:
    """CPU milliseconds (all threads) of one argon2id verification at the AD's parameters."""
    from idp.db.passwords import PasswordHasher
    from idp.seed import DEMO_PASSWORD

    hasher = PasswordHasher()
    stored = hasher.hash(DEMO_PASSWORD)
    hasher.verify(stored, DEMO_PASSWORD)
    before = time.process_time()
    for _ in range(rounds):
        hasher.verify(stored, DEMO_PASSWORD)
    return (time.process_time() - before) * 1000 / rounds


def load_note() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def private_ops(phase: dict[str, Any], role: str) -> float:
    ops = phase["rsa_private_ops_per_login"].get(role, {})
    return float(sum(v["sign"] + v["decrypt"] for v in ops.values()))


def summarise(result: dict[str, Any]) -> str:
    sign_ms = result["openssl_rsa2048_sign_ms"]
    lines = [
        f"Makelaar login benchmark ({result['load_before']} before, {result['load_after']} after)",
        f"openssl speed rsa2048: {1000 / sign_ms:.1f} sign/s = {sign_ms:.3f} ms per private-key "
        f"operation; argon2id verify {result['argon2_cpu_ms']:.1f} CPU ms",
    ]
    for run in result["runs"]:
        lines.append("")
        lines.append(f"== {run['workers']} worker(s) x {run['threads']} threads per role ==")
        for phase in run["phases"]:
            lat = phase["latency_ms"]
            cpu = phase["cpu_ms_per_login"]
            lines.append(
                f"{phase['name']:<10} c={phase['concurrency']:<2} {phase['logins']:>5} logins "
                f"({phase['errors']} errors) {phase['logins_per_second']:6.2f}/s  "
                f"p50 {lat['p50']:6.0f} p95 {lat['p95']:6.0f} p99 {lat['p99']:6.0f} ms"
            )
            if phase["first_error"]:
                lines.append(f"    first error: {phase['first_error'][:300]}")
            lines.append(
                "    CPU ms/login: "
                + ", ".join(f"{role} {value:.1f}" for role, value in cpu.items())
                + f", client {phase['client_cpu_ms_per_login']:.1f}"
            )
            for role in ("broker", "idp", "dv"):
                ops = private_ops(phase, role)
                if not ops:
                    continue
                floor = ops * sign_ms
                detail = ", ".join(
                    f"{name} {v['sign']:.2f}s/{v['decrypt']:.2f}d"
                    for name, v in phase["rsa_private_ops_per_login"][role].items()
                    if v["sign"] or v["decrypt"]
                )
                extra = ""
                if role == "idp" and phase["name"] != "sso":
                    rest = cpu[role] - result["argon2_cpu_ms"]
                    extra = (
                        f"; without argon2id (measured apart, so a rough estimate) "
                        f"~{rest:.0f} ms = ~{rest / floor:.0f}x floor"
                        if floor
                        else ""
                    )
                lines.append(
                    f"    {role}: {ops:.2f} RSA private ops/login ({detail}) -> floor "
                    f"{floor:.1f} ms; CPU/floor {cpu[role] / floor:.2f}x{extra}"
                )
            lines.extend(_serving_floor_lines(run, phase, sign_ms))
            memory = phase["worker_memory_kib"]
            lines.append(
                "    worker VmHWM MiB: "
                + "; ".join(
                    f"{role} "
                    + "/".join(f"{m.get('VmHWM', 0) / 1024:.0f}" for m in workers.values())
                    for role, workers in memory.items()
                )
            )
    leak = result.get("leak")
    if leak:
        lines.append("")
        lines.append(f"Leak check: {leak['logins']} SSO logins ({leak['errors']} errors)")
        for role, pids in leak["rss_kib"].items():
            for pid, (before, after) in pids.items():
                growth = (after - before) / before if before else 0.0
                lines.append(
                    f"    {role} worker {pid}: VmRSS {before / 1024:.1f} -> {after / 1024:.1f} "
                    f"MiB ({growth:+.1%})"
                )
    if result.get("profile"):
        lines.append("")
        lines.append(result["profile"])
    return "\n".join(lines)


def _serving_floor_lines(run: dict[str, Any], phase: dict[str, Any], sign_ms: float) -> list[str]:
    """The broker's requests per login times an empty app's cost, beside the RSA floor.

    This is what the broker must spend per login before any code of its own runs: if it is
    larger than the RSA floor, no broker on this server and framework reaches 2x that floor.
    """
    floor_cost = run.get("server_floor_ms_per_request")
    served = phase.get("http_requests_per_login", {}).get("broker")
    ops = private_ops(phase, "broker")
    if not floor_cost or not served or not ops:
        return []
    rsa_floor = ops * sign_ms
    serving = served * floor_cost["flask"]
    cpu = phase["cpu_ms_per_login"]["broker"]
    return [
        f"    broker serves {served:.1f} HTTP requests/login; an empty app under the same "
        f"gunicorn costs {floor_cost['gunicorn']:.3f} ms/request (with Flask "
        f"{floor_cost['flask']:.3f}) -> serving floor {serving:.1f} ms/login",
        f"    broker lower bound RSA + serving = {rsa_floor + serving:.1f} ms = "
        f"{(rsa_floor + serving) / rsa_floor:.2f}x the RSA floor; broker's own code beyond "
        f"both: {cpu - rsa_floor - serving:.1f} ms",
    ]


def profile_report(profile_dir: Path, limit: int = 30) -> str:
    import io
    import pstats

    files = sorted(profile_dir.glob("broker-*.prof"))
    if not files:
        return "no profile written"
    out = io.StringIO()
    stats = pstats.Stats(str(files[0]), stream=out)
    for extra in files[1:]:
        stats.add(str(extra))
    stats.strip_dirs()
    out.write("Broker profile, by own time:\n")
    stats.sort_stats("tottime").print_stats(limit)
    out.write("Broker profile, by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


# --- main -------------------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def run(
    args: argparse.Namespace,
    *,
    rings: dict[str, KeyRing] | None = None,
    ca: DevCa | None = None,
) -> dict[str, Any]:
    """Everything the command line asks for, in one invocation; the figures as a dict.

    ``rings`` and ``ca`` reuse existing development keys (the smoke test's session keys).
    """
    keep = args.dir is not None
    directory = Path(args.dir) if keep else Path(tempfile.mkdtemp(prefix="makelaar-bench-"))
    concurrencies = _ints(args.concurrency)
    people = max(8 * max(concurrencies), args.people)
    people += (-people) % max(concurrencies)  # a multiple of every thread count used
    result: dict[str, Any] = {
        "load_before": load_note(),
        "settings": vars(args) | {"directory": str(directory)},
        "runs": [],
    }
    bench = build(directory, people, count=not args.no_count, rings=rings, ca=ca)
    try:
        for workers in _ints(args.workers):
            bench.start(workers, args.threads)
            try:
                phases = []
                warm = run_phase("warm-up", bench.servers, bench.count_dir, args.warmup, 1,
                                 full_login(bench, 1))
                if warm.errors and not warm.logins:
                    raise RuntimeError(f"warm-up failed: {warm.first_error}")
                for concurrency in concurrencies:
                    phase = run_phase("full", bench.servers, bench.count_dir, args.logins,
                                      concurrency, full_login(bench, concurrency))
                    phases.append(phase.as_dict())
                    print(f"  workers={workers} c={concurrency}: {phase.per_second:.2f} logins/s, "
                          f"broker {phase.cpu_ms['broker']:.1f} CPU ms/login", file=sys.stderr)
                if args.sso:
                    phase = run_phase("sso", bench.servers, bench.count_dir, args.sso,
                                      max(concurrencies), sso_login(bench, max(concurrencies)))
                    phases.append(phase.as_dict())
                result["runs"].append(
                    {"workers": workers, "threads": args.threads, "phases": phases,
                     "server_floor_ms_per_request": server_floor(
                         directory, workers, args.threads)}
                )
                if args.leak and workers == _ints(args.workers)[-1]:
                    result["leak"] = leak_check(bench, args.leak, max(concurrencies))
            finally:
                bench.stop()
        if args.profile:
            profile_dir = directory / "profiles"
            profile_dir.mkdir(exist_ok=True)
            workers = _ints(args.workers)[-1]
            bench.start(workers, args.threads, profile_dir=profile_dir)
            try:
                run_phase("profile", bench.servers, None, args.profile, max(concurrencies),
                          full_login(bench, max(concurrencies)))
            finally:
                bench.stop()
            result["profile"] = profile_report(profile_dir)
        result["argon2_cpu_ms"] = argon2_cpu_ms(args.argon2_rounds)
        rates = openssl_rsa2048(args.openssl_seconds)
        if rates is None:
            raise RuntimeError("openssl is needed for the crypto floor")
        result["openssl_rsa2048_sign_per_second"] = rates[0]
        result["openssl_rsa2048_sign_ms"] = 1000 / rates[0]
        result["load_after"] = load_note()
    finally:
        bench.close()
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
    return result


def server_floor(
    directory: Path, workers: int, threads: int, requests_count: int = 2000
) -> dict[str, float]:
    """CPU ms per request of the empty apps of :mod:`bench.floor_app` under the roles' gunicorn.

    The same workers and threads as the roles, a kept-alive connection from ``requests`` as the
    benchmark's browsers use, a small form POST like most broker requests; CPU from the
    server processes' own accounting, after 200 warm-up requests.
    """
    result: dict[str, float] = {}
    apps = (("gunicorn", "bench.floor_app:raw"), ("flask", "bench.floor_app:flask_app"))
    for name, target in apps:
        (port,) = free_ports(1)
        server = gunicorn(
            f"floor-{name}", sys.executable, "bench.wsgi_role:app", port, directory / "logs",
            workers=workers, threads=threads,
            env={"BENCH_ROLE": f"floor-{name}", "BENCH_APP": target},
            cwd=Path(__file__).resolve().parent.parent,
        )
        try:
            url = f"http://127.0.0.1:{port}/floor"
            wait_http(url, server.process)
            with requests.Session() as session:
                for _ in range(200):
                    session.post(url, data={"SAMLart": "x" * 44, "RelayState": "r"}, timeout=10)
                before = server.cpu()
                for _ in range(requests_count):
                    session.post(url, data={"SAMLart": "x" * 44, "RelayState": "r"}, timeout=10)
                result[name] = (server.cpu() - before) * 1000 / requests_count
        finally:
            server.stop()
    return result


def leak_check(bench: Bench, logins: int, concurrency: int) -> dict[str, Any]:
    """Worker VmRSS before and after ``logins`` single sign-on logins (after a warm-up)."""
    login = sso_login(bench, concurrency)
    # Warm-up first (every thread's first login is a full one): a tenth of the run, at most 200.
    warm = max(concurrency * 2, min(200, logins // 10))
    run_phase("leak-warm", bench.servers, None, warm, concurrency, login)
    before = {role: bench.servers[role].worker_memory() for role in ("broker", "idp")}
    phase = run_phase("leak", bench.servers, None, logins, concurrency, login)
    after = {role: bench.servers[role].worker_memory() for role in ("broker", "idp")}
    return {
        "logins": phase.logins,
        "errors": phase.errors,
        "first_error": phase.first_error,
        "logins_per_second": phase.per_second,
        "cpu_ms_per_login": phase.cpu_ms,
        "rss_kib": {
            role: {
                str(pid): (before[role][pid].get("VmRSS", 0), after[role].get(pid, {}).get(
                    "VmRSS", 0))
                for pid in before[role]
            }
            for role in before
        },
    }


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.login", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logins", type=int, default=60, help="logins per concurrency level")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated (default 1,8)")
    parser.add_argument("--workers", default="2", help="gunicorn workers per role, e.g. 1,2")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--warmup", type=int, default=4, help="logins before measuring")
    parser.add_argument("--people", type=int, default=64, help="benchmark users (at least)")
    parser.add_argument("--sso", type=int, default=0, help="also time N single sign-on logins")
    parser.add_argument("--leak", type=int, default=0, help="leak check: N SSO logins")
    parser.add_argument("--profile", type=int, default=0, help="profile the broker for N logins")
    parser.add_argument("--openssl-seconds", type=int, default=3, help="openssl speed -seconds")
    parser.add_argument("--argon2-rounds", type=int, default=5, help="argon2id verifications")
    parser.add_argument("--no-count", action="store_true", help="do not count RSA operations")
    parser.add_argument("--dir", default=None, help="work here and keep it (default: temp dir)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result = run(args)
    print(summarise(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
