"""Who we are and whom we know: the local entity and the port through which a role looks up a
peer's registered keys and endpoints (implemented over :mod:`metadata.registry`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Protocol

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from keys.ring import KeyRing
from keys.ring import PeerCertificate


@dataclass(frozen=True, slots=True)
class LocalEntity:
    """One of our own SAML entities (a role can host several: AD, MR and MR2)."""

    entity_id: str
    #: Our key ring as loaded: current and next keys with any scheduled activation.
    ring: KeyRing
    #: The URL of our ArtifactResolutionService (the Destination peers put in ArtifactResolve).
    artifact_resolution_url: str
    #: The clock that decides which key is in use (a scheduled next key takes over by it).
    clock: Clock = field(default_factory=SystemClock)

    @property
    def keys(self) -> KeyRing:
        """The ring as it stands now (:meth:`keys.ring.KeyRing.at`)."""
        return self.ring.at(self.clock.now())


class PeerDirectory(Protocol):
    """Registered peers. Every key used to verify a peer's message comes from here."""

    def signing_certificates(self, entity_id: str) -> tuple[PeerCertificate, ...]:
        """The peer's signing certificates; raises a ProtocolError for an unknown peer."""
        ...

    def artifact_resolution_url(self, entity_id: str) -> str:
        """The SOAP ArtifactResolutionService of the peer; raises for an unknown peer."""
        ...

    def __iter__(self) -> Iterator[str]:
        """The entity IDs of all registered peers (to map an artifact's SourceID)."""
        ...
