"""Reading SAML metadata elements into the typed model (spec §5; SAML metadata 2.0 §2).

This module only reads: it is handed an element that :mod:`metadata.trust` has verified and
never looks at anything outside it. Values go through :func:`etoegang.xml.parser.text_of`, so
comments or markup inside a value are refused rather than silently truncated. On input it is
generous where real peers differ: endpoints with bindings eHerkenning does not use are skipped,
KeyDescriptors without a certificate are skipped (they can verify nothing).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timedelta

from cryptography import x509
from lxml import etree

from etoegang.clock import parse_instant
from etoegang.errors import MetadataMalformed
from etoegang.errors import XmlValueError
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import MDATTR
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XML
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from keys.ring import PeerCertificate
from metadata.duration import parse_duration
from metadata.model import KEY_ACTIVATION
from metadata.model import AttributeConsumingService
from metadata.model import Binding
from metadata.model import Contact
from metadata.model import ContactType
from metadata.model import Endpoint
from metadata.model import EntityAttribute
from metadata.model import EntityMetadata
from metadata.model import IdpRole
from metadata.model import KeyActivation
from metadata.model import KeyUse
from metadata.model import LocalizedText
from metadata.model import Organisation
from metadata.model import RequestedAttribute
from metadata.model import RoleKeys
from metadata.model import SpRole

ENTITY_DESCRIPTOR = qname(MD, "EntityDescriptor")
ENTITIES_DESCRIPTOR = qname(MD, "EntitiesDescriptor")
IDP_DESCRIPTOR = qname(MD, "IDPSSODescriptor")
SP_DESCRIPTOR = qname(MD, "SPSSODescriptor")

# The interface version attribute lives in a per-version namespace
# (``urn:etoegang:1.13:metadata-extension`` in observed HM metadata, spec §5.2).
_VERSION_NS = re.compile(r"^urn:etoegang:[0-9.]+:metadata-extension$")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Inherited:
    """validUntil and cacheDuration of the enclosing EntitiesDescriptors."""

    valid_until: datetime | None = None
    cache_duration: timedelta | None = None


def _md(element: etree._Element, local: str) -> list[etree._Element]:
    return element.findall(qname(MD, local))


def _bool(value: str | None, where: str) -> bool | None:
    if value is None:
        return None
    text = value.strip()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise MetadataMalformed(f"{where} is not a boolean", debug=repr(value)[:20])


def _index(value: str | None, where: str) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or int(text) > 65535:
        raise MetadataMalformed(f"{where} index is not an unsignedShort", debug=repr(value)[:20])
    return int(text)


def _endpoints(role: etree._Element, local: str) -> tuple[Endpoint, ...]:
    found: list[Endpoint] = []
    for element in _md(role, local):
        try:
            binding = Binding(element.get("Binding", ""))
        except MetadataMalformed:
            continue  # a binding eHerkenning does not use (PAOS, SimpleSign...) is ignored
        location = element.get("Location")
        if not location:
            raise MetadataMalformed(f"{local} without Location")
        found.append(
            Endpoint(
                binding,
                location.strip(),
                _index(element.get("index"), local),
                _bool(element.get("isDefault"), f"{local}/@isDefault"),
                element.get("ResponseLocation"),
            )
        )
    return tuple(found)


def _certificate(element: etree._Element) -> x509.Certificate:
    try:
        der = base64.b64decode("".join(text_of(element).split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        raise MetadataMalformed("malformed X509Certificate in KeyDescriptor") from exc


def _keys(role: etree._Element) -> RoleKeys:
    signing: list[PeerCertificate] = []
    encryption: list[PeerCertificate] = []
    for descriptor in _md(role, "KeyDescriptor"):
        use = descriptor.get("use")
        uses = (KeyUse.SIGNING, KeyUse.ENCRYPTION) if use is None else (KeyUse(use.strip()),)
        info = descriptor.find(qname(DS, "KeyInfo"))
        if info is None:
            raise MetadataMalformed("KeyDescriptor without ds:KeyInfo")
        names = [text_of(name) for name in info.findall(qname(DS, "KeyName"))]
        for element in info.iterfind(f"{qname(DS, 'X509Data')}/{qname(DS, 'X509Certificate')}"):
            peer = PeerCertificate(_certificate(element), names)
            if KeyUse.SIGNING in uses:
                signing.append(peer)
            if KeyUse.ENCRYPTION in uses:
                encryption.append(peer)
    return RoleKeys(tuple(signing), tuple(encryption))


def _name_id_formats(role: etree._Element) -> tuple[str, ...]:
    return tuple(text_of(element) for element in _md(role, "NameIDFormat"))


def _texts(parent: etree._Element, local: str) -> tuple[LocalizedText, ...]:
    return tuple(
        LocalizedText(element.get(qname(XML, "lang"), ""), text_of(element))
        for element in _md(parent, local)
    )


def _idp(role: etree._Element) -> IdpRole:
    return IdpRole(
        keys=_keys(role),
        want_authn_requests_signed=bool(
            _bool(role.get("WantAuthnRequestsSigned"), "WantAuthnRequestsSigned")
        ),
        single_sign_on=_endpoints(role, "SingleSignOnService"),
        artifact_resolution=_endpoints(role, "ArtifactResolutionService"),
        single_logout=_endpoints(role, "SingleLogoutService"),
        name_id_formats=_name_id_formats(role),
    )


def _requested_attribute(element: etree._Element) -> RequestedAttribute:
    name = element.get("Name")
    if not name:
        raise MetadataMalformed("RequestedAttribute without Name")
    return RequestedAttribute(
        name=name.strip(),
        is_required=bool(_bool(element.get("isRequired"), "RequestedAttribute/@isRequired")),
        friendly_name=element.get("FriendlyName"),
        name_format=element.get("NameFormat"),
    )


def _attribute_consuming_service(element: etree._Element) -> AttributeConsumingService:
    index = _index(element.get("index"), "AttributeConsumingService")
    if index is None:
        raise MetadataMalformed("AttributeConsumingService without index")
    return AttributeConsumingService(
        index=index,
        is_default=_bool(element.get("isDefault"), "AttributeConsumingService/@isDefault"),
        names=_texts(element, "ServiceName"),
        descriptions=_texts(element, "ServiceDescription"),
        requested_attributes=tuple(
            _requested_attribute(child) for child in _md(element, "RequestedAttribute")
        ),
    )


def _sp(role: etree._Element) -> SpRole:
    return SpRole(
        keys=_keys(role),
        authn_requests_signed=bool(_bool(role.get("AuthnRequestsSigned"), "AuthnRequestsSigned")),
        want_assertions_signed=bool(
            _bool(role.get("WantAssertionsSigned"), "WantAssertionsSigned")
        ),
        assertion_consumers=_endpoints(role, "AssertionConsumerService"),
        artifact_resolution=_endpoints(role, "ArtifactResolutionService"),
        single_logout=_endpoints(role, "SingleLogoutService"),
        attribute_consuming_services=tuple(
            _attribute_consuming_service(child)
            for child in _md(role, "AttributeConsumingService")
        ),
        name_id_formats=_name_id_formats(role),
    )


def _organisation(entity: etree._Element) -> Organisation | None:
    element = entity.find(qname(MD, "Organization"))
    if element is None:
        return None
    return Organisation(
        _texts(element, "OrganizationName"),
        _texts(element, "OrganizationDisplayName"),
        _texts(element, "OrganizationURL"),
    )


def _optional_text(parent: etree._Element, local: str) -> str | None:
    element = parent.find(qname(MD, local))
    return None if element is None else text_of(element)


def _contacts(entity: etree._Element) -> tuple[Contact, ...]:
    return tuple(
        Contact(
            contact_type=ContactType(element.get("contactType", "")),
            company=_optional_text(element, "Company"),
            given_name=_optional_text(element, "GivenName"),
            surname=_optional_text(element, "SurName"),
            emails=tuple(text_of(e) for e in _md(element, "EmailAddress")),
            phones=tuple(text_of(e) for e in _md(element, "TelephoneNumber")),
        )
        for element in _md(entity, "ContactPerson")
    )


def _entity_attributes(entity: etree._Element) -> tuple[EntityAttribute, ...]:
    path = "/".join(
        (qname(MD, "Extensions"), qname(MDATTR, "EntityAttributes"), qname(SAML, "Attribute"))
    )
    return tuple(
        EntityAttribute(
            name=(element.get("Name") or "").strip(),
            values=tuple(text_of(v) for v in element.findall(qname(SAML, "AttributeValue"))),
            name_format=element.get("NameFormat"),
        )
        for element in entity.iterfind(path)
    )


def _key_activations(
    entity_id: str,
    attributes: tuple[EntityAttribute, ...],
    roles: tuple[IdpRole | SpRole, ...],
) -> tuple[KeyActivation, ...]:
    """Each ``<use> <KeyName> <instant>`` value of the key-activation attribute, checked
    against the keys the entity publishes.

    A value that is malformed or names a key the entity does not publish is left out with a
    warning, not fatal: the announcement only tells which published key a peer will use when
    (it decides which of its encryption certificates we encrypt to), while refusing it would
    refuse the whole file, and with a network aggregate every other participant in it.
    """
    found: list[KeyActivation] = []
    for attribute in attributes:
        if attribute.name != KEY_ACTIVATION:
            continue
        for value in attribute.values:
            problem, activation = _key_activation(value, roles)
            if activation is None:
                log.warning(
                    "key-activation value of %s ignored: %s (%r)", entity_id, problem, value[:120]
                )
                continue
            found.append(activation)
    return tuple(found)


def _key_activation(
    value: str, roles: tuple[IdpRole | SpRole, ...]
) -> tuple[str, KeyActivation | None]:
    """One announced activation, or the reason it is not acceptable."""
    parts = value.split()
    if len(parts) != 3:
        return "key-activation values are '<use> <KeyName> <instant>'", None
    try:
        use = KeyUse(parts[0])
    except MetadataMalformed:
        return "the use is signing or encryption", None
    try:
        at = parse_instant(parts[2])
    except XmlValueError:
        return "the instant is not an xs:dateTime", None
    published = [
        cert
        for role in roles
        for cert in (role.keys.signing if use is KeyUse.SIGNING else role.keys.encryption)
    ]
    if not any(cert.matches(parts[1]) for cert in published):
        return f"it names a {use.value} key the metadata does not publish", None
    return "", KeyActivation(use, parts[1], at)


def _interface_version(entity: etree._Element) -> str | None:
    for name, value in entity.attrib.items():
        qualified = etree.QName(name)
        if qualified.localname == "version" and _VERSION_NS.match(qualified.namespace or ""):
            return str(value).strip()
    return None


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _shortest(a: timedelta | None, b: timedelta | None) -> timedelta | None:
    return min(x for x in (a, b) if x is not None) if (a is not None or b is not None) else None


def _validity(element: etree._Element, inherited: _Inherited) -> _Inherited:
    try:
        until = element.get("validUntil")
        valid_until = parse_instant(until) if until is not None else None
    except XmlValueError as exc:
        raise MetadataMalformed("validUntil is not an xs:dateTime") from exc
    cache = element.get("cacheDuration")
    cache_duration = parse_duration(cache) if cache is not None else None
    return _Inherited(
        _earliest(inherited.valid_until, valid_until),
        _shortest(inherited.cache_duration, cache_duration),
    )


def parse_entity(element: etree._Element, inherited: _Inherited | None = None) -> EntityMetadata:
    """One EntityDescriptor; validUntil and cacheDuration combine with the enclosing ones."""
    if element.tag != ENTITY_DESCRIPTOR:
        raise MetadataMalformed("not an md:EntityDescriptor", debug=str(element.tag)[:80])
    entity_id = (element.get("entityID") or "").strip()
    if not entity_id:
        raise MetadataMalformed("EntityDescriptor without entityID")
    validity = _validity(element, inherited or _Inherited())
    idps = element.findall(IDP_DESCRIPTOR)
    sps = element.findall(SP_DESCRIPTOR)
    if len(idps) > 1 or len(sps) > 1:
        raise MetadataMalformed("more than one IDP or SP SSODescriptor", debug=entity_id)
    if not idps and not sps:
        raise MetadataMalformed("EntityDescriptor without an SSO role", debug=entity_id)
    idp = _idp(idps[0]) if idps else None
    sp = _sp(sps[0]) if sps else None
    attributes = _entity_attributes(element)
    roles = tuple(role for role in (idp, sp) if role is not None)
    return EntityMetadata(
        entity_id=entity_id,
        interface_version=_interface_version(element),
        idp=idp,
        sp=sp,
        valid_until=validity.valid_until,
        cache_duration=validity.cache_duration,
        organisation=_organisation(element),
        contacts=_contacts(element),
        entity_attributes=attributes,
        key_activations=_key_activations(entity_id, attributes, roles),
    )


def parse_document(root: etree._Element) -> tuple[EntityMetadata, ...]:
    """Every EntityDescriptor in an EntityDescriptor or (nested) EntitiesDescriptor."""
    if root.tag == ENTITY_DESCRIPTOR:
        return (parse_entity(root),)
    if root.tag != ENTITIES_DESCRIPTOR:
        raise MetadataMalformed("root is not EntityDescriptor or EntitiesDescriptor")
    found: list[EntityMetadata] = []
    stack = [(root, _validity(root, _Inherited()))]
    while stack:
        group, inherited = stack.pop()
        for child in group:
            if child.tag == ENTITY_DESCRIPTOR:
                found.append(parse_entity(child, inherited))
            elif child.tag == ENTITIES_DESCRIPTOR:
                stack.append((child, _validity(child, inherited)))
    if not found:
        raise MetadataMalformed("EntitiesDescriptor holds no EntityDescriptor")
    ids = [entity.entity_id for entity in found]
    if len(set(ids)) != len(ids):
        raise MetadataMalformed("the same entityID appears twice")
    return tuple(found)


def with_refresh(entity: EntityMetadata, now: datetime) -> EntityMetadata:
    """Set ``refresh_after``: now + cacheDuration, but never after validUntil."""
    candidates = [
        t
        for t in (
            now + entity.cache_duration if entity.cache_duration is not None else None,
            entity.valid_until,
        )
        if t is not None
    ]
    return replace(entity, refresh_after=min(candidates) if candidates else None)
