"""What each Makelaar role needs to say in its metadata: one frozen input value per role.

:mod:`metadata.build` turns these into EntityDescriptors (spec §5.1 DV, §5.2 HM, §5.3 network
metadata for AD, MR, MR2 and EB). Endpoint URLs are derived from ``base_url`` and a per-role
path prefix, with the interface version as last path segment so that each version has an URL
of its own (spec §1: "the same URL never for two versions").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Final

from keys.ring import KeyRing
from metadata.model import Contact
from metadata.model import LocalizedText
from metadata.model import Organisation
from metadata.model import RequestedAttribute
from policies.loa import Loa

#: The interface version Makelaar speaks (spec §1).
INTERFACE_VERSION: Final = "1.13"

#: The NameIDFormats an HM lists, as observed in real HM metadata (spec §5.2).
HM_NAME_ID_FORMATS: Final[tuple[str, ...]] = (
    "urn:etoegang:1.9:EntityConcernedID:KvKnr",
    "urn:etoegang:1.9:EntityConcernedID:Pseudo",
    "urn:etoegang:1.9:EntityConcernedID:RSIN",
    "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier",
    "urn:etoegang:1.12:EntityConcernedID:BSN",
    "urn:etoegang:1.12:EntityConcernedID:PseudoID",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleInput:
    """What every role's metadata has."""

    entity_id: str
    #: Scheme and host (and optional path) the role is reached at, e.g. ``https://hm.example``.
    base_url: str
    #: Current and next keys; both are published so peers can trust the next key early.
    keys: KeyRing
    organisation: Organisation
    contacts: tuple[Contact, ...]
    interface_version: str = INTERFACE_VERSION
    #: validUntil = now + valid_for, unless ``valid_until`` is given.
    valid_for: timedelta = timedelta(days=28)
    valid_until: datetime | None = None
    cache_duration: timedelta = timedelta(hours=6)
    #: Path prefix of the role's endpoints; None uses the role's default.
    path_prefix: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HmInput(RoleInput):
    """The herkenningsmakelaar: IdP toward DVs, requester (SP) toward ADs, MRs and the EB."""

    #: Every interface version served; each gets its own endpoint URLs.
    interface_versions: tuple[str, ...] = (INTERFACE_VERSION,)
    name_id_formats: tuple[str, ...] = HM_NAME_ID_FORMATS
    assurance: Loa = Loa.EH4


@dataclass(frozen=True, slots=True, kw_only=True)
class AdInput(RoleInput):
    """An authenticatiedienst: answers the HM's AuthnRequest over Artifact; supports SLO."""

    assurance: Loa = Loa.EH4


@dataclass(frozen=True, slots=True, kw_only=True)
class MrInput(RoleInput):
    """A machtigingenregister: answers the HM's XACML query over Artifact."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Mr2Input(RoleInput):
    """The chain-authorisation register (second MR in a chain, spec §7)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EbInput(RoleInput):
    """The eIDAS-berichtenservice, which acts as AD + MR toward the HM for eIDAS-inbound."""


@dataclass(frozen=True, slots=True)
class DvService:
    """One service of a DV: an AttributeConsumingService whose index is the ServiceID index."""

    index: int
    names: tuple[LocalizedText, ...]
    descriptions: tuple[LocalizedText, ...] = ()
    #: Extra attributes from the attribute catalogue; never identifier types (spec §3.2).
    extra_attributes: tuple[RequestedAttribute, ...] = ()
    is_default: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DvInput(RoleInput):
    """A dienstverlener (spec §5.1)."""

    #: The DV's 20-digit OIN, the middle part of its ServiceIDs.
    oin: str
    services: tuple[DvService, ...]


AnyRoleInput = HmInput | AdInput | MrInput | Mr2Input | EbInput | DvInput
