"""An in-memory register of loaded metadata: entityID -> :class:`EntityMetadata`.

Roles look up a peer's certificates and endpoints here; only metadata that
:func:`metadata.trust.load_metadata` accepted goes in. Refresh scheduling is not done here: a
caller reads ``refresh_after`` and calls :meth:`MetadataRegistry.replace` with fresh metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime

from etoegang.errors import MetadataError
from etoegang.errors import MetadataMissingKeys
from etoegang.errors import UnknownEntity
from keys.ring import PeerCertificate
from metadata.model import EntityMetadata


class MetadataRegistry:
    """Entities by entityID. Replacing an entry is a single dict assignment, so readers in
    other threads see either the old or the new metadata, never a mix."""

    def __init__(self, entities: Iterable[EntityMetadata] = ()) -> None:
        self._entities: dict[str, EntityMetadata] = {}
        for entity in entities:
            self.add(entity)

    def add(self, entity: EntityMetadata) -> None:
        """Register a new entity; an entityID registered already is refused."""
        if entity.entity_id in self._entities:
            raise MetadataError("entity registered twice", debug=entity.entity_id[:120])
        self._entities[entity.entity_id] = entity

    def replace(self, entity: EntityMetadata) -> None:
        """Register or replace an entity (metadata refresh)."""
        self._entities[entity.entity_id] = entity

    def remove(self, entity_id: str) -> None:
        self._entities.pop(entity_id, None)

    def get(self, entity_id: str) -> EntityMetadata:
        try:
            return self._entities[entity_id]
        except KeyError:
            raise UnknownEntity("no metadata registered for this entity",
                                debug=entity_id[:120]) from None

    def signing_certificates(self, entity_id: str) -> tuple[PeerCertificate, ...]:
        """Every signing certificate of the entity, for :class:`VerifyPolicy.trusted`."""
        found = self.get(entity_id).signing_certificates()
        if not found:
            raise MetadataMissingKeys("no signing certificate registered", debug=entity_id[:120])
        return found

    def encryption_certificates(self, entity_id: str) -> tuple[PeerCertificate, ...]:
        found = self.get(entity_id).encryption_certificates()
        if not found:
            raise MetadataMissingKeys(
                "no encryption certificate registered", debug=entity_id[:120]
            )
        return found

    def encryption_certificate(self, entity_id: str, now: datetime) -> PeerCertificate:
        """The one certificate to encrypt for at ``now``: during a rollover the entity's
        announced activation decides (:func:`metadata.model.active_certificate`)."""
        self.encryption_certificates(entity_id)  # raises when there is none
        return self.get(entity_id).encryption_certificate(now)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._entities

    def __len__(self) -> int:
        return len(self._entities)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._entities))
