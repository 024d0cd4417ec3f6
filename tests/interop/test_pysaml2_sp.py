"""A pysaml2 service provider accepts a Response built and signed by Makelaar.

Makelaar signs with a KeyName-only KeyInfo (eHerkenning §4.3). pysaml2 does not need the
certificate in the message: ``SecurityContext._check_signature`` takes the signing certificates
of the Issuer from its metadata first (``metadata.certs(issuer, "any", "signing")``) and only
falls back to KeyInfo when metadata has none. So the IdP metadata built here carries the HM's
signing certificate, and the messages carry only its KeyName.

pysaml2 uses the ``xmlsec1`` binary and the wall clock, so the messages are made at the current
time (a fixed clock set to now, not a timed test).
"""

from __future__ import annotations

import base64
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.crypto.xmldsig import sign
from etoegang.messages import Advice
from etoegang.messages import Assertion
from etoegang.messages import Attribute
from etoegang.messages import AttributeValue
from etoegang.messages import AuthnStatement
from etoegang.messages import Conditions
from etoegang.messages import NameID
from etoegang.messages import NameIDFormat
from etoegang.messages import Response
from etoegang.messages import Status
from etoegang.messages import StatusCode
from etoegang.messages import SubjectConfirmation
from etoegang.messages import build_assertion
from etoegang.messages import build_response
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.ring import KeyRing
from policies.loa import Loa

saml2 = pytest.importorskip("saml2")
from saml2 import BINDING_HTTP_POST  # noqa: E402
from saml2 import BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.client import Saml2Client  # noqa: E402
from saml2.config import SPConfig  # noqa: E402
from saml2.sigver import SignatureError as Pysaml2SignatureError  # noqa: E402

XMLSEC1 = Path("/usr/bin/xmlsec1")
pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not XMLSEC1.exists(), reason="pysaml2 needs the xmlsec1 binary at /usr/bin/xmlsec1"
    ),
]

HM = "urn:etoegang:HM:00000003244440010000:entities:9713"
AD = "urn:etoegang:AD:00000001234567890000:entities:9113"
DV = "urn:etoegang:DV:0000000398765432100000:entities:9009"
ACS = "https://dv.example.nl/saml/acs"
REQUEST_ID = "_dv-request-1"
SERVICE_ID = "urn:etoegang:DV:0000000398765432100000:services:9009"
SERVICE_UUID = "b2ba62a6-419c-4331-8fbb-40c7b589978d"
PSEUDONYM = "74fd8086-76bc-4033-bf8d-1c97eddb89f3"


def idp_metadata(rings: dict[str, KeyRing]) -> str:
    """The HM's IdP metadata as a DV would register it: signing certificate in KeyDescriptor."""
    root = etree.Element(qname(MD, "EntityDescriptor"), nsmap={"md": MD, "ds": DS}, entityID=HM)
    idp = etree.SubElement(
        root,
        qname(MD, "IDPSSODescriptor"),
        protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol",
    )
    descriptor = etree.SubElement(idp, qname(MD, "KeyDescriptor"), use="signing")
    info = etree.SubElement(descriptor, qname(DS, "KeyInfo"))
    etree.SubElement(info, qname(DS, "KeyName")).text = rings["hm"].signing.key_name
    data = etree.SubElement(info, qname(DS, "X509Data"))
    der = rings["hm"].signing.as_peer().der
    etree.SubElement(data, qname(DS, "X509Certificate")).text = base64.b64encode(der).decode()
    etree.SubElement(
        idp,
        qname(MD, "SingleSignOnService"),
        Binding=BINDING_HTTP_REDIRECT,
        Location="https://hm.example.nl/broker/sso/1.13",
    )
    return serialize(root).decode()


def sp_client(rings: dict[str, KeyRing]) -> Any:
    config = SPConfig()
    config.load(
        {
            "entityid": DV,
            "xmlsec_binary": str(XMLSEC1),
            "metadata": {"inline": [idp_metadata(rings)]},
            "allow_unknown_attributes": True,
            "accepted_time_diff": 60,
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(ACS, BINDING_HTTP_POST)]},
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "allow_unsolicited": False,
                    "authn_requests_signed": False,
                }
            },
        }
    )
    return Saml2Client(config)


