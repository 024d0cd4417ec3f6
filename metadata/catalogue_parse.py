"""Parse an eHerkenning service catalogue document into the values of the catalogue model.

Spec: ``shared/spec/eherkenning.md`` §6 (structure; the published XSD is only a guide, "use
only as example"), §1 (OIN), §2 (the catalogue LoA), §3.2 (ECTA sets by ``setNumber``) and
§5.1/§10 (one ServiceCertificate per instance: the upcoming one during a rollover). The parser
reads what it knows and leaves judging to :mod:`metadata.catalogue_lint`; when ``trust`` is
given it reads values only from the element whose signature verified. The public names live
in :mod:`metadata.catalogue`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from collections.abc import Iterable
from datetime import timedelta
from typing import Final
from typing import TypeVar

from cryptography import x509
from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import parse_instant
from etoegang.crypto import xmldsig
from etoegang.errors import CatalogueError
from etoegang.errors import CatalogueMalformed
from etoegang.errors import CatalogueSignatureInvalid
from etoegang.errors import SignatureError
from etoegang.errors import XmlError
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XML
from etoegang.xml.ns import qname
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import text_of
from keys.ring import PeerCertificate
from metadata.catalogue_model import CatalogueRequestedAttribute
from metadata.catalogue_model import EctaSet
from metadata.catalogue_model import IntermediationAllowed
from metadata.catalogue_model import ServiceCatalogue
from metadata.catalogue_model import ServiceDefinition
from metadata.catalogue_model import ServiceInstance
from metadata.catalogue_model import ServiceIntermediation
from metadata.catalogue_model import ServiceProvider
from metadata.catalogue_model import esc
from metadata.model import LocalizedText
from policies.loa import Loa

#: How far in the future an IssueInstant may lie before the catalogue is refused (clock skew).
MAX_FUTURE_SKEW: Final = timedelta(minutes=5)

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
