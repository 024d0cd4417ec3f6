"""samlp:AuthnRequest, as DVs send it to the HM and the HM sends it to an AD.

Spec: SAML core 3.4.1 (AuthnRequest, NameIDPolicy, RequestedAuthnContext, Scoping) and the
protocol schema order (Issuer, Signature, Extensions, Subject, NameIDPolicy, Conditions,
RequestedAuthnContext, Scoping); ``shared/spec/eherkenning.md`` §4.4 (DV -> HM; what real DVs
send: ProtocolBinding + AssertionConsumerServiceURL instead of an index, no NameIDPolicy, no
RequestedAuthnContext), §4.6 (HM -> AD) and §3.4 (requested attributes in
``Extensions/esp:RequestedAttributes``, children ``md:RequestedAttribute``).

The user's language preference (§4.2) has no documented element in the sources available, so
no field is offered for it; a peer's unknown extension is kept opaque in ``other_extensions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
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
from etoegang.messages.common import find_all
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
from etoegang.messages.common import value_of
from etoegang.xml.graft import finish
from etoegang.xml.ns import DS
from etoegang.xml.ns import ESP
from etoegang.xml.ns import MD
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname
from policies.loa import Loa

AUTHN_REQUEST: Final = qname(SAMLP, "AuthnRequest")
EXTENSIONS: Final = qname(SAMLP, "Extensions")
_SIGNATURE = qname(DS, "Signature")
_SUBJECT = qname(SAML, "Subject")
_NAME_ID_POLICY = qname(SAMLP, "NameIDPolicy")
_REQUESTED_AUTHN_CONTEXT = qname(SAMLP, "RequestedAuthnContext")
_CLASS_REF = qname(SAML, "AuthnContextClassRef")
_DECL_REF = qname(SAML, "AuthnContextDeclRef")
_SCOPING = qname(SAMLP, "Scoping")
_IDP_LIST = qname(SAMLP, "IDPList")
_IDP_ENTRY = qname(SAMLP, "IDPEntry")
_GET_COMPLETE = qname(SAMLP, "GetComplete")
_REQUESTER_ID = qname(SAMLP, "RequesterID")
_REQUESTED_ATTRIBUTES = qname(ESP, "RequestedAttributes")
_REQUESTED_ATTRIBUTE = qname(MD, "RequestedAttribute")


class AuthnContextComparison(Enum):
    """RequestedAuthnContext/@Comparison (SAML core 3.3.2.2.1); absent means exact."""

    EXACT = "exact"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    BETTER = "better"

    @classmethod
    def _missing_(cls, value: object) -> AuthnContextComparison:
        raise ValueError(f"not a SAML authn context comparison: {value!r}")


@dataclass(frozen=True, slots=True)
class RequestedAuthnContext:
    """The requested authentication context; eHerkenning uses the LoA URNs as class refs."""

    class_refs: tuple[str, ...] = ()
    comparison: AuthnContextComparison = AuthnContextComparison.EXACT
    decl_refs: tuple[str, ...] = ()

    @property
    def loas(self) -> tuple[Loa, ...]:
        """The class refs that are eHerkenning levels, in request order."""
        found: list[Loa] = []
        for ref in self.class_refs:
            try:
                found.append(Loa(ref))
            except ValueError:
                continue
        return tuple(found)

    @property
    def unknown_class_refs(self) -> tuple[str, ...]:
        """The class refs that are not eHerkenning levels (eIDAS URIs, vendor values)."""
        known = {loa.urn for loa in self.loas}
        return tuple(ref for ref in self.class_refs if ref not in known)


@dataclass(frozen=True, slots=True)
class NameIDPolicy:
    format: NameIDFormat | None = None
    sp_name_qualifier: str | None = None
    allow_create: bool | None = None


@dataclass(frozen=True, slots=True)
class IDPEntry:
    """One IdP the requester scopes to: for eHerkenning an AD or the EB EntityID (§4.4)."""

    provider_id: str
    name: str | None = None
    loc: str | None = None


@dataclass(frozen=True, slots=True)
class Scoping:
    idp_entries: tuple[IDPEntry, ...] = ()
    requester_ids: tuple[str, ...] = ()
    proxy_count: int | None = None
    get_complete: str | None = None

    @property
    def provider_ids(self) -> tuple[str, ...]:
        return tuple(entry.provider_id for entry in self.idp_entries)


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


def _build_scoping(parent: Element, scoping: Scoping) -> None:
    node = etree.SubElement(parent, _SCOPING)
    if scoping.proxy_count is not None:
        node.set("ProxyCount", str(scoping.proxy_count))
    if scoping.idp_entries:
        idp_list = etree.SubElement(node, _IDP_LIST)
        for entry in scoping.idp_entries:
            item = etree.SubElement(idp_list, _IDP_ENTRY, ProviderID=entry.provider_id)
            set_opt(item, "Name", entry.name)
            set_opt(item, "Loc", entry.loc)
        if scoping.get_complete is not None:
            etree.SubElement(idp_list, _GET_COMPLETE).text = scoping.get_complete
    for requester in scoping.requester_ids:
        etree.SubElement(node, _REQUESTER_ID).text = requester


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
    context = request.requested_authn_context
    if context is not None:
        ctx = etree.SubElement(node, _REQUESTED_AUTHN_CONTEXT, Comparison=context.comparison.value)
        for ref in context.class_refs:
            etree.SubElement(ctx, _CLASS_REF).text = ref
        for ref in context.decl_refs:
            etree.SubElement(ctx, _DECL_REF).text = ref
    if request.scoping is not None:
        _build_scoping(node, request.scoping)
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


def _parse_requested_context(element: Element, where: str) -> RequestedAuthnContext:
    where = f"{where}/RequestedAuthnContext"
    raw = opt_attr(element, "Comparison", where)
    try:
        comparison = AuthnContextComparison(raw or "exact")
    except ValueError as exc:
        raise MessageMalformed(
            f"{where}/@Comparison must be exact, minimum, maximum or better", debug=str(raw)[:32]
        ) from exc
    class_refs = [
        value_of(c, f"{where}/AuthnContextClassRef") for c in find_all(element, _CLASS_REF)
    ]
    decl_refs = [
        value_of(c, f"{where}/AuthnContextDeclRef") for c in find_all(element, _DECL_REF)
    ]
    # SAML core 3.3.2.2.1: one or more class refs, or one or more decl refs, not both.
    if bool(class_refs) == bool(decl_refs) or len(children(element)) != len(class_refs) + len(
        decl_refs
    ):
        raise MessageMalformed(
            f"{where} must hold AuthnContextClassRef elements or AuthnContextDeclRef elements"
        )
    return RequestedAuthnContext(tuple(class_refs), comparison, tuple(decl_refs))


def _parse_scoping(element: Element, where: str) -> Scoping:
    where = f"{where}/Scoping"
    check_sequence(element, [slot(_IDP_LIST), slot(_REQUESTER_ID, max=None)], where)
    entries: list[IDPEntry] = []
    get_complete: str | None = None
    idp_list = element.find(_IDP_LIST)
    if idp_list is not None:
        lw = f"{where}/IDPList"
        check_sequence(idp_list, [slot(_IDP_ENTRY, min=1, max=None), slot(_GET_COMPLETE)], lw)
        for entry in find_all(idp_list, _IDP_ENTRY):
            entries.append(
                IDPEntry(
                    provider_id=req_attr(entry, "ProviderID", f"{lw}/IDPEntry"),
                    name=opt_attr(entry, "Name", f"{lw}/IDPEntry"),
                    loc=opt_attr(entry, "Loc", f"{lw}/IDPEntry"),
                )
            )
        complete = idp_list.find(_GET_COMPLETE)
        if complete is not None:
            get_complete = value_of(complete, f"{lw}/GetComplete")
    raw_count = opt_attr(element, "ProxyCount", where)
    if raw_count is not None and (not raw_count.isascii() or not raw_count.isdigit()):
        raise MessageMalformed(f"{where}/@ProxyCount must be a non-negative integer")
    return Scoping(
        idp_entries=tuple(entries),
        requester_ids=tuple(
            value_of(r, f"{where}/RequesterID") for r in find_all(element, _REQUESTER_ID)
        ),
        proxy_count=int(raw_count) if raw_count is not None else None,
        get_complete=get_complete,
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
            slot(_REQUESTED_AUTHN_CONTEXT),
            slot(_SCOPING),
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
        elif tag == _REQUESTED_AUTHN_CONTEXT:
            context = _parse_requested_context(child, where)
        elif tag == _SCOPING:
            scoping = _parse_scoping(child, where)
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
