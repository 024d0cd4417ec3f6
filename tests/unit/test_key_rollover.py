"""Scheduled key activation in the key ring: the next key takes over at its instant, in a
process that holds the ring from before (keys.ring.KeyRing.at, keys.rollover)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from etoegang.exchange.peers import LocalEntity
from keys.devpki import write_ring
from keys.ring import KeyError_
from keys.ring import KeyRing
from keys.ring import load_ring
from keys.rollover import ActivationError
from keys.rollover import activation_path
from keys.rollover import format_activation
from keys.rollover import parse_activation
from keys.rollover import read_activation

#: The activation instant of these tests (the session certificates are valid around it).
T = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def scheduled(ring: KeyRing, *, signing: datetime | None = T,
              encryption: datetime | None = None) -> KeyRing:
    return replace(ring, signing_next_activation=signing, encryption_next_activation=encryption)


@pytest.mark.parametrize(
    ("now", "uses_next"),
    [(T - timedelta(days=1), False), (T - SECOND, False), (T, True), (T + SECOND, True),
     (T + timedelta(days=30), True)],
    ids=["a-day-before", "a-second-before", "at-the-instant", "a-second-after", "a-month-after"],
)
def test_the_ring_signs_with_the_next_key_from_its_activation_instant_on(
    rings: dict[str, KeyRing], now: datetime, uses_next: bool
) -> None:
    ring = scheduled(rings["hm"])
    assert ring.signing_next is not None
    expected = ring.signing_next if uses_next else ring.signing
    view = ring.at(now)
    assert view.signing is expected
    # Only the signing slot was scheduled: encryption stays as it was.
    assert view.encryption is ring.encryption
    assert view.encryption_next is ring.encryption_next


def test_before_the_instant_the_view_is_the_ring_itself_and_publishes_current_then_next(
    rings: dict[str, KeyRing],
) -> None:
    ring = scheduled(rings["hm"])
    view = ring.at(T - SECOND)
    assert view is ring
    assert view.published_signing() == (ring.signing, ring.signing_next)
    (pending,) = view.scheduled()
    assert (pending.use, pending.pair, pending.activation) == ("signing", ring.signing_next, T)


def test_after_the_instant_the_new_key_comes_first_and_the_replaced_one_stays_published(
    rings: dict[str, KeyRing],
) -> None:
    ring = scheduled(rings["hm"], encryption=T + timedelta(days=1))
    assert ring.signing_next is not None and ring.encryption_next is not None
    view = ring.at(T)
    assert view.published_signing() == (ring.signing_next, ring.signing)
    assert view.signing_previous is ring.signing and view.signing_next is None
    assert [s.use for s in view.scheduled()] == ["encryption"]
    assert view.at(T) == view, "a view is already resolved: resolving again changes nothing"

    later = ring.at(T + timedelta(days=2))
    assert later.encryption is ring.encryption_next
    assert later.published_encryption() == (ring.encryption_next, ring.encryption)
    assert later.scheduled() == ()
    # Both encryption keys still decrypt: a peer may have encrypted for the old one just before.
    for pair in (ring.encryption, ring.encryption_next):
        assert later.decryption_key(pair.key_name) is pair


def test_a_ring_without_schedule_never_switches(rings: dict[str, KeyRing]) -> None:
    ring = rings["hm"]
    assert ring.at(T + timedelta(days=365)) is ring


def test_an_activation_without_next_key_naive_or_outside_the_certificate_is_refused(
    rings: dict[str, KeyRing],
) -> None:
    ring = rings["hm"]
    with pytest.raises(ActivationError, match="without a next key"):
        replace(ring, signing_next=None, signing_next_activation=T)
    with pytest.raises(ActivationError, match="timezone-aware"):
        scheduled(ring, signing=T.replace(tzinfo=None))
    assert ring.signing_next is not None
    too_late = ring.signing_next.not_after + timedelta(days=1)
    with pytest.raises(ActivationError, match="not valid at its activation instant"):
        scheduled(ring, signing=too_late)


def test_a_local_entity_switches_at_the_instant_without_being_rebuilt(
    rings: dict[str, KeyRing],
) -> None:
    ring = scheduled(rings["hm"])
    clock = FixedClock(T - SECOND)
    me = LocalEntity("urn:etoegang:HM:00000003123456780000:entities:9000", ring,
                     "https://hm.example/ars", clock)
    assert me.keys.signing is ring.signing
    clock.move_to(T)
    assert me.keys.signing is ring.signing_next


def test_load_ring_reads_the_activation_file_next_to_the_key(
    tmp_path: Path, rings: dict[str, KeyRing]
) -> None:
    written = write_ring(tmp_path, "hm", scheduled(rings["hm"]))
    path = activation_path(tmp_path, "hm", "signing")
    assert path in written
    assert path.name == "hm-signing-next.activation"
    assert path.read_text() == "2026-11-02T09:30:00Z\n"
    loaded = load_ring(tmp_path, "hm")
    assert loaded.signing_next_activation == T
    assert loaded.encryption_next_activation is None
    assert loaded.at(T).signing.key_name == rings["hm"].signing_next.key_name  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content", "message"),
    [("tomorrow", "not an ISO-8601 instant"), ("2026-11-02T09:30:00", "has no offset")],
    ids=["not-an-instant", "no-offset"],
)
def test_a_bad_activation_file_stops_the_load_with_its_name(
    tmp_path: Path, rings: dict[str, KeyRing], content: str, message: str
) -> None:
    write_ring(tmp_path, "hm", rings["hm"])
    activation_path(tmp_path, "hm", "signing").write_text(content)
    with pytest.raises(KeyError_, match=message) as caught:
        load_ring(tmp_path, "hm")
    assert "hm-signing-next.activation" in str(caught.value)


def test_an_activation_left_behind_without_next_key_stops_the_load(
    tmp_path: Path, rings: dict[str, KeyRing]
) -> None:
    write_ring(tmp_path, "hm", replace(rings["hm"], signing_next=None))
    activation_path(tmp_path, "hm", "signing").write_text("2026-11-02T09:30:00Z\n")
    with pytest.raises(KeyError_, match="without a next key"):
        load_ring(tmp_path, "hm")


def test_instants_are_read_with_any_offset_and_written_in_utc() -> None:
    assert parse_activation("2026-11-02T10:30:00+01:00") == T
    assert parse_activation(" 2026-11-02T09:30:00Z\n") == T
    assert format_activation(T.astimezone(tz=None)) == "2026-11-02T09:30:00Z"
    with pytest.raises(ActivationError, match="slot must be one of"):
        activation_path(Path("."), "hm", "tls")
    # Files hold whole seconds; an instant with a fraction would be checked as one instant
    # and written as another.
    with pytest.raises(ActivationError, match="fraction of a second"):
        parse_activation("2026-11-02T09:30:00.5Z")


def test_no_activation_file_means_nothing_scheduled(tmp_path: Path) -> None:
    assert read_activation(tmp_path, "hm", "signing") is None
