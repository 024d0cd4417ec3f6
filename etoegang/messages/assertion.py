"""saml:Assertion: subject, conditions, Advice, attribute and authentication statements.

Spec: SAML core 2.3-2.7; SAML profiles 4.1.4.2 (Web SSO assertions); ``shared/spec/eherkenning.md``
§3.1 (attribute names), §3.3 (EncryptedID), §4.5 and §4.6 (the HM, AD and MR assertion shapes).

Elements the HM must pass on unchanged stay opaque lxml elements and are deep-copied, never
rebuilt, when an assertion is built: the AD and MR assertions in Advice (their signatures must
still verify at the DV), EncryptedID attribute values (encrypted for the DV end to end, §3.3:
the HM never decrypts them), EncryptedAttribute elements, and statements of other types (the
XACML decision statement, parsed by :mod:`etoegang.messages.xacml`).

This module holds the assertion itself, its Subject and Advice; attributes live in
:mod:`etoegang.messages.attributes` and the AuthnStatement in
:mod:`etoegang.messages.authn_statement`. Their public names are re-exported here, so import
them from this module as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.messages.attributes import ATTRIBUTE
from etoegang.messages.attributes import Attribute
from etoegang.messages.attributes import AttributeValue
from etoegang.messages.attributes import build_attribute
from etoegang.messages.attributes import parse_attribute
from etoegang.messages.authn_statement import AUTHN_STATEMENT
from etoegang.messages.authn_statement import AuthnStatement
from etoegang.messages.authn_statement import build_authn_statement
from etoegang.messages.authn_statement import parse_authn_statement
from etoegang.messages.common import CONDITIONS
from etoegang.messages.common import ENCRYPTED_ID
from etoegang.messages.common import ISSUER
from etoegang.messages.common import NAME_ID
from etoegang.messages.common import VERSION
from etoegang.messages.common import Conditions
from etoegang.messages.common import Element
from etoegang.messages.common import NameID
from etoegang.messages.common import build_conditions
from etoegang.messages.common import build_issuer
from etoegang.messages.common import build_name_id
from etoegang.messages.common import carry_all
from etoegang.messages.common import check_sequence
from etoegang.messages.common import children
from etoegang.messages.common import find_all
from etoegang.messages.common import local
from etoegang.messages.common import opt_attr
from etoegang.messages.common import opt_instant
from etoegang.messages.common import parse_conditions
from etoegang.messages.common import parse_issuer
from etoegang.messages.common import parse_name_id
from etoegang.messages.common import read_header
from etoegang.messages.common import req_attr
from etoegang.messages.common import set_instant
from etoegang.messages.common import set_opt
from etoegang.messages.common import slot
from etoegang.messages.common import value_of
from etoegang.xml.graft import finish
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname

__all__ = [
    "ASSERTION",
    "ENCRYPTED_ASSERTION",
    "Advice",
    "Assertion",
    "Attribute",
    "AttributeValue",
    "AuthnStatement",
    "SubjectConfirmation",
    "SubjectConfirmationMethod",
    "build_assertion",
    "parse_assertion",
]

ASSERTION: Final = qname(SAML, "Assertion")
ENCRYPTED_ASSERTION: Final = qname(SAML, "EncryptedAssertion")
_SIGNATURE = qname(DS, "Signature")
_SUBJECT = qname(SAML, "Subject")
_BASE_ID = qname(SAML, "BaseID")
_SUBJECT_CONFIRMATION = qname(SAML, "SubjectConfirmation")
_SUBJECT_CONFIRMATION_DATA = qname(SAML, "SubjectConfirmationData")
_ADVICE = qname(SAML, "Advice")
_ASSERTION_ID_REF = qname(SAML, "AssertionIDRef")
_ASSERTION_URI_REF = qname(SAML, "AssertionURIRef")
_STATEMENT = qname(SAML, "Statement")
_AUTHZ_STATEMENT = qname(SAML, "AuthzDecisionStatement")
_ATTRIBUTE_STATEMENT = qname(SAML, "AttributeStatement")
_ENCRYPTED_ATTRIBUTE = qname(SAML, "EncryptedAttribute")


class SubjectConfirmationMethod(Enum):
    """SAML profiles 3: the subject confirmation methods."""

    BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    HOLDER_OF_KEY = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
    SENDER_VOUCHES = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"

    @classmethod
    def _missing_(cls, value: object) -> SubjectConfirmationMethod:
        raise ValueError(f"not a SAML subject confirmation method: {value!r}")


@dataclass(frozen=True, slots=True)
class SubjectConfirmation:
    """saml:SubjectConfirmation with the attributes of its SubjectConfirmationData."""

    method: SubjectConfirmationMethod = SubjectConfirmationMethod.BEARER
    #: The ACS URL the assertion is for; the receiver must be exactly this endpoint.
    recipient: str | None = None
    #: The ID of the request this answers; must be the receiver's own outstanding request.
    in_response_to: str | None = None
    not_before: datetime | None = None
    not_on_or_after: datetime | None = None
    address: str | None = None

    @property
    def has_data(self) -> bool:
        return any(
            v is not None
            for v in (self.recipient, self.in_response_to, self.not_before,
                      self.not_on_or_after, self.address)
        )


@dataclass(frozen=True, slots=True)
class Advice:
    """saml:Advice. Nested assertions are opaque and copied unchanged (their signatures)."""

    assertions: tuple[Element, ...] = ()
    assertion_id_refs: tuple[str, ...] = ()
    assertion_uri_refs: tuple[str, ...] = ()
    encrypted_assertions: tuple[Element, ...] = ()
    #: Elements of other namespaces (SAML core 2.6.1 allows them).
    others: tuple[Element, ...] = ()


@dataclass(frozen=True, slots=True)
class Assertion:
    """A saml:Assertion as Makelaar reads and writes it. Opaque parts compare by identity."""

    id: str
    issue_instant: datetime
    issuer: str
    #: The subject's NameID, or an opaque saml:EncryptedID, or None.
    subject: NameID | Element | None = None
    subject_confirmations: tuple[SubjectConfirmation, ...] = ()
    conditions: Conditions | None = None
    advice: Advice | None = None
    attributes: tuple[Attribute, ...] = ()
    encrypted_attributes: tuple[Element, ...] = ()
    authn_statements: tuple[AuthnStatement, ...] = ()
    #: saml:Statement (xsi:type, e.g. the XACML decision) and AuthzDecisionStatement, opaque.
    other_statements: tuple[Element, ...] = ()

    @property
    def name_id(self) -> NameID | None:
        return self.subject if isinstance(self.subject, NameID) else None

    @property
    def authn_statement(self) -> AuthnStatement | None:
        return self.authn_statements[0] if self.authn_statements else None

    def attribute(self, name: str) -> Attribute | None:
        """The first attribute with this Name."""
        return next((a for a in self.attributes if a.name == name), None)


# --- build ------------------------------------------------------------------------------------


def _build_subject(parent: Element, assertion: Assertion) -> None:
    if assertion.subject is None and not assertion.subject_confirmations:
        return
    subject = etree.SubElement(parent, _SUBJECT)
    if isinstance(assertion.subject, NameID):
        build_name_id(subject, assertion.subject)
    elif assertion.subject is not None:
        carry_all(subject, [assertion.subject])
    for confirmation in assertion.subject_confirmations:
        node = etree.SubElement(subject, _SUBJECT_CONFIRMATION, Method=confirmation.method.value)
        if confirmation.has_data:
            data = etree.SubElement(node, _SUBJECT_CONFIRMATION_DATA)
            set_instant(data, "NotBefore", confirmation.not_before)
            set_instant(data, "NotOnOrAfter", confirmation.not_on_or_after)
            set_opt(data, "Recipient", confirmation.recipient)
            set_opt(data, "InResponseTo", confirmation.in_response_to)
            set_opt(data, "Address", confirmation.address)


def _build_advice(parent: Element, advice: Advice) -> None:
    node = etree.SubElement(parent, _ADVICE)
    for ref in advice.assertion_id_refs:
        etree.SubElement(node, _ASSERTION_ID_REF).text = ref
    for uri in advice.assertion_uri_refs:
        etree.SubElement(node, _ASSERTION_URI_REF).text = uri
    carry_all(node, advice.assertions)
    carry_all(node, advice.encrypted_assertions)
    carry_all(node, advice.others)


def build_assertion(assertion: Assertion, parent: Element | None = None) -> Element:
    """The unsigned saml:Assertion in schema order (sign it with ``xmldsig.sign`` afterwards:
    the signature goes right after Issuer)."""
    if parent is None:
        node = etree.Element(ASSERTION, nsmap={"saml": SAML})
    else:
        node = etree.SubElement(parent, ASSERTION)
    node.set("ID", assertion.id)
    set_instant(node, "IssueInstant", assertion.issue_instant)
    node.set("Version", VERSION)
    build_issuer(node, assertion.issuer)
    _build_subject(node, assertion)
    if assertion.conditions is not None:
        build_conditions(node, assertion.conditions)
    if assertion.advice is not None:
        _build_advice(node, assertion.advice)
    if assertion.attributes or assertion.encrypted_attributes:
        statement = etree.SubElement(node, _ATTRIBUTE_STATEMENT)
        for attribute in assertion.attributes:
            build_attribute(statement, attribute)
        carry_all(statement, assertion.encrypted_attributes)
    for authn in assertion.authn_statements:
        build_authn_statement(node, authn)
    carry_all(node, assertion.other_statements)
    return finish(node) if parent is None else node


# --- parse ------------------------------------------------------------------------------------


def _parse_confirmation(element: Element, where: str) -> SubjectConfirmation:
    where = f"{where}/SubjectConfirmation"
    check_sequence(
        element,
        [slot(_BASE_ID, NAME_ID, ENCRYPTED_ID), slot(_SUBJECT_CONFIRMATION_DATA)],
        where,
    )
    raw = req_attr(element, "Method", where)
    try:
        method = SubjectConfirmationMethod(raw)
    except ValueError as exc:
        raise MessageMalformed(f"{where}/@Method is not a SAML method", debug=raw[:80]) from exc
    data = element.find(_SUBJECT_CONFIRMATION_DATA)
    if data is None:
        return SubjectConfirmation(method)
    where = f"{where}/SubjectConfirmationData"
    return SubjectConfirmation(
        method=method,
        recipient=opt_attr(data, "Recipient", where),
        in_response_to=opt_attr(data, "InResponseTo", where),
        not_before=opt_instant(data, "NotBefore", where),
        not_on_or_after=opt_instant(data, "NotOnOrAfter", where),
        address=opt_attr(data, "Address", where),
    )


def _parse_subject(
    element: Element, where: str
) -> tuple[NameID | Element | None, tuple[SubjectConfirmation, ...]]:
    where = f"{where}/Subject"
    check_sequence(
        element,
        [slot(NAME_ID, ENCRYPTED_ID), slot(_SUBJECT_CONFIRMATION, max=None)],
        where,
    )
    subject: NameID | Element | None = None
    for child in children(element):
        if child.tag == NAME_ID:
            subject = parse_name_id(child, f"{where}/NameID")
        elif child.tag == ENCRYPTED_ID:
            subject = child
    confirmations = tuple(
        _parse_confirmation(c, where) for c in find_all(element, _SUBJECT_CONFIRMATION)
    )
    if subject is None and not confirmations:
        raise MessageMalformed(f"{where} is empty")
    return subject, confirmations


def _parse_advice(element: Element, where: str) -> Advice:
    refs: list[str] = []
    uris: list[str] = []
    assertions: list[Element] = []
    encrypted: list[Element] = []
    others: list[Element] = []
    for child in children(element):
        if child.tag == _ASSERTION_ID_REF:
            refs.append(value_of(child, f"{where}/Advice/AssertionIDRef"))
        elif child.tag == _ASSERTION_URI_REF:
            uris.append(value_of(child, f"{where}/Advice/AssertionURIRef"))
        elif child.tag == ASSERTION:
            assertions.append(child)
        elif child.tag == ENCRYPTED_ASSERTION:
            encrypted.append(child)
        elif etree.QName(child).namespace not in (SAML, None):
            others.append(child)  # SAML core 2.6.1: ##other is allowed
        else:
            raise MessageMalformed(f"{where}/Advice may not contain {local(child)}")
    return Advice(tuple(assertions), tuple(refs), tuple(uris), tuple(encrypted), tuple(others))


_STATEMENTS = (_STATEMENT, AUTHN_STATEMENT, _AUTHZ_STATEMENT, _ATTRIBUTE_STATEMENT)


def parse_assertion(element: Element) -> Assertion:
    """Read a saml:Assertion that the caller has verified (``xmldsig.verify(...).element``).

    :raises MessageError: a subclass naming the rule the assertion breaks.
    """
    if element.tag != ASSERTION:
        raise MessageMalformed("expected a saml:Assertion", debug=str(element.tag)[:120])
    assertion_id, issue_instant = read_header(element, "Assertion")
    where = f"Assertion {assertion_id}"
    check_sequence(
        element,
        [
            slot(ISSUER, min=1),
            slot(_SIGNATURE),
            slot(_SUBJECT),
            slot(CONDITIONS),
            slot(_ADVICE),
            slot(*_STATEMENTS, max=None),
        ],
        where,
    )
    subject: NameID | Element | None = None
    confirmations: tuple[SubjectConfirmation, ...] = ()
    conditions: Conditions | None = None
    advice: Advice | None = None
    attributes: list[Attribute] = []
    encrypted: list[Element] = []
    authn: list[AuthnStatement] = []
    others: list[Element] = []
    issuer = ""
    for child in children(element):
        tag = child.tag
        if tag == ISSUER:
            issuer = parse_issuer(child, where)
        elif tag == _SUBJECT:
            subject, confirmations = _parse_subject(child, where)
        elif tag == CONDITIONS:
            conditions = parse_conditions(child, where)
        elif tag == _ADVICE:
            advice = _parse_advice(child, where)
        elif tag == _ATTRIBUTE_STATEMENT:
            check_sequence(
                child,
                [slot(ATTRIBUTE, _ENCRYPTED_ATTRIBUTE, min=1, max=None)],
                f"{where}/AttributeStatement",
            )
            for item in children(child):
                if item.tag == ATTRIBUTE:
                    attributes.append(parse_attribute(item, f"{where}/AttributeStatement"))
                else:
                    encrypted.append(item)
        elif tag == AUTHN_STATEMENT:
            authn.append(parse_authn_statement(child, where))
        elif tag in (_STATEMENT, _AUTHZ_STATEMENT):
            others.append(child)
    return Assertion(
        id=assertion_id,
        issue_instant=issue_instant,
        issuer=issuer,
        subject=subject,
        subject_confirmations=confirmations,
        conditions=conditions,
        advice=advice,
        attributes=tuple(attributes),
        encrypted_attributes=tuple(encrypted),
        authn_statements=tuple(authn),
        other_statements=tuple(others),
    )
