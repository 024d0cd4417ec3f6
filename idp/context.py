"""Everything the means issuer's views need, built once at start-up and passed explicitly.

One object instead of module globals (STYLE §6): the AD, MR and MR2 blueprints read their
entity, keys, peers, catalogue, database and state store from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.replay import ReplayGuard
from etoegang.state.store import StateStore
from metadata.catalogue import ServiceCatalogue
from metadata.directory import RegistryDirectory
from metadata.registry import MetadataRegistry


@dataclass(frozen=True, slots=True)
class EntityKit:
    """One of our three SAML entities with its artifact machinery."""

    me: LocalEntity
    #: Resolves artifacts the broker sent us (its AuthnRequest or XACML query).
    client: ArtifactClient
    #: Stores our signed answers under artifacts for the broker.
    issuer: ArtifactIssuer
    #: Our ArtifactResolutionService (SOAP).
    service: ArtifactService


@dataclass(frozen=True, slots=True)
class IdpContext:
    base_url: str
    ad: EntityKit
    mr: EntityKit
    mr2: EntityKit
    registry: MetadataRegistry
    directory: RegistryDirectory
    catalogue: ServiceCatalogue
    db: sessionmaker[Session]
    state: StateStore
    replay: ReplayGuard
    clock: Clock
    ids: IdSource
    demo_mode: bool