def hm_assertion(now: datetime, advice: Advice | None = None) -> Assertion:
    return Assertion(
        id="_hm-assertion-1",
        issue_instant=now,
        issuer=HM,
        subject=NameID(PSEUDONYM, NameIDFormat.TRANSIENT, name_qualifier=AD),
        subject_confirmations=(
            SubjectConfirmation(
                recipient=ACS, in_response_to=REQUEST_ID, not_on_or_after=now + timedelta(minutes=2)
            ),
        ),
        conditions=Conditions(now - timedelta(seconds=5), now + timedelta(minutes=2), ((DV,),)),
        advice=advice,
        attributes=(
            Attribute(
                "urn:etoegang:core:ServiceID", (AttributeValue(SERVICE_ID, qname(XS, "string")),)
            ),
            Attribute(
                "urn:etoegang:core:ServiceUUID",
                (AttributeValue(SERVICE_UUID, qname(XS, "string")),),
            ),
        ),
        authn_statements=(
            AuthnStatement(
                now, Loa.EH3.urn, session_index="session-1", authenticating_authorities=(AD,)
            ),
        ),
    )


def signed_response(rings: dict[str, KeyRing], assertion: Assertion, now: datetime) -> bytes:
    element = build_assertion(assertion)
    sign(element, rings["hm"].signing, inclusive_prefixes=("xs",))
    response = build_response(
        Response(
            id="_hm-response-1",
            issue_instant=now,
            status=Status(StatusCode.SUCCESS),
            issuer=HM,
            in_response_to=REQUEST_ID,
            destination=ACS,
            assertions=(element,),
        )
    )
    sign(response, rings["hm"].signing)
    return serialize(response)


def now_clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


def test_pysaml2_sp_accepts_a_makelaar_response(rings: dict[str, KeyRing]) -> None:
    now = now_clock().now()
    xml = signed_response(rings, hm_assertion(now), now)
    client = sp_client(rings)
    result = client.parse_authn_request_response(
        base64.b64encode(xml).decode(), BINDING_HTTP_POST, outstanding={REQUEST_ID: "/"}
    )
    assert result is not None
    assert result.in_response_to == REQUEST_ID
    name_id = result.name_id
    assert name_id.text == PSEUDONYM
    assert name_id.format == NameIDFormat.TRANSIENT.value
    assert name_id.name_qualifier == AD
    identity = result.get_identity()
    assert identity["urn:etoegang:core:ServiceID"] == [SERVICE_ID]
    assert identity["urn:etoegang:core:ServiceUUID"] == [SERVICE_UUID]
    assert result.authn_info()[0][0] == Loa.EH3.urn
    assert result.authn_info()[0][1] == [AD]


def test_pysaml2_sp_refuses_a_response_with_a_changed_attribute(rings: dict[str, KeyRing]) -> None:
    """The positive test above is meaningful only if pysaml2 really checks our signatures."""
    now = now_clock().now()
    xml = signed_response(rings, hm_assertion(now), now).replace(
        SERVICE_UUID.encode(), b"00000000-0000-0000-0000-000000000000"
    )
    client = sp_client(rings)
    with pytest.raises(Pysaml2SignatureError):
        client.parse_authn_request_response(
            base64.b64encode(xml).decode(), BINDING_HTTP_POST, outstanding={REQUEST_ID: "/"}
        )


def test_pysaml2_sp_with_a_nested_signed_assertion_in_advice(rings: dict[str, KeyRing]) -> None:
    """Documents what pysaml2 does with eHerkenning's Advice (spec §4.5, issue list item 8)."""
    now = now_clock().now()
    ad = build_assertion(
        Assertion(
            id="_ad-assertion-1",
            issue_instant=now - timedelta(seconds=8),
            issuer=AD,
            subject=NameID("613CE4F4", NameIDFormat.TRANSIENT),
            conditions=Conditions(
                now - timedelta(minutes=10), now + timedelta(minutes=10), ((HM, DV),)
            ),
            authn_statements=(AuthnStatement(now - timedelta(seconds=8), Loa.EH3.urn),),
        )
    )
    sign(ad, rings["ad"].signing)
    received_ad = parse_xml(serialize(ad))
    xml = signed_response(rings, hm_assertion(now, Advice(assertions=(received_ad,))), now)
    client = sp_client(rings)
    result = client.parse_authn_request_response(
        base64.b64encode(xml).decode(), BINDING_HTTP_POST, outstanding={REQUEST_ID: "/"}
    )
    # pysaml2 accepts it and reads the outer assertion; the AD (whose certificate it does not
    # know) is not in its metadata and its nested assertion is not verified by pysaml2.
    assert result is not None and result.name_id.text == PSEUDONYM
    assert result.assertion.id == "_hm-assertion-1"
    assert [a.id for a in result.assertion.advice.assertion] == ["_ad-assertion-1"]
