"""Generate and sign service catalogues, and build one DV's entry from simple inputs (spec §6).

Elements are emitted in the order of the 1.13 XSD (``esc`` prefix; catalogue attributes such as
``esc:IsPublic`` are global, hence qualified; multi-language elements carry ``xml:lang``). The
signature is enveloped, exclusive C14N, RSA-SHA256, with the X509 certificate in KeyInfo, as for
metadata (§4.3), and sits first under the root, where the XSD puts ``ds:Signature``.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Final

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import saml_instant
from etoegang.crypto import xmldsig
from etoegang.xml.ns import DS
from etoegang.xml.ns import ESC
from etoegang.xml.ns import MD
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XML
from etoegang.xml.ns import qname
from keys.ring import KeyPair
from keys.ring import PeerCertificate
from metadata.catalogue import CatalogueRequestedAttribute
from metadata.catalogue import EctaSet
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import ServiceDefinition
from metadata.catalogue import ServiceInstance
from metadata.catalogue import ServiceProvider
from metadata.catalogue import ServiceRestriction
from metadata.catalogue import esc
from metadata.identifiers import check_oin
from metadata.identifiers import service_id as make_service_id
from metadata.model import LocalizedText
from policies.loa import Loa

_NSMAP: Final = {"esc": ESC, "ds": DS, "saml": SAML, "md": MD}
_LANG: Final = qname(XML, "lang")
#: Namespace for the stable UUIDs of generated entries (uuid5 of the ServiceID).
_UUID_NAMESPACE: Final = uuid.UUID("5b0f6d2e-2c55-4f0e-9a53-6d616b656c61")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _localized(parent: etree._Element, tag: str, values: Iterable[LocalizedText]) -> None:
    for value in values:
        etree.SubElement(parent, tag, {_LANG: value.lang}).text = value.text


def _flags(element: etree._Element, is_public: bool, is_portal: bool | None) -> None:
    element.set(esc("IsPublic"), _bool(is_public))
    if is_portal is not None:
        element.set(esc("IsPortal"), _bool(is_portal))


def _sets(parent: etree._Element, tag: str, sets: Iterable[EctaSet]) -> None:
    for ecta in sets:
        for value in ecta.types:
            child = _sub(parent, tag, value)
            if ecta.set_number is not None:
                child.set("setNumber", str(ecta.set_number))


def _requested_attribute(parent: etree._Element, attribute: CatalogueRequestedAttribute) -> None:
    element = _sub(parent, esc("RequestedAttribute"))
    element.set("Name", attribute.name)
    if attribute.name_format is not None:
        element.set("NameFormat", attribute.name_format)
    if attribute.friendly_name is not None:
        element.set("FriendlyName", attribute.friendly_name)
    element.set("isRequired", _bool(attribute.is_required))
    _localized(element, esc("PurposeStatement"), attribute.purposes)


def _definition(parent: etree._Element, definition: ServiceDefinition) -> None:
    element = _sub(parent, esc("ServiceDefinition"))
    _flags(element, definition.is_public, definition.is_portal)
    _sub(element, esc("ServiceUUID"), definition.uuid)
    _localized(element, esc("ServiceName"), definition.names)
    _localized(element, esc("ServiceDescription"), definition.descriptions)
    _localized(element, esc("ServiceDescriptionURL"), definition.description_urls)
    _sub(element, qname(SAML, "AuthnContextClassRef"), definition.loa.urn)
    _sub(element, esc("HerkenningsmakelaarId"), definition.herkenningsmakelaar_id)
    _sets(element, esc("EntityConcernedTypesAllowed"), definition.ecta_sets)
    _sets(element, esc("ActingSubjectTypesAllowed"), definition.asta_sets)
    for restriction in definition.restrictions_allowed:
        _sub(element, esc("ServiceRestrictionsAllowed"), restriction)
    for attribute in definition.requested_attributes:
        _requested_attribute(element, attribute)


def key_descriptor(certificate: PeerCertificate) -> etree._Element:
    """md:KeyDescriptor (use="encryption") with KeyName = SHA-256 fingerprint and the cert."""
    element = etree.Element(qname(MD, "KeyDescriptor"), use="encryption", nsmap=_NSMAP)
    info = _sub(element, qname(DS, "KeyInfo"))
    _sub(info, qname(DS, "KeyName"), certificate.key_name)
    data = _sub(info, qname(DS, "X509Data"))
    _sub(data, qname(DS, "X509Certificate"), base64.b64encode(certificate.der).decode("ascii"))
    return element


def _instance(parent: etree._Element, instance: ServiceInstance) -> None:
    element = _sub(parent, esc("ServiceInstance"))
    _flags(element, instance.is_public, instance.is_portal)
    _sub(element, esc("ServiceID"), instance.service_id)
    _sub(element, esc("ServiceUUID"), instance.uuid)
    if instance.instance_of is not None:
        _sub(element, esc("InstanceOfService"), instance.instance_of)
    if instance.intermediated_service is not None:
        _sub(element, esc("IntermediatedService"), instance.intermediated_service)
    _localized(element, esc("ServiceURL"), instance.service_urls)
    _localized(element, esc("PrivacyPolicyURL"), instance.privacy_policy_urls)
    _sub(element, esc("HerkenningsmakelaarId"), instance.herkenningsmakelaar_id)
    for oin in instance.additional_hm_ids:
        _sub(element, esc("AdditionalHerkenningsmakelaarId"), oin)
    if instance.sso_support is not None:
        _sub(element, esc("SSOSupport"), _bool(instance.sso_support))
    _sets(element, esc("EntityConcernedTypesAllowed"), instance.ecta_sets)
    if instance.service_certificate is not None:
        _sub(element, esc("ServiceCertificate")).append(
            key_descriptor(instance.service_certificate)
        )
    if instance.intermediation is not None:
        inter = _sub(element, esc("ServiceIntermediation"))
        inter.set("intermediationAllowed", instance.intermediation.allowed.value)
        for oin in instance.intermediation.allowed_oins:
            _sub(inter, esc("ServiceIntermediationAllowed"), oin)
    if instance.classifiers:
        classifiers = _sub(element, esc("Classifiers"))
        for classifier in instance.classifiers:
            _sub(classifiers, esc("Classifier"), classifier)
    if instance.bsnk_structure_version is not None:
        _sub(element, esc("BsnkStructureVersion"), instance.bsnk_structure_version)
    if instance.bsnk_recipient_key_set_version is not None:
        _sub(element, esc("BsnkRecipientKeySetVersion"), instance.bsnk_recipient_key_set_version)
    for portal in instance.portal_for:
        _sub(element, esc("PortalForService"), portal)


def build_catalogue(catalogue: ServiceCatalogue) -> etree._Element:
    """The unsigned esc:ServiceCatalogue element for ``catalogue``."""
    root = etree.Element(esc("ServiceCatalogue"), nsmap=_NSMAP)
    root.set("ID", catalogue.id)
    root.set(esc("IssueInstant"), saml_instant(catalogue.issue_instant))
    root.set(esc("Version"), catalogue.version)
    for provider in catalogue.providers:
        element = _sub(root, esc("ServiceProvider"))
        element.set(esc("IsPublic"), _bool(provider.is_public))
        _sub(element, esc("ServiceProviderID"), provider.oin)
        _localized(element, esc("OrganizationDisplayName"), provider.display_names)
        for definition in provider.definitions:
            _definition(element, definition)
        for instance in provider.instances:
            _instance(element, instance)
    return root


def sign_catalogue(element: etree._Element, key: KeyPair) -> etree._Element:
    """Sign the catalogue in place (X509Certificate in KeyInfo, §4.3) and return it."""
    xmldsig.sign(element, key, key_info=xmldsig.KeyInfoStyle.X509)
    return element


# --- one DV's entry ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DvServiceSpec:
    """The simple inputs a DV gives its HM for one service (spec §6 "Typical DV entry")."""

    oin: str
    service_index: int
    organisation_names: tuple[LocalizedText, ...]
    service_names: tuple[LocalizedText, ...]
    service_descriptions: tuple[LocalizedText, ...]
    loa: Loa
    #: One tuple per ECTA set, numbered 1, 2, ... in this order.
    ecta_sets: tuple[tuple[IdentifierType, ...], ...]
    service_certificate: PeerCertificate
    herkenningsmakelaar_id: str
    service_urls: tuple[LocalizedText, ...] = ()
    privacy_policy_urls: tuple[LocalizedText, ...] = ()
    description_urls: tuple[LocalizedText, ...] = ()
    restrictions: tuple[ServiceRestriction, ...] = ()
    requested_attributes: tuple[CatalogueRequestedAttribute, ...] = ()
    sso_support: bool = False
    classifiers: tuple[str, ...] = ()
    is_public: bool = True
    #: Stable UUIDs derived from the ServiceID unless given (MRs register mandates on them).
    definition_uuid: str | None = None
    instance_uuid: str | None = None
    bsnk_structure_version: str = "1"
    bsnk_recipient_key_set_version: str = "1"
    additional_hm_ids: tuple[str, ...] = field(default=())


def stable_uuid(service_id: str, part: str) -> str:
    """A UUID unique to one service of one DV that stays the same when regenerated."""
    return str(uuid.uuid5(_UUID_NAMESPACE, f"{service_id}#{part}"))


def build_dv_entry(spec: DvServiceSpec) -> ServiceProvider:
    """One ServiceProvider with one definition and its instance, ready for a catalogue."""
    check_oin(spec.oin)
    check_oin(spec.herkenningsmakelaar_id)
    sid = make_service_id(spec.oin, spec.service_index)
    definition_uuid = spec.definition_uuid or stable_uuid(sid, "definition")
    sets = tuple(
        EctaSet(number, tuple(t.value for t in types))
        for number, types in enumerate(spec.ecta_sets, start=1)
    )
    needs_bsnk = any(t.needs_bsnk for types in spec.ecta_sets for t in types)
    definition = ServiceDefinition(
        uuid=definition_uuid,
        is_public=spec.is_public,
        is_portal=None,
        names=spec.service_names,
        descriptions=spec.service_descriptions,
        description_urls=spec.description_urls,
        loa=spec.loa,
        herkenningsmakelaar_id=spec.herkenningsmakelaar_id,
        ecta_sets=sets,
        asta_sets=(),
        restrictions_allowed=tuple(r.value for r in spec.restrictions),
        requested_attributes=spec.requested_attributes,
    )
    instance = ServiceInstance(
        service_id=sid,
        uuid=spec.instance_uuid or stable_uuid(sid, "instance"),
        is_public=spec.is_public,
        is_portal=None,
        instance_of=definition_uuid,
        intermediated_service=None,
        service_urls=spec.service_urls,
        privacy_policy_urls=spec.privacy_policy_urls,
        herkenningsmakelaar_id=spec.herkenningsmakelaar_id,
        additional_hm_ids=spec.additional_hm_ids,
        sso_support=spec.sso_support,
        ecta_sets=(),
        service_certificate=spec.service_certificate,
        intermediation=None,
        classifiers=spec.classifiers,
        bsnk_structure_version=spec.bsnk_structure_version if needs_bsnk else None,
        bsnk_recipient_key_set_version=spec.bsnk_recipient_key_set_version if needs_bsnk else None,
        portal_for=(),
    )
    return ServiceProvider(spec.oin, spec.is_public, spec.organisation_names, (definition,),
                           (instance,))


def catalogue_of(
    providers: Iterable[ServiceProvider], *, version: str, clock: Clock, ids: IdSource
) -> ServiceCatalogue:
    """A catalogue around entries, with ID and IssueInstant from the injected ports.

    Entries of the same DV (same OIN) become one ServiceProvider, as the XSD wants one element
    per provider holding all its definitions and instances.
    """
    merged: dict[str, ServiceProvider] = {}
    for provider in providers:
        seen = merged.get(provider.oin)
        merged[provider.oin] = provider if seen is None else replace(
            seen,
            definitions=seen.definitions + provider.definitions,
            instances=seen.instances + provider.instances,
        )
    return ServiceCatalogue(ids.new_id(), clock.now(), version, tuple(merged.values()))
