"""The HM assertion and the HM Response to the DV (spec §4.5, §7, §11 "Outbound to DV").

The assertion: Issuer HM; Subject NameID transient with NameQualifier = the AD's EntityID
(value: a random per-login id); bearer confirmation for the DV's ACS; Conditions from 5 s
before now to 2 minutes after (the observed 2-5 minute window, Signicat's numbers); Audience
the DV; Advice with the AD, MR (and MR2) assertions *unchanged*, so their signatures still
verify at the DV; the EncryptedIDs the MR made for the DV, copied (never decrypted) with fresh
``Id`` values (wave-2 decision: the same element sits inside the MR assertion in Advice, and a
document holding one ID twice is refused as signature wrapping); ServiceID, ServiceUUID,
Vestigingsnr, the chain attributes; an AuthnStatement with the achieved level and the AD as
AuthenticatingAuthority.

Signed assertions from peers are put in with :func:`etoegang.messages.artifact.graft`, the
only way lxml keeps their namespace prefixes exactly (see there).
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
from etoegang.messages.artifact import copy_unchanged
from etoegang.messages.artifact import graft
from etoegang.messages.artifact import placeholder
from etoegang.messages.assertion import Advice
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import Attribute
from etoegang.messages.assertion import AttributeValue
from etoegang.messages.assertion import AuthnStatement
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import build_assertion
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.response import Response
from etoegang.messages.response import build_response
from etoegang.messages.status import SUCCESS
from etoegang.messages.status import Status
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from keys.ring import KeyPair
from policies.loa import Loa

ATTRNAME_URI: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
SERVICE_ID: Final = "urn:etoegang:core:ServiceID"
SERVICE_UUID: Final = "urn:etoegang:core:ServiceUUID"
ACTING_SUBJECT_ID: Final = "urn:etoegang:core:ActingSubjectID"
LEGAL_SUBJECT_ID: Final = "urn:etoegang:core:LegalSubjectID"
VESTIGINGSNR: Final = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
INTERMEDIATE_KVK: Final = "urn:etoegang:1.9:IntermediateEntityID:KvKnr"
INTERMEDIATE_NAME: Final = "urn:etoegang:1.13:attribute-intermediate:CompanyName"
#: Prefixes whose declarations the signatures must cover although they appear only inside
#: values (xsi:type="xs:string", the MR's xsi:type="xacml-saml:...") (wave-2 decision).
INCLUSIVE_PREFIXES: Final = ("xs", "xacml-saml")

#: Validity of the HM assertion: Signicat's -5 s / +2 min, inside the issue's 2 to 5 minutes.
NOT_BEFORE_SLACK: Final = timedelta(seconds=5)
VALIDITY: Final = timedelta(minutes=2)

_XS_STRING: Final = qname(XS, "string")
_ADVICE: Final = qname(SAML, "Advice")


@dataclass(frozen=True, slots=True)
class Outcome:
    """Everything the HM asserts after a complete login, as checked on the way."""

    dv_entity_id: str
    dv_acs_url: str
    dv_request_id: str
    ad_entity_id: str
    service_id: str
    service_uuid: str
    achieved: Loa
    authn_instant: datetime
    session_index: str
    #: AD, MR (and MR2) assertions as received; copied unchanged into Advice.
    advice: tuple[etree._Element, ...]
    acting_subject_id: etree._Element | None
    legal_subject_id: etree._Element | None
    vestigingsnr: str | None = None
    intermediate_kvk: etree._Element | str | None = None
    intermediate_name: str | None = None


def with_fresh_ids(encrypted: etree._Element, ids: IdSource) -> etree._Element:
    """A copy of an EncryptedID whose ``Id`` values (and the ``#`` references to them) are new.

    The content stays byte for byte what the MR encrypted for the DV; only the XML IDs that
    tie EncryptedData to EncryptedKey change, consistently (RetrievalMethod, DataReference).
    """
    copy = copy_unchanged(encrypted)
    renamed: dict[str, str] = {}
    for element in copy.iter():
        old = element.get("Id")
        if old is not None:
            renamed[old] = ids.new_id()
            element.set("Id", renamed[old])
    for element in copy.iter():
        uri = element.get("URI")
        if uri is not None and uri.startswith("#") and uri[1:] in renamed:
            element.set("URI", "#" + renamed[uri[1:]])
    return copy


def _string(name: str, value: str) -> Attribute:
    return Attribute(name, (AttributeValue(value, _XS_STRING),), name_format=ATTRNAME_URI)


def _element(name: str, value: etree._Element, ids: IdSource) -> Attribute:
    return Attribute(
        name, (AttributeValue(element=with_fresh_ids(value, ids)),), name_format=ATTRNAME_URI
    )


def _attributes(outcome: Outcome, ids: IdSource) -> tuple[Attribute, ...]:
    found: list[Attribute] = []
    if outcome.acting_subject_id is not None:
        found.append(_element(ACTING_SUBJECT_ID, outcome.acting_subject_id, ids))
    if outcome.legal_subject_id is not None:
        found.append(_element(LEGAL_SUBJECT_ID, outcome.legal_subject_id, ids))
    if outcome.vestigingsnr is not None:
        found.append(_string(VESTIGINGSNR, outcome.vestigingsnr))
    found.append(_string(SERVICE_ID, outcome.service_id))
    found.append(_string(SERVICE_UUID, outcome.service_uuid))
    kvk = outcome.intermediate_kvk
    if isinstance(kvk, str):
        found.append(_string(INTERMEDIATE_KVK, kvk))
    elif kvk is not None:
        found.append(_element(INTERMEDIATE_KVK, kvk, ids))
    if outcome.intermediate_name is not None:
        found.append(_string(INTERMEDIATE_NAME, outcome.intermediate_name))
    return tuple(found)


def hm_assertion(
    outcome: Outcome, *, issuer: str, key: KeyPair, clock: Clock, ids: IdSource
) -> etree._Element:
    """The signed HM assertion (spec §4.5)."""
    now = clock.now()
    until = now + VALIDITY
    assertion = Assertion(
        id=ids.new_id(),
        issue_instant=now,
        issuer=issuer,
        subject=NameID(
            value=ids.new_id(),
            format=NameIDFormat.TRANSIENT,
            name_qualifier=outcome.ad_entity_id,
        ),
        subject_confirmations=(
            SubjectConfirmation(
                recipient=outcome.dv_acs_url,
                in_response_to=outcome.dv_request_id,
                not_on_or_after=until,
            ),
        ),
        conditions=Conditions(
            not_before=now - NOT_BEFORE_SLACK,
            not_on_or_after=until,
            audience_restrictions=((outcome.dv_entity_id,),),
        ),
        # An empty Advice marks the place; the peers' assertions are grafted in below.
        advice=Advice(),
        attributes=_attributes(outcome, ids),
        authn_statements=(
            AuthnStatement(
                authn_instant=outcome.authn_instant,
                class_ref=outcome.achieved.urn,
                session_index=outcome.session_index,
                authenticating_authorities=(outcome.ad_entity_id,),
            ),
        ),
    )
    element = build_assertion(assertion)
    advice = element.find(_ADVICE)
    assert advice is not None  # build_assertion wrote it from Advice()
    for _ in outcome.advice:
        placeholder(advice)
    element = graft(element, list(outcome.advice))
    sign(element, key, inclusive_prefixes=INCLUSIVE_PREFIXES)
    return element


def dv_response(
    *,
    issuer: str,
    destination: str,
    in_response_to: str,
    status: Status,
    assertion: etree._Element | None,
    key: KeyPair,
    clock: Clock,
    ids: IdSource,
) -> etree._Element:
    """The signed samlp:Response to the DV, carrying the signed assertion on Success."""
    response = build_response(
        Response(
            id=ids.new_id(),
            issue_instant=clock.now(),
            status=status,
            issuer=issuer,
            in_response_to=in_response_to,
            destination=destination,
        )
    )
    if assertion is not None:
        placeholder(response)
        response = graft(response, [assertion])
    sign(response, key, inclusive_prefixes=INCLUSIVE_PREFIXES if assertion is not None else ())
    return response


__all__ = [
    "INCLUSIVE_PREFIXES",
    "Outcome",
    "SUCCESS",
    "dv_response",
    "hm_assertion",
    "with_fresh_ids",
]
