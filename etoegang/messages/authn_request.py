"""samlp:AuthnRequest, as DVs send it to the HM and the HM sends it to an AD.

Spec: SAML core 3.4.1 (AuthnRequest, NameIDPolicy, RequestedAuthnContext, Scoping) and the
protocol schema order (Issuer, Signature, Extensions, Subject, NameIDPolicy, Conditions,
RequestedAuthnContext, Scoping); ``shared/spec/eherkenning.md`` §4.4 (DV -> HM; what real DVs
send: ProtocolBinding + AssertionConsumerServiceURL instead of an index, no NameIDPolicy, no
RequestedAuthnContext), §4.6 (HM -> AD) and §3.4 (requested attributes in
``Extensions/esp:RequestedAttributes``, children ``md:RequestedAttribute``).

The user's language preference (§4.2) has no documented element in the sources available, so
no field is offered for it; a peer's unknown extension is kept opaque in ``other_extensions``.

RequestedAuthnContext lives in :mod:`etoegang.messages.requested_authn_context` and Scoping in
:mod:`etoegang.messages.scoping`; their public names are re-exported here, so import them from
this module as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.messages.common import CONDITIONS
from etoegang.messages.common import ISSUER
from etoegang.messages.common import NAME_ID
from etoegang.messages.common import VERSION
from etoegang.messages.common import Conditions
from etoegang.messages.common import Element
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.common import build_conditions
from etoegang.messages.common import build_issuer
from etoegang.messages.common import build_name_id
from etoegang.messages.common import carry_all
from etoegang.messages.common import check_sequence
from etoegang.messages.common import children
from etoegang.messages.common import opt_attr
from etoegang.messages.common import opt_boolean
from etoegang.messages.common import opt_unsigned_short
from etoegang.messages.common import parse_conditions
from etoegang.messages.common import parse_issuer
from etoegang.messages.common import parse_name_id
from etoegang.messages.common import read_header
from etoegang.messages.common import req_attr
from etoegang.messages.common import set_boolean
from etoegang.messages.common import set_instant
from etoegang.messages.common import set_opt
from etoegang.messages.common import slot
from etoegang.messages.requested_authn_context import REQUESTED_AUTHN_CONTEXT
from etoegang.messages.requested_authn_context import AuthnContextComparison
from etoegang.messages.requested_authn_context import RequestedAuthnContext
from etoegang.messages.requested_authn_context import build_requested_authn_context
from etoegang.messages.requested_authn_context import parse_requested_authn_context
from etoegang.messages.scoping import SCOPING
from etoegang.messages.scoping import IDPEntry
from etoegang.messages.scoping import Scoping
from etoegang.messages.scoping import build_scoping
from etoegang.messages.scoping import parse_scoping
from etoegang.xml.graft import finish
from etoegang.xml.ns import DS
from etoegang.xml.ns import ESP
from etoegang.xml.ns import MD
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname

__all__ = [
    "AUTHN_REQUEST",
    "EXTENSIONS",
    "AuthnContextComparison",
    "AuthnRequest",
    "IDPEntry",
    "NameIDPolicy",
    "RequestedAttribute",
    "RequestedAuthnContext",
    "Scoping",
    "build_authn_request",
    "parse_authn_request",
]

AUTHN_REQUEST: Final = qname(SAMLP, "AuthnRequest")
EXTENSIONS: Final = qname(SAMLP, "Extensions")
_SIGNATURE = qname(DS, "Signature")
_SUBJECT = qname(SAML, "Subject")
_NAME_ID_POLICY = qname(SAMLP, "NameIDPolicy")
_REQUESTED_ATTRIBUTES = qname(ESP, "RequestedAttributes")
_REQUESTED_ATTRIBUTE = qname(MD, "RequestedAttribute")


@dataclass(frozen=True, slots=True)
class NameIDPolicy:
    format: NameIDFormat | None = None
    sp_name_qualifier: str | None = None
    allow_create: bool | None = None


@dataclass(frozen=True, slots=True)
class RequestedAttribute:
    """An ``md:RequestedAttribute`` inside ``esp:RequestedAttributes`` (§3.4)."""

    name: str
    is_required: bool = False
    name_format: str | None = None
    friendly_name: str | None = None


@dataclass(frozen=True, slots=True)
class AuthnRequest:
    """A samlp:AuthnRequest. ``None`` means the attribute or element is absent."""

    id: str
    issue_instant: datetime
    issuer: str
    destination: str | None = None
    force_authn: bool | None = None
    is_passive: bool | None = None
    assertion_consumer_service_index: int | None = None
    assertion_consumer_service_url: str | None = None
    protocol_binding: str | None = None
    attribute_consuming_service_index: int | None = None
    provider_name: str | None = None
    consent: str | None = None
    subject: NameID | None = None
    name_id_policy: NameIDPolicy | None = None
    conditions: Conditions | None = None
    requested_authn_context: RequestedAuthnContext | None = None
    scoping: Scoping | None = None
    requested_attributes: tuple[RequestedAttribute, ...] = ()
    #: Extension elements other than esp:RequestedAttributes, kept opaque.
    other_extensions: tuple[Element, ...] = ()


# --- build ------------------------------------------------------------------------------------


def _build_extensions(parent: Element, request: AuthnRequest) -> None:
    if not request.requested_attributes and not request.other_extensions:
        return
    extensions = etree.SubElement(parent, EXTENSIONS)
    if request.requested_attributes:
        wrapper = etree.SubElement(
            extensions, _REQUESTED_ATTRIBUTES, nsmap={"esp": ESP, "md": MD}
        )
        for attribute in request.requested_attributes:
            node = etree.SubElement(wrapper, _REQUESTED_ATTRIBUTE, Name=attribute.name)
            set_opt(node, "NameFormat", attribute.name_format)
            set_opt(node, "FriendlyName", attribute.friendly_name)
            set_boolean(node, "isRequired", attribute.is_required)
    carry_all(extensions, request.other_extensions)


def build_authn_request(request: AuthnRequest) -> Element:
    """The unsigned samlp:AuthnRequest in schema order."""
    node = etree.Element(AUTHN_REQUEST, nsmap={"samlp": SAMLP, "saml": SAML})
    node.set("ID", request.id)
    node.set("Version", VERSION)
    set_instant(node, "IssueInstant", request.issue_instant)
    set_opt(node, "Destination", request.destination)
    set_opt(node, "Consent", request.consent)
    set_boolean(node, "ForceAuthn", request.force_authn)
    set_boolean(node, "IsPassive", request.is_passive)
    set_opt(node, "ProtocolBinding", request.protocol_binding)
    if request.assertion_consumer_service_index is not None:
        node.set("AssertionConsumerServiceIndex", str(request.assertion_consumer_service_index))
    set_opt(node, "AssertionConsumerServiceURL", request.assertion_consumer_service_url)
    if request.attribute_consuming_service_index is not None:
        node.set("AttributeConsumingServiceIndex", str(request.attribute_consuming_service_index))
    set_opt(node, "ProviderName", request.provider_name)
    build_issuer(node, request.issuer)
    _build_extensions(node, request)
    if request.subject is not None:
        build_name_id(etree.SubElement(node, _SUBJECT), request.subject)
    if request.name_id_policy is not None:
        policy = etree.SubElement(node, _NAME_ID_POLICY)
        fmt = request.name_id_policy.format
        set_opt(policy, "Format", fmt.value if fmt is not None else None)
        set_opt(policy, "SPNameQualifier", request.name_id_policy.sp_name_qualifier)
        set_boolean(policy, "AllowCreate", request.name_id_policy.allow_create)
    if request.conditions is not None:
        build_conditions(node, request.conditions)
    if request.requested_authn_context is not None:
        build_requested_authn_context(node, request.requested_authn_context)
    if request.scoping is not None:
        build_scoping(node, request.scoping)
    return finish(node)


# --- parse ------------------------------------------------------------------------------------


def _parse_extensions(
    element: Element, where: str
) -> tuple[tuple[RequestedAttribute, ...], tuple[Element, ...]]:
    where = f"{where}/Extensions"
    requested: list[RequestedAttribute] = []
    others: list[Element] = []
    for child in children(element):
        if child.tag != _REQUESTED_ATTRIBUTES:
            others.append(child)
            continue
        for item in children(child):
            if item.tag != _REQUESTED_ATTRIBUTE:
                raise MessageMalformed(f"{where}/RequestedAttributes holds a foreign element")
            at = f"{where}/RequestedAttribute"
            required = opt_boolean(item, "isRequired", at)
            requested.append(
                RequestedAttribute(
                    name=req_attr(item, "Name", at),
                    is_required=bool(required),
                    name_format=opt_attr(item, "NameFormat", at),
                    friendly_name=opt_attr(item, "FriendlyName", at),
                )
            )
    if not requested and not others:
        # §4.2: optional elements MAY be present but MUST NOT be empty.
        raise MessageMalformed(f"{where} must not be empty")
    return tuple(requested), tuple(others)


def _parse_name_id_policy(element: Element, where: str) -> NameIDPolicy:
    where = f"{where}/NameIDPolicy"
    raw = opt_attr(element, "Format", where)
    try:
        fmt = NameIDFormat(raw) if raw is not None else None
    except ValueError as exc:
        raise MessageMalformed(
            f"{where}/@Format is not a SAML NameID format", debug=str(raw)[:120]
        ) from exc
    return NameIDPolicy(
        format=fmt,
        sp_name_qualifier=opt_attr(element, "SPNameQualifier", where),
        allow_create=opt_boolean(element, "AllowCreate", where),
    )


def parse_authn_request(element: Element) -> AuthnRequest:
    """Read a samlp:AuthnRequest the caller has verified.

    Both ways real DVs name their ACS are accepted (index, or URL + ProtocolBinding, §4.4);
    whether the named endpoint is registered is the caller's check against DV metadata.
    """
    if element.tag != AUTHN_REQUEST:
        raise MessageMalformed("expected a samlp:AuthnRequest", debug=str(element.tag)[:120])
    request_id, issue_instant = read_header(element, "AuthnRequest")
    where = f"AuthnRequest {request_id}"
    check_sequence(
        element,
        [
            slot(ISSUER, min=1),  # SAML profiles 4.1.4.1: Issuer is required in Web SSO
            slot(_SIGNATURE),
            slot(EXTENSIONS),
            slot(_SUBJECT),
            slot(_NAME_ID_POLICY),
            slot(CONDITIONS),
            slot(REQUESTED_AUTHN_CONTEXT),
            slot(SCOPING),
        ],
        where,
    )
    acs_index = opt_unsigned_short(element, "AssertionConsumerServiceIndex", where)
    acs_url = opt_attr(element, "AssertionConsumerServiceURL", where)
    binding = opt_attr(element, "ProtocolBinding", where)
    if acs_index is not None and (acs_url is not None or binding is not None):
        # SAML core 3.4.1: the index is mutually exclusive with the URL and the binding.
        raise MessageMalformed(
            f"{where} must not combine AssertionConsumerServiceIndex with "
            "AssertionConsumerServiceURL or ProtocolBinding"
        )
    issuer = ""
    requested: tuple[RequestedAttribute, ...] = ()
    other_extensions: tuple[Element, ...] = ()
    subject: NameID | None = None
    policy: NameIDPolicy | None = None
    conditions: Conditions | None = None
    context: RequestedAuthnContext | None = None
    scoping: Scoping | None = None
    for child in children(element):
        tag = child.tag
        if tag == ISSUER:
            issuer = parse_issuer(child, where)
        elif tag == EXTENSIONS:
            requested, other_extensions = _parse_extensions(child, where)
        elif tag == _SUBJECT:
            check_sequence(child, [slot(NAME_ID, min=1)], f"{where}/Subject")
            subject = parse_name_id(children(child)[0], f"{where}/Subject/NameID")
        elif tag == _NAME_ID_POLICY:
            policy = _parse_name_id_policy(child, where)
        elif tag == CONDITIONS:
            conditions = parse_conditions(child, where)
        elif tag == REQUESTED_AUTHN_CONTEXT:
            context = parse_requested_authn_context(child, where)
        elif tag == SCOPING:
            scoping = parse_scoping(child, where)
    return AuthnRequest(
        id=request_id,
        issue_instant=issue_instant,
        issuer=issuer,
        destination=opt_attr(element, "Destination", where),
        force_authn=opt_boolean(element, "ForceAuthn", where),
        is_passive=opt_boolean(element, "IsPassive", where),
        assertion_consumer_service_index=acs_index,
        assertion_consumer_service_url=acs_url,
        protocol_binding=binding,
        attribute_consuming_service_index=opt_unsigned_short(
            element, "AttributeConsumingServiceIndex", where
        ),
        provider_name=opt_attr(element, "ProviderName", where),
        consent=opt_attr(element, "Consent", where),
        subject=subject,
        name_id_policy=policy,
        conditions=conditions,
        requested_authn_context=context,
        scoping=scoping,
        requested_attributes=requested,
        other_extensions=other_extensions,
    )
