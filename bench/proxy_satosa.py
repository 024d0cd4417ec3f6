"""Proxy benchmark: the same plain SAML-to-SAML login through SATOSA and through Makelaar.

``python -m bench.proxy_satosa`` needs SATOSA in a virtual environment of its own, apart from the
project's (``bench/.venv-satosa``, git-ignored)::

    python3 -m venv bench/.venv-satosa && bench/.venv-satosa/bin/pip install satosa gunicorn

One login is: the test SP (:mod:`bench.peers.saml_peers`, pysaml2, in this process) makes a
signed AuthnRequest and POSTs it to the proxy; the proxy answers with a POST form carrying its
own signed AuthnRequest for the test IdP (in this process too), which checks it and answers with
a Response whose Assertion is signed; that is POSTed to the proxy's ACS, and the proxy's answer,
a POST form with a Response carrying an Assertion it signed, is checked by the SP. Both proxies
get the same peers, keys, requests and answers, and both run under gunicorn with the same
workers and threads. Three proxies are measured in one run:

- ``satosa``: SATOSA's SAML2 frontend and SAML2 backend as installed (pysaml2 calls the
  ``xmlsec1`` program for every signature and every verification);
- ``satosa-best``: the same with ``SSL_CERT_FILE=/dev/null`` in its environment, so that each
  ``xmlsec1`` run skips loading the system CA bundle;
- ``makelaar``: :mod:`bench.proxy_makelaar`, the thin plain proxy on the protocol core.

A proxy's CPU per login is read from its own processes' accounting: ``utime + stime`` of the
gunicorn master and workers plus ``cutime + cstime``, the CPU of the children they waited for
(SATOSA's ``xmlsec1`` runs), before and after; the peers' work is this process's, never counted.
``--leak N`` then runs N more logins through the Makelaar proxy and reports its workers' VmRSS.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

from bench.peers.saml_peers import IDP_SSO
from bench.peers.saml_peers import PROXY_SSO_PATH
from bench.peers.saml_peers import SP_ACS
from bench.peers.saml_peers import PeerFiles
from bench.peers.saml_peers import TestIdp
from bench.peers.saml_peers import TestSp
from bench.peers.saml_peers import proxy_idp_config
from bench.peers.saml_peers import proxy_sp_config
from bench.peers.saml_peers import write_files
from bench.procs import Server
from bench.procs import free_ports
from bench.procs import gunicorn
from bench.procs import memory_kib
from bench.procs import wait_http
from makelaar.walkthrough import parse_page

ROOT = Path(__file__).resolve().parent.parent
SATOSA_VENV = ROOT / "bench" / ".venv-satosa"
PROXIES = ("satosa", "satosa-best", "makelaar")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_with_children(pid: int) -> float:
    """utime + stime + cutime + cstime of ``pid`` in seconds (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS


def proxy_cpu(server: Server) -> float:
    return sum(cpu_with_children(pid) for pid in server.pids())


# --- SATOSA's configuration ---------------------------------------------------------------------


def write_satosa_config(directory: Path, files: PeerFiles) -> Path:
    """proxy_conf.yaml with a SAML2 frontend and a SAML2 backend for the benchmark's peers."""
    directory.mkdir(parents=True, exist_ok=True)
    internal = {
        "attributes": {
            "uid": {"saml": ["uid"]},
            "mail": {"saml": ["mail"]},
            "givenname": {"saml": ["givenName"]},
            "surname": {"saml": ["sn"]},
            "displayname": {"saml": ["displayName"]},
        }
    }
    idp_config = proxy_idp_config(files)
    idp_config["service"]["idp"]["endpoints"] = {"single_sign_on_service": []}
    frontend = {
        "module": "satosa.frontends.saml2.SAMLFrontend",
        "name": "Saml2IDP",
        "config": {
            "endpoints": {
                "single_sign_on_service": {
                    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST": "sso/post"
                }
            },
            "entityid_endpoint": False,
            "enable_metadata_reload": False,
            "idp_config": idp_config,
        },
    }
    sp_config = proxy_sp_config(files)
    # SATOSA's backend keeps the IDs of its outstanding AuthnRequests in process memory, so with
    # more than one worker the IdP's answer often reaches a worker that never sent the request;
    # SATOSA's example configuration therefore allows "unsolicited" responses and ties the
    # answer to the login through its state cookie.
    sp_config["service"]["sp"]["allow_unsolicited"] = True
    backend = {
        "module": "satosa.backends.saml2.SAMLBackend",
        "name": "Saml2",
        "config": {
            "entityid_endpoint": False,
            "mirror_force_authn": False,
            "memorize_idp": False,
            "use_memorized_idp_when_force_authn": False,
            "send_requester_id": False,
            "enable_metadata_reload": False,
            "sp_config": sp_config,
        },
    }
    for name, data in (
        ("internal_attributes.yaml", internal),
        ("saml2_frontend.yaml", frontend),
        ("saml2_backend.yaml", backend),
    ):
        (directory / name).write_text(yaml.safe_dump(data, sort_keys=False))
    proxy = {
        "BASE": files.proxy_url,
        "COOKIE_STATE_NAME": "SATOSA_STATE",
        "CONTEXT_STATE_DELETE": True,
        # Plain HTTP on the loopback: a Secure cookie would never come back.
        "COOKIE_SECURE": False,
        "STATE_ENCRYPTION_KEY": secrets.token_hex(16),
        "INTERNAL_ATTRIBUTES": str(directory / "internal_attributes.yaml"),
        "BACKEND_MODULES": [str(directory / "saml2_backend.yaml")],
        "FRONTEND_MODULES": [str(directory / "saml2_frontend.yaml")],
        "MICRO_SERVICES": [],
        # Warnings only, on stderr: less logging work than SATOSA's example (DEBUG) does.
        "LOGGING": {
            "version": 1,
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
            },
            "root": {"level": "WARNING", "handlers": ["stderr"]},
        },
    }
    conf = directory / "proxy_conf.yaml"
    conf.write_text(yaml.safe_dump(proxy, sort_keys=False))
    return conf


