"""Build -> serialise -> parse_xml -> parse gives back the same message, for every message type,
with all optional parts present and with all absent."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.messages import Advice
from etoegang.messages import Assertion
from etoegang.messages import Attribute
from etoegang.messages import AttributeValue
from etoegang.messages import AuthnContextComparison
from etoegang.messages import AuthnRequest
from etoegang.messages import AuthnStatement
from etoegang.messages import Conditions
from etoegang.messages import IDPEntry
from etoegang.messages import LogoutRequest
from etoegang.messages import LogoutResponse
from etoegang.messages import NameID
from etoegang.messages import NameIDFormat
from etoegang.messages import NameIDPolicy
from etoegang.messages import RequestedAttribute
from etoegang.messages import RequestedAuthnContext
from etoegang.messages import Response
from etoegang.messages import Scoping
from etoegang.messages import Status
from etoegang.messages import StatusCode
from etoegang.messages import SubjectConfirmation
from etoegang.messages import SubStatusCode
from etoegang.messages import build_assertion
from etoegang.messages import build_authn_request
from etoegang.messages import build_logout_request
from etoegang.messages import build_logout_response
from etoegang.messages import build_response
from etoegang.messages import parse_assertion
from etoegang.messages import parse_authn_request
from etoegang.messages import parse_logout_request
from etoegang.messages import parse_logout_response
from etoegang.messages import parse_response
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XACML_CONTEXT
from etoegang.xml.ns import XACML_SAML
from etoegang.xml.ns import XENC
from etoegang.xml.ns import XS
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from policies.loa import Loa

HM = "urn:etoegang:HM:00000003244440010000:entities:9713"
AD = "urn:etoegang:AD:00000001234567890000:entities:9113"
MR = "urn:etoegang:MR:00000001234567890000:entities:9113"
DV = "urn:etoegang:DV:0000000398765432100000:entities:9009"
DV_ACS = "https://dv.example.nl/saml/acs"
HM_SSO = "https://hm.example.nl/broker/sso/1.13"


def c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


def canon(value: Any) -> Any:
    """A value with every opaque lxml element replaced by its exclusive C14N, for comparison."""
    if isinstance(value, etree._Element):
        return ("element", c14n(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,) + tuple(
            (f.name, canon(getattr(value, f.name))) for f in dataclasses.fields(value)
        )
    if isinstance(value, tuple):
        return tuple(canon(v) for v in value)
    return value


def reparse(element: etree._Element) -> etree._Element:
    return parse_xml(serialize(element))


def encrypted_id(
    recipient: str = DV, local: str = "EncryptedID", suffix: str = "1"
) -> etree._Element:
    """An EncryptedID (or another EncryptedElementType) shaped as peers send it; its content is
    opaque to the message layer."""
    e = etree.Element(qname(SAML, local), nsmap={"saml": SAML})
    data = etree.SubElement(
        e,
        qname(XENC, "EncryptedData"),
        nsmap={"xenc": XENC},
        Id=f"_ed{suffix}",
        Type="http://www.w3.org/2001/04/xmlenc#Element",
    )
    etree.SubElement(
        data,
        qname(XENC, "EncryptionMethod"),
        Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    )
    info = etree.SubElement(data, qname(DS, "KeyInfo"), nsmap={"ds": DS})
    etree.SubElement(
        info,
        qname(DS, "RetrievalMethod"),
        URI=f"#_ek{suffix}",
        Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey",
    )
    cipher = etree.SubElement(data, qname(XENC, "CipherData"))
    etree.SubElement(cipher, qname(XENC, "CipherValue")).text = "AAECAwQFBgcICQ=="
    key = etree.SubElement(
        e, qname(XENC, "EncryptedKey"), nsmap={"xenc": XENC}, Id=f"_ek{suffix}", Recipient=recipient
    )
    etree.SubElement(
        key,
        qname(XENC, "EncryptionMethod"),
        Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
    )
    key_cipher = etree.SubElement(key, qname(XENC, "CipherData"))
    etree.SubElement(key_cipher, qname(XENC, "CipherValue")).text = "CgsMDQ4P"
    return e


def xacml_statement() -> etree._Element:
    statement = etree.Element(
        qname(SAML, "Statement"),
        nsmap={"saml": SAML, "xsi": XSI, "xacml-saml": XACML_SAML, "xacml-context": XACML_CONTEXT},
    )
    statement.set(qname(XSI, "type"), "xacml-saml:XACMLAuthzDecisionStatementType")
    response = etree.SubElement(statement, qname(XACML_CONTEXT, "Response"))
    result = etree.SubElement(response, qname(XACML_CONTEXT, "Result"))
    etree.SubElement(result, qname(XACML_CONTEXT, "Decision")).text = "Permit"
    return statement


def advice_assertion(issuer: str, assertion_id: str, at: datetime) -> etree._Element:
    return build_assertion(
        Assertion(
            id=assertion_id,
            issue_instant=at,
            issuer=issuer,
            subject=NameID("af601a0b5a84", NameIDFormat.TRANSIENT),
            conditions=Conditions(at, at + timedelta(minutes=2)),
        )
    )


def full_assertion(clock: FixedClock, ids: SequentialIdSource) -> Assertion:
    now = clock.now()
    return Assertion(
        id=ids.new_id(),
        issue_instant=now,
        issuer=HM,
        subject=NameID(
            "74fd8086-76bc-4033-bf8d-1c97eddb89f3",
            NameIDFormat.TRANSIENT,
            name_qualifier=AD,
            sp_name_qualifier=DV,
            sp_provided_id="sp-1",
        ),
        subject_confirmations=(
            SubjectConfirmation(
                recipient=DV_ACS,
                in_response_to="_request-1",
                not_before=now - timedelta(seconds=5),
                not_on_or_after=now + timedelta(minutes=2),
                address="192.0.2.10",
            ),
        ),
        conditions=Conditions(
            not_before=now - timedelta(seconds=5),
            not_on_or_after=now + timedelta(minutes=2),
            audience_restrictions=((DV,), (DV, HM)),
            one_time_use=True,
            proxy_count=0,
            proxy_audiences=(DV,),
            has_proxy_restriction=True,
        ),
        advice=Advice(
            assertions=(
                advice_assertion(AD, "_ad-1", now - timedelta(seconds=8)),
                advice_assertion(MR, "_mr-1", now - timedelta(seconds=2)),
            ),
            assertion_id_refs=("_ad-1",),
            assertion_uri_refs=("https://ad.example.nl/assertions/_ad-1",),
        ),
        attributes=(
            Attribute(
                "urn:etoegang:core:ActingSubjectID", (AttributeValue(element=encrypted_id()),)
            ),
            Attribute(
                "urn:etoegang:core:ServiceID",
                (
                    AttributeValue(
                        "urn:etoegang:DV:0000000398765432100000:services:9009", qname(XS, "string")
                    ),
                ),
                name_format="urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                friendly_name="ServiceID",
                other_attributes=(("{urn:example:ext}OriginalIssuer", "urn:example:source"),),
            ),
            Attribute("urn:example:multi", (AttributeValue("a < & ]]> b"), AttributeValue(""))),
        ),
        encrypted_attributes=(encrypted_id(local="EncryptedAttribute"),),
        authn_statements=(
            AuthnStatement(
                authn_instant=now - timedelta(seconds=10),
                class_ref=Loa.EH3.urn,
                session_index="session-1",
                session_not_on_or_after=now + timedelta(hours=2),
                authenticating_authorities=(AD,),
                decl_ref="urn:example:decl",
                locality_address="192.0.2.10",
                locality_dns_name="client.example.nl",
            ),
        ),
        other_statements=(xacml_statement(),),
    )


def test_assertion_with_every_optional_part_survives_a_round_trip(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    assertion = full_assertion(clock, ids)
    parsed = parse_assertion(reparse(build_assertion(assertion)))
    assert canon(parsed) == canon(assertion)
    assert parsed.authn_statement is not None and parsed.authn_statement.loa is Loa.EH3


def test_minimal_assertion_survives_a_round_trip(clock: FixedClock) -> None:
    assertion = Assertion(id="_a", issue_instant=clock.now(), issuer=HM)
    assert parse_assertion(reparse(build_assertion(assertion))) == assertion


def test_assertion_with_encrypted_subject_keeps_it_opaque(clock: FixedClock) -> None:
    element = encrypted_id()
    assertion = Assertion(id="_a", issue_instant=clock.now(), issuer=HM, subject=element)
    parsed = parse_assertion(reparse(build_assertion(assertion)))
    assert isinstance(parsed.subject, etree._Element)
    assert c14n(parsed.subject) == c14n(element)
    assert parsed.name_id is None


def test_built_assertion_follows_schema_order(clock: FixedClock, ids: SequentialIdSource) -> None:
    built = build_assertion(full_assertion(clock, ids))
    order = [etree.QName(child).localname for child in built]
    assert order == [
        "Issuer",
        "Subject",
        "Conditions",
        "Advice",
        "AttributeStatement",
        "AuthnStatement",
        "Statement",
    ]


def test_building_copies_opaque_elements_and_leaves_the_originals_in_place(
    clock: FixedClock,
) -> None:
    holder = etree.Element("holder")
    original = encrypted_id()
    holder.append(original)
    assertion = Assertion(
        id="_a",
        issue_instant=clock.now(),
        issuer=HM,
        attributes=(Attribute("urn:x", (AttributeValue(element=original),)),),
    )
    built = build_assertion(assertion)
    copied = built.find(f".//{{{SAML}}}EncryptedID")
    assert copied is not None and copied is not original
    assert original.getparent() is holder
    assert c14n(copied) == c14n(original)


def full_request(clock: FixedClock) -> AuthnRequest:
    return AuthnRequest(
        id="_req-1",
        issue_instant=clock.now(),
        issuer=DV,
        destination=HM_SSO,
        force_authn=True,
        is_passive=False,
        assertion_consumer_service_index=1,
        attribute_consuming_service_index=9052,
        provider_name="DV Name",
        consent="urn:oasis:names:tc:SAML:2.0:consent:unspecified",
        subject=NameID("user", NameIDFormat.PERSISTENT),
        name_id_policy=NameIDPolicy(NameIDFormat.TRANSIENT, DV, allow_create=True),
        conditions=Conditions(not_on_or_after=clock.now() + timedelta(minutes=5)),
        requested_authn_context=RequestedAuthnContext(
            (Loa.EH3.urn, "http://eidas.europa.eu/LoA/substantial"),
            AuthnContextComparison.MINIMUM,
        ),
        scoping=Scoping(
            (IDPEntry(AD, "Test AD", "https://ad.example.nl/sso"), IDPEntry(MR)),
            requester_ids=(DV,),
            proxy_count=2,
            get_complete="https://hm.example.nl/idplist",
        ),
        requested_attributes=(
            RequestedAttribute("urn:etoegang:1.9:attribute:FirstName", True),
            RequestedAttribute(
                "urn:etoegang:1.9:attribute:FamilyName",
                False,
                "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                "FamilyName",
            ),
        ),
        other_extensions=(etree.Element("{urn:example:ext}Language", lang="nl"),),
    )


def test_authn_request_with_every_optional_part_survives_a_round_trip(clock: FixedClock) -> None:
    request = full_request(clock)
    parsed = parse_authn_request(reparse(build_authn_request(request)))
    assert canon(parsed) == canon(request)
    assert parsed.requested_authn_context is not None
    assert parsed.requested_authn_context.loas == (Loa.EH3,)
    assert parsed.requested_authn_context.unknown_class_refs == (
        "http://eidas.europa.eu/LoA/substantial",
    )
    assert parsed.scoping is not None and parsed.scoping.provider_ids == (AD, MR)


def test_minimal_authn_request_survives_a_round_trip(clock: FixedClock) -> None:
    request = AuthnRequest(id="_r", issue_instant=clock.now(), issuer=DV)
    assert parse_authn_request(reparse(build_authn_request(request))) == request


def test_authn_request_as_real_dvs_send_it_survives_a_round_trip(clock: FixedClock) -> None:
    request = AuthnRequest(
        id="_r",
        issue_instant=clock.now(),
        issuer="https://dv.example.nl/saml/metadata",
        destination=HM_SSO,
        force_authn=True,
        protocol_binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact",
        assertion_consumer_service_url=DV_ACS,
    )
    assert parse_authn_request(reparse(build_authn_request(request))) == request


def test_built_authn_request_follows_schema_order(clock: FixedClock) -> None:
    order = [etree.QName(c).localname for c in build_authn_request(full_request(clock))]
    assert order == [
        "Issuer",
        "Extensions",
        "Subject",
        "NameIDPolicy",
        "Conditions",
        "RequestedAuthnContext",
        "Scoping",
    ]


@pytest.mark.parametrize("with_assertions", [True, False], ids=["assertions", "bare"])
def test_response_survives_a_round_trip(
    clock: FixedClock, ids: SequentialIdSource, with_assertions: bool
) -> None:
    assertion = full_assertion(clock, ids)
    signed_elsewhere = build_assertion(Assertion(id="_other", issue_instant=clock.now(), issuer=HM))
    response = Response(
        id="_resp-1",
        issue_instant=clock.now(),
        status=Status(StatusCode.SUCCESS),
        issuer=HM,
        in_response_to="_request-1",
        destination=DV_ACS,
        consent="urn:oasis:names:tc:SAML:2.0:consent:obtained",
        assertions=(assertion, signed_elsewhere) if with_assertions else (),
        encrypted_assertions=(
            (encrypted_id(local="EncryptedAssertion"),) if with_assertions else ()
        ),
    )
    parsed = parse_response(reparse(build_response(response)))
    assert parsed.issuer == HM and parsed.destination == DV_ACS
    assert parsed.in_response_to == "_request-1" and parsed.status == response.status
    assert len(parsed.assertions) == (2 if with_assertions else 0)
    if with_assertions:
        first, second = parsed.assertion_elements
        assert canon(parse_assertion(first)) == canon(assertion)
        assert c14n(second) == c14n(signed_elsewhere)
        assert c14n(parsed.encrypted_assertions[0]) == c14n(response.encrypted_assertions[0])


def test_minimal_response_survives_a_round_trip(clock: FixedClock) -> None:
    response = Response(id="_r", issue_instant=clock.now(), status=Status(StatusCode.SUCCESS))
    assert parse_response(reparse(build_response(response))) == response


def test_built_response_issuer_has_no_format_or_qualifiers(clock: FixedClock) -> None:
    built = build_response(
        Response(id="_r", issue_instant=clock.now(), status=Status(StatusCode.SUCCESS), issuer=HM)
    )
    issuer = built.find(f"{{{SAML}}}Issuer")
    assert issuer is not None and len(issuer.attrib) == 0 and issuer.text == HM


@pytest.mark.parametrize(
    "status",
    [
        Status(StatusCode.SUCCESS),
        Status(StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED, "The user cancelled."),
        Status(StatusCode.REQUESTER, SubStatusCode.REQUEST_UNSUPPORTED),
        Status(StatusCode.REQUESTER, other_second="urn:example:status:Cancel"),
    ],
    ids=["success", "cancel", "unsupported", "custom-second-level"],
)
def test_logout_response_survives_a_round_trip(clock: FixedClock, status: Status) -> None:
    response = LogoutResponse(
        id="_lr",
        issue_instant=clock.now(),
        status=status,
        issuer=HM,
        in_response_to="_lq",
        destination="https://dv.example.nl/slo",
        consent="urn:oasis:names:tc:SAML:2.0:consent:unspecified",
    )
    assert parse_logout_response(reparse(build_logout_response(response))) == response


def test_minimal_logout_response_survives_a_round_trip(clock: FixedClock) -> None:
    response = LogoutResponse(
        id="_lr", issue_instant=clock.now(), status=Status(StatusCode.SUCCESS)
    )
    assert parse_logout_response(reparse(build_logout_response(response))) == response


def test_logout_request_survives_a_round_trip(clock: FixedClock) -> None:
    request = LogoutRequest(
        id="_lq",
        issue_instant=clock.now(),
        issuer=DV,
        name_id=NameID("74fd8086", NameIDFormat.TRANSIENT, name_qualifier=AD),
        destination="https://hm.example.nl/broker/slo/1.13",
        session_indexes=("session-1", "session-2"),
        not_on_or_after=clock.now() + timedelta(minutes=1),
        reason="urn:oasis:names:tc:SAML:2.0:logout:user",
        consent="urn:oasis:names:tc:SAML:2.0:consent:unspecified",
    )
    assert parse_logout_request(reparse(build_logout_request(request))) == request


def test_minimal_logout_request_with_encrypted_id_survives_a_round_trip(clock: FixedClock) -> None:
    element = encrypted_id()
    request = LogoutRequest(id="_lq", issue_instant=clock.now(), issuer=DV, name_id=element)
    parsed = parse_logout_request(reparse(build_logout_request(request)))
    assert canon(parsed) == canon(request)
