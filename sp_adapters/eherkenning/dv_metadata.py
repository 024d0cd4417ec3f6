"""The DV's own published documents: its signed SAML metadata (spec §5.1) and its service
catalogue entry (spec §6), both generated from the adapter's settings and key ring.

The metadata lists exactly what the DV metadata table allows (via :func:`metadata.build.generate`
with a :class:`DvInput`: signing and encryption keys with KeyName, the SOAP
ArtifactResolutionService, the Redirect SingleLogoutService, one Artifact ACS at index 1 and
one AttributeConsumingService per service, the first isDefault). The catalogue entry uses the
DV's *encryption* certificate as ServiceCertificate: the MR encrypts identifiers for it (§3.3).
During a rollover brokers want only the upcoming certificate (§10 item 2): pass
``use_next_encryption=True`` once the next key is in the ring.
"""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from keys.ring import KeyRing
from metadata import build as md_build
from metadata.build import generate
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceRestriction
from metadata.catalogue_build import DvServiceSpec
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_build import build_dv_entry
from metadata.catalogue_build import catalogue_of
from metadata.catalogue_build import sign_catalogue
from metadata.inputs import DvInput
from metadata.inputs import DvService
from metadata.model import Contact
from metadata.model import ContactType
from metadata.model import LocalizedText
from metadata.model import Organisation
from policies.loa import Loa
from sp_adapters.settings import DvSettings

#: What the demo DV accepts: KvK number (set 1) or RSIN (set 2) (spec §6 typical entry).
DEFAULT_ECTA_SETS: tuple[tuple[IdentifierType, ...], ...] = (
    (IdentifierType.KVKNR,),
    (IdentifierType.RSIN,),
)


def _names(settings: DvSettings) -> tuple[LocalizedText, ...]:
    return (
        LocalizedText("nl", settings.organisation_nl),
        LocalizedText("en", settings.organisation_en),
    )


def dv_input(settings: DvSettings, keys: KeyRing, *, valid_for: timedelta) -> DvInput:
    names = _names(settings)
    return DvInput(
        entity_id=settings.entity_id,
        base_url=settings.base_url,
        keys=keys,
        organisation=Organisation(names, names, (LocalizedText("nl", settings.base_url),)),
        contacts=(
            Contact(
                ContactType.ADMINISTRATIVE,
                company=settings.organisation_nl,
                emails=("mailto:beheer@example.nl",),
                phones=("+31 70 000 0000",),
            ),
        ),
        oin=settings.oin,
        services=tuple(
            DvService(
                s.index,
                (LocalizedText("nl", s.name_nl), LocalizedText("en", s.name_en)),
                is_default=(i == 0),
            )
            for i, s in enumerate(settings.services)
        ),
        valid_for=valid_for,
    )


def dv_metadata(
    settings: DvSettings,
    keys: KeyRing,
    clock: Clock,
    ids: IdSource,
    *,
    valid_for: timedelta = timedelta(days=28),
) -> bytes:
    """The DV's signed EntityDescriptor, as served at ``/saml/metadata``."""
    return generate(dv_input(settings, keys, valid_for=valid_for), clock, ids)


def dv_catalogue_entry(
    settings: DvSettings,
    keys: KeyRing,
    clock: Clock,
    ids: IdSource,
    *,
    hm_oin: str,
    ecta_sets: tuple[tuple[IdentifierType, ...], ...] = DEFAULT_ECTA_SETS,
    vestigingsnr: bool = True,
    use_next_encryption: bool = False,
    sign: bool = True,
    version: str = "urn:etoegang:1.13:service-catalogue:T:1",
) -> bytes:
    """A service catalogue holding this DV's services, signed with the DV's signing key.

    The DV hands it to its HM (``makelaar dv onboard``), which merges it into its catalogue.
    """
    certificate = keys.encryption_next if use_next_encryption else keys.encryption
    if certificate is None:
        raise ValueError("the key ring has no next encryption key")
    base = settings.base_url
    urls = (LocalizedText("nl", base + "/"), LocalizedText("en", base + "/?lang=en"))
    entries = [
        build_dv_entry(
            DvServiceSpec(
                oin=settings.oin,
                service_index=s.index,
                organisation_names=_names(settings),
                service_names=(LocalizedText("nl", s.name_nl), LocalizedText("en", s.name_en)),
                service_descriptions=(
                    LocalizedText("nl", s.name_nl),
                    LocalizedText("en", s.name_en),
                ),
                loa=s.loa,
                ecta_sets=ecta_sets,
                service_certificate=certificate.as_peer(),
                herkenningsmakelaar_id=hm_oin,
                service_urls=urls,
                privacy_policy_urls=(
                    LocalizedText("nl", base + "/privacy"),
                    LocalizedText("en", base + "/privacy"),
                ),
                description_urls=urls,
                restrictions=(ServiceRestriction.VESTIGINGSNR,) if vestigingsnr else (),
                # eH4 services never use SSO (spec §9).
                sso_support=s.loa is not Loa.EH4,
                instance_uuid=s.service_uuid,
            )
        )
        for s in settings.services
    ]
    element = build_catalogue(catalogue_of(entries, version=version, clock=clock, ids=ids))
    etree.indent(element, space="  ")
    if sign:
        sign_catalogue(element, keys.signing)
    return md_build.to_bytes(element)
