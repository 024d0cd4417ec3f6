"""``makelaar keys schedule`` and ``keys status`` for a scheduled activation, and the gauges
behind the key alerts (docker/k8s/alerts.yaml)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from keys.devpki import DevCa
from keys.devpki import issue
from keys.devpki import write_ring
from keys.ring import KeyRing
from keys.ring import load_ring
from makelaar.commands.keys import _schedule
from makelaar.commands.keys import _status
from web import metrics
from web.ops import keys_check
from web.ops import run_checks

T = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
NOW = FixedClock(T - timedelta(days=3))


def schedule_args(directory: Path, at: str | None, *, clear: bool = False,
                  slot: str = "signing") -> argparse.Namespace:
    return argparse.Namespace(directory=directory, role="hm", slot=slot, at=at, clear=clear)


@pytest.fixture()
def key_dir(tmp_path: Path, rings: dict[str, KeyRing]) -> Path:
    write_ring(tmp_path, "hm", rings["hm"])
    return tmp_path


def test_schedule_writes_the_activation_that_the_ring_and_status_then_show(
    key_dir: Path, rings: dict[str, KeyRing], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _schedule(schedule_args(key_dir, "2026-11-02T09:30:00Z"), NOW) == 0
    out = capsys.readouterr().out
    next_name = rings["hm"].signing_next.key_name  # type: ignore[union-attr]
    assert f"hm-signing-next ({next_name}) takes over at 2026-11-02T09:30:00Z" in out
    assert load_ring(key_dir, "hm").signing_next_activation == T

    status = argparse.Namespace(directory=key_dir, warn_days=1)
    assert _status(status, NOW) == 0
    assert "hm-signing-next takes over at 2026-11-02T09:30:00Z (in 3.0 days)" in \
        capsys.readouterr().out
    assert _status(status, FixedClock(T + timedelta(days=1))) == 0
    assert "hm-signing-next in use since 2026-11-02T09:30:00Z" in capsys.readouterr().out

    assert _schedule(schedule_args(key_dir, None, clear=True), NOW) == 0
    assert "schedule removed" in capsys.readouterr().out
    assert load_ring(key_dir, "hm").signing_next_activation is None


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2026-10-01T00:00:00Z", "is not in the future"),
        ("2026-11-02T09:30:00", "has no offset"),
        ("next week", "not an ISO-8601 instant"),
        ("2031-01-01T00:00:00Z", "not valid at its activation instant"),
    ],
    ids=["past", "no-offset", "not-an-instant", "after-the-certificate"],
)
def test_schedule_refuses_what_the_ring_could_not_load_and_changes_nothing(
    key_dir: Path, at: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in key_dir.iterdir())
    assert _schedule(schedule_args(key_dir, at), NOW) == 2
    assert message in capsys.readouterr().out
    assert sorted(p.name for p in key_dir.iterdir()) == before


def test_schedule_refuses_a_slot_without_next_key(
    tmp_path: Path, rings: dict[str, KeyRing], capsys: pytest.CaptureFixture[str]
) -> None:
    write_ring(tmp_path, "hm", replace(rings["hm"], encryption_next=None))
    assert _schedule(schedule_args(tmp_path, "2026-11-02T09:30:00Z", slot="encryption"),
                     NOW) == 2
    assert "no next key" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.activation"))


def test_status_stops_on_a_broken_activation_file(
    key_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (key_dir / "hm-signing-next.activation").write_text("soon")
    assert _status(argparse.Namespace(directory=key_dir, warn_days=1), NOW) == 2
    assert "hm-signing-next.activation" in capsys.readouterr().out


def _gauge(gauge: object, **labels: str) -> float:
    value: float = gauge.labels(**labels)._value.get()  # type: ignore[attr-defined]
    return value


def test_keys_check_exports_the_schedule_and_the_key_in_use(rings: dict[str, KeyRing]) -> None:
    on_disk = replace(rings["hm"], signing_next_activation=T)
    assert on_disk.signing_next is not None
    current, upcoming = on_disk.signing.key_name[:16], on_disk.signing_next.key_name[:16]
    after = FixedClock(T + timedelta(minutes=10))

    # A process that loaded the schedule switched: the new key is the one in use.
    assert run_checks([keys_check(lambda: on_disk, live=lambda: on_disk.at(after.now()),
                                  clock=after)]) == {"keys": True}
    assert _gauge(metrics.KEY_ACTIVATION, use="signing", key_name=upcoming) == T.timestamp()
    assert _gauge(metrics.KEY_IN_USE, use="signing", key_name=upcoming) == 1
    assert _gauge(metrics.KEY_IN_USE, use="signing", key_name=current) == 0

    # A process started before the schedule was written still signs with the old key: the
    # activation is past and the new key unused, which is what MakelaarKeyActivationMissed reads.
    stale = rings["hm"]
    assert run_checks([keys_check(lambda: on_disk, live=lambda: stale, clock=after)]) == {
        "keys": True}
    assert _gauge(metrics.KEY_IN_USE, use="signing", key_name=upcoming) == 0
    assert _gauge(metrics.KEY_IN_USE, use="signing", key_name=current) == 1


def test_readiness_judges_the_keys_in_use_after_the_switch(
    rings: dict[str, KeyRing], dev_ca: DevCa
) -> None:
    old = rings["hm"]
    end = min(old.signing.not_after, old.encryption.not_after)
    # Next keys issued later, so they outlive the current ones; they take over 30 days early.
    issued = end - timedelta(days=60)
    ring = replace(
        old,
        signing_next=issue(dev_ca, "Makelaar HM TEST signing later", usage="signing",
                           now=issued),
        encryption_next=issue(dev_ca, "Makelaar HM TEST encryption later", usage="encryption",
                              now=issued),
        signing_next_activation=end - timedelta(days=30),
        encryption_next_activation=end - timedelta(days=30),
    )
    past_the_old_end = FixedClock(end + timedelta(hours=1))
    assert run_checks([keys_check(lambda: ring, clock=past_the_old_end)]) == {"keys": True}
    # Without the schedule the same moment means expired keys in use: not ready.
    assert run_checks([keys_check(lambda: old, clock=past_the_old_end)]) == {"keys": False}
