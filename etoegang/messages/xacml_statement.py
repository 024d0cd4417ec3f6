"""The MR -> HM message: the MR's XACML decision statement (model, build, parse, find).

Spec: ``shared/spec/eherkenning.md`` §4.7 (HM <-> MR) and §7 (chain authorisation); OASIS SAML
2.0 profile of XACML 2.0 (schema ``xacml-saml``, XACMLAuthzDecisionStatementType).

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

Derived: no Issuer is required on the requested LevelOfAssurance on input (the real MR echo has
none); the chain obligation as ``xacml:Obligations/Obligation
ObligationId="urn:etoegang:core:RequireConfirmationFromNextMR" FulfillOn="Permit"`` with one
AttributeAssignment (same id, xs:anyURI) whose value is the MR2 EntityID (on input any single
assignment is read); IntermediateEntityID under either ``...:KvK`` or ``...:KvKnr`` (§12 open
question).

EncryptedIDs are carried with :func:`etoegang.xml.graft.graft`, so their signatures still
verify. Statements should be signed with ``inclusive_prefixes=("xacml-saml",)`` so that the
prefix inside ``xsi:type`` is covered by the signature, as Signicat does. The public names live
in :mod:`etoegang.messages.xacml`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Final

from lxml import etree

from etoegang.errors import XacmlError
from etoegang.messages.xacml_context import ACTING_ENTITY_ID
from etoegang.messages.xacml_context import ACTING_SUBJECT_ID
from etoegang.messages.xacml_context import INTERMEDIATE_SUBJECT_ID
from etoegang.messages.xacml_context import LEGAL_SUBJECT_ID
from etoegang.messages.xacml_context import LEVEL_OF_ASSURANCE
from etoegang.messages.xacml_context import LEVEL_OF_ASSURANCE_USED
from etoegang.messages.xacml_context import LINKED_SIGNATURE
from etoegang.messages.xacml_context import NEXT_MR_OBLIGATION
from etoegang.messages.xacml_context import SERVICE_ID
from etoegang.messages.xacml_context import SERVICE_UUID
from etoegang.messages.xacml_context import SUBDOSSIERNR
from etoegang.messages.xacml_context import VESTIGINGSNR
from etoegang.messages.xacml_context import XS_ANY_URI
from etoegang.messages.xacml_context import Decision
from etoegang.messages.xacml_context import Obligation
from etoegang.messages.xacml_context import RequestContext
from etoegang.messages.xacml_context import XacmlAttribute
from etoegang.messages.xacml_context import XacmlStatus
from etoegang.messages.xacml_context import XacmlStatusCode
from etoegang.messages.xacml_context import add_attribute
from etoegang.messages.xacml_context import add_request
from etoegang.messages.xacml_context import child_elements
from etoegang.messages.xacml_context import parse_attribute
from etoegang.messages.xacml_context import parse_request
from etoegang.messages.xacml_context import required
from etoegang.xml.graft import graft
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XACML_CONTEXT as CTX
from etoegang.xml.ns import XACML_POLICY as POL
from etoegang.xml.ns import XACML_SAML
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from policies.loa import Loa

_STATEMENT_TYPE: Final = "XACMLAuthzDecisionStatementType"


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


# --- XML form ---------------------------------------------------------------------------------


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
                add_attribute(element, assignment, qname(POL, "AttributeAssignment"), [])
    add_request(
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
    parts = {etree.QName(child).localname: child for child in child_elements(result)}
    if "Decision" not in parts or len(parts) != len(child_elements(result)):
        raise XacmlError("the XACML Result needs one Decision")
    decision = Decision(text_of(parts["Decision"]))
    status = XacmlStatus()
    if "Status" in parts:
        status_children = child_elements(parts["Status"])
        codes = [c for c in status_children if c.tag == qname(CTX, "StatusCode")]
        messages = [c for c in status_children if c.tag == qname(CTX, "StatusMessage")]
        if len(codes) != 1:
            raise XacmlError("the XACML Status needs one StatusCode")
        status = XacmlStatus(
            XacmlStatusCode(required(codes[0], "Value")),
            text_of(messages[0]) if messages else None,
        )
    obligations: list[Obligation] = []
    if "Obligations" in parts:
        for element in child_elements(parts["Obligations"]):
            assignments = tuple(
                parse_attribute(a)
                for a in child_elements(element)
                if a.tag == qname(POL, "AttributeAssignment")
            )
            obligations.append(
                Obligation(
                    required(element, "ObligationId"),
                    Decision(required(element, "FulfillOn")),
                    assignments,
                )
            )
    return decision, status, tuple(obligations)


def parse_decision_statement(element: etree._Element) -> DecisionStatement:
    """Read an MR's decision statement (§4.7) or raise :class:`XacmlError`."""
    if not is_decision_statement(element):
        raise XacmlError("not an XACMLAuthzDecisionStatement", debug=str(element.tag)[:96])
    children = child_elements(element)
    if (
        not 1 <= len(children) <= 2
        or children[0].tag != qname(CTX, "Response")
        or (len(children) == 2 and children[1].tag != qname(CTX, "Request"))
    ):
        raise XacmlError("the statement holds a Response and an optional Request")
    results = child_elements(children[0])
    if len(results) != 1 or results[0].tag != qname(CTX, "Result"):
        # One decision per statement: several Results would leave open which one counts.
        raise XacmlError("the XACML Response needs exactly one Result")
    decision, status, obligations = _parse_result(results[0])
    context = parse_request(children[1]) if len(children) == 2 else RequestContext((), (), (), ())
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
    found = [child for child in child_elements(assertion) if is_decision_statement(child)]
    if len(found) != 1:
        raise XacmlError(
            "an MR assertion carries exactly one decision statement", debug=f"{len(found)} found"
        )
    return parse_decision_statement(found[0])
