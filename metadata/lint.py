"""Checks a DV's metadata against what an HM accepts (spec §5.1, §4.3, §3.2, §10 items 1-2).

Each rule has a stable id and name and yields :class:`Violation` values with the line of the
offending element, so a DV's developer sees every problem at once. Lint has no trust store:
``MD01 signed`` checks that the signature verifies with a certificate in the file itself.
A document that cannot be parsed yields one ``MD00 well-formed`` violation.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from cryptography import x509
from cryptography.x509.oid import PublicKeyAlgorithmOID
from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.clock import parse_instant
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import is_signed
from etoegang.crypto.xmldsig import verify
from etoegang.errors import MalformedIdentifier
from etoegang.errors import SignatureAlgorithmRefused
from etoegang.errors import SignatureError
from etoegang.errors import XmlError
from etoegang.messages.fields import children
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import qname
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from keys.ring import MIN_RSA_BITS
from keys.ring import PeerCertificate
from metadata.identifiers import NetworkRole
from metadata.identifiers import is_etoegang_urn
from metadata.identifiers import parse_entity_id
from metadata.identifiers import parse_service_id
from metadata.model import PROTOCOL_SAML2
from metadata.model import Binding


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    summary: str


#: Every rule, by id; ids and names are stable (tools and documentation refer to them).
RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("MD00", "well-formed", "the file is well-formed XML that the hardened parser accepts"),
        Rule("MD01", "signed", "the root carries a signature that verifies with a certificate "
             "in the file"),
        Rule("MD02", "no-sha1", "no SHA-1 signature, digest or other algorithm anywhere"),
        Rule("MD03", "authn-requests-signed", 'SPSSODescriptor AuthnRequestsSigned="true"'),
        Rule("MD04", "want-assertions-signed", 'SPSSODescriptor WantAssertionsSigned="true"'),
        Rule("MD05", "keyname-present", "every signing KeyDescriptor has a ds:KeyName"),
        Rule("MD06", "key-size", "certificates are RSA >= 2048 bits (EC >= 256) and valid now"),
        Rule("MD07", "forbidden-element", "no elements the DV metadata table does not list "
             "(NameIDFormat, IdP roles, ...)"),
        Rule("MD08", "one-default-acs-service", "with several AttributeConsumingServices "
             'exactly one isDefault="true"; indexes unique'),
        Rule("MD09", "serviceid-requested-attribute", "each AttributeConsumingService's first "
             "RequestedAttribute is its ServiceID urn:etoegang:DV:<OIN>:services:<index>"),
        Rule("MD10", "no-identifier-attributes", "no identifier-type RequestedAttributes "
             "(KvKnr, RSIN, BSN, Pseudo, ...)"),
        Rule("MD11", "artifact-acs", "an AssertionConsumerService with the HTTP-Artifact binding"),
        Rule("MD12", "entity-id", "entityID is an etoegang DV EntityID or an https URL"),
        Rule("MD13", "sp-descriptor", "one EntityDescriptor with one SAML 2.0 SPSSODescriptor"),
        Rule("MD14", "key-uses", "at least one signing and one encryption certificate"),
        Rule("MD15", "valid-until", "validUntil, when present, lies in the future"),
    )
}


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    message: str
    line: int | None

    @property
    def name(self) -> str:
        return RULES[self.rule].name


@dataclass(frozen=True, slots=True)
class _Doc:
    root: etree._Element
    sp: etree._Element | None
    now: datetime


_SP = qname(MD, "SPSSODescriptor")
_KEY_DESCRIPTOR = qname(MD, "KeyDescriptor")
_ACS = qname(MD, "AssertionConsumerService")
_ATTRIBUTE_SERVICE = qname(MD, "AttributeConsumingService")
_REQUESTED = qname(MD, "RequestedAttribute")
_CERT_PATH = "/".join(qname(DS, n) for n in ("KeyInfo", "X509Data", "X509Certificate"))

#: Elements brokers refuse in DV metadata (spec §5.1, §10 item 1).
_FORBIDDEN_IN_SP = ("NameIDFormat", "ManageNameIDService")
_FORBIDDEN_IN_ENTITY = (
    "IDPSSODescriptor", "AuthnAuthorityDescriptor", "AttributeAuthorityDescriptor",
    "PDPDescriptor", "RoleDescriptor", "AffiliationDescriptor", "AdditionalMetadataLocation",
)
#: What DV metadata may hold (spec §5.1 table; the endpoints DV libraries register as well).
_ALLOWED_IN_ENTITY = frozenset(
    {qname(DS, "Signature")}
    | {qname(MD, n) for n in ("SPSSODescriptor", "Organization", "ContactPerson")}
)
_ALLOWED_IN_SP = frozenset(
    qname(MD, n)
    for n in (
        "KeyDescriptor", "ArtifactResolutionService", "SingleLogoutService",
        "AssertionConsumerService", "AttributeConsumingService",
    )
)
#: Identifier-type attributes come from the catalogue's ECTA sets, never from a
#: RequestedAttribute (spec §3.2).
_IDENTIFIER = re.compile(
    r"(EntityConcernedID|IntermediateEntityID|LegalSubjectID|ActingSubjectID"
    r"|IntermediateSubjectID)",
)


def _v(rule: str, message: str, element: etree._Element | None) -> Violation:
    line = element.sourceline if element is not None else None
    return Violation(rule, message, line if isinstance(line, int) else None)


def _truthy(value: str | None) -> bool:
    return (value or "").strip() in ("true", "1")


def _key_descriptors(doc: _Doc) -> list[etree._Element]:
    return doc.sp.findall(_KEY_DESCRIPTOR) if doc.sp is not None else []


_CertNode = tuple[etree._Element, x509.Certificate | None]


def _certificates(element: etree._Element) -> Iterator[_CertNode]:
    for node in element.iterfind(_CERT_PATH):
        try:
            der = base64.b64decode("".join((node.text or "").split()), validate=True)
            yield node, x509.load_der_x509_certificate(der)
        except (binascii.Error, ValueError):
            yield node, None


def _has_sha1(root: etree._Element) -> bool:
    return any("sha1" in (el.get("Algorithm") or "").lower() for el in root.iter())


def _md01_signed(doc: _Doc) -> Iterator[Violation]:
    if not is_signed(doc.root):
        yield _v("MD01", "the metadata is not signed; sign the EntityDescriptor", doc.root)
        return
    # Lint has no trust store: the certificates in the file itself are tried.
    trusted: list[PeerCertificate] = []
    signature = doc.root.find(qname(DS, "Signature"))
    for holder in [signature, *doc.root.iter(_KEY_DESCRIPTOR)]:
        if holder is None:
            continue
        trusted += [PeerCertificate(cert) for _n, cert in _certificates(holder) if cert]
    try:
        verify(doc.root, VerifyPolicy(trusted=tuple(dict.fromkeys(trusted))))
    except SignatureAlgorithmRefused as exc:
        if not _has_sha1(doc.root):  # SHA-1 is reported once, by MD02
            yield _v("MD01", f"signature refused: {exc.public}", doc.root)
    except SignatureError as exc:
        yield _v("MD01", f"signature does not verify: {exc.public}", doc.root)


def _md02_no_sha1(doc: _Doc) -> Iterator[Violation]:
    for element in doc.root.iter():
        algorithm = element.get("Algorithm") or ""
        if "sha1" in algorithm.lower():
            local = etree.QName(element).localname
            yield _v("MD02", f"{local} uses SHA-1 ({algorithm}); use SHA-256", element)


def _md03_authn_requests_signed(doc: _Doc) -> Iterator[Violation]:
    if doc.sp is not None and not _truthy(doc.sp.get("AuthnRequestsSigned")):
        yield _v("MD03", 'set AuthnRequestsSigned="true" on the SPSSODescriptor', doc.sp)


def _md04_want_assertions_signed(doc: _Doc) -> Iterator[Violation]:
    if doc.sp is not None and not _truthy(doc.sp.get("WantAssertionsSigned")):
        yield _v("MD04", 'set WantAssertionsSigned="true" on the SPSSODescriptor', doc.sp)


def _md05_keyname_present(doc: _Doc) -> Iterator[Violation]:
    for descriptor in _key_descriptors(doc):
        if descriptor.get("use", "signing") != "signing":
            continue
        names = descriptor.findall(f"{qname(DS, 'KeyInfo')}/{qname(DS, 'KeyName')}")
        if not any((name.text or "").strip() for name in names):
            yield _v("MD05", "signing KeyDescriptor without ds:KeyName", descriptor)


def _md06_key_size(doc: _Doc) -> Iterator[Violation]:
    for descriptor in _key_descriptors(doc):
        for node, cert in _certificates(descriptor):
            if cert is None:
                yield _v("MD06", "X509Certificate cannot be read", node)
                continue
            oid = cert.public_key_algorithm_oid
            size = getattr(cert.public_key(), "key_size", 0)
            if oid == PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5 and size < MIN_RSA_BITS:
                yield _v("MD06", f"RSA key of {size} bits; at least {MIN_RSA_BITS}", node)
            elif oid == PublicKeyAlgorithmOID.EC_PUBLIC_KEY and size < 256:
                yield _v("MD06", f"EC key of {size} bits; at least 256", node)
            if cert.not_valid_after_utc <= doc.now:
                yield _v("MD06", f"certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}",
                         node)
            elif cert.not_valid_before_utc > doc.now:
                yield _v("MD06", "certificate is not valid yet", node)


def _md07_forbidden_element(doc: _Doc) -> Iterator[Violation]:
    """An allow-list (spec §5.1: elements the table does not list MUST NOT appear), with the
    reason spelled out for the elements DVs most often add by mistake."""
    for child in children(doc.root):
        local = etree.QName(child).localname
        if local in _FORBIDDEN_IN_ENTITY:
            yield _v("MD07", f"{local} is not allowed in DV metadata", child)
        elif child.tag not in _ALLOWED_IN_ENTITY:
            yield _v("MD07", f"{local} is not listed for DV metadata; brokers refuse it", child)
    if doc.sp is not None:
        for child in children(doc.sp):
            local = etree.QName(child).localname
            if local in _FORBIDDEN_IN_SP:
                yield _v("MD07", f"{local} is not allowed in DV metadata; brokers refuse it",
                         child)
            elif child.tag not in _ALLOWED_IN_SP:
                yield _v("MD07", f"{local} is not listed for DV metadata; brokers refuse it",
                         child)


def _services(doc: _Doc) -> list[etree._Element]:
    return doc.sp.findall(_ATTRIBUTE_SERVICE) if doc.sp is not None else []


def _md08_one_default(doc: _Doc) -> Iterator[Violation]:
    services = _services(doc)
    defaults = [s for s in services if _truthy(s.get("isDefault"))]
    if len(services) > 1 and len(defaults) != 1:
        where = defaults[1] if len(defaults) > 1 else services[0]
        yield _v("MD08", f'{len(defaults)} AttributeConsumingServices have isDefault="true"; '
                 "exactly one must", where)
    seen: set[str] = set()
    for service in services:
        index = (service.get("index") or "").strip()
        if index in seen:
            yield _v("MD08", f"AttributeConsumingService index {index} is used twice", service)
        seen.add(index)


def _md09_service_id(doc: _Doc) -> Iterator[Violation]:
    services = _services(doc)
    if doc.sp is not None and not services:
        yield _v("MD09", "no AttributeConsumingService: the HM cannot find a ServiceID", doc.sp)
    for service in services:
        first = service.find(_REQUESTED)
        index = (service.get("index") or "").strip()
        if first is None:
            yield _v("MD09", f"AttributeConsumingService {index} requests no ServiceID", service)
            continue
        name = first.get("Name") or ""
        try:
            parsed = parse_service_id(name)
        except MalformedIdentifier:
            yield _v("MD09", f"first RequestedAttribute {name!r} is not a ServiceID "
                     "urn:etoegang:DV:<20-digit OIN>:services:<index>", first)
            continue
        if not index.isdigit() or parsed.index != int(index):
            yield _v("MD09", f"ServiceID index {parsed.index} differs from "
                     f"AttributeConsumingService index {index}", first)


def _md10_no_identifiers(doc: _Doc) -> Iterator[Violation]:
    for service in _services(doc):
        for requested in service.findall(_REQUESTED):
            name = requested.get("Name") or ""
            if _IDENTIFIER.search(name):
                yield _v("MD10", f"{name} is an identifier: identifiers come from the service "
                         "catalogue's EntityConcernedTypesAllowed, not RequestedAttribute",
                         requested)


def _md11_artifact_acs(doc: _Doc) -> Iterator[Violation]:
    if doc.sp is None:
        return
    bindings = [acs.get("Binding") for acs in doc.sp.findall(_ACS)]
    if Binding.HTTP_ARTIFACT.value not in bindings:
        yield _v("MD11", "no AssertionConsumerService with the HTTP-Artifact binding", doc.sp)


def _md12_entity_id(doc: _Doc) -> Iterator[Violation]:
    value = (doc.root.get("entityID") or "").strip()
    if is_etoegang_urn(value):
        try:
            parsed = parse_entity_id(value)
        except MalformedIdentifier as exc:
            yield _v("MD12", exc.public, doc.root)
            return
        if parsed.role is not NetworkRole.DV:
            yield _v("MD12", f"entityID has role {parsed.role.value}; a DV uses DV", doc.root)
        return
    url = urlparse(value)
    if url.scheme != "https" or not url.netloc:
        yield _v("MD12", f"entityID {value!r} is neither an etoegang EntityID nor an https URL",
                 doc.root)


def _md14_key_uses(doc: _Doc) -> Iterator[Violation]:
    if doc.sp is None:
        return
    uses: set[str] = set()
    for descriptor in _key_descriptors(doc):
        if any(cert is not None for _n, cert in _certificates(descriptor)):
            use = descriptor.get("use")
            uses |= {use} if use else {"signing", "encryption"}
    for use in ("signing", "encryption"):
        if use not in uses:
            yield _v("MD14", f"no KeyDescriptor with a certificate for {use}", doc.sp)


def _md15_valid_until(doc: _Doc) -> Iterator[Violation]:
    value = doc.root.get("validUntil")
    if value is None:
        return
    try:
        until = parse_instant(value)
    except XmlError:
        yield _v("MD15", f"validUntil {value!r} is not an xs:dateTime", doc.root)
        return
    if until <= doc.now:
        yield _v("MD15", f"validUntil {value} has passed", doc.root)


_CHECKS: tuple[Callable[[_Doc], Iterator[Violation]], ...] = (
    _md01_signed, _md02_no_sha1, _md03_authn_requests_signed, _md04_want_assertions_signed,
    _md05_keyname_present, _md06_key_size, _md07_forbidden_element, _md08_one_default,
    _md09_service_id, _md10_no_identifiers, _md11_artifact_acs, _md12_entity_id,
    _md14_key_uses, _md15_valid_until,
)


def _shape(root: etree._Element) -> tuple[etree._Element | None, list[Violation]]:
    if root.tag != qname(MD, "EntityDescriptor"):
        return None, [_v("MD13", "the root must be one md:EntityDescriptor", root)]
    sps = root.findall(_SP)
    if len(sps) != 1:
        return None, [_v("MD13", f"{len(sps)} SPSSODescriptors; exactly one", root)]
    if PROTOCOL_SAML2 not in (sps[0].get("protocolSupportEnumeration") or "").split():
        return sps[0], [_v("MD13", "protocolSupportEnumeration lacks SAML 2.0", sps[0])]
    return sps[0], []


def lint_dv_metadata(data: bytes, clock: Clock | None = None) -> list[Violation]:
    """Every rule violation in a DV metadata document, in rule order then document order."""
    try:
        root = parse_xml(data, DOCUMENT_LIMITS)
    except XmlError as exc:
        detail = f": {exc.debug}" if exc.debug else ""
        return [Violation("MD00", f"{exc.public}{detail}", None)]
    sp, violations = _shape(root)
    if root.tag != qname(MD, "EntityDescriptor"):
        return violations
    doc = _Doc(root, sp, (clock or SystemClock()).now())
    for check in _CHECKS:
        violations.extend(check(doc))
    order = list(RULES)
    return sorted(violations, key=lambda v: order.index(v.rule))
