"""gunicorn with the project's logger class writes JSON access lines without query strings.

A real gunicorn process serves a tiny app; a request whose query carries a SAML artifact and a
RelayState must be logged as method, path, status, bytes, duration and correlation id only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests

from tests.e2e.servers import free_ports
from web.gunicorn_logging import access_fields
from web.gunicorn_logging import role_of

ROOT = Path(__file__).resolve().parents[2]


def test_access_lines_are_json_without_query_strings(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--access-logfile", "-", "--logger-class", "web.gunicorn_logging.JsonLogger",
             "tests.ops.access_app:app"],
            cwd=ROOT, stdout=out, stderr=out,
            env={"PATH": "/usr/bin:/bin", "MAKELAAR_ROLE": "broker"},
        )
        try:
            url = f"http://127.0.0.1:{port}/broker/acs?SAMLart=AAQAAsecretartifact&RelayState=r1"
            for _ in range(100):
                try:
                    assert requests.get(url, timeout=2).status_code == 200
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            else:
                raise AssertionError("gunicorn did not start: " + log.read_text())
            deadline = time.time() + 5
            while '"request"' not in log.read_text() and time.time() < deadline:
                time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(10)
    text = log.read_text()
    assert "secretartifact" not in text and "RelayState" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["message"] == "request"]
    assert len(access) == 1, text
    entry = access[0]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/broker/acs", 200)
    assert entry["bytes"] == 2 and entry["duration_ms"] >= 0
    assert entry["correlation_id"] == "c0ffee12"
    assert entry["role"] == "broker" and entry["logger"] == "gunicorn.access"
    # gunicorn's own start-up lines are JSON too.
    assert any(line["logger"] == "gunicorn.error" for line in lines)


def test_access_fields_tolerate_a_missing_status_and_headers() -> None:
    class Bare:
        status = None
        headers = None
        sent = None

    fields = access_fields(Bare(), {"REQUEST_METHOD": "POST"}, timedelta(milliseconds=3))
    assert fields == {"method": "POST", "path": "", "status": None, "bytes": 0, "duration_ms": 3.0}


def test_role_from_the_application() -> None:
    assert role_of("broker.wsgi:app") == "broker"
    assert role_of("sp_adapters.demo.wsgi:app") == "dv"
    assert role_of("something:app") == "makelaar"
