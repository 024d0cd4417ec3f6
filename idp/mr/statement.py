"""The register's answer: the signed MR assertion and the Response around it (spec §4.7, §7).

Shape of the real MR assertion (Signicat 2023, ``spec/examples``), plus what the interface
contract of the demo network adds:

* Issuer = the register; Subject NameID transient with NameQualifier = the register;
  a bearer SubjectConfirmation for the HM's ACS (Recipient, InResponseTo = query ID,
  NotOnOrAfter); Conditions of 2 minutes with Audience HM and DV (and MR2 on an MR1 chain
  assertion, which MR2 must accept as audience);
* Advice/AssertionIDRef = the AD assertion's ID (and MR1's, for MR2);
* the XACMLAuthzDecisionStatement (:func:`etoegang.messages.xacml.build_decision_statement`);
* consented extra attributes as EncryptedAttribute for the DV in an AttributeStatement.

Signed with ``inclusive_prefixes=("xs", "xacml-saml")`` so the prefixes inside ``xsi:type``
values are covered. The Response has status Success and carries the assertion, for Permit and
for Deny alike (the XACML way: the decision is in the statement); a cancel or a stop is a
Response with Responder/AuthnFailed and no assertion.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmlenc import encrypt_attribute
from etoegang.crypto.xmlenc import encrypt_id
from etoegang.messages.assertion import Advice
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import build_assertion
from etoegang.messages.common import NAME_ID
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.response import Response
from etoegang.messages.response import build_response
from etoegang.messages.status import SUCCESS
from etoegang.messages.status import Status
from etoegang.messages.xacml import LINKED_SIGNATURE
from etoegang.messages.xacml import SAML_ENCRYPTED_ID
from etoegang.messages.xacml import XS_BASE64
from etoegang.messages.xacml import XS_STRING
from etoegang.messages.xacml import DecisionStatement
from etoegang.messages.xacml import XacmlAttribute
from etoegang.messages.xacml import build_decision_statement
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XS
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from keys.ring import KeyPair
from keys.ring import PeerCertificate

#: Observed MR assertion lifetime (Signicat: NotOnOrAfter = IssueInstant + 2 min).
LIFETIME: Final = timedelta(minutes=2)
SIGN_PREFIXES: Final = ("xs", "xacml-saml")
PSEUDO: Final = "urn:etoegang:1.13:EntityConcernedID:Pseudo"
INTERMEDIATE_KVK: Final = "urn:etoegang:1.9:IntermediateEntityID:KvKnr"
INTERMEDIATE_NAME: Final = "urn:etoegang:1.13:attribute-intermediate:CompanyName"


@dataclass(frozen=True, slots=True)
class Signer:
    """The register that answers: its EntityID, signing key, clock and ID source."""

    entity_id: str
    key: KeyPair
    clock: Clock
    ids: IdSource


@dataclass(frozen=True, slots=True)
class Addressee:
    """Where the answer goes and whom it is about."""

    hm: str
    acs_url: str
    query_id: str
    dv_entity_id: str
    #: IDs of the assertions this one refers to (AD; for MR2 also MR1).
    advice_ids: tuple[str, ...]
    #: Extra audiences (MR2 on MR1's chain assertion).
    extra_audiences: tuple[str, ...] = ()


def name_id_element(value: str, qualifier: str) -> etree._Element:
    """A standalone persistent saml:NameID with the identifier type as NameQualifier (§3.3)."""
    element = etree.Element(NAME_ID, nsmap={"saml": SAML})
    element.set("Format", NameIDFormat.PERSISTENT.value)
    element.set("NameQualifier", qualifier)
    element.text = value
    return element


def encrypted_id(
    value: str, qualifier: str, cert: PeerCertificate, recipient: str, ids: IdSource
) -> etree._Element:
    """``value`` as an EncryptedID for ``recipient`` (KeyName and Recipient set, §3.3)."""
    return encrypt_id(name_id_element(value, qualifier), cert, recipient=recipient, ids=ids)


def encrypted_id_attribute(
    attribute_id: str,
    value: str,
    qualifier: str,
    cert: PeerCertificate,
    recipient: str,
    signer: Signer,
) -> XacmlAttribute:
    element = encrypted_id(value, qualifier, cert, recipient, signer.ids)
    return XacmlAttribute(attribute_id, SAML_ENCRYPTED_ID, (element,), signer.entity_id)


def string_attribute(attribute_id: str, value: str, signer: Signer) -> XacmlAttribute:
    return XacmlAttribute(attribute_id, XS_STRING, (value,), signer.entity_id)


def linked_signature(value: str, signer: Signer) -> XacmlAttribute:
    return XacmlAttribute(LINKED_SIGNATURE, XS_BASE64, (value,), signer.entity_id)


def encrypted_string_attribute(
    name: str, value: str, cert: PeerCertificate, recipient: str, ids: IdSource
) -> etree._Element:
    """A saml:Attribute with one xs:string value, encrypted for the DV (spec §3.4)."""
    attribute = etree.Element(qname(SAML, "Attribute"), nsmap={"saml": SAML})
    attribute.set("Name", name)
    attribute.set("NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
    holder = etree.SubElement(
        attribute, qname(SAML, "AttributeValue"), nsmap={"xsi": XSI, "xs": XS}
    )
    holder.set(qname(XSI, "type"), "xs:string")
    holder.text = value
    return encrypt_attribute(attribute, cert, recipient=recipient, ids=ids)


def build_mr_assertion(
    statement: DecisionStatement,
    *,
    signer: Signer,
    to: Addressee,
    encrypted_attributes: Sequence[etree._Element] = (),
) -> etree._Element:
    """The signed MR assertion carrying ``statement``."""
    now = signer.clock.now()
    until = now + LIFETIME
    assertion = Assertion(
        id=signer.ids.new_id(),
        issue_instant=now,
        issuer=signer.entity_id,
        subject=NameID(
            secrets.token_hex(20), NameIDFormat.TRANSIENT, name_qualifier=signer.entity_id
        ),
        subject_confirmations=(
            SubjectConfirmation(
                recipient=to.acs_url, in_response_to=to.query_id, not_on_or_after=until
            ),
        ),
        conditions=Conditions(
            not_before=now,
            not_on_or_after=until,
            audience_restrictions=((to.hm, to.dv_entity_id, *to.extra_audiences),),
        ),
        advice=Advice(assertion_id_refs=to.advice_ids),
        encrypted_attributes=tuple(encrypted_attributes),
        other_statements=(build_decision_statement(statement),),
    )
    element = build_assertion(assertion)
    sign(element, signer.key, inclusive_prefixes=SIGN_PREFIXES)
    return element


def build_answer(
    *, signer: Signer, to: Addressee, status: Status = SUCCESS,
    assertion: etree._Element | None = None,
) -> etree._Element:
    """The signed samlp:Response to the HM's ACS, with the assertion or an error status."""
    response = Response(
        id=signer.ids.new_id(),
        issue_instant=signer.clock.now(),
        status=status,
        issuer=signer.entity_id,
        in_response_to=to.query_id,
        destination=to.acs_url,
        assertions=(assertion,) if assertion is not None else (),
    )
    element = build_response(response)
    sign(element, signer.key, inclusive_prefixes=SIGN_PREFIXES)
    return element
