"""The HM <-> MR messages: XACMLAuthzDecisionQuery and the MR's XACML decision statement.

Spec: ``shared/spec/eherkenning.md`` §3.1 (attribute names), §4.7 (HM <-> MR), §7 (chain
authorisation); OASIS SAML 2.0 profile of XACML 2.0 (schemas ``xacml-samlp`` and ``xacml-saml``,
``...:schema:os``) and the XACML 2.0 context and policy schemas.

Confirmed by the real Signicat MR assertion (``spec/examples/hm-artifactresponse-...``):
the statement is ``saml:Statement xsi:type="xacml-saml:XACMLAuthzDecisionStatementType"`` holding
``xacml-context:Response`` (one Result, Decision ``Permit``, StatusCode
``urn:oasis:names:tc:xacml:1.0:status:ok``) then ``xacml-context:Request``; the Subject
(SubjectCategory access-subject) carries ActingEntityID (xs:string), ActingSubjectID and
LegalSubjectID (DataType ``urn:oasis:names:tc:SAML:2.0:assertion#EncryptedID``, the value an
element) and LinkedDeclarationSignatureValue (xs:base64Binary, equal to the AD assertion's
SignatureValue), all with Issuer = MR; the Resource carries ServiceID, ServiceUUID and
LevelOfAssurance without Issuer, and Vestigingsnr, SubdossierNr, KvKnr and
LevelOfAssuranceUsed with Issuer = MR; Action action-id ``Authenticate``; an empty Environment.

Derived (the HM-MR and chain pages could not be read in full; from the XACML-SAML schemas and
§3.1/§4.7/§7): the query's shape (RequestAbstractType + ``ReturnContext="true"`` + one
xacml-context:Request); the Extensions attribute ids ``urn:etoegang:core:`` +
``AssertionConsumerServiceIndex`` / ``IntendedAudience`` / ``Assertions`` (bare names accepted
on input) and their data types (xs:integer, xs:anyURI, ``...assertion#Assertion``, one
AttributeValue per assertion); Issuer = HM on the requested LevelOfAssurance (§3.1; the real
MR echo has none, so none is required on input); the chain obligation as
``xacml:Obligations/Obligation ObligationId="urn:etoegang:core:RequireConfirmationFromNextMR"
FulfillOn="Permit"`` with one AttributeAssignment (same id, xs:anyURI) whose value is the MR2
EntityID (on input any single assignment is read); IntermediateEntityID under either
``...:KvK`` or ``...:KvKnr`` (§12 open question).

Embedded assertions and EncryptedIDs are carried with
:func:`etoegang.messages.artifact.graft`, so their signatures still verify. Statements should
be signed with ``inclusive_prefixes=("xacml-saml",)`` so that the prefix inside ``xsi:type`` is
covered by the signature, as Signicat does.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from enum import Enum
from typing import Final

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.errors import ForbiddenElement
from etoegang.errors import UnsupportedVersion
from etoegang.errors import XacmlError
from etoegang.xml.graft import graft
from etoegang.xml.graft import placeholder
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import XACML_CONTEXT as CTX
from etoegang.xml.ns import XACML_POLICY as POL
from etoegang.xml.ns import XACML_SAML
from etoegang.xml.ns import XACML_SAMLP
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from policies.loa import Loa

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

_CORE: Final = "urn:etoegang:core:"
ACS_INDEX: Final = _CORE + "AssertionConsumerServiceIndex"
INTENDED_AUDIENCE: Final = _CORE + "IntendedAudience"
ASSERTIONS: Final = _CORE + "Assertions"
ACTING_ENTITY_ID: Final = _CORE + "ActingEntityID"
ACTING_SUBJECT_ID: Final = _CORE + "ActingSubjectID"
LEGAL_SUBJECT_ID: Final = _CORE + "LegalSubjectID"
LINKED_SIGNATURE: Final = _CORE + "LinkedDeclarationSignatureValue"
INTERMEDIATE_SUBJECT_ID: Final = _CORE + "IntermediateSubjectID"
SERVICE_ID: Final = _CORE + "ServiceID"
SERVICE_UUID: Final = _CORE + "ServiceUUID"
LEVEL_OF_ASSURANCE: Final = _CORE + "LevelOfAssurance"
LEVEL_OF_ASSURANCE_USED: Final = _CORE + "LevelOfAssuranceUsed"
NEXT_MR_OBLIGATION: Final = _CORE + "RequireConfirmationFromNextMR"
VESTIGINGSNR: Final = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
SUBDOSSIERNR: Final = "urn:etoegang:1.9:ServiceRestriction:SubdossierNr"

_STATEMENT_TYPE: Final = "XACMLAuthzDecisionStatementType"
_QUERY: Final = qname(XACML_SAMLP, "XACMLAuthzDecisionQuery")
_NSMAP: Final = {"xacmlp": XACML_SAMLP}


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


def _find(attributes: Sequence[XacmlAttribute], attribute_id: str) -> XacmlAttribute | None:
    found = [attribute for attribute in attributes if attribute.attribute_id == attribute_id]
    if len(found) > 1:
        # Two values for one single-valued attribute: refuse rather than guess which counts.
        raise XacmlError("an attribute occurs twice", debug=attribute_id)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class DecisionStatement:
    """The MR's XACMLAuthzDecisionStatement: its decision and the request context it echoes."""

    decision: Decision
    status: XacmlStatus = field(default_factory=XacmlStatus)
    obligations: tuple[Obligation, ...] = ()
    subject_attributes: tuple[XacmlAttribute, ...] = ()
    resource_attributes: tuple[XacmlAttribute, ...] = ()
    action: tuple[XacmlAttribute, ...] = ()
    environment: tuple[XacmlAttribute, ...] = ()

    @property
    def permitted(self) -> bool:
        return self.decision is Decision.PERMIT and self.status.code is XacmlStatusCode.OK

    def subject(self, attribute_id: str) -> XacmlAttribute | None:
        return _find(self.subject_attributes, attribute_id)

    def resource(self, attribute_id: str) -> XacmlAttribute | None:
        return _find(self.resource_attributes, attribute_id)

    def _resource_text(self, attribute_id: str) -> str | None:
        attribute = self.resource(attribute_id)
        return attribute.text if attribute else None

    def _loa(self, attribute_id: str) -> Loa | None:
        value = self._resource_text(attribute_id)
        if value is None:
            return None
        try:
            return Loa(value)
        except ValueError as exc:
            raise XacmlError("not an eHerkenning level", debug=f"{attribute_id}={value!r}") from exc

    @property
    def level_of_assurance(self) -> Loa | None:
        """The level the HM asked for (Resource, Issuer HM)."""
        return self._loa(LEVEL_OF_ASSURANCE)

    @property
    def level_of_assurance_used(self) -> Loa | None:
        """The level the MR says the mandate was used at (Resource, Issuer MR)."""
        return self._loa(LEVEL_OF_ASSURANCE_USED)

    @property
    def service_id(self) -> str | None:
        return self._resource_text(SERVICE_ID)

    @property
    def service_uuid(self) -> str | None:
        return self._resource_text(SERVICE_UUID)

    @property
    def vestigingsnr(self) -> str | None:
        return self._resource_text(VESTIGINGSNR)

    @property
    def subdossiernr(self) -> str | None:
        return self._resource_text(SUBDOSSIERNR)

    @property
    def acting_entity_id(self) -> str | None:
        attribute = self.subject(ACTING_ENTITY_ID)
        return attribute.text if attribute else None

    @property
    def acting_subject_id(self) -> etree._Element | None:
        attribute = self.subject(ACTING_SUBJECT_ID)
        return attribute.element if attribute else None

    @property
    def legal_subject_id(self) -> etree._Element | None:
        attribute = self.subject(LEGAL_SUBJECT_ID)
        return attribute.element if attribute else None

    @property
    def intermediate_subject_id(self) -> etree._Element | None:
        attribute = self.subject(INTERMEDIATE_SUBJECT_ID)
        return attribute.element if attribute else None

    @property
    def intermediate_entity_id(self) -> XacmlAttribute | None:
        """The intermediary's KvK attribute (``...:IntermediateEntityID:KvK`` or ``KvKnr``)."""
        found = [
            attribute
            for attribute in (*self.subject_attributes, *self.resource_attributes)
            if ":IntermediateEntityID:" in attribute.attribute_id
        ]
        if len(found) > 1:
            raise XacmlError("IntermediateEntityID occurs twice")
        return found[0] if found else None

    @property
    def linked_signature_value(self) -> str | None:
        """The AD assertion's SignatureValue this statement is linked to (base64, checked)."""
        attribute = self.subject(LINKED_SIGNATURE)
        if attribute is None:
            return None
        value = "".join(attribute.text.split())
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise XacmlError("LinkedDeclarationSignatureValue is not base64") from exc
        return value

    @property
    def next_mr(self) -> str | None:
        """MR2's EntityID when MR1 demands a chain confirmation (§7), else None."""
        found = [o for o in self.obligations if o.obligation_id == NEXT_MR_OBLIGATION]
        if not found:
            return None
        if len(found) > 1 or len(found[0].assignments) != 1:
            raise XacmlError("RequireConfirmationFromNextMR must name exactly one MR")
        return found[0].assignments[0].text