# --- one login ----------------------------------------------------------------------------------


def _hidden(html: str, url: str) -> tuple[str, dict[str, str]]:
    page = parse_page(url, 200, html)
    form = page.form_with(lambda f: f.is_saml_post())
    if form is None:
        raise RuntimeError(f"no SAML POST form at {url}: {page.text[:300]}")
    return form.action, {c.name: c.value for c in form.controls if c.kind == "hidden"}


def one_login(proxy_url: str, sp: TestSp, idp: TestIdp) -> None:
    """A complete login through the proxy at ``proxy_url`` (raises when any check fails)."""
    with requests.Session() as browser:
        request_id, fields = sp.request()
        answer = browser.post(proxy_url + PROXY_SSO_PATH, data=fields, timeout=60)
        if answer.status_code != 200:
            raise RuntimeError(f"proxy SSO answered {answer.status_code}: {answer.text[:300]}")
        action, fields = _hidden(answer.text, answer.url)
        if action != IDP_SSO:
            raise RuntimeError(f"proxy sent the user to {action}, not the IdP")
        acs_url, fields = idp.answer(fields["SAMLRequest"], fields.get("RelayState", ""))
        answer = browser.post(acs_url, data=fields, timeout=60)
        if answer.status_code != 200:
            raise RuntimeError(f"proxy ACS answered {answer.status_code}: {answer.text[:300]}")
        action, fields = _hidden(answer.text, answer.url)
        if action != SP_ACS:
            raise RuntimeError(f"proxy sent the user to {action}, not the SP")
        identity = sp.accept(fields["SAMLResponse"], request_id)
        if not identity:
            raise RuntimeError("the SP received no attributes")


