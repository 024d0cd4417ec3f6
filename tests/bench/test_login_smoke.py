"""The login benchmark's harness runs end to end: two logins at concurrency 1 (not timed).

Starts redis and three gunicorn servers on free ports of 127.0.0.1 like ``python -m
bench.login`` does, with the session's development keys, and checks that both logins reach
the DV, that every role's CPU was accounted and that the RSA private-key operations were
counted inside the servers. The figures themselves are not asserted: they depend on the machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import login
from keys.devpki import DevCa
from keys.ring import KeyRing

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None or shutil.which("openssl") is None,
    reason="the benchmark needs redis-server and openssl",
)


def test_two_logins_at_concurrency_one_are_measured_and_counted(
    tmp_path: Path, rings: dict[str, KeyRing], dev_ca: DevCa
) -> None:
    args = login.parser().parse_args(
        [
            "--logins", "2", "--concurrency", "1", "--workers", "1", "--threads", "2",
            "--warmup", "0", "--people", "2", "--openssl-seconds", "1", "--argon2-rounds", "1",
            "--dir", str(tmp_path / "net"),
        ]
    )
    result = login.run(args, rings=rings, ca=dev_ca)

    [run] = result["runs"]
    [phase] = run["phases"]
    assert (phase["logins"], phase["errors"]) == (2, 0), phase["first_error"]
    assert set(phase["cpu_ms_per_login"]) == {"broker", "idp", "dv"}
    assert all(value > 0 for value in phase["cpu_ms_per_login"].values())
    # The broker signs and never decrypts; the DV decrypts the identifiers meant for it.
    assert login.private_ops(phase, "broker") >= 4
    assert login.private_ops(phase, "dv") >= 2
    assert result["openssl_rsa2048_sign_ms"] > 0
    assert "CPU/floor" in login.summarise(result)
