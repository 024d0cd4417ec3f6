"""The eHerkenning service catalogue (``urn:etoegang:1.13:service-catalog``): model and parser.

Spec: ``shared/spec/eherkenning.md`` §6 (structure), §1 (ServiceID, ServiceUUID, OIN), §2 (the
catalogue LoA is the level a service needs), §3.2 (identifying types, ECTA sets, Vestigingsnr)
and §3.4 (RequestedAttribute with PurposeStatement). The published XSD is only a guide (§6: "use
only as example"), so the parser reads what it knows and leaves judging to
:mod:`metadata.catalogue_lint`; when ``trust`` is given it reads values only from the element
whose signature verified. :class:`ServiceView` joins an instance with its definition for the
broker.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from enum import Enum
from typing import Any
from typing import Final
from typing import TypeVar

from cryptography import x509
from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import parse_instant
from etoegang.crypto import xmldsig
from etoegang.errors import CatalogueError
from etoegang.errors import CatalogueMalformed
from etoegang.errors import CatalogueServiceUnknown
from etoegang.errors import CatalogueSignatureInvalid
from etoegang.errors import MalformedIdentifier
from etoegang.errors import SignatureError
from etoegang.errors import XmlError
from etoegang.xml.ns import DS
from etoegang.xml.ns import ESC
from etoegang.xml.ns import MD
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XML
from etoegang.xml.ns import qname
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import text_of
from keys.ring import PeerCertificate
from metadata.identifiers import parse_service_id
from metadata.model import LocalizedText
from policies.loa import Loa

#: How far in the future an IssueInstant may lie before the catalogue is refused (clock skew).
MAX_FUTURE_SKEW: Final = timedelta(minutes=5)


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


# --- model ------------------------------------------------------------------------------------


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


# --- the broker's view of one service ---------------------------------------------------------


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


# --- parsing ----------------------------------------------------------------------------------

_T = TypeVar("_T")
_BOOLEANS: Final = {"true": True, "1": True, "false": False, "0": False}
_OIN = re.compile(r"^\d{20}$")


def _fail(message: str, element: etree._Element | None = None, debug: str = "") -> CatalogueError:
    where = f"line {element.sourceline}: " if element is not None else ""
    return CatalogueMalformed(message, debug=f"{where}{debug}")


def _attr(element: etree._Element, local: str) -> str | None:
    """A catalogue attribute; emitted qualified (``esc:IsPublic``), accepted unqualified."""
    value = element.get(esc(local))
    return value if value is not None else element.get(local)


def _boolean(text: str, element: etree._Element, what: str) -> bool:
    try:
        return _BOOLEANS[text.strip()]
    except KeyError:
        raise _fail(f"{what} is not a boolean", element, text[:20]) from None


def _optional_boolean(element: etree._Element, local: str) -> bool | None:
    value = _attr(element, local)
    return None if value is None else _boolean(value, element, local)


def _value(element: etree._Element) -> str:
    try:
        return text_of(element)
    except XmlError as exc:
        raise _fail("value contains markup", element, exc.debug) from exc


def _one(parent: etree._Element, tag: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        local = etree.QName(tag).localname
        raise _fail(f"{local} must occur exactly once", parent, f"found {len(found)}")
    return found[0]


def _opt(parent: etree._Element, tag: str) -> str | None:
    found = parent.findall(tag)
    if len(found) > 1:
        raise _fail(f"{etree.QName(tag).localname} occurs more than once", parent)
    return _value(found[0]) if found else None


def _texts(parent: etree._Element, tag: str) -> tuple[str, ...]:
    return tuple(_value(child) for child in parent.findall(tag))


def _localized(parent: etree._Element, tag: str) -> tuple[LocalizedText, ...]:
    return tuple(
        LocalizedText(child.get(qname(XML, "lang")) or "", _value(child))
        for child in parent.findall(tag)
    )


def _oin(text: str, element: etree._Element) -> str:
    if not _OIN.match(text):
        raise _fail("an OIN is 20 digits", element, text[:40])
    return text


def _sets(parent: etree._Element, tag: str) -> tuple[EctaSet, ...]:
    """Group EntityConcernedTypesAllowed (or ASTA) by setNumber, in order of first appearance."""
    groups: dict[int, list[str]] = {}
    result: list[tuple[int | None, list[str]]] = []
    for child in parent.findall(tag):
        raw = child.get("setNumber")
        value = _value(child)
        if raw is None:
            result.append((None, [value]))
            continue
        if not raw.strip().isdigit():
            raise _fail("setNumber is not a non-negative integer", child, raw[:20])
        number = int(raw)
        if number not in groups:
            groups[number] = []
            result.append((number, groups[number]))
        groups[number].append(value)
    return tuple(EctaSet(number, tuple(types)) for number, types in result)


def _requested_attribute(element: etree._Element) -> CatalogueRequestedAttribute:
    name = element.get("Name")
    if not name:
        raise _fail("RequestedAttribute has no Name", element)
    required = element.get("isRequired")
    return CatalogueRequestedAttribute(
        name=name,
        is_required=False if required is None else _boolean(required, element, "isRequired"),
        purposes=_localized(element, esc("PurposeStatement")),
        name_format=element.get("NameFormat"),
        friendly_name=element.get("FriendlyName"),
    )


def _definition(element: etree._Element) -> ServiceDefinition:
    loa_text = _value(_one(element, qname(SAML, "AuthnContextClassRef")))
    try:
        loa = Loa(loa_text)
    except ValueError:
        raise _fail("AuthnContextClassRef is not an etoegang level", element, loa_text) from None
    return ServiceDefinition(
        uuid=_value(_one(element, esc("ServiceUUID"))),
        is_public=_boolean(_attr(element, "IsPublic") or "", element, "IsPublic"),
        is_portal=_optional_boolean(element, "IsPortal"),
        names=_localized(element, esc("ServiceName")),
        descriptions=_localized(element, esc("ServiceDescription")),
        description_urls=_localized(element, esc("ServiceDescriptionURL")),
        loa=loa,
        herkenningsmakelaar_id=_oin(_value(_one(element, esc("HerkenningsmakelaarId"))), element),
        ecta_sets=_sets(element, esc("EntityConcernedTypesAllowed")),
        asta_sets=_sets(element, esc("ActingSubjectTypesAllowed")),
        restrictions_allowed=_texts(element, esc("ServiceRestrictionsAllowed")),
        requested_attributes=tuple(
            _requested_attribute(child) for child in element.findall(esc("RequestedAttribute"))
        ),
    )


def service_certificate(element: etree._Element) -> PeerCertificate:
    """The certificate of an esc:ServiceCertificate (md:KeyDescriptor, KeyName + X509)."""
    info = _one(_one(element, qname(MD, "KeyDescriptor")), qname(DS, "KeyInfo"))
    names = [_value(name) for name in info.findall(qname(DS, "KeyName"))]
    der_texts = [_value(c) for c in info.iterfind(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate")]
    if len(der_texts) != 1:
        raise _fail("ServiceCertificate needs exactly one X509Certificate", element)
    try:
        der = base64.b64decode("".join(der_texts[0].split()), validate=True)
        certificate = x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        raise _fail("ServiceCertificate is not a certificate", element, str(exc)[:80]) from exc
    return PeerCertificate(certificate, extra_key_names=names)


def _intermediation(element: etree._Element | None) -> ServiceIntermediation | None:
    if element is None:
        return None
    return ServiceIntermediation(
        IntermediationAllowed(element.get("intermediationAllowed", "noIntermediation")),
        tuple(_oin(v, element) for v in _texts(element, esc("ServiceIntermediationAllowed"))),
    )


def _instance(element: etree._Element) -> ServiceInstance:
    certificates = element.findall(esc("ServiceCertificate"))
    if len(certificates) > 1:
        # Brokers want exactly one certificate: the upcoming one during a rollover (§5.1, §10).
        raise _fail("more than one ServiceCertificate", element)
    sso = _opt(element, esc("SSOSupport"))
    classifiers = element.find(esc("Classifiers"))
    return ServiceInstance(
        service_id=_value(_one(element, esc("ServiceID"))),
        uuid=_value(_one(element, esc("ServiceUUID"))),
        is_public=_boolean(_attr(element, "IsPublic") or "", element, "IsPublic"),
        is_portal=_optional_boolean(element, "IsPortal"),
        instance_of=_opt(element, esc("InstanceOfService")),
        intermediated_service=_opt(element, esc("IntermediatedService")),
        service_urls=_localized(element, esc("ServiceURL")),
        privacy_policy_urls=_localized(element, esc("PrivacyPolicyURL")),
        herkenningsmakelaar_id=_oin(_value(_one(element, esc("HerkenningsmakelaarId"))), element),
        additional_hm_ids=tuple(
            _oin(v, element) for v in _texts(element, esc("AdditionalHerkenningsmakelaarId"))
        ),
        sso_support=None if sso is None else _boolean(sso, element, "SSOSupport"),
        ecta_sets=_sets(element, esc("EntityConcernedTypesAllowed")),
        service_certificate=service_certificate(certificates[0]) if certificates else None,
        intermediation=_intermediation(element.find(esc("ServiceIntermediation"))),
        classifiers=() if classifiers is None else _texts(classifiers, esc("Classifier")),
        bsnk_structure_version=_opt(element, esc("BsnkStructureVersion")),
        bsnk_recipient_key_set_version=_opt(element, esc("BsnkRecipientKeySetVersion")),
        portal_for=_texts(element, esc("PortalForService")),
    )


def _each(items: Iterable[etree._Element], read: Callable[[etree._Element], _T]) -> tuple[_T, ...]:
    return tuple(read(item) for item in items)


def _provider(element: etree._Element) -> ServiceProvider:
    return ServiceProvider(
        oin=_oin(_value(_one(element, esc("ServiceProviderID"))), element),
        is_public=_boolean(_attr(element, "IsPublic") or "", element, "IsPublic"),
        display_names=_localized(element, esc("OrganizationDisplayName")),
        definitions=_each(element.findall(esc("ServiceDefinition")), _definition),
        instances=_each(element.findall(esc("ServiceInstance")), _instance),
    )


def _verified_root(root: etree._Element, trust: tuple[PeerCertificate, ...]) -> etree._Element:
    try:
        verified = xmldsig.verify(root, xmldsig.VerifyPolicy(trusted=trust))
    except SignatureError as exc:
        raise CatalogueSignatureInvalid(
            f"service catalogue signature refused: {exc.public}", debug=exc.debug
        ) from exc
    return verified.element


def parse_catalogue(
    data: bytes, *, trust: tuple[PeerCertificate, ...] | None, clock: Clock
) -> ServiceCatalogue:
    """Parse a service catalogue; with ``trust``, only one whose root signature verifies.

    :param trust: the certificates of the BO, HM or DV allowed to sign it; None reads an
        unsigned (or unchecked) catalogue, for tooling that lints or generates entries.
    :raises CatalogueError: (subclasses) on any refusal.
    """
    try:
        root = parse_xml(data, DOCUMENT_LIMITS)
    except XmlError as exc:
        public = f"service catalogue refused: {exc.public}"
        raise CatalogueMalformed(public, debug=exc.debug) from exc
    if root.tag != esc("ServiceCatalogue"):
        raise _fail("the document is not an esc:ServiceCatalogue", root, str(root.tag)[:80])
    if trust is not None:
        root = _verified_root(root, trust)
    instant_text = _attr(root, "IssueInstant")
    version = _attr(root, "Version")
    if not instant_text or not version:
        raise _fail("ServiceCatalogue needs IssueInstant and Version", root)
    try:
        issue_instant = parse_instant(instant_text)
    except XmlError as exc:
        raise _fail("IssueInstant is not a dateTime", root, instant_text[:40]) from exc
    if issue_instant > clock.now() + MAX_FUTURE_SKEW:
        raise _fail("IssueInstant lies in the future", root, instant_text[:40])
    providers = _each(root.findall(esc("ServiceProvider")), _provider)
    if not providers:
        raise _fail("ServiceCatalogue lists no ServiceProvider", root)
    return ServiceCatalogue(root.get("ID") or "", issue_instant, version, providers)
