"""The HM assertion after an eIDAS login (spec §4.5 "without representation (eIDAS example)",
§8.1, §3.3, §3.4).

Issuer HM; Subject NameID transient with NameQualifier = the EB EntityID; bearer confirmation
for the DV's ACS; Audience the DV; AuthnStatement with the asserted level and the EB as
AuthenticatingAuthority; attributes ServiceID, ServiceUUID, ActingSubjectID (the pseudonym) and
LegalSubjectID (a foreign legal person) as EncryptedIDs, and the person's attributes as
EncryptedAttributes, all encrypted for the DV's catalogue ServiceCertificate.

No Advice: in the real network the EB is a party of its own whose assertion the HM would put
in Advice; here the broker plays the EB itself, so such an assertion would be signed by the same
party as the HM assertion and prove nothing more, and the node's assertion cannot be passed on
(it is encrypted for us and holds the raw PersonIdentifier). The DV's trust rests on the HM
signature and the AuthenticatingAuthority (docs/eidas.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from broker.compose import NOT_BEFORE_SLACK
from broker.compose import VALIDITY
from broker.eidas.identity import DeliveredIdentity
from broker.eidas.vocab import ATTRNAME_URI
from broker.eidas.vocab import Etoegang
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmlenc import encrypt_attribute
from etoegang.crypto.xmlenc import encrypt_id
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import Attribute
from etoegang.messages.assertion import AttributeValue
from etoegang.messages.assertion import AuthnStatement
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import build_assertion
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XS
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from keys.ring import KeyPair
from keys.ring import PeerCertificate
from policies.loa import Loa

_XS_STRING: Final = qname(XS, "string")


@dataclass(frozen=True, slots=True)
class EidasOutcome:
    dv_entity_id: str
    dv_acs_url: str
    dv_request_id: str
    eb_entity_id: str
    service_id: str
    service_uuid: str
    achieved: Loa
    authn_instant: datetime
    session_index: str
    identity: DeliveredIdentity
    #: The DV's catalogue ServiceCertificate (spec §3.3).
    service_certificate: PeerCertificate


def _name_id(value: str, qualifier: str) -> etree._Element:
    element = etree.Element(qname(SAML, "NameID"), nsmap={"saml": SAML})
    element.set("NameQualifier", qualifier)
    element.set("Format", NameIDFormat.PERSISTENT.value)
    element.text = value
    return element


def _plain_attribute(name: str, value: str) -> etree._Element:
    element = etree.Element(qname(SAML, "Attribute"), nsmap={"saml": SAML, "xs": XS, "xsi": XSI})
    element.set("Name", name)
    element.set("NameFormat", ATTRNAME_URI)
    holder = etree.SubElement(element, qname(SAML, "AttributeValue"))
    holder.set(qname(XSI, "type"), "xs:string")
    holder.text = value
    return element


def eidas_hm_assertion(
    outcome: EidasOutcome, *, issuer: str, key: KeyPair, clock: Clock, ids: IdSource
) -> etree._Element:
    now = clock.now()
    until = now + VALIDITY
    cert = outcome.service_certificate
    dv = outcome.dv_entity_id
    attributes: list[Attribute] = []
    for name, pair in ((Etoegang.ACTING_SUBJECT_ID, outcome.identity.acting),
                       (Etoegang.LEGAL_SUBJECT_ID, outcome.identity.legal)):
        if pair is not None:
            encrypted = encrypt_id(_name_id(*pair), cert, recipient=dv, ids=ids)
            attributes.append(Attribute(name.value, (AttributeValue(element=encrypted),),
                                        name_format=ATTRNAME_URI))
    for name, value in ((Etoegang.SERVICE_ID, outcome.service_id),
                        (Etoegang.SERVICE_UUID, outcome.service_uuid)):
        attributes.append(Attribute(name.value, (AttributeValue(value, _XS_STRING),),
                                    name_format=ATTRNAME_URI))
    encrypted_attributes = tuple(
        encrypt_attribute(_plain_attribute(name, value), cert, recipient=dv, ids=ids)
        for name, value in outcome.identity.attributes
    )
    element = build_assertion(
        Assertion(
            id=ids.new_id(),
            issue_instant=now,
            issuer=issuer,
            subject=NameID(ids.new_id(), NameIDFormat.TRANSIENT,
                           name_qualifier=outcome.eb_entity_id),
            subject_confirmations=(
                SubjectConfirmation(recipient=outcome.dv_acs_url,
                                    in_response_to=outcome.dv_request_id, not_on_or_after=until),
            ),
            conditions=Conditions(not_before=now - NOT_BEFORE_SLACK, not_on_or_after=until,
                                  audience_restrictions=((dv,),)),
            attributes=tuple(attributes),
            encrypted_attributes=encrypted_attributes,
            authn_statements=(
                AuthnStatement(
                    authn_instant=outcome.authn_instant,
                    class_ref=outcome.achieved.urn,
                    session_index=outcome.session_index,
                    authenticating_authorities=(outcome.eb_entity_id,),
                ),
            ),
        )
    )
    sign(element, key, inclusive_prefixes=("xs",))
    return element
