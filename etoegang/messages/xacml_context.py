"""The XACML 2.0 request context as etoegang uses it: vocabulary, values and their XML form.

Spec: ``shared/spec/eherkenning.md`` §3.1 (attribute names) and §4.7 (HM <-> MR); XACML 2.0
core §6 (the context schema: Request with Subject, Resource, Action and Environment; Attribute
and AttributeValue; Result, Decision, Status, StatusCode) and B.9 (status codes); the XACML 2.0
policy schema for Obligations and AttributeAssignment.

This module holds what :mod:`etoegang.messages.xacml_query` (HM -> MR) and
:mod:`etoegang.messages.xacml_statement` (MR -> HM) share: the attribute ids and data types, the
:class:`Decision` and status vocabularies, the :class:`XacmlAttribute`, :class:`Obligation` and
:class:`XacmlStatus` values, and the builders and readers of Attribute elements and of the
Request element. Element values (EncryptedIDs, carried assertions) get a placeholder and are
carried with :func:`etoegang.xml.graft.graft`, so their signatures still verify. The public
names live in :mod:`etoegang.messages.xacml`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from lxml import etree

from etoegang.errors import XacmlError
from etoegang.xml.graft import placeholder
from etoegang.xml.ns import XACML_CONTEXT as CTX
from etoegang.xml.ns import XACML_POLICY as POL
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of

# --- vocabulary -------------------------------------------------------------------------------

XS_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
XS_BASE64: Final = "http://www.w3.org/2001/XMLSchema#base64Binary"
XS_INTEGER: Final = "http://www.w3.org/2001/XMLSchema#integer"
XS_ANY_URI: Final = "http://www.w3.org/2001/XMLSchema#anyURI"
SAML_ENCRYPTED_ID: Final = "urn:oasis:names:tc:SAML:2.0:assertion#EncryptedID"
SAML_ASSERTION: Final = "urn:oasis:names:tc:SAML:2.0:assertion#Assertion"

ACTION_ID: Final = "urn:oasis:names:tc:xacml:1.0:action:action-id"
ACCESS_SUBJECT: Final = "urn:oasis:names:tc:xacml:1.0:subject-category:access-subject"
AUTHENTICATE: Final = "Authenticate"

#: The prefix of the etoegang core attribute ids (bare names are accepted in Extensions).
CORE_PREFIX: Final = "urn:etoegang:core:"
ACS_INDEX: Final = CORE_PREFIX + "AssertionConsumerServiceIndex"
INTENDED_AUDIENCE: Final = CORE_PREFIX + "IntendedAudience"
ASSERTIONS: Final = CORE_PREFIX + "Assertions"
ACTING_ENTITY_ID: Final = CORE_PREFIX + "ActingEntityID"
ACTING_SUBJECT_ID: Final = CORE_PREFIX + "ActingSubjectID"
LEGAL_SUBJECT_ID: Final = CORE_PREFIX + "LegalSubjectID"
LINKED_SIGNATURE: Final = CORE_PREFIX + "LinkedDeclarationSignatureValue"
INTERMEDIATE_SUBJECT_ID: Final = CORE_PREFIX + "IntermediateSubjectID"
SERVICE_ID: Final = CORE_PREFIX + "ServiceID"
SERVICE_UUID: Final = CORE_PREFIX + "ServiceUUID"
LEVEL_OF_ASSURANCE: Final = CORE_PREFIX + "LevelOfAssurance"
LEVEL_OF_ASSURANCE_USED: Final = CORE_PREFIX + "LevelOfAssuranceUsed"
NEXT_MR_OBLIGATION: Final = CORE_PREFIX + "RequireConfirmationFromNextMR"
VESTIGINGSNR: Final = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
SUBDOSSIERNR: Final = "urn:etoegang:1.9:ServiceRestriction:SubdossierNr"


class Decision(Enum):
    """XACML 2.0 context Decision."""

    PERMIT = "Permit"
    DENY = "Deny"
    INDETERMINATE = "Indeterminate"
    NOT_APPLICABLE = "NotApplicable"

    @classmethod
    def _missing_(cls, value: object) -> Decision:
        raise XacmlError("unknown XACML decision", debug=repr(value)[:64])


class XacmlStatusCode(Enum):
    """The XACML 2.0 top-level status codes (XACML 2.0 core B.9)."""

    OK = "urn:oasis:names:tc:xacml:1.0:status:ok"
    MISSING_ATTRIBUTE = "urn:oasis:names:tc:xacml:1.0:status:missing-attribute"
    SYNTAX_ERROR = "urn:oasis:names:tc:xacml:1.0:status:syntax-error"
    PROCESSING_ERROR = "urn:oasis:names:tc:xacml:1.0:status:processing-error"

    @classmethod
    def _missing_(cls, value: object) -> XacmlStatusCode:
        raise XacmlError("unknown XACML status code", debug=repr(value)[:96])


# --- values -----------------------------------------------------------------------------------

Value = str | etree._Element


@dataclass(frozen=True, slots=True)
class XacmlAttribute:
    """One XACML Attribute: text values, or opaque elements (EncryptedID, Assertion)."""

    attribute_id: str
    data_type: str
    values: tuple[Value, ...]
    #: Who vouches for the value (MR on what it adds, HM on the requested LoA).
    issuer: str | None = None

    @classmethod
    def string(cls, attribute_id: str, value: str, issuer: str | None = None) -> XacmlAttribute:
        return cls(attribute_id, XS_STRING, (value,), issuer)

    @property
    def text(self) -> str:
        """The single text value; a typed error for an element or several values."""
        if len(self.values) != 1 or not isinstance(self.values[0], str):
            raise XacmlError("expected one text value", debug=self.attribute_id)
        return self.values[0]

    @property
    def element(self) -> etree._Element:
        """The single element value (an EncryptedID, for example)."""
        if len(self.values) != 1 or isinstance(self.values[0], str):
            raise XacmlError("expected one element value", debug=self.attribute_id)
        return self.values[0]


@dataclass(frozen=True, slots=True)
class Obligation:
    """An XACML obligation; assignments reuse :class:`XacmlAttribute` (no issuer)."""

    obligation_id: str
    fulfill_on: Decision
    assignments: tuple[XacmlAttribute, ...]


@dataclass(frozen=True, slots=True)
class XacmlStatus:
    code: XacmlStatusCode = XacmlStatusCode.OK
    message: str | None = None


# --- XML helpers ------------------------------------------------------------------------------


def child_elements(element: etree._Element) -> list[etree._Element]:
    """The child elements, comments left out."""
    return [child for child in element if isinstance(child.tag, str)]


def required(element: etree._Element, name: str) -> str:
    """A non-blank XML attribute, or :class:`XacmlError`."""
    value = (element.get(name) or "").strip()
    if not value:
        raise XacmlError(
            "a required XML attribute is missing", debug=f"{etree.QName(element).localname}/@{name}"
        )
    return value


def add_attribute(
    parent: etree._Element,
    attribute: XacmlAttribute,
    tag: str,
    carried: list[etree._Element],
) -> None:
    """Add an Attribute; element values get a placeholder and go to ``carried`` for graft."""
    element = etree.SubElement(parent, tag, nsmap={"xacml-context": CTX})
    element.set("AttributeId", attribute.attribute_id)
    element.set("DataType", attribute.data_type)
    if attribute.issuer is not None:
        element.set("Issuer", attribute.issuer)
    if tag == qname(POL, "AttributeAssignment"):
        element.text = attribute.text  # AttributeAssignment holds its value directly
        return
    for value in attribute.values:
        holder = etree.SubElement(element, qname(CTX, "AttributeValue"))
        if isinstance(value, str):
            holder.text = value
        else:
            placeholder(holder)
            carried.append(value)


def _values(holder: etree._Element) -> tuple[Value, ...]:
    elements = [child for child in holder if isinstance(child.tag, str)]
    if not elements:
        return (text_of(holder),)
    stray = [holder.text] + [child.tail for child in holder]
    if len(elements) != len(holder) or any(text and text.strip() for text in stray):
        raise XacmlError("an AttributeValue mixes text and elements")
    return tuple(elements)


def parse_attribute(element: etree._Element) -> XacmlAttribute:
    """Read an Attribute or an AttributeAssignment."""
    if element.tag == qname(POL, "AttributeAssignment"):
        values: tuple[Value, ...] = _values(element)
    else:
        holders = child_elements(element)
        if not holders or any(h.tag != qname(CTX, "AttributeValue") for h in holders):
            raise XacmlError("an Attribute holds one or more AttributeValue elements")
        values = tuple(value for holder in holders for value in _values(holder))
    return XacmlAttribute(
        attribute_id=required(element, "AttributeId"),
        data_type=required(element, "DataType"),
        values=values,
        issuer=element.get("Issuer"),
    )


def parse_attributes(parent: etree._Element | None) -> tuple[XacmlAttribute, ...]:
    """The xacml-context:Attribute children of ``parent`` (none for None)."""
    if parent is None:
        return ()
    return tuple(
        parse_attribute(child)
        for child in child_elements(parent)
        if child.tag == qname(CTX, "Attribute")
    )


def add_request(
    parent: etree._Element,
    subject: Sequence[XacmlAttribute],
    resource: Sequence[XacmlAttribute],
    action: Sequence[XacmlAttribute],
    environment: Sequence[XacmlAttribute],
    carried: list[etree._Element],
) -> None:
    """Add the xacml-context:Request with its four parts; element values go to ``carried``."""
    request = etree.SubElement(parent, qname(CTX, "Request"), nsmap={"xacml-context": CTX})
    parts = (("Subject", subject), ("Resource", resource), ("Action", action))
    for name, attributes in (*parts, ("Environment", environment)):
        holder = etree.SubElement(request, qname(CTX, name))
        if name == "Subject":
            holder.set("SubjectCategory", ACCESS_SUBJECT)
        for attribute in attributes:
            add_attribute(holder, attribute, qname(CTX, "Attribute"), carried)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The attributes of a parsed xacml-context:Request, per part."""

    subject: tuple[XacmlAttribute, ...]
    resource: tuple[XacmlAttribute, ...]
    action: tuple[XacmlAttribute, ...]
    environment: tuple[XacmlAttribute, ...]


def parse_request(request: etree._Element) -> RequestContext:
    """Read an xacml-context:Request with exactly one of each part."""
    parts: dict[str, list[etree._Element]] = {}
    for child in child_elements(request):
        parts.setdefault(etree.QName(child).localname, []).append(child)
    # XACML 2.0: Subject+, Resource+, Action, Environment. etoegang uses one access-subject
    # and one Resource; more would let a peer hide a second identity, so refuse them.
    for name in ("Subject", "Resource", "Action", "Environment"):
        if len(parts.get(name, [])) != 1:
            raise XacmlError(f"the XACML Request needs exactly one {name}")
    if set(parts) - {"Subject", "Resource", "Action", "Environment"} or any(
        etree.QName(child).namespace != CTX for child in child_elements(request)
    ):
        raise XacmlError("the XACML Request holds unexpected elements")
    return RequestContext(
        *(parse_attributes(parts[n][0]) for n in ("Subject", "Resource", "Action", "Environment"))
    )
