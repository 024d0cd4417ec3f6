"""The DV's OIDC client signs its private_key_jwt with the key in use: the next one from its
scheduled activation on, without a restart (its registration at the broker lists both)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from etoegang.clock import FixedClock
from etoegang.state.memory import InMemoryStateStore
from keys.ring import KeyRing
from sp_adapters.oidc_client import EHerkenningOidc

T = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_the_client_key_follows_the_activation_instant(rings: dict[str, KeyRing]) -> None:
    ring = replace(rings["dv"], signing_next_activation=T)
    assert ring.signing_next is not None
    clock = FixedClock(T - timedelta(seconds=1))
    client = EHerkenningOidc(
        issuer="https://broker.example/oidc", base_url="https://dv.example",
        client_ids={1: "urn:etoegang:DV:00000001234567890000:services:1"}, keys=ring,
        state=InMemoryStateStore(clock), secret=b"s" * 32, clock=clock,
    )
    before = client.client_key()
    assert before.kid == ring.signing.key_name
    assert client.client_key() is before  # made once per key
    clock.move_to(T)
    assert client.client_key().kid == ring.signing_next.key_name
    clock.move_to(T + timedelta(days=1))
    assert client.client_key().kid == ring.signing_next.key_name
