"""Generation of signed SAML metadata for every Makelaar role (spec §5.1, §5.2, §5.3, §4.3).

XML is built with lxml element builders from the frozen inputs of :mod:`metadata.inputs`;
time and IDs come from the injected clock and ID source, so a document is reproducible.
Metadata signatures carry only ``X509Data/X509Certificate`` (spec §4.3).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from typing import TypeVar

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import saml_instant
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import sign
from etoegang.xml.ns import DS
from etoegang.xml.ns import EMD
from etoegang.xml.ns import MD
from etoegang.xml.ns import MDATTR
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XML
from etoegang.xml.ns import qname
from etoegang.xml.parser import serialize
from keys.ring import KeyPair
from keys.ring import KeyRing
from metadata.duration import format_duration
from metadata.identifiers import service_id
from metadata.inputs import AdInput
from metadata.inputs import AnyRoleInput
from metadata.inputs import DvInput
from metadata.inputs import EbInput
from metadata.inputs import HmInput
from metadata.inputs import Mr2Input
from metadata.inputs import MrInput
from metadata.inputs import RoleInput
from metadata.model import ASSURANCE_CERTIFICATION
from metadata.model import ATTRNAME_FORMAT_URI
from metadata.model import KEY_ACTIVATION
from metadata.model import PROTOCOL_SAML2
from metadata.model import Binding
from metadata.model import Contact
from metadata.model import Endpoint
from metadata.model import KeyUse
from metadata.model import LocalizedText
from metadata.model import Organisation
from metadata.model import RequestedAttribute

_NSMAP = {"md": MD, "ds": DS, "emd": EMD}
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

#: Default endpoint path prefix per role input type.
_PREFIX: dict[type[RoleInput], str] = {
    HmInput: "/broker",
    AdInput: "/ad",
    MrInput: "/mr",
    Mr2Input: "/mr2",
    EbInput: "/eb",
    DvInput: "/saml",
}


def _md(parent: etree._Element, local: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, qname(MD, local), attrs)


def _url(inp: RoleInput, service: str, version: str | None) -> str:
    prefix = inp.path_prefix if inp.path_prefix is not None else _PREFIX[type(inp)]
    tail = f"/{version}" if version else ""
    return f"{inp.base_url.rstrip('/')}{prefix}/{service}{tail}"


def _endpoint(parent: etree._Element, local: str, endpoint: Endpoint) -> None:
    attrs = {"Binding": endpoint.binding.value, "Location": endpoint.location}
    if endpoint.response_location is not None:
        attrs["ResponseLocation"] = endpoint.response_location
    if endpoint.index is not None:
        attrs["index"] = str(endpoint.index)
    if endpoint.is_default is not None:
        attrs["isDefault"] = "true" if endpoint.is_default else "false"
    _md(parent, local, **attrs)


def _certificate_b64(pair: KeyPair) -> str:
    return base64.b64encode(pair.as_peer().der).decode("ascii")


def _key_descriptors(parent: etree._Element, ring: KeyRing) -> None:
    """Current and next keys, each with KeyName (the fingerprint) and the certificate."""
    for use, pairs in (
        (KeyUse.SIGNING, ring.published_signing()),
        (KeyUse.ENCRYPTION, ring.published_encryption()),
    ):
        for pair in pairs:
            descriptor = _md(parent, "KeyDescriptor", use=use.value)
            info = etree.SubElement(descriptor, qname(DS, "KeyInfo"))
            etree.SubElement(info, qname(DS, "KeyName")).text = pair.key_name
            data = etree.SubElement(info, qname(DS, "X509Data"))
            etree.SubElement(data, qname(DS, "X509Certificate")).text = _certificate_b64(pair)


def _texts(parent: etree._Element, local: str, texts: Sequence[LocalizedText]) -> None:
    for item in texts:
        element = _md(parent, local)
        element.set(qname(XML, "lang"), item.lang)
        element.text = item.text


def _organisation(parent: etree._Element, organisation: Organisation) -> None:
    element = _md(parent, "Organization")
    _texts(element, "OrganizationName", organisation.names)
    _texts(element, "OrganizationDisplayName", organisation.display_names)
    _texts(element, "OrganizationURL", organisation.urls)


def _contact(parent: etree._Element, contact: Contact) -> None:
    element = _md(parent, "ContactPerson", contactType=contact.contact_type.value)
    for local, value in (
        ("Company", contact.company),
        ("GivenName", contact.given_name),
        ("SurName", contact.surname),
    ):
        if value is not None:
            _md(element, local).text = value
    for email in contact.emails:
        _md(element, "EmailAddress").text = email
    for phone in contact.phones:
        _md(element, "TelephoneNumber").text = phone


def _attribute(parent: etree._Element, name: str, values: Sequence[str]) -> None:
    attribute = etree.SubElement(
        parent,
        qname(SAML, "Attribute"),
        {"Name": name, "NameFormat": ATTRNAME_FORMAT_URI},
        nsmap={"saml": SAML},
    )
    for value in values:
        etree.SubElement(attribute, qname(SAML, "AttributeValue")).text = value


def _entity_attributes(parent: etree._Element, levels: Sequence[str], ring: KeyRing) -> None:
    """``md:Extensions/mdattr:EntityAttributes``: the assurance certification (HM, AD) and
    the activation instant of each scheduled next key (:data:`KEY_ACTIVATION`), so peers know
    which key to expect from when. Nothing at all when there is neither. Never used for DV
    metadata, which may hold only what its table lists (spec §5.1)."""
    scheduled = ring.scheduled()
    if not levels and not scheduled:
        return
    extensions = _md(parent, "Extensions")
    attributes = etree.SubElement(
        extensions, qname(MDATTR, "EntityAttributes"), nsmap={"mdattr": MDATTR}
    )
    if levels:
        _attribute(attributes, ASSURANCE_CERTIFICATION, levels)
    if scheduled:
        _attribute(
            attributes,
            KEY_ACTIVATION,
            [f"{k.use} {k.pair.key_name} {saml_instant(k.activation)}" for k in scheduled],
        )


_Input = TypeVar("_Input", bound=RoleInput)


def _as_of(inp: _Input, clock: Clock) -> _Input:
    """The input with its ring as it stands now: after an activation instant the new key is
    published first and signs, the key it replaced follows (keys.ring.KeyRing.at)."""
    return replace(inp, keys=inp.keys.at(clock.now()))


def _entity(inp: RoleInput, clock: Clock, ids: IdSource) -> etree._Element:
    now = clock.now()
    valid_until: datetime = inp.valid_until or now + inp.valid_for
    root = etree.Element(qname(MD, "EntityDescriptor"), nsmap=_NSMAP)
    root.set("ID", ids.new_id())
    root.set("entityID", inp.entity_id)
    root.set("validUntil", saml_instant(valid_until))
    root.set("cacheDuration", format_duration(inp.cache_duration))
    root.set(qname(EMD, "version"), inp.interface_version)
    return root


def _finish(root: etree._Element, inp: RoleInput) -> etree._Element:
    _organisation(root, inp.organisation)
    for contact in inp.contacts:
        _contact(root, contact)
    return root


def _idp(
    root: etree._Element,
    inp: RoleInput,
    *,
    versions: Sequence[str],
    sso_bindings: Sequence[Binding],
    slo_bindings: Sequence[Binding],
    name_id_formats: Sequence[str] = (),
) -> None:
    role = _md(
        root,
        "IDPSSODescriptor",
        WantAuthnRequestsSigned="true",
        protocolSupportEnumeration=PROTOCOL_SAML2,
    )
    _key_descriptors(role, inp.keys)
    for index, version in enumerate(versions):
        _endpoint(
            role,
            "ArtifactResolutionService",
            Endpoint(Binding.SOAP, _url(inp, "ars", version), index=index),
        )
    for version in versions:
        for binding in slo_bindings:
            _endpoint(role, "SingleLogoutService", Endpoint(binding, _url(inp, "slo", version)))
    for name_id_format in name_id_formats:
        _md(role, "NameIDFormat").text = name_id_format
    for version in versions:
        for binding in sso_bindings:
            _endpoint(role, "SingleSignOnService", Endpoint(binding, _url(inp, "sso", version)))


def build_hm(inp: HmInput, clock: Clock, ids: IdSource) -> etree._Element:
    """HM metadata as observed at real HMs (spec §5.2): IdP toward DVs plus SP role."""
    inp = _as_of(inp, clock)
    root = _entity(inp, clock, ids)
    _entity_attributes(root, (inp.assurance.urn,), inp.keys)
    all_bindings = (Binding.HTTP_ARTIFACT, Binding.HTTP_POST, Binding.HTTP_REDIRECT)
    _idp(
        root,
        inp,
        versions=inp.interface_versions,
        sso_bindings=all_bindings,
        slo_bindings=all_bindings,
        name_id_formats=inp.name_id_formats,
    )
    sp = _md(
        root,
        "SPSSODescriptor",
        AuthnRequestsSigned="true",
        WantAssertionsSigned="true",
        protocolSupportEnumeration=PROTOCOL_SAML2,
    )
    _key_descriptors(sp, inp.keys)
    for index, version in enumerate(inp.interface_versions):
        _endpoint(
            sp,
            "ArtifactResolutionService",
            Endpoint(Binding.SOAP, _url(inp, "ars", version), index=index),
        )
    for number, version in enumerate(inp.interface_versions, start=1):
        _endpoint(
            sp,
            "AssertionConsumerService",
            Endpoint(
                Binding.HTTP_ARTIFACT,
                _url(inp, "acs", version),
                index=number,
                is_default=number == 1,
            ),
        )
    return _finish(root, inp)


def build_responder(
    inp: AdInput | MrInput | Mr2Input | EbInput, clock: Clock, ids: IdSource
) -> etree._Element:
    """AD, MR, MR2 or EB network metadata (spec §5.3): an IdP reached over Artifact."""
    inp = _as_of(inp, clock)
    root = _entity(inp, clock, ids)
    levels = (inp.assurance.urn,) if isinstance(inp, AdInput) else ()
    _entity_attributes(root, levels, inp.keys)
    # Only the AD keeps a user session that single logout must end (spec §9).
    slo = (Binding.HTTP_ARTIFACT, Binding.HTTP_REDIRECT) if isinstance(inp, AdInput) else ()
    _idp(
        root,
        inp,
        versions=(inp.interface_version,),
        sso_bindings=(Binding.HTTP_ARTIFACT,),
        slo_bindings=slo,
    )
    return _finish(root, inp)


def _requested(parent: etree._Element, attribute: RequestedAttribute) -> None:
    element = _md(parent, "RequestedAttribute", Name=attribute.name)
    if attribute.name_format is not None:
        element.set("NameFormat", attribute.name_format)
    if attribute.friendly_name is not None:
        element.set("FriendlyName", attribute.friendly_name)
    element.set("isRequired", "true" if attribute.is_required else "false")


def build_dv(inp: DvInput, clock: Clock, ids: IdSource) -> etree._Element:
    """DV metadata (spec §5.1): only the elements the spec table lists, no NameIDFormat."""
    defaults = [s for s in inp.services if s.is_default]
    if len(inp.services) > 1 and len(defaults) != 1:
        raise ValueError("with several services exactly one is_default=True (AS 1.24a)")
    if len({s.index for s in inp.services}) != len(inp.services):
        raise ValueError("service indexes must be unique")
    inp = _as_of(inp, clock)
    root = _entity(inp, clock, ids)
    # No md:Extensions, not even during a key rollover: DV metadata holds only what the spec
    # table lists (§5.1) and brokers refuse anything else. The next certificate is published
    # as a KeyDescriptor; its activation reaches the broker through the catalogue update.
    sp = _md(
        root,
        "SPSSODescriptor",
        AuthnRequestsSigned="true",
        WantAssertionsSigned="true",
        protocolSupportEnumeration=PROTOCOL_SAML2,
    )
    _key_descriptors(sp, inp.keys)
    _endpoint(sp, "ArtifactResolutionService", Endpoint(Binding.SOAP, _url(inp, "ars", None), 0))
    _endpoint(sp, "SingleLogoutService", Endpoint(Binding.HTTP_REDIRECT, _url(inp, "slo", None)))
    _endpoint(
        sp,
        "AssertionConsumerService",
        Endpoint(Binding.HTTP_ARTIFACT, _url(inp, "acs", None), index=1, is_default=True),
    )
    for service in inp.services:
        element = _md(sp, "AttributeConsumingService", index=str(service.index))
        if len(inp.services) > 1 or service.is_default:
            element.set("isDefault", "true" if service.is_default else "false")
        _texts(element, "ServiceName", service.names)
        _texts(element, "ServiceDescription", service.descriptions)
        # The ServiceID comes first: the HM reads the service from it (spec §5.1).
        _requested(element, RequestedAttribute(service_id(inp.oin, service.index), True))
        for attribute in service.extra_attributes:
            _requested(element, attribute)
    return _finish(root, inp)


def build_entity(inp: AnyRoleInput, clock: Clock, ids: IdSource) -> etree._Element:
    """The unsigned EntityDescriptor of any role."""
    if isinstance(inp, HmInput):
        return build_hm(inp, clock, ids)
    if isinstance(inp, DvInput):
        return build_dv(inp, clock, ids)
    return build_responder(inp, clock, ids)


def sign_metadata(element: etree._Element, key: KeyPair) -> etree._Element:
    """Sign an EntityDescriptor or EntitiesDescriptor; KeyInfo holds only the certificate."""
    sign(element, key, key_info=KeyInfoStyle.X509)
    return element


def aggregate_name(sequence: int, *, production: bool, scheme: str = "1.13") -> str:
    """``urn:etoegang:<scheme version>:<P|T>:<sequence>`` (spec §5.3)."""
    return f"urn:etoegang:{scheme}:{'P' if production else 'T'}:{sequence}"


def build_aggregate(
    entities: Sequence[etree._Element],
    *,
    name: str,
    clock: Clock,
    ids: IdSource,
    valid_for: timedelta = timedelta(days=7),
    cache_duration: timedelta = timedelta(hours=6),
) -> etree._Element:
    """An unsigned EntitiesDescriptor holding copies of ``entities`` (spec §5.3)."""
    root = etree.Element(qname(MD, "EntitiesDescriptor"), nsmap=_NSMAP)
    root.set("ID", ids.new_id())
    root.set("Name", name)
    root.set("validUntil", saml_instant(clock.now() + valid_for))
    root.set("cacheDuration", format_duration(cache_duration))
    for entity in entities:
        root.append(deepcopy(entity))
    return root


def to_bytes(element: etree._Element) -> bytes:
    return _XML_DECLARATION + serialize(element)


def generate(inp: AnyRoleInput, clock: Clock, ids: IdSource) -> bytes:
    """Signed metadata of one role, as published: built, signed with the current key."""
    element = build_entity(inp, clock, ids)
    # Indented before signing, so the published file is readable and the signature still holds.
    etree.indent(element, space="  ")
    return to_bytes(sign_metadata(element, inp.keys.at(clock.now()).signing))
