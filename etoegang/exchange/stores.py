"""Adapters from the shared :class:`~etoegang.state.store.StateStore` to narrower ports."""

from __future__ import annotations

from dataclasses import dataclass

from etoegang.errors import ArtifactStoreConflict
from etoegang.state.store import StateStore


@dataclass(frozen=True, slots=True)
class StateOneTimeStore:
    """The artifact binding's one-time store on top of the shared state store.

    ``put`` never overwrites (SET NX EX) and ``take`` is GETDEL, so an artifact is resolved at
    most once even when two resolutions race on different nodes.
    """

    state: StateStore
    prefix: str = "artifact:"

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if not self.state.put_new(self.prefix + key, value, ttl_seconds):
            raise ArtifactStoreConflict("a message is already stored under this artifact")

    def take(self, key: str) -> bytes | None:
        return self.state.take(self.prefix + key)
