"""``makelaar keys status DIR``: KeyName, not-after and days left per certificate; exit 1 when
one expires within the warning window."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from keys.ring import KeyRing
from keys.ring import write_certificate
from makelaar.cli import main
from makelaar.commands.keys import _status
from makelaar.commands.keys import certificate_statuses


@pytest.fixture()
def key_dir(tmp_path: Path, rings: dict[str, KeyRing]) -> Path:
    write_certificate(tmp_path / "hm-signing.crt", rings["hm"].signing.certificate)
    write_certificate(tmp_path / "hm-encryption.crt", rings["hm"].encryption.certificate)
    return tmp_path


def test_status_lists_keyname_not_after_and_days(
    key_dir: Path, rings: dict[str, KeyRing], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "status", str(key_dir), "--warn-days", "1"]) == 0
    out = capsys.readouterr().out
    assert rings["hm"].signing.key_name in out
    assert rings["hm"].signing.not_after.strftime("%Y-%m-%dT%H:%M:%SZ") in out
    assert "hm-encryption.crt" in out


def test_status_exits_1_within_the_warning_window(
    key_dir: Path, rings: dict[str, KeyRing], capsys: pytest.CaptureFixture[str]
) -> None:
    not_after = rings["hm"].signing.not_after
    clock = FixedClock(not_after - timedelta(days=10))
    statuses = certificate_statuses(key_dir, clock)
    assert {round(s.days_left) for s in statuses if s.file == "hm-signing.crt"} == {10}
    args = argparse.Namespace(directory=key_dir, warn_days=30)
    assert _status(args, clock) == 1
    assert "RENEW" in capsys.readouterr().out
    assert _status(argparse.Namespace(directory=key_dir, warn_days=5), clock) == 0
    expired = FixedClock(not_after + timedelta(days=1))
    assert _status(args, expired) == 1
    assert "EXPIRED" in capsys.readouterr().out


def test_status_of_a_directory_without_certificates_is_an_error(tmp_path: Path) -> None:
    assert main(["keys", "status", str(tmp_path)]) == 2
