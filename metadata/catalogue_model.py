"""The eHerkenning service catalogue model: its vocabularies and frozen values.

Spec: ``shared/spec/eherkenning.md`` §6 (structure), §1 (ServiceID, ServiceUUID, OIN), §2 (the
catalogue LoA is the level a service needs), §3.2 (identifying types, ECTA sets, Vestigingsnr)
and §3.4 (RequestedAttribute with PurposeStatement). Namespace
``urn:etoegang:1.13:service-catalog``. :mod:`metadata.catalogue_parse` fills these values from
a document, :mod:`metadata.catalogue_view` joins them for the broker; the public names live in
:mod:`metadata.catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from typing import Final

from etoegang.errors import CatalogueMalformed
from etoegang.xml.ns import ESC
from etoegang.xml.ns import qname
from keys.ring import PeerCertificate
from metadata.model import LocalizedText
from policies.loa import Loa


def esc(local: str) -> str:
    """The Clark name of an element or global attribute of the catalogue namespace."""
    return qname(ESC, local)


class IdentifierType(Enum):
    """Identifying types that may appear in ECTA and ASTA sets (§3.2)."""

    KVKNR = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    RSIN = "urn:etoegang:1.9:EntityConcernedID:RSIN"
    BSN = "urn:etoegang:1.12:EntityConcernedID:BSN"
    PSEUDO_ID = "urn:etoegang:1.12:EntityConcernedID:PseudoID"
    PSEUDO_1_9 = "urn:etoegang:1.9:EntityConcernedID:Pseudo"
    PSEUDO = "urn:etoegang:1.13:EntityConcernedID:Pseudo"
    EIDAS_LEGAL_IDENTIFIER = "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier"
    #: Legacy plain BSN; not for chains or representation (§3.2).
    BSN_LEGACY = "urn:etoegang:1.9:EntityConcernedID:BSN"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise CatalogueMalformed("unknown identifying type", debug=repr(value)[:120])

    @property
    def is_bsn(self) -> bool:
        return self in (IdentifierType.BSN, IdentifierType.BSN_LEGACY)

    @property
    def needs_bsnk(self) -> bool:
        """Polymorphic BSNk types: the instance must state its BSNk versions (§6)."""
        return self in (IdentifierType.BSN, IdentifierType.PSEUDO_ID)


class ServiceRestriction(Enum):
    """ServiceRestrictionsAllowed values (§3.2). SubdossierNr must not be listed ([AS-SUBDOS])."""

    VESTIGINGSNR = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str) and value.endswith(":SubdossierNr"):
            raise CatalogueMalformed("SubdossierNr may not be listed in the catalogue")
        raise CatalogueMalformed("unknown service restriction", debug=repr(value)[:120])


#: The refused old-format branch number restriction (§3.1, [AS-SUBDOS]).
SUBDOSSIER_NR: Final = "urn:etoegang:1.9:ServiceRestriction:SubdossierNr"


class IntermediationAllowed(Enum):
    """ServiceIntermediation/@intermediationAllowed (§6)."""

    NONE = "noIntermediation"
    GENERAL = "generalAvailable"
    SERVICE_PROVIDER_ONLY = "serviceProviderOnly"
    REQUIRES_APPROVAL = "requiresApproval"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise CatalogueMalformed("unknown intermediationAllowed", debug=repr(value)[:60])


@dataclass(frozen=True, slots=True)
class EctaSet:
    """One set of identifying types delivered together (elements sharing a ``setNumber``).

    ``set_number`` is None for an element without ``setNumber``; each such element is a set
    of its own, as catalogues from before sets were introduced meant it.
    """

    set_number: int | None
    types: tuple[str, ...]

    def identifier_types(self) -> tuple[IdentifierType, ...]:
        """The types as enum members; raises :class:`CatalogueMalformed` on an unknown one."""
        return tuple(IdentifierType(value) for value in self.types)


@dataclass(frozen=True, slots=True)
class CatalogueRequestedAttribute:
    name: str
    is_required: bool
    purposes: tuple[LocalizedText, ...]
    name_format: str | None = None
    friendly_name: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    uuid: str
    is_public: bool
    is_portal: bool | None
    names: tuple[LocalizedText, ...]
    descriptions: tuple[LocalizedText, ...]
    description_urls: tuple[LocalizedText, ...]
    #: The level the service needs; a request may only lower it (§2).
    loa: Loa
    herkenningsmakelaar_id: str
    ecta_sets: tuple[EctaSet, ...]
    asta_sets: tuple[EctaSet, ...]
    restrictions_allowed: tuple[str, ...]
    requested_attributes: tuple[CatalogueRequestedAttribute, ...]


@dataclass(frozen=True, slots=True)
class ServiceIntermediation:
    allowed: IntermediationAllowed
    allowed_oins: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServiceInstance:
    service_id: str
    uuid: str
    is_public: bool
    is_portal: bool | None
    instance_of: str | None
    intermediated_service: str | None
    service_urls: tuple[LocalizedText, ...]
    privacy_policy_urls: tuple[LocalizedText, ...]
    herkenningsmakelaar_id: str
    additional_hm_ids: tuple[str, ...]
    sso_support: bool | None
    ecta_sets: tuple[EctaSet, ...]
    #: The DV's encryption certificate: identifiers and attributes are encrypted for it (§3.3).
    service_certificate: PeerCertificate | None
    intermediation: ServiceIntermediation | None
    classifiers: tuple[str, ...]
    bsnk_structure_version: str | None
    bsnk_recipient_key_set_version: str | None
    portal_for: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServiceProvider:
    oin: str
    is_public: bool
    display_names: tuple[LocalizedText, ...]
    definitions: tuple[ServiceDefinition, ...]
    instances: tuple[ServiceInstance, ...]


@dataclass(frozen=True, slots=True)
class ServiceCatalogue:
    id: str
    issue_instant: datetime
    version: str
    providers: tuple[ServiceProvider, ...]
