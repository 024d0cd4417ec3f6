"""The one-time store contract (atomic take, no overwrite) and the in-memory store's expiry.

Every OneTimeStore implementation must pass ``CONTRACT``: add its factory to ``FACTORIES`` (the
Redis store adds itself in its own test module by importing ``CONTRACT`` and ``check``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from etoegang.bindings.artifact import InMemoryOneTimeStore
from etoegang.bindings.artifact import OneTimeStore
from etoegang.clock import FixedClock
from etoegang.errors import ArtifactStoreConflict
from tests.conftest import GOLDEN_INSTANT


def _put_then_take_returns_the_value_once(store: OneTimeStore) -> None:
    store.put("k1", b"message", 60)
    assert store.take("k1") == b"message"
    assert store.take("k1") is None


def _unknown_key_takes_none(store: OneTimeStore) -> None:
    assert store.take("never-stored") is None


def _put_on_existing_key_is_refused(store: OneTimeStore) -> None:
    store.put("k2", b"first", 60)
    with pytest.raises(ArtifactStoreConflict):
        store.put("k2", b"second", 60)
    assert store.take("k2") == b"first"


def _concurrent_takes_have_exactly_one_winner(store: OneTimeStore) -> None:
    store.put("k3", b"only-once", 60)
    barrier = threading.Barrier(8)
    results: list[bytes | None] = []
    lock = threading.Lock()

    def take() -> None:
        barrier.wait()
        value = store.take("k3")
        with lock:
            results.append(value)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=lambda v: v is None) == [b"only-once"] + [None] * 7


def _keys_are_independent(store: OneTimeStore) -> None:
    store.put("a", b"1", 60)
    store.put("b", b"2", 60)
    assert store.take("b") == b"2"
    assert store.take("a") == b"1"


CONTRACT: tuple[Callable[[OneTimeStore], None], ...] = (
    _put_then_take_returns_the_value_once,
    _unknown_key_takes_none,
    _put_on_existing_key_is_refused,
    _concurrent_takes_have_exactly_one_winner,
    _keys_are_independent,
)

FACTORIES: dict[str, Callable[[], OneTimeStore]] = {
    "in-memory": lambda: InMemoryOneTimeStore(FixedClock(GOLDEN_INSTANT)),
}


def check(factory: Callable[[], OneTimeStore], rule: Callable[[OneTimeStore], None]) -> None:
    """Run one contract rule against a fresh store; reusable by other implementations' tests."""
    rule(factory())


@pytest.mark.parametrize("rule", CONTRACT, ids=[rule.__name__.strip("_") for rule in CONTRACT])
@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_one_time_store_contract(name: str, rule: Callable[[OneTimeStore], None]) -> None:
    check(FACTORIES[name], rule)


def test_in_memory_entries_expire_with_the_injected_clock(clock: FixedClock) -> None:
    store = InMemoryOneTimeStore(clock)
    store.put("early", b"x", 60)
    store.put("late", b"y", 60)
    clock.move_to(GOLDEN_INSTANT + timedelta(seconds=59))
    assert store.take("early") == b"x"
    clock.move_to(GOLDEN_INSTANT + timedelta(seconds=60))
    assert store.take("late") is None


def test_in_memory_expired_key_may_be_stored_again(clock: FixedClock) -> None:
    store = InMemoryOneTimeStore(clock)
    store.put("k", b"old", 10)
    clock.move_to(GOLDEN_INSTANT + timedelta(seconds=11))
    store.put("k", b"new", 10)
    assert store.take("k") == b"new"


def test_in_memory_refuses_a_non_positive_ttl(clock: FixedClock) -> None:
    with pytest.raises(ValueError):
        InMemoryOneTimeStore(clock).put("k", b"v", 0)
