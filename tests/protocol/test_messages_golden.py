"""Golden files: built messages compared after exclusive C14N, with a fixed clock, fixed IDs and
fixed test-only keys (RSA PKCS#1 v1.5 signatures are deterministic, so signed output is stable).

Regenerate with ``MAKELAAR_UPDATE_GOLDEN=1 pytest tests/protocol/test_messages_golden.py`` and
review the diff: a changed golden file is a changed wire format.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import DuplicateId
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
from etoegang.messages import NameID
from etoegang.messages import NameIDFormat
from etoegang.messages import RequestedAuthnContext
from etoegang.messages import Response
from etoegang.messages import Scoping
from etoegang.messages import Status
from etoegang.messages import StatusCode
from etoegang.messages import SubjectConfirmation
from etoegang.messages import build_assertion
from etoegang.messages import build_authn_request
from etoegang.messages import build_logout_request
from etoegang.messages import build_response
from etoegang.messages import parse_assertion
from etoegang.messages import parse_response
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.ring import KeyPair
from policies.loa import Loa
from tests.protocol.test_messages_roundtrip import AD
from tests.protocol.test_messages_roundtrip import DV
from tests.protocol.test_messages_roundtrip import DV_ACS
from tests.protocol.test_messages_roundtrip import HM
from tests.protocol.test_messages_roundtrip import HM_SSO
from tests.protocol.test_messages_roundtrip import MR
from tests.protocol.test_messages_roundtrip import c14n
from tests.protocol.test_messages_roundtrip import encrypted_id
from tests.protocol.test_messages_roundtrip import xacml_statement

DATA = Path(__file__).resolve().parent.parent / "data"
GOLDEN = DATA / "saml" / "golden"
KEYS = DATA / "keys" / "golden"
UPDATE = os.environ.get("MAKELAAR_UPDATE_GOLDEN") == "1"
HM_ACS = "https://hm.example.nl/broker/acs/1.13"


def golden_key(role: str) -> KeyPair:
    # Loaded directly: a git checkout does not keep the 0600 mode keys.ring.load_pair insists on.
    key = serialization.load_pem_private_key((KEYS / f"{role}-signing.key").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((KEYS / f"{role}-signing.crt").read_bytes())
    return KeyPair(key, cert)  # type: ignore[arg-type]


def assert_golden(name: str, element: etree._Element) -> None:
    """Compare after exclusive C14N. The file holds the plain serialisation, not the C14N form:
    exclusive C14N drops namespace declarations that are used only inside values (the ``xs`` of
    ``xsi:type="xs:string"``), so a C14N file would neither resolve nor verify on its own."""
    path = GOLDEN / f"{name}.xml"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(serialize(element) + b"\n")
    assert path.exists(), f"{path.name} missing: run with MAKELAAR_UPDATE_GOLDEN=1"
    expected = parse_xml(path.read_bytes())
    assert c14n(element) == c14n(expected), f"{path.name} differs from the built XML"


def received(element: etree._Element) -> etree._Element:
    """What the next hop holds after the wire: serialised by the sender, parsed by us."""
    return parse_xml(serialize(element))


def ad_assertion(clock: FixedClock, ids: SequentialIdSource) -> etree._Element:
    now = clock.now() - timedelta(seconds=8)
    element = build_assertion(
        Assertion(
            id=ids.new_id(),
            issue_instant=now,
            issuer=AD,
            subject=NameID("613CE4F4FB6A4E68", NameIDFormat.TRANSIENT),
            subject_confirmations=(
                SubjectConfirmation(
                    recipient=HM_ACS,
                    in_response_to="_hm-request-1",
                    not_on_or_after=now + timedelta(minutes=10),
                ),
            ),
            conditions=Conditions(
                now - timedelta(minutes=10), now + timedelta(minutes=10), ((HM, DV, MR),)
            ),
            authn_statements=(
                AuthnStatement(
                    now, Loa.EH3.urn, authenticating_authorities=("00000001234567890000",)
                ),
            ),
            attributes=(
                Attribute(
                    "urn:etoegang:core:Representation",
                    (AttributeValue("true", qname(XS, "boolean")),),
                ),
                Attribute(
                    "urn:etoegang:core:AuthorizationRegistryID",
                    (AttributeValue(MR, qname(XS, "string")),),
                ),
                Attribute(
                    "urn:etoegang:core:ActingSubjectID",
                    (AttributeValue(element=encrypted_id(MR, suffix="-ad")),),
                ),
            ),
        )
    )
    sign(element, golden_key("ad"))
    return received(element)


def mr_assertion(clock: FixedClock, ids: SequentialIdSource, ad_id: str) -> etree._Element:
    now = clock.now() - timedelta(seconds=2)
    element = build_assertion(
        Assertion(
            id=ids.new_id(),
            issue_instant=now,
            issuer=MR,
            subject=NameID("af601a0b5a84fc3e", NameIDFormat.TRANSIENT, name_qualifier=MR),
            conditions=Conditions(now, now + timedelta(minutes=2)),
            advice=Advice(assertion_id_refs=(ad_id,)),
            other_statements=(xacml_statement(),),
        )
    )
    sign(element, golden_key("mr"), inclusive_prefixes=("xacml-saml",))
    return received(element)


def hm_response(clock: FixedClock, ids: SequentialIdSource) -> etree._Element:
    now = clock.now()
    ad = ad_assertion(clock, ids)
    mr = mr_assertion(clock, ids, str(ad.get("ID")))
    # In the real flow the MR encrypted this for the DV; the HM passes it on as received.
    acting = Attribute(
        "urn:etoegang:core:ActingSubjectID",
        (AttributeValue(element=received(encrypted_id(DV, suffix="-mr"))),),
    )
    hm = build_assertion(
        Assertion(
            id=ids.new_id(),
            issue_instant=now,
            issuer=HM,
            subject=NameID("74fd8086-76bc-4033", NameIDFormat.TRANSIENT, name_qualifier=AD),
            subject_confirmations=(
                SubjectConfirmation(
                    recipient=DV_ACS,
                    in_response_to="_dv-request-1",
                    not_on_or_after=now + timedelta(minutes=2),
                ),
            ),
            conditions=Conditions(now - timedelta(seconds=5), now + timedelta(minutes=2), ((DV,),)),
            advice=Advice(assertions=(ad, mr)),
            attributes=(
                # The EncryptedID element is passed on as received: the HM never decrypts it.
                acting,
                Attribute(
                    "urn:etoegang:core:ServiceID",
                    (
                        AttributeValue(
                            "urn:etoegang:DV:0000000398765432100000:services:9009",
                            qname(XS, "string"),
                        ),
                    ),
                ),
                Attribute(
                    "urn:etoegang:core:ServiceUUID",
                    (AttributeValue("b2ba62a6-419c-4331-8fbb-40c7b589978d", qname(XS, "string")),),
                ),
            ),
            authn_statements=(
                AuthnStatement(
                    now, Loa.EH3.urn, session_index="session-1", authenticating_authorities=(AD,)
                ),
            ),
        )
    )
    hm_key = golden_key("hm")
    sign(hm, hm_key, inclusive_prefixes=("xs",))
    response = build_response(
        Response(
            id=ids.new_id(),
            issue_instant=now,
            status=Status(StatusCode.SUCCESS),
            issuer=HM,
            in_response_to="_dv-request-1",
            destination=DV_ACS,
            assertions=(hm,),
        )
    )
    sign(response, hm_key)
    return response


def test_hm_response_with_advice__response(clock: FixedClock, ids: SequentialIdSource) -> None:
    assert_golden("test_hm_response_with_advice__response", hm_response(clock, ids))


def test_hm_response_golden_file_verifies_at_every_level(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    """What the DV receives verifies: the response, the HM assertion and, unchanged by the
    copy into Advice, the AD's and the MR's own signatures."""
    path = GOLDEN / "test_hm_response_with_advice__response.xml"
    root = parse_xml(path.read_bytes())
    hm_peer = golden_key("hm").as_peer()
    verified = verify(root, VerifyPolicy((hm_peer,)))
    response = parse_response(verified.element)
    (hm_element,) = response.assertion_elements
    assertion = parse_assertion(verify(hm_element, VerifyPolicy((hm_peer,))).element)
    assert assertion.advice is not None
    ad_element, mr_element = assertion.advice.assertions
    ad = parse_assertion(verify(ad_element, VerifyPolicy((golden_key("ad").as_peer(),))).element)
    mr = parse_assertion(verify(mr_element, VerifyPolicy((golden_key("mr").as_peer(),))).element)
    assert (ad.issuer, mr.issuer) == (AD, MR)
    # The EncryptedID in the HM assertion is byte-for-byte the one it was given (after C14N).
    hm_value = assertion.attribute("urn:etoegang:core:ActingSubjectID")
    assert hm_value is not None and hm_value.values[0].element is not None
    assert c14n(hm_value.values[0].element) == c14n(encrypted_id(DV, suffix="-mr"))


def test_copying_an_encrypted_id_next_to_its_signed_source_duplicates_its_ids(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    """A finding, kept as a test: an EncryptedID copied unchanged into the HM's attributes while
    the assertion it came from also sits in Advice puts the same xenc Id twice in one document,
    and verification refuses such documents (signature wrapping defence)."""
    ad = ad_assertion(clock, ids)
    acting = parse_assertion(ad).attribute("urn:etoegang:core:ActingSubjectID")
    assert acting is not None
    hm = build_assertion(
        Assertion(
            id="_hm",
            issue_instant=clock.now(),
            issuer=HM,
            advice=Advice(assertions=(ad,)),
            attributes=(acting,),
        )
    )
    sign(hm, golden_key("hm"))
    with pytest.raises(DuplicateId):
        verify(received(hm), VerifyPolicy((golden_key("hm").as_peer(),)))


def test_advice_copies_keep_the_nested_assertions_canonically_identical(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    ad = ad_assertion(clock, ids)
    hm = build_assertion(
        Assertion(id="_hm", issue_instant=clock.now(), issuer=HM, advice=Advice(assertions=(ad,)))
    )
    (copy,) = parse_assertion(received(hm)).advice.assertions  # type: ignore[union-attr]
    assert c14n(copy) == c14n(ad)
    verify(copy, VerifyPolicy((golden_key("ad").as_peer(),)))


def test_authn_request_to_ad__request(clock: FixedClock, ids: SequentialIdSource) -> None:
    request = AuthnRequest(
        id=ids.new_id(),
        issue_instant=clock.now(),
        issuer=HM,
        destination="https://ad.example.nl/sso",
        force_authn=True,
        is_passive=False,
        assertion_consumer_service_index=1,
        attribute_consuming_service_index=9009,
        requested_authn_context=RequestedAuthnContext(
            (Loa.EH3.urn,), AuthnContextComparison.MINIMUM
        ),
        scoping=Scoping((IDPEntry(AD),)),
    )
    assert_golden("test_authn_request_to_ad__request", build_authn_request(request))


def test_logout_request__request(clock: FixedClock, ids: SequentialIdSource) -> None:
    request = LogoutRequest(
        id=ids.new_id(),
        issue_instant=clock.now(),
        issuer=DV,
        name_id=NameID("74fd8086-76bc-4033", NameIDFormat.TRANSIENT, name_qualifier=AD),
        destination=HM_SSO.replace("sso", "slo"),
        session_indexes=("session-1",),
        reason="urn:oasis:names:tc:SAML:2.0:logout:user",
    )
    assert_golden("test_logout_request__request", build_logout_request(request))
