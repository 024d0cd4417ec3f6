"""Everything a broker step needs, wired once by :func:`broker.app.create_app`: our entity and
keys, the network view, the state, the artifact machinery, the clock and the ID source.

One frozen value passed to the flow code instead of module globals (STYLE §6: registries are
instances built in ``create_app``; time and randomness are parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from broker.network import BrokerNetwork
from broker.state import StateRepository
from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.replay import ReplayGuard
from keys.ring import KeyRing


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Our own URLs (one per interface version, spec §1) and our ACS index in our metadata."""

    sso: str
    acs: str
    ars: str
    slo: str
    discovery: str
    acs_index: int


@dataclass(frozen=True, slots=True)
class BrokerContext:
    entity_id: str
    #: Our key ring as loaded: current and next keys with any scheduled activation.
    ring: KeyRing
    endpoints: Endpoints
    network: BrokerNetwork
    repo: StateRepository
    artifacts: ArtifactClient
    issuer: ArtifactIssuer
    service: ArtifactService
    replay: ReplayGuard
    clock: Clock
    ids: IdSource
    skew: timedelta
    request_max_age: timedelta
    session_seconds: int

    @property
    def keys(self) -> KeyRing:
        """The ring as it stands now: from a next key's activation instant on, that key signs
        (docs/operations.md "Key rollover"), in every instance at once and without a restart."""
        return self.ring.at(self.clock.now())