@dataclass
class Measured:
    proxy: str
    logins: int
    errors: int
    seconds: float
    cpu_ms_per_login: float
    first_error: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "proxy": self.proxy,
            "logins": self.logins,
            "errors": self.errors,
            "seconds": self.seconds,
            "logins_per_second": self.logins / self.seconds if self.seconds else 0.0,
            "cpu_ms_per_login": self.cpu_ms_per_login,
            "first_error": self.first_error,
        }


def drive(
    name: str, server: Server, files: PeerFiles, logins: int, concurrency: int
) -> Measured:
    """``logins`` logins on ``concurrency`` threads (peers per thread), the proxy's CPU."""
    counter = iter(range(logins))
    lock = threading.Lock()
    done: list[int] = []
    errors: list[str] = []
    peers = [(TestSp(files), TestIdp(files)) for _ in range(concurrency)]

    def worker(thread: int) -> None:
        sp, idp = peers[thread]
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            try:
                one_login(server.url, sp, idp)
            except Exception as exc:  # noqa: BLE001 (counted and reported)
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                done.append(1)

    before = proxy_cpu(server)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    cpu = proxy_cpu(server) - before
    count = len(done)
    return Measured(
        name, count, len(errors), seconds, cpu * 1000 / max(count, 1), errors[0] if errors else ""
    )


# --- the run ------------------------------------------------------------------------------------


def start_proxy(
    name: str,
    directory: Path,
    port: int,
    keys_dir: Path,
    workers: int,
    threads: int,
    worker_class: str = "sync",
) -> tuple[Server, PeerFiles]:
    url = f"http://127.0.0.1:{port}"
    files = write_files(directory / name, url, keys_dir)
    logs = directory / "logs"
    if name.startswith("satosa"):
        conf = write_satosa_config(directory / name / "satosa", files)
        env = {"SATOSA_CONFIG": str(conf)}
        if name == "satosa-best":
            env["SSL_CERT_FILE"] = "/dev/null"
        python = str(SATOSA_VENV / "bin" / "python")
        server = gunicorn(name, python, "satosa.wsgi:app", port, logs, workers=workers,
                          threads=threads, env=env, cwd=directory / name,
                          worker_class=worker_class,
                          drop_env=() if name == "satosa-best" else ("SSL_CERT_FILE",))
        ready = url + "/ping"  # unrouted: SATOSA answers 4xx once it is up
    else:
        (directory / name / "proxy.secret").write_bytes(secrets.token_bytes(32))
        env = {
            "BENCH_ROLE": "proxy",
            "BENCH_APP": "bench.proxy_makelaar:app",
            "BENCH_PROXY_DIR": str(directory / name),
            "BENCH_PROXY_URL": url,
            "BENCH_PROXY_KEYS": str(keys_dir),
        }
        server = gunicorn(name, sys.executable, "bench.wsgi_role:app", port, logs,
                          workers=workers, threads=threads, env=env, cwd=ROOT,
                          worker_class=worker_class)
        ready = url + "/"
    try:
        wait_http(ready, server.process)
    except RuntimeError as exc:
        server.stop()
        raise RuntimeError(f"{name}: {exc} (see {server.log})") from None
    return server, files


