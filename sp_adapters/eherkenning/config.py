"""The adapter's runtime configuration: our entity, keys and endpoints, and the HM (and, for
Advice verification, the ADs and MRs) as known from their registered metadata only.

Endpoint paths follow :mod:`metadata.build` for a DV (``/saml/acs``, ``/saml/ars``,
``/saml/slo``, ``/saml/metadata``), so the generated metadata and the served routes agree.
Everything is loaded and checked before the application serves a request (STYLE §4.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Final

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.errors import MetadataError
from etoegang.errors import UnknownEndpoint
from keys.ring import KeyError_
from keys.ring import KeyRing
from keys.ring import load_ring
from metadata.directory import RegistryDirectory
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from metadata.model import Binding
from metadata.model import EntityMetadata
from metadata.model import IdpRole
from metadata.trust import load_metadata
from sp_adapters.settings import AdviceTrust
from sp_adapters.settings import DvSettings
from sp_adapters.settings import RequestBinding
from sp_adapters.settings import ServiceSetting

#: The index of our (only) AssertionConsumerService in the generated metadata (Artifact).
ACS_INDEX: Final = 1
#: Path prefix of the adapter's endpoints (metadata.build uses /saml for a DV).
PREFIX: Final = "/saml"


class ConfigError(ValueError):
    """The adapter cannot start: keys or metadata are missing or not acceptable."""


@dataclass(frozen=True, slots=True)
class HmEndpoints:
    """The HM's endpoints for interface 1.13, from its metadata."""

    entity_id: str
    sso_post: str | None
    sso_redirect: str | None
    slo_redirect: str | None


@dataclass(frozen=True, slots=True)
class SpConfig:
    entity_id: str
    base_url: str
    #: Our key ring as loaded: current and next keys with any scheduled activation.
    ring: KeyRing
    hm: HmEndpoints
    #: Registered peers: the HM, and the ADs/MRs whose Advice assertions we verify.
    directory: RegistryDirectory
    services: tuple[ServiceSetting, ...]
    advice_trust: AdviceTrust = AdviceTrust.HM
    request_binding: RequestBinding = RequestBinding.POST
    #: Decides which key is in use: a scheduled next key takes over by this clock.
    clock: Clock = field(default_factory=SystemClock)

    @property
    def keys(self) -> KeyRing:
        """The ring as it stands now (:meth:`keys.ring.KeyRing.at`)."""
        return self.ring.at(self.clock.now())

    @property
    def acs_url(self) -> str:
        return f"{self.base_url}{PREFIX}/acs"

    @property
    def ars_url(self) -> str:
        return f"{self.base_url}{PREFIX}/ars"

    @property
    def slo_url(self) -> str:
        return f"{self.base_url}{PREFIX}/slo"

    def service(self, index: int) -> ServiceSetting:
        for service in self.services:
            if service.index == index:
                return service
        raise KeyError(index)


def _location(role: IdpRole, binding: Binding) -> str | None:
    try:
        return role.sso(binding).location
    except UnknownEndpoint:
        return None


def hm_endpoints(entity: EntityMetadata) -> HmEndpoints:
    """The HM's SSO and SLO endpoints; the 1.13 ones when it serves several versions."""
    role = entity.idp
    if role is None:
        raise ConfigError(f"{entity.entity_id}: the HM metadata has no IDPSSODescriptor")

    def pick(urls: list[str]) -> str | None:
        versioned = [u for u in urls if u.rstrip("/").endswith("/1.13")]
        found = versioned or urls
        return found[0] if found else None

    sso_post = pick([e.location for e in role.single_sign_on if e.binding is Binding.HTTP_POST])
    sso_redirect = pick(
        [e.location for e in role.single_sign_on if e.binding is Binding.HTTP_REDIRECT]
    )
    slo_redirect = pick(
        [e.location for e in role.single_logout if e.binding is Binding.HTTP_REDIRECT]
    )
    if sso_post is None and sso_redirect is None:
        raise ConfigError(f"{entity.entity_id}: no SingleSignOnService for POST or Redirect")
    return HmEndpoints(entity.entity_id, sso_post, sso_redirect, slo_redirect)


def config_from_settings(settings: DvSettings, clock: Clock) -> SpConfig:
    """Load keys and metadata named by the settings.

    :raises ConfigError: listing every problem found.
    """
    problems: list[str] = []
    keys: KeyRing | None = None
    try:
        keys = load_ring(settings.keys_dir, settings.key_role)
    except (KeyError_, OSError) as exc:
        problems.append(f"keys: {exc}")
    trust = None
    try:
        trust = trust_from_files(settings.metadata_authorities)
    except (KeyError_, OSError) as exc:
        problems.append(f"metadata_authorities: {exc}")
    hm: HmEndpoints | None = None
    directory: RegistryDirectory | None = None
    if trust is not None:
        try:
            entities = load_metadata(settings.hm_metadata.read_bytes(), trust, clock)
            if len(entities) != 1:
                problems.append("hm_metadata: must describe exactly one entity (the HM)")
            else:
                hm = hm_endpoints(entities[0])
        except (MetadataError, OSError, ConfigError) as exc:
            problems.append(f"hm_metadata: {exc}")
        try:
            registry = load_registry(
                [settings.hm_metadata, *settings.advice_metadata], trust, clock
            )
            directory = RegistryDirectory(registry)
        except (MetadataError, OSError) as exc:
            problems.append(f"advice_metadata: {exc}")
    if problems or keys is None or hm is None or directory is None:
        raise ConfigError("; ".join(problems) or "configuration incomplete")
    return SpConfig(
        entity_id=settings.entity_id,
        base_url=settings.base_url,
        ring=keys,
        hm=hm,
        directory=directory,
        services=settings.services,
        advice_trust=settings.advice_trust,
        request_binding=settings.request_binding,
        clock=clock,
    )
