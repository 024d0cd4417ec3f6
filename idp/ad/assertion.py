"""The AD's answers to the HM: the signed AD assertion in a signed Response, and status-only
Responses for cancels and refusals (spec §4.6, §4.8; the shape of the real AD assertion in
``shared/spec/examples/hm-artifactresponse-signicat-2023-decrypted.xml``, first in Advice).

Assertion: Issuer AD; Subject NameID transient = the means' internal pseudonym; bearer
SubjectConfirmation for the HM's ACS and request; Conditions NotBefore -5 s, NotOnOrAfter
+10 min, one AudienceRestriction naming the HM, the DV and the MR (the MR reads the
assertion inside the HM's query, the DV inside the HM's Advice); AuthnStatement with the level
achieved and the AD as AuthenticatingAuthority; attributes Representation, ServiceUUID,
AuthorizationRegistryID and ActingSubjectID (an EncryptedID only the MR can open), then the
attributes the user consented to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Final

from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.xmldsig import sign
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
from etoegang.messages.common import build_name_id
from etoegang.messages.response import Response
from etoegang.messages.response import build_response
from etoegang.messages.status import SUCCESS
from etoegang.messages.status import Status
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from idp.ad.request import ReturnChannel
from keys.ring import KeyPair
from keys.ring import PeerCertificate
from policies.loa import Loa

VALIDITY: Final = timedelta(minutes=10)
NOT_BEFORE_SKEW: Final = timedelta(seconds=5)
REPRESENTATION: Final = "urn:etoegang:core:Representation"
SERVICE_UUID: Final = "urn:etoegang:core:ServiceUUID"
AUTHORIZATION_REGISTRY_ID: Final = "urn:etoegang:core:AuthorizationRegistryID"
ACTING_SUBJECT_ID: Final = "urn:etoegang:core:ActingSubjectID"
#: The type of the MR-facing person identifier inside the ActingSubjectID (spec §3.2).
PSEUDO: Final = "urn:etoegang:1.13:EntityConcernedID:Pseudo"
CANCELLED: Final = "The user cancelled."
_XS_STRING = qname(XS, "string")
_XS_BOOLEAN = qname(XS, "boolean")


@dataclass(frozen=True, slots=True)
class Signer:
    """Who we are when answering: the AD's id and key, the MR the assertion is meant for."""

    ad_entity_id: str
    signing: KeyPair
    mr_entity_id: str
    #: The MR's encryption certificate: the ActingSubjectID is encrypted for it (spec §3.3).
    mr_certificate: PeerCertificate
    clock: Clock
    ids: IdSource


@dataclass(frozen=True, slots=True)
class AdAuthentication:
    """What the AD asserts about one login."""

    channel: ReturnChannel
    dv_entity_id: str
    service_uuid: str
    level: Loa
    authn_instant: datetime
    session_index: str
    #: Transient NameID value: the means' stable internal pseudonym (spec §4.6).
    subject: str
    #: The MR-facing person identifier (Person.pseudonym), sent encrypted for the MR.
    acting_subject: str
    #: Consented attributes as (Name, value).
    attributes: tuple[tuple[str, str], ...] = ()


def _text(name: str, value: str, xsi_type: str = _XS_STRING) -> Attribute:
    return Attribute(name=name, values=(AttributeValue(text=value, xsi_type=xsi_type),))


def _acting_subject(authn: AdAuthentication, signer: Signer) -> Attribute:
    holder = etree.Element(qname(SAML, "Holder"), nsmap={"saml": SAML})
    name_id = build_name_id(
        holder,
        NameID(authn.acting_subject, format=NameIDFormat.PERSISTENT, name_qualifier=PSEUDO),
    )
    encrypted = encrypt_id(
        name_id, signer.mr_certificate, recipient=signer.mr_entity_id, ids=signer.ids
    )
    return Attribute(name=ACTING_SUBJECT_ID, values=(AttributeValue(element=encrypted),))


def build_assertion_element(authn: AdAuthentication, signer: Signer) -> etree._Element:
    """The signed AD assertion."""
    now = signer.clock.now()
    channel = authn.channel
    assertion = Assertion(
        id=signer.ids.new_id(),
        issue_instant=now,
        issuer=signer.ad_entity_id,
        subject=NameID(authn.subject, format=NameIDFormat.TRANSIENT),
        subject_confirmations=(
            SubjectConfirmation(
                recipient=channel.acs_url,
                in_response_to=channel.request_id,
                not_on_or_after=now + VALIDITY,
            ),
        ),
        conditions=Conditions(
            not_before=now - NOT_BEFORE_SKEW,
            not_on_or_after=now + VALIDITY,
            audience_restrictions=(
                (channel.hm_entity_id, authn.dv_entity_id, signer.mr_entity_id),
            ),
        ),
        attributes=(
            _text(REPRESENTATION, "true", _XS_BOOLEAN),
            _text(SERVICE_UUID, authn.service_uuid),
            _text(AUTHORIZATION_REGISTRY_ID, signer.mr_entity_id),
            _acting_subject(authn, signer),
            *(_text(name, value) for name, value in authn.attributes),
        ),
        authn_statements=(
            AuthnStatement(
                authn_instant=authn.authn_instant,
                class_ref=authn.level.urn,
                session_index=authn.session_index,
                authenticating_authorities=(signer.ad_entity_id,),
            ),
        ),
    )
    element = build_assertion(assertion)
    # xsi:type="xs:string" names the xs prefix in content only (decision in wave2 notes).
    sign(element, signer.signing, inclusive_prefixes=("xs",))
    return element


def _response(channel: ReturnChannel, status: Status, signer: Signer,
              assertion: etree._Element | None) -> etree._Element:
    response = Response(
        id=signer.ids.new_id(),
        issue_instant=signer.clock.now(),
        status=status,
        issuer=signer.ad_entity_id,
        in_response_to=channel.request_id,
        destination=channel.acs_url,
        assertions=(assertion,) if assertion is not None else (),
    )
    element = build_response(response)
    sign(element, signer.signing)
    return element


def success_response(authn: AdAuthentication, signer: Signer) -> etree._Element:
    """The signed Response carrying the signed AD assertion."""
    return _response(authn.channel, SUCCESS, signer, build_assertion_element(authn, signer))


def failure_response(
    channel: ReturnChannel, signer: Signer, *, requester: bool, second: SubStatusCode,
    message: str | None,
) -> etree._Element:
    """A signed status-only Response (spec §4.8): Requester when the HM's request was at
    fault, Responder when the user was not authenticated (a cancel included)."""
    top = StatusCode.REQUESTER if requester else StatusCode.RESPONDER
    return _response(channel, Status(top, second, message), signer, None)
