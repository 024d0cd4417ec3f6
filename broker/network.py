"""The broker's view of the network: registered DVs, admitted ADs, MRs and the service catalogue
(spec §1 "only connect admitted ADs/MRs", §5, §6, §9 discovery and AUC8).

Every peer fact used in a login comes from here, that is from signed, registered metadata and
the signed catalogue; never from a message. Means-issuer selection is a pure filter over the
levels the ADs declare in their metadata (``assurance-certification``), sorted by display name.
"""

from __future__ import annotations

from dataclasses import dataclass

from etoegang.errors import CatalogueServiceUnknown
from etoegang.errors import MetadataError
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import ServiceView
from metadata.model import Binding
from metadata.model import EntityMetadata
from metadata.model import SpRole
from metadata.registry import MetadataRegistry
from policies.loa import Loa

_AD_PREFIX = "urn:etoegang:AD:"
_MR_PREFIX = "urn:etoegang:MR:"


@dataclass(frozen=True, slots=True)
class AdChoice:
    """One admitted AD as the discovery page and the AUC8 list show it."""

    entity_id: str
    name_nl: str
    name_en: str
    max_loa: Loa


def _max_loa(entity: EntityMetadata) -> Loa | None:
    levels: list[Loa] = []
    for value in entity.assurance_certifications:
        try:
            levels.append(Loa(value))
        except ValueError:
            continue
    return max(levels, default=None)


@dataclass(frozen=True, slots=True)
class BrokerNetwork:
    registry: MetadataRegistry
    catalogue: ServiceCatalogue

    def dv(self, entity_id: str) -> SpRole:
        """The SP role of a registered DV.

        :raises MetadataError: not registered, or registered without an SP role.
        """
        entity = self.registry.get(entity_id)
        if entity.sp is None or entity_id.startswith(("urn:etoegang:HM:", _AD_PREFIX, _MR_PREFIX)):
            raise MetadataError("not a registered service provider", debug=entity_id[:120])
        return entity.sp

    def dv_name(self, entity_id: str, service: ServiceView, lang: str = "nl") -> str:
        for text in service.display_names:
            if text.lang == lang:
                return text.text
        if service.display_names:
            return service.display_names[0].text
        organisation = self.registry.get(entity_id).organisation
        return (organisation.display_name(lang) if organisation else None) or entity_id

    def service(self, service_id: str) -> ServiceView:
        """The catalogue service; raises :class:`CatalogueServiceUnknown`."""
        return ServiceView.by_service_id(self.catalogue, service_id)

    def service_by_uuid(self, service_uuid: str) -> ServiceView:
        return ServiceView.by_service_uuid(self.catalogue, service_uuid)

    def admitted_ads(self, required: Loa) -> tuple[AdChoice, ...]:
        """ADs with an IdP role whose declared level reaches ``required``, by display name."""
        found: list[AdChoice] = []
        for entity_id in self.registry:
            if not entity_id.startswith(_AD_PREFIX):
                continue
            entity = self.registry.get(entity_id)
            top = _max_loa(entity)
            if entity.idp is None or top is None or not top.satisfies(required):
                continue
            organisation = entity.organisation
            nl = (organisation.display_name("nl") if organisation else None) or entity_id
            en = (organisation.display_name("en") if organisation else None) or nl
            found.append(AdChoice(entity_id, nl, en, top))
        return tuple(sorted(found, key=lambda ad: (ad.name_nl.casefold(), ad.entity_id)))

    def is_admitted_ad(self, entity_id: str, required: Loa) -> bool:
        return any(ad.entity_id == entity_id for ad in self.admitted_ads(required))

    def is_mr(self, entity_id: str) -> bool:
        if not entity_id.startswith(_MR_PREFIX) or entity_id not in self.registry:
            return False
        return self.registry.get(entity_id).idp is not None

    def sso_url(self, entity_id: str) -> str:
        """The peer's SingleSignOnService for the Artifact binding (spec §4.1)."""
        entity = self.registry.get(entity_id)
        if entity.idp is None:
            raise MetadataError("the peer has no IdP role", debug=entity_id[:120])
        return entity.idp.sso(Binding.HTTP_ARTIFACT).location

    def slo_url(self, entity_id: str) -> str | None:
        """The AD's SingleLogoutService for the Redirect binding, if it has one."""
        entity = self.registry.get(entity_id)
        if entity.idp is None:
            return None
        for endpoint in entity.idp.single_logout:
            if endpoint.binding is Binding.HTTP_REDIRECT:
                return endpoint.location
        return None

    def dv_slo(self, entity_id: str) -> tuple[str, Binding] | None:
        """The DV's SingleLogoutService (Redirect preferred, else POST)."""
        sp = self.dv(entity_id)
        for wanted in (Binding.HTTP_REDIRECT, Binding.HTTP_POST):
            for endpoint in sp.single_logout:
                if endpoint.binding is wanted:
                    return (endpoint.response_location or endpoint.location), wanted
        return None


__all__ = ["AdChoice", "BrokerNetwork", "CatalogueServiceUnknown"]
