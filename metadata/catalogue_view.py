"""The broker's view of one catalogue service: an instance joined with its definition.

Spec: ``shared/spec/eherkenning.md`` §11 (what the HM needs to know of a service), §1
(ServiceID and ServiceUUID: messages name the *instance*; leading zeros of the ServiceID
index are ignored) and §3.2 (an instance's own ECTA sets narrow the definition's). The public
names live in :mod:`metadata.catalogue`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from etoegang.errors import CatalogueServiceUnknown
from etoegang.errors import MalformedIdentifier
from keys.ring import PeerCertificate
from metadata.catalogue_model import CatalogueRequestedAttribute
from metadata.catalogue_model import EctaSet
from metadata.catalogue_model import ServiceCatalogue
from metadata.catalogue_model import ServiceDefinition
from metadata.catalogue_model import ServiceInstance
from metadata.catalogue_model import ServiceProvider
from metadata.catalogue_model import ServiceRestriction
from metadata.identifiers import parse_service_id
from metadata.model import LocalizedText
from policies.loa import Loa


def _service_key(value: str) -> tuple[str, int]:
    parsed = parse_service_id(value)
    return parsed.oin, parsed.index


@dataclass(frozen=True, slots=True)
class ServiceView:
    """One service instance joined with its definition and provider: what the HM needs (§11).

    ``ecta_sets`` are the instance's own sets when it lists any (they narrow the definition),
    otherwise the definition's.
    """

    service_id: str
    service_uuid: str
    definition_uuid: str
    dv_oin: str
    display_names: tuple[LocalizedText, ...]
    service_names: tuple[LocalizedText, ...]
    loa: Loa
    ecta_sets: tuple[EctaSet, ...]
    asta_sets: tuple[EctaSet, ...]
    restrictions_allowed: tuple[str, ...]
    requested_attributes: tuple[CatalogueRequestedAttribute, ...]
    encryption_certificate: PeerCertificate | None
    sso_support: bool
    classifiers: tuple[str, ...]
    is_portal: bool

    @property
    def allows_vestigingsnr(self) -> bool:
        return ServiceRestriction.VESTIGINGSNR.value in self.restrictions_allowed

    @staticmethod
    def all(catalogue: ServiceCatalogue) -> tuple[ServiceView, ...]:
        """Every instance that names a definition present in the catalogue."""
        return tuple(view for _, view in _joined(catalogue))

    @staticmethod
    def by_service_id(catalogue: ServiceCatalogue, service_id: str) -> ServiceView:
        """The service with this ServiceID; leading zeros of the index are ignored (§1)."""
        try:
            wanted = _service_key(service_id)
        except MalformedIdentifier as exc:
            raise CatalogueServiceUnknown("not a ServiceID", debug=exc.debug) from exc
        return ServiceView._one(catalogue, lambda i: _same_service(i.service_id, wanted),
                                service_id)

    @staticmethod
    def by_service_uuid(catalogue: ServiceCatalogue, service_uuid: str) -> ServiceView:
        """The service whose *instance* ServiceUUID is this; messages carry that one (§1)."""
        wanted = service_uuid.strip().lower()
        return ServiceView._one(catalogue, lambda i: i.uuid.lower() == wanted, service_uuid)

    @staticmethod
    def _one(
        catalogue: ServiceCatalogue, match: Callable[[ServiceInstance], bool], label: str
    ) -> ServiceView:
        found = [view for instance, view in _joined(catalogue) if match(instance)]
        if len(found) != 1:
            raise CatalogueServiceUnknown(
                "no single service in the catalogue matches", debug=f"{label[:120]}: {len(found)}"
            )
        return found[0]

    @staticmethod
    def _join(
        provider: ServiceProvider, definition: ServiceDefinition, instance: ServiceInstance
    ) -> ServiceView:
        return ServiceView(
            service_id=instance.service_id,
            service_uuid=instance.uuid,
            definition_uuid=definition.uuid,
            dv_oin=provider.oin,
            display_names=provider.display_names,
            service_names=definition.names,
            loa=definition.loa,
            ecta_sets=instance.ecta_sets or definition.ecta_sets,
            asta_sets=definition.asta_sets,
            restrictions_allowed=definition.restrictions_allowed,
            requested_attributes=definition.requested_attributes,
            encryption_certificate=instance.service_certificate,
            sso_support=bool(instance.sso_support),
            classifiers=instance.classifiers,
            is_portal=bool(instance.is_portal or definition.is_portal),
        )


def _same_service(value: str, wanted: tuple[str, int]) -> bool:
    try:
        return _service_key(value) == wanted
    except MalformedIdentifier:
        return False


def _joined(catalogue: ServiceCatalogue) -> list[tuple[ServiceInstance, ServiceView]]:
    definitions = {d.uuid: d for p in catalogue.providers for d in p.definitions}
    joined = []
    for provider in catalogue.providers:
        for instance in provider.instances:
            definition = definitions.get(instance.instance_of or "")
            if definition is not None:
                joined.append((instance, ServiceView._join(provider, definition, instance)))
    return joined
