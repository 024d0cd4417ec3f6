"""Lint a service catalogue: every problem at once, each with a stable rule id and a line.

Spec: ``shared/spec/eherkenning.md`` §6 (structure and limits), §1 (ServiceID, ServiceUUID,
OIN), §2 (LoA; BSN only from eH3; no SSO at eH4; eH1 discontinued), §3.2 (identifying types,
ECTA sets, Vestigingsnr only with KvKnr, no SubdossierNr), §3.4 (requested attributes).

Languages (SC09): every multi-language element needs ``xml:lang``, no language twice, Dutch
(``nl``) in every multi-language group, and English (``en``) as well for the URL elements
(ServiceDescriptionURL, ServiceURL, PrivacyPolicyURL), which brokers' templates ask in both
languages (§10 item 3). Names, descriptions and purpose statements need only ``nl``.

Each rule is a small function over a :class:`_Doc`; :func:`lint_catalogue` runs them in order.
Element order and cardinality (SC16) come from tables transcribed from the 1.13 XSD.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from cryptography import x509
from cryptography.x509.oid import PublicKeyAlgorithmOID
from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.clock import parse_instant
from etoegang.crypto import xmldsig
from etoegang.errors import SignatureAlgorithmRefused
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
from keys.ring import MIN_RSA_BITS
from keys.ring import PeerCertificate
from metadata.catalogue import SUBDOSSIER_NR
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceRestriction
from metadata.catalogue import esc
from policies.loa import Loa

__all__ = ["Rule", "Violation", "lint_catalogue"]


class Rule(Enum):
    """Lint rules; the value is the stable id, :attr:`slug` the stable name."""

    WELL_FORMED = "SC00"
    SIGNED = "SC01"
    SERVICEUUID_UNIQUE = "SC02"
    SERVICEID_FORMAT = "SC03"
    LOA_URN = "SC04"
    ECTA_SETS = "SC05"
    BSN_LOA = "SC06"
    VESTIGINGSNR_WITH_KVK = "SC07"
    LENGTH_LIMITS = "SC08"
    LANGUAGES = "SC09"
    INSTANCE_OF = "SC10"
    BSNK_VERSIONS = "SC11"
    SERVICE_CERTIFICATE = "SC12"
    UUID_FORMAT = "SC13"
    OIN_FORMAT = "SC14"
    ROOT_ATTRIBUTES = "SC15"
    STRUCTURE = "SC16"
    REQUESTED_ATTRIBUTES = "SC17"
    SSO_LOA4 = "SC18"
    LOA_DISCONTINUED = "SC19"
    PORTAL = "SC20"

    @property
    def slug(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True)
class Violation:
    rule: Rule
    message: str
    line: int

    def __str__(self) -> str:
        return f"{self.rule.value} {self.rule.slug}: {self.message}"


# --- vocabulary -------------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_OIN = re.compile(r"^\d{20}$")
_SERVICE_ID = re.compile(r"^urn:etoegang:DV:(\d+):services:(\d+)$")
# Spec form urn:etoegang:<scheme>:service-catalogue:<P|T>:<seq>; the DV library's
# urn:etoegang:<scheme>:<seq> is accepted too (§6: works with brokers).
_VERSION = re.compile(r"^urn:etoegang:\d+\.\d+:(service-catalogue:[PT]:)?\d+$")
_ATTRIBUTE = re.compile(r"^urn:etoegang:\d+\.\d+:attribute(-represented)?:\S+$")
_I = IdentifierType
_PSEUDOS: Final = (_I.PSEUDO, _I.PSEUDO_1_9)
_BSNS: Final = (_I.BSN, _I.BSN_LEGACY)


def _combos() -> frozenset[frozenset[IdentifierType]]:
    """Valid ECTA sets (§3.2 [SIG-DOCS]): kvk, rsin, bsn, kvk+rsin, kvk+bsn (eH); pseudo,
    pseudoid, bsn+pseudoid, bsn+pseudo, bsn+pseudoid+pseudo, eidasLegalIdentifier (eIDAS).
    Either Pseudo URN and either BSN URN may stand where the list names the type."""
    out: set[frozenset[IdentifierType]] = {frozenset({_I.KVKNR}), frozenset({_I.RSIN}),
                                           frozenset({_I.KVKNR, _I.RSIN}),
                                           frozenset({_I.PSEUDO_ID}),
                                           frozenset({_I.EIDAS_LEGAL_IDENTIFIER})}
    for bsn in _BSNS:
        out |= {frozenset({bsn}), frozenset({_I.KVKNR, bsn}), frozenset({bsn, _I.PSEUDO_ID})}
        for pseudo in _PSEUDOS:
            out |= {frozenset({bsn, pseudo}), frozenset({bsn, _I.PSEUDO_ID, pseudo})}
    for pseudo in _PSEUDOS:
        out.add(frozenset({pseudo}))
    return frozenset(out)


_VALID_SETS: Final = _combos()
#: Types an acting subject may have (§3.2 "Allowed as" column).
_ACTING: Final = frozenset({_I.BSN, _I.PSEUDO_ID, _I.PSEUDO, _I.PSEUDO_1_9})
_LIMITS: Final = {"OrganizationDisplayName": 64, "ServiceName": 64, "ServiceDescription": 1024,
                  "PurposeStatement": 1024, "ServiceDescriptionURL": 512, "ServiceURL": 512,
                  "PrivacyPolicyURL": 512}
_URL_GROUPS: Final = frozenset({"ServiceDescriptionURL", "ServiceURL", "PrivacyPolicyURL"})
_LANG: Final = qname(XML, "lang")
_ECTA: Final = esc("EntityConcernedTypesAllowed")
_ASTA: Final = esc("ActingSubjectTypesAllowed")


# --- the document -----------------------------------------------------------------------------


def _line(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) and line > 0 else 1


def _val(element: etree._Element) -> str:
    """text_of, or "" for mixed content (which SC16 reports)."""
    try:
        return text_of(element)
    except XmlError:
        return ""


@dataclass(frozen=True, slots=True)
class _Doc:
    root: etree._Element
    now: datetime
    providers: tuple[etree._Element, ...]
    definitions: tuple[etree._Element, ...]
    instances: tuple[etree._Element, ...]

    def definition_for(self, instance: etree._Element) -> etree._Element | None:
        ref = instance.find(esc("InstanceOfService"))
        wanted = _val(ref).lower() if ref is not None else None
        for definition in self.definitions:
            uuid = definition.find(esc("ServiceUUID"))
            if wanted and uuid is not None and _val(uuid).lower() == wanted:
                return definition
        return None

    def instances_of(self, definition: etree._Element) -> Iterator[etree._Element]:
        for instance in self.instances:
            if self.definition_for(instance) is definition:
                yield instance


def _loa(definition: etree._Element | None) -> Loa | None:
    ref = definition.find(qname(SAML, "AuthnContextClassRef")) if definition is not None else None
    try:
        return Loa(_val(ref)) if ref is not None else None
    except ValueError:
        return None


def _types(parent: etree._Element | None, tag: str) -> list[IdentifierType]:
    out = []
    for child in parent.findall(tag) if parent is not None else []:
        try:
            out.append(IdentifierType(_val(child)))
        except Exception:  # noqa: S112 - unknown types are SC05's to report
            continue
    return out


Check = Callable[[_Doc], Iterator[Violation]]


# --- SC01 signed ------------------------------------------------------------------------------


def _signed(doc: _Doc) -> Iterator[Violation]:
    signatures = doc.root.findall(qname(DS, "Signature"))
    if not signatures:
        yield Violation(Rule.SIGNED, "the catalogue carries no ds:Signature", _line(doc.root))
        return
    signature = signatures[0]
    texts = [_val(c) for c in signature.iterfind(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/"
                                                  f"{{{DS}}}X509Certificate")]
    if len(texts) != 1:
        yield Violation(Rule.SIGNED, "the signature's KeyInfo needs exactly one "
                        "X509Certificate", _line(signature))
        return
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(texts[0].split())))
    except (binascii.Error, ValueError):
        yield Violation(Rule.SIGNED, "X509Certificate in KeyInfo is not a certificate",
                        _line(signature))
        return
    try:
        xmldsig.verify(doc.root, xmldsig.VerifyPolicy(trusted=(PeerCertificate(cert),)))
    except SignatureAlgorithmRefused as exc:
        yield Violation(Rule.SIGNED, f"{exc.public} (SHA-1 and other weak algorithms are "
                        f"refused; use RSA-SHA256 and SHA-256): {exc.debug}", _line(signature))
    except SignatureError as exc:
        yield Violation(Rule.SIGNED, f"{exc.public}", _line(signature))
    if cert.not_valid_after_utc < doc.now:
        yield Violation(Rule.SIGNED, "the signing certificate expired on "
                        f"{cert.not_valid_after_utc:%Y-%m-%d}", _line(signature))


# --- identifiers ------------------------------------------------------------------------------


def _uuid_unique(doc: _Doc) -> Iterator[Violation]:
    seen: dict[str, int] = {}
    for element in doc.definitions + doc.instances:
        for uuid in element.findall(esc("ServiceUUID")):
            key = _val(uuid).lower()
            if key in seen:
                yield Violation(Rule.SERVICEUUID_UNIQUE, f"ServiceUUID {_val(uuid)} is also used "
                                f"at line {seen[key]}; every service needs its own", _line(uuid))
            else:
                seen[key] = _line(uuid)


def _service_ids(doc: _Doc) -> Iterator[Violation]:
    for provider in doc.providers:
        oin_el = provider.find(esc("ServiceProviderID"))
        oin = _val(oin_el) if oin_el is not None else ""
        seen: dict[int, int] = {}
        for sid in provider.iterfind(f"{esc('ServiceInstance')}/{esc('ServiceID')}"):
            value = _val(sid)
            match = _SERVICE_ID.match(value)
            if match is None or len(match.group(1)) != 20:
                yield Violation(Rule.SERVICEID_FORMAT, f"ServiceID {value!r} is not urn:etoegang:"
                                "DV:<20-digit OIN>:services:<index>", _line(sid))
                continue
            index = int(match.group(2))
            if index < 1:
                yield Violation(Rule.SERVICEID_FORMAT, "ServiceID index starts at 1", _line(sid))
            if match.group(1) != oin:
                yield Violation(Rule.SERVICEID_FORMAT, f"ServiceID OIN {match.group(1)} is not "
                                f"the ServiceProviderID {oin}", _line(sid))
            if index in seen:
                yield Violation(Rule.SERVICEID_FORMAT, f"ServiceID index {index} is also used "
                                f"at line {seen[index]}", _line(sid))
            seen.setdefault(index, _line(sid))


def _uuid_format(doc: _Doc) -> Iterator[Violation]:
    for element in doc.definitions + doc.instances:
        for tag in ("ServiceUUID", "InstanceOfService"):
            for child in element.findall(esc(tag)):
                if not _UUID.match(_val(child)):
                    yield Violation(Rule.UUID_FORMAT, f"{tag} {_val(child)!r} is not a UUID "
                                    "(8-4-4-4-12 hex digits)", _line(child))


def _oin_format(doc: _Doc) -> Iterator[Violation]:
    tags = {esc(t) for t in ("ServiceProviderID", "HerkenningsmakelaarId",
                             "AdditionalHerkenningsmakelaarId", "ServiceIntermediationAllowed")}
    for child in doc.root.iter(*tags):
        if not _OIN.match(_val(child)):
            yield Violation(Rule.OIN_FORMAT, f"{etree.QName(child).localname} {_val(child)!r} "
                            "is not an OIN (20 digits)", _line(child))


# --- LoA and identifying types ----------------------------------------------------------------


def _loa_urn(doc: _Doc) -> Iterator[Violation]:
    for definition in doc.definitions:
        for ref in definition.findall(qname(SAML, "AuthnContextClassRef")):
            try:
                loa = Loa(_val(ref))
            except ValueError:
                yield Violation(Rule.LOA_URN, f"{_val(ref)!r} is not an etoegang level "
                                "(urn:etoegang:core:assurance-class:loa2|loa2plus|loa3|loa4)",
                                _line(ref))
                continue
            if loa is Loa.EH1:
                yield Violation(Rule.LOA_DISCONTINUED, "eH1 (loa1) was discontinued on "
                                "2021-07-01; ask loa2 or higher", _line(ref))


def _set_problems(parent: etree._Element, tag: str, acting: bool) -> Iterator[Violation]:
    label = "ActingSubjectTypesAllowed" if acting else "EntityConcernedTypesAllowed"
    sets: dict[str, list[IdentifierType]] = {}
    for child in parent.findall(tag):
        number = child.get("setNumber")
        if number is None or not number.strip().isdigit():
            yield Violation(Rule.ECTA_SETS, f"{label} needs a setNumber (non-negative integer)",
                            _line(child))
            number = f"?{_line(child)}"
        try:
            kind = IdentifierType(_val(child))
        except Exception:
            yield Violation(Rule.ECTA_SETS, f"unknown identifying type {_val(child)!r}",
                            _line(child))
            continue
        members = sets.setdefault(number.strip(), [])
        if kind in members:
            yield Violation(Rule.ECTA_SETS, f"{kind.value} occurs twice in set {number}",
                            _line(child))
        members.append(kind)
        if acting and kind not in _ACTING:
            yield Violation(Rule.ECTA_SETS, f"{kind.value} cannot identify an acting subject",
                            _line(child))
    seen: dict[frozenset[IdentifierType], str] = {}
    first = parent.find(tag)
    for number, members in sets.items():
        combo = frozenset(members)
        if combo in seen and not number.startswith("?"):
            yield Violation(Rule.ECTA_SETS, f"set {number} repeats set {seen[combo]}",
                            _line(first) if first is not None else 1)
        seen.setdefault(combo, number)
        if not acting and combo not in _VALID_SETS:
            names = "+".join(sorted(t.value.rsplit(":", 1)[1] for t in combo))
            yield Violation(Rule.ECTA_SETS, f"set {number} ({names}) is not a valid combination "
                            "(kvk, rsin, bsn, kvk+rsin, kvk+bsn; eIDAS: pseudo, pseudoid, "
                            "bsn+pseudoid, bsn+pseudo, bsn+pseudoid+pseudo, "
                            "eidasLegalIdentifier)", _line(first) if first is not None else 1)


def _ecta_sets(doc: _Doc) -> Iterator[Violation]:
    for definition in doc.definitions:
        yield from _set_problems(definition, _ECTA, acting=False)
        yield from _set_problems(definition, _ASTA, acting=True)
    for instance in doc.instances:
        yield from _set_problems(instance, _ECTA, acting=False)


def _bsn_loa(doc: _Doc) -> Iterator[Violation]:
    # §2: a service that accepts BSN must ask at least substantial (eH3).
    for definition in doc.definitions:
        loa = _loa(definition)
        if loa is None or loa >= Loa.EH3:
            continue
        holders = [definition, *doc.instances_of(definition)]
        for holder in holders:
            for child in [*holder.findall(_ECTA), *holder.findall(_ASTA)]:
                if _val(child) in (t.value for t in _BSNS):
                    yield Violation(Rule.BSN_LOA, f"BSN is allowed only at eH3 or higher; the "
                                    f"service asks {loa.label}", _line(child))


def _restrictions(doc: _Doc) -> Iterator[Violation]:
    for definition in doc.definitions:
        has_kvk = _I.KVKNR in _types(definition, _ECTA)
        for child in definition.findall(esc("ServiceRestrictionsAllowed")):
            value = _val(child)
            if value == SUBDOSSIER_NR:
                yield Violation(Rule.VESTIGINGSNR_WITH_KVK, "SubdossierNr may not be listed in "
                                "the catalogue; use Vestigingsnr", _line(child))
            elif value != ServiceRestriction.VESTIGINGSNR.value:
                yield Violation(Rule.VESTIGINGSNR_WITH_KVK, f"unknown service restriction "
                                f"{value!r}", _line(child))
            elif not has_kvk:
                yield Violation(Rule.VESTIGINGSNR_WITH_KVK, "Vestigingsnr is allowed only with "
                                "a KvKnr EntityConcernedTypesAllowed", _line(child))


def _bsnk_versions(doc: _Doc) -> Iterator[Violation]:
    for instance in doc.instances:
        definition = doc.definition_for(instance)
        types = _types(instance, _ECTA) or _types(definition, _ECTA)
        types += _types(definition, _ASTA)
        needs = any(t.needs_bsnk for t in types)
        for tag in ("BsnkStructureVersion", "BsnkRecipientKeySetVersion"):
            child = instance.find(esc(tag))
            if needs and child is None:
                yield Violation(Rule.BSNK_VERSIONS, f"{tag} is required when BSN or PseudoID is "
                                "allowed", _line(instance))
            elif not needs and child is not None:
                yield Violation(Rule.BSNK_VERSIONS, f"{tag} only belongs with BSN or PseudoID",
                                _line(child))
            elif child is not None and tag[4] == "S" and _val(child) not in ("1", "2"):
                yield Violation(Rule.BSNK_VERSIONS, "BsnkStructureVersion is 1 or 2",
                                _line(child))
            elif child is not None and not _val(child).isdigit():
                yield Violation(Rule.BSNK_VERSIONS, f"{tag} is a number", _line(child))


# --- instances --------------------------------------------------------------------------------


def _instance_of(doc: _Doc) -> Iterator[Violation]:
    for instance in doc.instances:
        ref = instance.find(esc("InstanceOfService"))
        if ref is None:
            if instance.find(esc("IntermediatedService")) is None:
                yield Violation(Rule.INSTANCE_OF, "ServiceInstance names no InstanceOfService",
                                _line(instance))
        elif doc.definition_for(instance) is None:
            yield Violation(Rule.INSTANCE_OF, f"InstanceOfService {_val(ref)} names no "
                            "ServiceDefinition in this catalogue", _line(ref))


def _certificate_problems(wrapper: etree._Element, now: datetime) -> Iterator[str]:
    descriptor = wrapper.find(qname(MD, "KeyDescriptor"))
    info = descriptor.find(qname(DS, "KeyInfo")) if descriptor is not None else None
    if descriptor is None or info is None:
        yield "ServiceCertificate needs md:KeyDescriptor/ds:KeyInfo"
        return
    if descriptor.get("use") not in (None, "encryption"):
        yield f"the KeyDescriptor use is {descriptor.get('use')!r}; it must be 'encryption'"
    if not [n for n in info.findall(qname(DS, "KeyName")) if _val(n)]:
        yield "the KeyInfo has no ds:KeyName"
    texts = [_val(c) for c in info.iterfind(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate")]
    if len(texts) != 1:
        yield "the KeyInfo needs exactly one X509Certificate"
        return
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(texts[0].split())))
    except (binascii.Error, ValueError):
        yield "X509Certificate is not a certificate"
        return
    if cert.public_key_algorithm_oid != PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5:
        yield "the service certificate must hold an RSA key (identifiers use RSA-OAEP)"
    elif (bits := getattr(cert.public_key(), "key_size", 0)) < MIN_RSA_BITS:
        yield f"RSA key of {bits} bits; at least {MIN_RSA_BITS}"
    if cert.not_valid_after_utc < now:
        yield f"the service certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}"
    elif cert.not_valid_before_utc > now:
        yield f"the service certificate is valid only from {cert.not_valid_before_utc:%Y-%m-%d}"


def _service_certificate(doc: _Doc) -> Iterator[Violation]:
    for instance in doc.instances:
        wrappers = instance.findall(esc("ServiceCertificate"))
        if not wrappers:
            yield Violation(Rule.SERVICE_CERTIFICATE, "ServiceInstance has no ServiceCertificate "
                            "(the DV encryption certificate)", _line(instance))
        elif len(wrappers) > 1:
            yield Violation(Rule.SERVICE_CERTIFICATE, "more than one ServiceCertificate; list "
                            "only the one to encrypt for", _line(wrappers[1]))
        for wrapper in wrappers[:1]:
            for problem in _certificate_problems(wrapper, doc.now):
                yield Violation(Rule.SERVICE_CERTIFICATE, problem, _line(wrapper))


def _sso_loa4(doc: _Doc) -> Iterator[Violation]:
    for instance in doc.instances:
        sso = instance.find(esc("SSOSupport"))
        if sso is not None and _val(sso) in ("true", "1") and _loa(
            doc.definition_for(instance)
        ) is Loa.EH4:
            yield Violation(Rule.SSO_LOA4, "SSO is never allowed for services at eH4",
                            _line(sso))


def _portal(doc: _Doc) -> Iterator[Violation]:
    for instance in doc.instances:
        portal_for = instance.find(esc("PortalForService"))
        if portal_for is not None and instance.get(esc("IsPortal")) not in ("true", "1"):
            yield Violation(Rule.PORTAL, "PortalForService needs IsPortal=\"true\"",
                            _line(portal_for))


# --- texts ------------------------------------------------------------------------------------


def _lengths(doc: _Doc) -> Iterator[Violation]:
    for child in doc.root.iter(*(esc(tag) for tag in _LIMITS)):
        local = etree.QName(child).localname
        value = _val(child)
        if len(child):
            continue  # mixed content: SC16 reports it
        if not value:
            yield Violation(Rule.LENGTH_LIMITS, f"{local} is empty", _line(child))
        elif len(value) > _LIMITS[local]:
            yield Violation(Rule.LENGTH_LIMITS, f"{local} has {len(value)} characters; at most "
                            f"{_LIMITS[local]}", _line(child))


def _languages(doc: _Doc) -> Iterator[Violation]:
    tags = [esc(tag) for tag in _LIMITS]
    for parent in doc.root.iter():
        groups: dict[str, list[etree._Element]] = {}
        for child in parent:
            if child.tag in tags:
                groups.setdefault(etree.QName(child).localname, []).append(child)
        for local, members in groups.items():
            langs: list[str] = []
            for member in members:
                lang = (member.get(_LANG) or "").strip().lower()
                if not lang:
                    yield Violation(Rule.LANGUAGES, f"{local} has no xml:lang", _line(member))
                elif lang in langs:
                    yield Violation(Rule.LANGUAGES, f"{local} in language {lang!r} occurs twice",
                                    _line(member))
                langs.append(lang)
            wanted = ("nl", "en") if local in _URL_GROUPS else ("nl",)
            for lang in wanted:
                if lang not in langs:
                    yield Violation(Rule.LANGUAGES, f"{local} is missing in language "
                                    f"{lang!r}", _line(members[0]))


def _requested_attributes(doc: _Doc) -> Iterator[Violation]:
    identifiers = {t.value for t in IdentifierType}
    for definition in doc.definitions:
        seen: set[str] = set()
        for attribute in definition.findall(esc("RequestedAttribute")):
            name = attribute.get("Name") or ""
            if name in identifiers or ":EntityConcernedID:" in name:
                yield Violation(Rule.REQUESTED_ATTRIBUTES, f"{name} is an identifying type; it "
                                "comes from EntityConcernedTypesAllowed, never as an attribute",
                                _line(attribute))
            elif ":attribute-intermediate:" in name:
                yield Violation(Rule.REQUESTED_ATTRIBUTES, f"{name} is delivered automatically "
                                "in chains and must not be requested", _line(attribute))
            elif not _ATTRIBUTE.match(name):
                yield Violation(Rule.REQUESTED_ATTRIBUTES, f"{name!r} is not an attribute of the "
                                "etoegang attribute catalogue", _line(attribute))
            if name in seen:
                yield Violation(Rule.REQUESTED_ATTRIBUTES, f"{name} is requested twice",
                                _line(attribute))
            seen.add(name)


# --- root and structure -----------------------------------------------------------------------


def _root_attributes(doc: _Doc) -> Iterator[Violation]:
    root, line = doc.root, _line(doc.root)
    if not root.get("ID"):
        yield Violation(Rule.ROOT_ATTRIBUTES, "ServiceCatalogue has no ID (the signature "
                        "refers to it)", line)
    for local in ("IssueInstant", "Version"):
        value = root.get(esc(local))
        if value is None:
            extra = " (it must be namespace-qualified: esc:" if root.get(local) else " ("
            yield Violation(Rule.ROOT_ATTRIBUTES, f"ServiceCatalogue has no esc:{local}"
                            f"{extra}{local})", line)
        elif local == "IssueInstant":
            try:
                if parse_instant(value) > doc.now:
                    yield Violation(Rule.ROOT_ATTRIBUTES, "IssueInstant lies in the future", line)
            except XmlError:
                yield Violation(Rule.ROOT_ATTRIBUTES, f"IssueInstant {value!r} is not an "
                                "xs:dateTime", line)
        elif not _VERSION.match(value):
            yield Violation(Rule.ROOT_ATTRIBUTES, f"Version {value!r} is not urn:etoegang:"
                            "<scheme>:service-catalogue:<P|T>:<sequence>", line)


_N: Final = 1 << 30  # "unbounded"
_Model = tuple[tuple[str, int, int], ...]
_E = esc
_MODELS: Final[dict[str, _Model]] = {
    # ds:Signature is optional here: SC01 reports a missing one.
    _E("ServiceCatalogue"): ((qname(DS, "Signature"), 0, 1), (_E("ServiceProvider"), 1, _N)),
    _E("ServiceProvider"): ((_E("ServiceProviderID"), 1, 1), (_E("OrganizationDisplayName"), 1, _N),
                            (_E("ServiceDefinition"), 0, _N), (_E("ServiceInstance"), 0, _N)),
    _E("ServiceDefinition"): (
        (_E("ServiceUUID"), 1, 1), (_E("ServiceName"), 1, _N), (_E("ServiceDescription"), 1, _N),
        (_E("ServiceDescriptionURL"), 0, _N), (qname(SAML, "AuthnContextClassRef"), 1, 1),
        (_E("HerkenningsmakelaarId"), 1, 1), (_ECTA, 1, _N), (_ASTA, 0, _N),
        (_E("ServiceRestrictionsAllowed"), 0, _N), (_E("RequestedAttribute"), 0, _N)),
    _E("ServiceInstance"): (
        (_E("ServiceID"), 1, 1), (_E("ServiceUUID"), 1, 1), (_E("InstanceOfService"), 0, 1),
        (_E("IntermediatedService"), 0, 1), (_E("ServiceURL"), 0, _N),
        (_E("PrivacyPolicyURL"), 0, _N), (_E("HerkenningsmakelaarId"), 1, 1),
        (_E("AdditionalHerkenningsmakelaarId"), 0, _N), (_E("SSOSupport"), 0, 1), (_ECTA, 0, _N),
        (_E("ServiceCertificate"), 0, _N), (_E("ServiceIntermediation"), 0, 1),
        (_E("Classifiers"), 0, 1), (_E("BsnkStructureVersion"), 0, 1),
        (_E("BsnkRecipientKeySetVersion"), 0, 1), (_E("PortalForService"), 0, _N)),
    _E("RequestedAttribute"): ((qname(SAML, "AttributeValue"), 0, _N),
                               (_E("PurposeStatement"), 1, _N)),
    _E("ServiceCertificate"): ((qname(MD, "KeyDescriptor"), 1, 1),),
    _E("ServiceIntermediation"): ((_E("ServiceIntermediationAllowed"), 0, _N),),
    _E("Classifiers"): ((_E("Classifier"), 1, _N),),
}
#: Elements whose content is a value: a child element or comment inside one is refused.
_SIMPLE: Final = frozenset(
    {_E(t) for t in ("ServiceProviderID", "OrganizationDisplayName", "ServiceUUID", "ServiceName",
                     "ServiceDescription", "ServiceDescriptionURL", "HerkenningsmakelaarId",
                     "EntityConcernedTypesAllowed", "ActingSubjectTypesAllowed",
                     "ServiceRestrictionsAllowed", "PurposeStatement", "ServiceID",
                     "InstanceOfService", "IntermediatedService", "ServiceURL", "PrivacyPolicyURL",
                     "AdditionalHerkenningsmakelaarId", "SSOSupport", "BsnkStructureVersion",
                     "BsnkRecipientKeySetVersion", "PortalForService",
                     "ServiceIntermediationAllowed", "Classifier")}
    | {qname(SAML, "AuthnContextClassRef")}
)
#: Boolean attributes (qualified esc: ones are global in the XSD) and where they are required.
_BOOLEAN_ATTRS: Final = {
    _E("ServiceProvider"): ((_E("IsPublic"), True),),
    _E("ServiceDefinition"): ((_E("IsPublic"), True), (_E("IsPortal"), False)),
    _E("ServiceInstance"): ((_E("IsPublic"), True), (_E("IsPortal"), False)),
    _E("RequestedAttribute"): (("isRequired", False),),
}
_INTERMEDIATION: Final = ("noIntermediation", "generalAvailable", "serviceProviderOnly",
                          "requiresApproval")


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else "node"


def _sequence(parent: etree._Element, model: _Model) -> Iterator[Violation]:
    counts = [0] * len(model)
    position = 0
    where = _local(parent.tag)
    for child in parent:
        if not isinstance(child.tag, str):
            continue
        step = next((k for k in range(position, len(model)) if model[k][0] == child.tag), None)
        if step is None:
            earlier = next((k for k in range(position) if model[k][0] == child.tag), None)
            if earlier is not None:
                counts[earlier] += 1  # present, only misplaced: not also "missing"
                yield Violation(Rule.STRUCTURE, f"{_local(child.tag)} is out of order in {where} "
                                "(XSD order)", _line(child))
            else:
                yield Violation(Rule.STRUCTURE, f"unexpected element {_local(child.tag)} in "
                                f"{where}", _line(child))
            continue
        position = step
        counts[step] += 1
        if counts[step] == model[step][2] + 1:
            yield Violation(Rule.STRUCTURE, f"{_local(child.tag)} may occur at most "
                            f"{model[step][2]} time(s) in {where}", _line(child))
    for (tag, minimum, _maximum), count in zip(model, counts, strict=True):
        if count < minimum:
            yield Violation(Rule.STRUCTURE, f"{where} lacks {_local(tag)}", _line(parent))


def _structure(doc: _Doc) -> Iterator[Violation]:
    for element in doc.root.iter():
        if not isinstance(element.tag, str):
            continue
        model = _MODELS.get(element.tag)
        if model is not None:
            yield from _sequence(element, model)
        if element.tag in _SIMPLE and len(element):
            yield Violation(Rule.STRUCTURE, f"{_local(element.tag)} must hold only text (no "
                            "elements or comments)", _line(element))
        for attr, required in _BOOLEAN_ATTRS.get(element.tag, ()):
            local = _local(attr)
            value = element.get(attr)
            if value is None and element.get(local) is not None and attr != local:
                yield Violation(Rule.STRUCTURE, f"{local} must be namespace-qualified "
                                f"(esc:{local})", _line(element))
            elif value is None and required:
                yield Violation(Rule.STRUCTURE, f"{_local(element.tag)} lacks esc:{local}",
                                _line(element))
            elif value is not None and value not in ("true", "false", "1", "0"):
                yield Violation(Rule.STRUCTURE, f"{local} {value!r} is not a boolean",
                                _line(element))
        if element.tag == _E("SSOSupport") and _val(element) not in ("true", "false", "1", "0"):
            yield Violation(Rule.STRUCTURE, "SSOSupport is not a boolean", _line(element))
        if element.tag == _E("ServiceIntermediation") and element.get(
            "intermediationAllowed", "noIntermediation"
        ) not in _INTERMEDIATION:
            yield Violation(Rule.STRUCTURE, "intermediationAllowed is not one of "
                            + ", ".join(_INTERMEDIATION), _line(element))


# --- entry point ------------------------------------------------------------------------------

#: The checks in the order they run; output is sorted by line afterwards.
CHECKS: Final[tuple[Check, ...]] = (
    _signed, _uuid_unique, _service_ids, _loa_urn, _ecta_sets, _bsn_loa, _restrictions,
    _lengths, _languages, _instance_of, _bsnk_versions, _service_certificate, _uuid_format,
    _oin_format, _root_attributes, _structure, _requested_attributes, _sso_loa4, _portal,
)


def _syntax_line(debug: str) -> int:
    found = re.findall(r"line (\d+)", debug)
    return int(found[-1]) if found else 1


def lint_catalogue(data: bytes, *, clock: Clock | None = None) -> list[Violation]:
    """Every rule violation of a service catalogue document, sorted by line and rule id.

    :param clock: the time certificates are checked against (default: the system clock).
    """
    try:
        root = parse_xml(data, DOCUMENT_LIMITS)
    except XmlError as exc:
        return [Violation(Rule.WELL_FORMED, exc.public, _syntax_line(exc.debug))]
    if root.tag != esc("ServiceCatalogue"):
        return [Violation(Rule.WELL_FORMED, f"the document element is {_local(root.tag)}, not "
                          "esc:ServiceCatalogue (urn:etoegang:1.13:service-catalog)", _line(root))]
    providers = tuple(root.findall(esc("ServiceProvider")))
    doc = _Doc(
        root=root,
        now=(clock or SystemClock()).now(),
        providers=providers,
        definitions=tuple(d for p in providers for d in p.findall(esc("ServiceDefinition"))),
        instances=tuple(i for p in providers for i in p.findall(esc("ServiceInstance"))),
    )
    found = [violation for check in CHECKS for violation in check(doc)]
    return sorted(found, key=lambda v: (v.line, v.rule.value))