def run(args: argparse.Namespace) -> dict[str, Any]:
    # The peers (this process) call xmlsec1 too: let them skip the CA bundle, it is not what is
    # measured. SATOSA as installed is started without this variable (drop_env above).
    os.environ["SSL_CERT_FILE"] = "/dev/null"
    if not (SATOSA_VENV / "bin" / "python").exists() and not args.only_makelaar:
        raise SystemExit(f"SATOSA is not installed in {SATOSA_VENV} (see this module's help)")
    keep = args.dir is not None
    directory = Path(args.dir) if keep else Path(tempfile.mkdtemp(prefix="makelaar-proxy-"))
    keys_dir = directory / "keys"
    proxies = ("makelaar",) if args.only_makelaar else PROXIES
    ports = dict(zip(proxies, free_ports(len(proxies)), strict=True))
    one, five, fifteen = os.getloadavg()
    result: dict[str, Any] = {
        "load_before": f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs",
        "settings": vars(args) | {"directory": str(directory)},
        "proxies": {},
    }
    try:
        for name in proxies:
            server, files = start_proxy(name, directory, ports[name], keys_dir,
                                        args.workers, args.threads, args.worker_class)
            try:
                warm = drive(name, server, files, args.warmup, 1)
                if warm.errors and not warm.logins:
                    raise RuntimeError(f"{name} warm-up failed: {warm.first_error}")
                phases = [
                    drive(name, server, files, args.logins, concurrency).as_dict()
                    | {"concurrency": concurrency}
                    for concurrency in (int(c) for c in args.concurrency.split(","))
                ]
                result["proxies"][name] = phases
                for phase in phases:
                    print(f"  {name} c={phase['concurrency']}: {phase['cpu_ms_per_login']:.1f} "
                          f"CPU ms/login, {phase['logins_per_second']:.1f}/s", file=sys.stderr)
                if name == "makelaar" and args.leak:
                    result["leak"] = leak(server, files, args.leak, args.leak_concurrency)
            finally:
                server.stop()
        one, five, fifteen = os.getloadavg()
        result["load_after"] = f"{one:.2f} {five:.2f} {fifteen:.2f}"
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
    return result


def leak(server: Server, files: PeerFiles, logins: int, concurrency: int) -> dict[str, Any]:
    # Warm-up first (caches, pools, lazily built objects): a tenth of the run, at most 100.
    drive("makelaar", server, files, max(concurrency, min(100, logins // 10)), concurrency)
    before = {pid: memory_kib(pid).get("VmRSS", 0) for pid in server.workers()}
    phase = drive("makelaar", server, files, logins, concurrency)
    after = {pid: memory_kib(pid).get("VmRSS", 0) for pid in server.workers()}
    return phase.as_dict() | {
        "rss_kib": {str(pid): [before[pid], after.get(pid, 0)] for pid in before}
    }


def summarise(result: dict[str, Any]) -> str:
    lines = [f"Proxy benchmark (load {result['load_before']} before, "
             f"{result.get('load_after', '?')} after)"]
    best: dict[int, float] = {}
    for name, phases in result["proxies"].items():
        for phase in phases:
            lines.append(
                f"{name:<12} c={phase['concurrency']:<2} {phase['logins']:>5} logins "
                f"({phase['errors']} errors) {phase['logins_per_second']:6.2f}/s  proxy CPU "
                f"{phase['cpu_ms_per_login']:7.2f} ms/login"
            )
            if phase["first_error"]:
                lines.append(f"    first error: {phase['first_error'][:300]}")
            if name == "satosa-best":
                best[phase["concurrency"]] = phase["cpu_ms_per_login"]
    for phase in result["proxies"].get("makelaar", []):
        reference = best.get(phase["concurrency"])
        if reference:
            lines.append(
                f"Makelaar / SATOSA (best setting) proxy CPU per login at c="
                f"{phase['concurrency']}: {phase['cpu_ms_per_login'] / reference:.3f} "
                f"(1/{reference / phase['cpu_ms_per_login']:.1f}; target <= 1/20)"
            )
    leak_result = result.get("leak")
    if leak_result:
        lines.append(f"Leak check: {leak_result['logins']} logins through the Makelaar proxy "
                     f"({leak_result['errors']} errors)")
        for pid, (before, after) in leak_result["rss_kib"].items():
            growth = (after - before) / before if before else 0.0
            lines.append(f"    worker {pid}: VmRSS {before / 1024:.1f} -> {after / 1024:.1f} MiB "
                         f"({growth:+.1%})")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.proxy_satosa", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logins", type=int, default=100, help="logins per concurrency level")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated (default 1,8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per proxy")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"),
                        help="gunicorn worker class for both proxies (default sync)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--warmup", type=int, default=5, help="logins before measuring")
    parser.add_argument("--leak", type=int, default=0, help="leak check: N Makelaar logins")
    parser.add_argument("--leak-concurrency", type=int, default=4)
    parser.add_argument("--only-makelaar", action="store_true", help="skip SATOSA")
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