@dataclass(frozen=True, slots=True)
class DecisionQuery:
    """A parsed XACMLAuthzDecisionQuery. Read it only from a verified element."""

    id: str
    issue_instant: datetime
    issuer: str
    destination: str | None
    acs_index: int
    intended_audience: str
    #: The AD assertion, and for a chain the MR1 assertion after it (opaque, to verify).
    assertions: tuple[etree._Element, ...]
    subject_attributes: tuple[XacmlAttribute, ...]
    resource_attributes: tuple[XacmlAttribute, ...]
    action: tuple[XacmlAttribute, ...]
    environment: tuple[XacmlAttribute, ...]
    element: etree._Element


# --- XML helpers ------------------------------------------------------------------------------


def _children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _required(element: etree._Element, name: str) -> str:
    value = (element.get(name) or "").strip()
    if not value:
        raise XacmlError(
            "a required XML attribute is missing", debug=f"{etree.QName(element).localname}/@{name}"
        )
    return value


def _add_attribute(
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


def _parse_attribute(element: etree._Element) -> XacmlAttribute:
    if element.tag == qname(POL, "AttributeAssignment"):
        values: tuple[Value, ...] = _values(element)
    else:
        holders = _children(element)
        if not holders or any(h.tag != qname(CTX, "AttributeValue") for h in holders):
            raise XacmlError("an Attribute holds one or more AttributeValue elements")
        values = tuple(value for holder in holders for value in _values(holder))
    return XacmlAttribute(
        attribute_id=_required(element, "AttributeId"),
        data_type=_required(element, "DataType"),
        values=values,
        issuer=element.get("Issuer"),
    )


def _attributes(parent: etree._Element | None) -> tuple[XacmlAttribute, ...]:
    if parent is None:
        return ()
    return tuple(
        _parse_attribute(child)
        for child in _children(parent)
        if child.tag == qname(CTX, "Attribute")
    )


def _add_request(
    parent: etree._Element,
    subject: Sequence[XacmlAttribute],
    resource: Sequence[XacmlAttribute],
    action: Sequence[XacmlAttribute],
    environment: Sequence[XacmlAttribute],
    carried: list[etree._Element],
) -> None:
    request = etree.SubElement(parent, qname(CTX, "Request"), nsmap={"xacml-context": CTX})
    parts = (("Subject", subject), ("Resource", resource), ("Action", action))
    for name, attributes in (*parts, ("Environment", environment)):
        holder = etree.SubElement(request, qname(CTX, name))
        if name == "Subject":
            holder.set("SubjectCategory", ACCESS_SUBJECT)
        for attribute in attributes:
            _add_attribute(holder, attribute, qname(CTX, "Attribute"), carried)


@dataclass(frozen=True, slots=True)
class _RequestContext:
    subject: tuple[XacmlAttribute, ...]
    resource: tuple[XacmlAttribute, ...]
    action: tuple[XacmlAttribute, ...]
    environment: tuple[XacmlAttribute, ...]


def _parse_request(request: etree._Element) -> _RequestContext:
    parts: dict[str, list[etree._Element]] = {}
    for child in _children(request):
        parts.setdefault(etree.QName(child).localname, []).append(child)
    # XACML 2.0: Subject+, Resource+, Action, Environment. etoegang uses one access-subject
    # and one Resource; more would let a peer hide a second identity, so refuse them.
    for name in ("Subject", "Resource", "Action", "Environment"):
        if len(parts.get(name, [])) != 1:
            raise XacmlError(f"the XACML Request needs exactly one {name}")
    if set(parts) - {"Subject", "Resource", "Action", "Environment"} or any(
        etree.QName(child).namespace != CTX for child in _children(request)
    ):
        raise XacmlError("the XACML Request holds unexpected elements")
    return _RequestContext(
        *(_attributes(parts[n][0]) for n in ("Subject", "Resource", "Action", "Environment"))
    )


def _common_root_check(element: etree._Element) -> None:
    if element.get("Version") != "2.0":
        raise UnsupportedVersion(debug=f"Version={element.get('Version')!r}")


def _action() -> tuple[XacmlAttribute, ...]:
    return (XacmlAttribute.string(ACTION_ID, AUTHENTICATE),)


# --- the query (HM -> MR) ---------------------------------------------------------------------


def build_decision_query(
    *,
    issuer: str,
    destination: str,
    ad_assertion: etree._Element,
    acs_index: int,
    intended_audience: str,
    service_id: str,
    service_uuid: str,
    level_of_assurance: Loa,
    clock: Clock,
    ids: IdSource,
    mr1_assertion: etree._Element | None = None,
    subject_attributes: Sequence[XacmlAttribute] = (),
    extra_resource_attributes: Sequence[XacmlAttribute] = (),
) -> etree._Element:
    """An unsigned XACMLAuthzDecisionQuery (§4.7); sign it with ``xmldsig.sign``.

    ``mr1_assertion`` makes it the chain query to MR2 (§7). Assertions are copied unchanged.
    """
    root = etree.Element(_QUERY, nsmap=_NSMAP)
    root.set("ID", ids.new_id())
    root.set("Version", "2.0")
    root.set("IssueInstant", saml_instant(clock.now()))
    root.set("Destination", destination)
    root.set("ReturnContext", "true")
    # Each element declares its own namespace, so none comes into scope of the carried
    # assertions (their signatures may list prefixes in InclusiveNamespaces).
    etree.SubElement(root, qname(SAML, "Issuer"), nsmap={"saml": SAML}).text = issuer
    extensions = etree.SubElement(root, qname(SAMLP, "Extensions"), nsmap={"samlp": SAMLP})
    carried: list[etree._Element] = []
    assertions = (ad_assertion,) if mr1_assertion is None else (ad_assertion, mr1_assertion)
    for attribute in (
        XacmlAttribute(ACS_INDEX, XS_INTEGER, (str(acs_index),)),
        XacmlAttribute(INTENDED_AUDIENCE, XS_ANY_URI, (intended_audience,)),
        XacmlAttribute(ASSERTIONS, SAML_ASSERTION, assertions),
    ):
        _add_attribute(extensions, attribute, qname(CTX, "Attribute"), carried)
    resource = (
        XacmlAttribute.string(SERVICE_ID, service_id),
        XacmlAttribute.string(SERVICE_UUID, service_uuid),
        XacmlAttribute.string(LEVEL_OF_ASSURANCE, level_of_assurance.urn, issuer=issuer),
        *extra_resource_attributes,
    )
    _add_request(root, subject_attributes, resource, _action(), (), carried)
    return graft(root, carried)


def _extension(attributes: Sequence[XacmlAttribute], name: str) -> XacmlAttribute:
    found = [a for a in attributes if a.attribute_id in (_CORE + name, name)]
    if len(found) != 1:
        raise XacmlError("the query Extensions need exactly one attribute", debug=name)
    return found[0]


def parse_decision_query(element: etree._Element) -> DecisionQuery:
    """Read an XACMLAuthzDecisionQuery (§4.7) or raise a typed :class:`MessageError`."""
    if element.tag != _QUERY:
        raise XacmlError("not an XACMLAuthzDecisionQuery", debug=etree.QName(element).localname)
    _common_root_check(element)
    for forbidden in ("Consent", "InputContextOnly"):
        if element.get(forbidden) is not None:
            raise ForbiddenElement(f"{forbidden} must not be present on the query")
    if element.get("ReturnContext") not in ("true", "1"):
        raise XacmlError("the query must ask for ReturnContext")
    children = _children(element)
    tags = [child.tag for child in children]
    expected = [
        qname(SAML, "Issuer"),
        qname(DS, "Signature"),
        qname(SAMLP, "Extensions"),
        qname(CTX, "Request"),
    ]
    if qname(DS, "Signature") not in tags:
        expected.remove(qname(DS, "Signature"))
    if tags != expected:
        raise XacmlError("the query elements are missing or out of order")
    issuer_element, extensions, request = children[0], children[-2], children[-1]
    if issuer_element.get("Format") is not None or not text_of(issuer_element):
        raise XacmlError("the query Issuer must be the HM EntityID without Format")
    ext_attributes = _attributes(extensions)
    assertion_values = _extension(ext_attributes, "Assertions").values
    if (
        not assertion_values
        or len(assertion_values) > 2
        or any(isinstance(v, str) or v.tag != qname(SAML, "Assertion") for v in assertion_values)
    ):
        raise XacmlError("Assertions must hold the AD assertion (and the MR1 assertion)")
    try:
        acs_index = int(_extension(ext_attributes, "AssertionConsumerServiceIndex").text)
    except ValueError as exc:
        raise XacmlError("AssertionConsumerServiceIndex is not an integer") from exc
    context = _parse_request(request)
    return DecisionQuery(
        id=_required(element, "ID"),
        issue_instant=parse_instant(_required(element, "IssueInstant")),
        issuer=text_of(issuer_element),
        destination=element.get("Destination"),
        acs_index=acs_index,
        intended_audience=_extension(ext_attributes, "IntendedAudience").text,
        assertions=tuple(v for v in assertion_values if not isinstance(v, str)),
        subject_attributes=context.subject,
        resource_attributes=context.resource,
        action=context.action,
        environment=context.environment,
        element=element,
    )


# --- the decision statement (MR -> HM) --------------------------------------------------------


def build_decision_statement(statement: DecisionStatement) -> etree._Element:
    """``saml:Statement xsi:type="xacml-saml:XACMLAuthzDecisionStatementType"`` for an MR."""
    root = etree.Element(
        qname(SAML, "Statement"),
        nsmap={"saml": SAML, "xsi": XSI, "xacml-saml": XACML_SAML, "xacml-context": CTX},
    )
    root.set(qname(XSI, "type"), f"xacml-saml:{_STATEMENT_TYPE}")
    carried: list[etree._Element] = []
    response = etree.SubElement(root, qname(CTX, "Response"))
    result = etree.SubElement(response, qname(CTX, "Result"))
    etree.SubElement(result, qname(CTX, "Decision")).text = statement.decision.value
    status = etree.SubElement(result, qname(CTX, "Status"))
    etree.SubElement(status, qname(CTX, "StatusCode")).set("Value", statement.status.code.value)
    if statement.status.message is not None:
        etree.SubElement(status, qname(CTX, "StatusMessage")).text = statement.status.message
    if statement.obligations:
        obligations = etree.SubElement(result, qname(POL, "Obligations"), nsmap={"xacml": POL})
        for obligation in statement.obligations:
            element = etree.SubElement(obligations, qname(POL, "Obligation"))
            element.set("ObligationId", obligation.obligation_id)
            element.set("FulfillOn", obligation.fulfill_on.value)
            for assignment in obligation.assignments:
                _add_attribute(element, assignment, qname(POL, "AttributeAssignment"), [])
    _add_request(
        root,
        statement.subject_attributes,
        statement.resource_attributes,
        statement.action,
        statement.environment,
        carried,
    )
    return graft(root, carried) if carried else root


def next_mr_obligation(mr2_entity_id: str) -> Obligation:
    """MR1's chain obligation naming MR2 (§7)."""
    assignment = XacmlAttribute(NEXT_MR_OBLIGATION, XS_ANY_URI, (mr2_entity_id,))
    return Obligation(NEXT_MR_OBLIGATION, Decision.PERMIT, (assignment,))


def is_decision_statement(element: etree._Element) -> bool:
    """Whether ``element`` is an XACMLAuthzDecisionStatement (typed Statement or the element)."""
    if element.tag == qname(XACML_SAML, "XACMLAuthzDecisionStatement"):
        return True
    if element.tag != qname(SAML, "Statement"):
        return False
    prefix, _, local = (element.get(qname(XSI, "type")) or "").strip().rpartition(":")
    return local == _STATEMENT_TYPE and element.nsmap.get(prefix or None) == XACML_SAML


def _parse_result(result: etree._Element) -> tuple[Decision, XacmlStatus, tuple[Obligation, ...]]:
    parts = {etree.QName(child).localname: child for child in _children(result)}
    if "Decision" not in parts or len(parts) != len(_children(result)):
        raise XacmlError("the XACML Result needs one Decision")
    decision = Decision(text_of(parts["Decision"]))
    status = XacmlStatus()
    if "Status" in parts:
        codes = [c for c in _children(parts["Status"]) if c.tag == qname(CTX, "StatusCode")]
        messages = [c for c in _children(parts["Status"]) if c.tag == qname(CTX, "StatusMessage")]
        if len(codes) != 1:
            raise XacmlError("the XACML Status needs one StatusCode")
        status = XacmlStatus(
            XacmlStatusCode(_required(codes[0], "Value")),
            text_of(messages[0]) if messages else None,
        )
    obligations: list[Obligation] = []
    if "Obligations" in parts:
        for element in _children(parts["Obligations"]):
            assignments = tuple(
                _parse_attribute(a)
                for a in _children(element)
                if a.tag == qname(POL, "AttributeAssignment")
            )
            obligations.append(
                Obligation(
                    _required(element, "ObligationId"),
                    Decision(_required(element, "FulfillOn")),
                    assignments,
                )
            )
    return decision, status, tuple(obligations)


def parse_decision_statement(element: etree._Element) -> DecisionStatement:
    """Read an MR's decision statement (§4.7) or raise :class:`XacmlError`."""
    if not is_decision_statement(element):
        raise XacmlError("not an XACMLAuthzDecisionStatement", debug=str(element.tag)[:96])
    children = _children(element)
    if (
        not 1 <= len(children) <= 2
        or children[0].tag != qname(CTX, "Response")
        or (len(children) == 2 and children[1].tag != qname(CTX, "Request"))
    ):
        raise XacmlError("the statement holds a Response and an optional Request")
    results = _children(children[0])
    if len(results) != 1 or results[0].tag != qname(CTX, "Result"):
        # One decision per statement: several Results would leave open which one counts.
        raise XacmlError("the XACML Response needs exactly one Result")
    decision, status, obligations = _parse_result(results[0])
    context = _parse_request(children[1]) if len(children) == 2 else _RequestContext((), (), (), ())
    return DecisionStatement(
        decision,
        status,
        obligations,
        context.subject,
        context.resource,
        context.action,
        context.environment,
    )


def find_decision_statement(assertion: etree._Element) -> DecisionStatement:
    """The one decision statement among an MR assertion's direct children."""
    found = [child for child in _children(assertion) if is_decision_statement(child)]
    if len(found) != 1:
        raise XacmlError(
            "an MR assertion carries exactly one decision statement", debug=f"{len(found)} found"
        )
    return parse_decision_statement(found[0])
