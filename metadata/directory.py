"""The peer directory the exchange layer needs, over the metadata registry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from etoegang.errors import UnknownEndpoint
from keys.ring import PeerCertificate
from metadata.model import Binding
from metadata.model import Endpoint
from metadata.registry import MetadataRegistry


def _pick_soap(endpoints: tuple[Endpoint, ...]) -> Endpoint | None:
    soap = [e for e in endpoints if e.binding is Binding.SOAP]
    if not soap:
        return None
    for endpoint in soap:
        if endpoint.is_default:
            return endpoint
    return min(soap, key=lambda e: e.index if e.index is not None else 0)


@dataclass(frozen=True, slots=True)
class RegistryDirectory:
    """:class:`etoegang.exchange.peers.PeerDirectory` backed by a :class:`MetadataRegistry`."""

    registry: MetadataRegistry

    def signing_certificates(self, entity_id: str) -> tuple[PeerCertificate, ...]:
        return self.registry.signing_certificates(entity_id)

    def encryption_certificates(self, entity_id: str) -> tuple[PeerCertificate, ...]:
        return self.registry.encryption_certificates(entity_id)

    def artifact_resolution_url(self, entity_id: str) -> str:
        entity = self.registry.get(entity_id)
        for role in entity.roles():
            endpoint = _pick_soap(role.artifact_resolution)
            if endpoint is not None:
                return endpoint.location
        raise UnknownEndpoint(
            "the peer's metadata lists no SOAP ArtifactResolutionService", debug=entity_id[:120]
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self.registry)
