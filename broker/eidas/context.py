"""Everything the eIDAS faces need, wired once by :mod:`broker.eidas.wiring`: settings, our
eIDAS key ring, the registered nodes and connectors (each from signed metadata, in registries of
their own, so an eIDAS peer can never pass for an eHerkenning DV or AD), our endpoints, and the
per-login records."""

from __future__ import annotations

from dataclasses import dataclass

from broker.eidas.records import RecordStore
from broker.eidas.settings import EidasSettings
from etoegang.clock import Clock
from keys.ring import KeyRing
from metadata.registry import MetadataRegistry


@dataclass(frozen=True, slots=True)
class EidasEndpoints:
    #: The connector's AssertionConsumerService (POST) for node answers.
    acs: str
    #: The proxy service's SingleSignOnService (POST) for foreign connectors.
    proxy_sso: str


@dataclass(frozen=True, slots=True)
class EidasContext:
    settings: EidasSettings
    #: Our eIDAS key ring as loaded, with any scheduled activation of its next keys.
    ring: KeyRing
    nodes: MetadataRegistry
    connectors: MetadataRegistry
    endpoints: EidasEndpoints
    records: RecordStore
    pseudonym_secret: bytes
    clock: Clock

    @property
    def keys(self) -> KeyRing:
        """The eIDAS ring as it stands now (:meth:`keys.ring.KeyRing.at`)."""
        return self.ring.at(self.clock.now())
