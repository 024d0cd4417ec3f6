"""The SOAP back-channel envelope (spec §4.1; SAML bindings 3.2; SOAP 1.1 and 1.2)."""

from __future__ import annotations

import pytest
from lxml import etree

from etoegang.bindings import soap
from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import SoapError
from etoegang.errors import XmlForbiddenConstruct
from etoegang.messages.artifact import build_artifact_response
from etoegang.messages.artifact import parse_artifact_response
from etoegang.xml.ns import SOAP11
from etoegang.xml.ns import SOAP12
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing

HM = "urn:etoegang:HM:00000003520354760000:entities:9632"
RESOLVE = (
    b'<samlp:ArtifactResolve xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" '
    b'Version="2.0" IssueInstant="2026-11-01T12:00:00Z"><samlp:Artifact>AAQA</samlp:Artifact>'
    b"</samlp:ArtifactResolve>"
)


def wrap(body: bytes, namespace: str = SOAP11, header: bytes = b"") -> bytes:
    return (
        b'<s:Envelope xmlns:s="'
        + namespace.encode()
        + b'">'
        + header
        + b"<s:Body>"
        + body
        + b"</s:Body></s:Envelope>"
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "text/xml",
        "text/xml; charset=utf-8",
        "TEXT/XML;charset=UTF-8",
        'application/soap+xml; charset="utf-8"; action="urn:x"',
        "application/soap+xml",
    ],
)
def test_accepted_content_types(content_type: str) -> None:
    message = soap.unwrap(wrap(RESOLVE), content_type)
    assert etree.QName(message.body).localname == "ArtifactResolve"
    assert message.version is soap.SoapVersion.V11


@pytest.mark.parametrize(
    "content_type",
    ["application/xml", "text/html", "", "text/xml; charset=iso-8859-1", "multipart/related"],
)
def test_refused_content_types(content_type: str) -> None:
    with pytest.raises(SoapError):
        soap.unwrap(wrap(RESOLVE), content_type)


def test_soap12_request_is_recognised_and_answered_alike() -> None:
    message = soap.unwrap(wrap(RESOLVE, SOAP12), "application/soap+xml; charset=utf-8")
    assert message.version is soap.SoapVersion.V12
    answer = soap.envelope(message.body, message.version)
    assert parse_xml(answer).tag == f"{{{SOAP12}}}Envelope"
    assert soap.content_type(message.version) == "application/soap+xml; charset=utf-8"
    assert soap.content_type() == "text/xml; charset=utf-8"


@pytest.mark.parametrize(
    "data",
    [
        wrap(RESOLVE + RESOLVE),
        wrap(b""),
        wrap(b"text" + RESOLVE),
        b'<s:Envelope xmlns:s="' + SOAP11.encode() + b'"/>',
        b'<s:Envelope xmlns:s="urn:not-soap"><s:Body>' + RESOLVE + b"</s:Body></s:Envelope>",
        b'<s:Body xmlns:s="' + SOAP11.encode() + b'">' + RESOLVE + b"</s:Body>",
        wrap(RESOLVE).replace(b"</s:Envelope>", b"<s:Body/></s:Envelope>"),
    ],
    ids=[
        "two-body-children",
        "empty-body",
        "stray-text",
        "no-body",
        "not-soap-namespace",
        "body-as-root",
        "two-bodies",
    ],
)
def test_malformed_envelopes_are_refused(data: bytes) -> None:
    with pytest.raises(SoapError):
        soap.unwrap(data, "text/xml")


def test_doctype_inside_a_soap_request_is_refused_by_the_parser() -> None:
    data = b'<!DOCTYPE s:Envelope [<!ENTITY x "boom">]>' + wrap(RESOLVE.replace(b"AAQA", b"&x;"))
    with pytest.raises(XmlForbiddenConstruct):
        soap.unwrap(data, "text/xml")


@pytest.mark.parametrize(
    ("namespace", "value", "refused"),
    [(SOAP11, "1", True), (SOAP12, "true", True), (SOAP11, "0", False), (SOAP12, "false", False)],
)
def test_must_understand_headers(namespace: str, value: str, refused: bool) -> None:
    header = (
        b'<s:Header><h:Trace xmlns:h="urn:h" s:mustUnderstand="'
        + value.encode()
        + b'">x</h:Trace></s:Header>'
    )
    data = wrap(RESOLVE, namespace, header)
    if refused:
        with pytest.raises(SoapError):
            soap.unwrap(data, "text/xml")
    else:
        assert soap.unwrap(data, "text/xml").body.get("ID") == "_a"


def test_soap11_fault_shape_and_status() -> None:
    data = soap.fault(soap.FaultCode.SENDER, "malformed request")
    message = soap.unwrap(data, soap.content_type())
    assert message.body.tag == f"{{{SOAP11}}}Fault"
    assert message.body.findtext("faultcode") == "soap:Client"
    assert message.body.findtext("faultstring") == "malformed request"
    assert soap.fault_http_status(soap.FaultCode.SENDER) == 500
    server = soap.unwrap(soap.fault(soap.FaultCode.RECEIVER, "down"), "text/xml").body
    assert server.findtext("faultcode") == "soap:Server"


def test_soap12_fault_shape_and_status() -> None:
    v12 = soap.SoapVersion.V12
    body = soap.unwrap(soap.fault(soap.FaultCode.SENDER, "bad", v12), soap.content_type(v12)).body
    assert body.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value") == "env:Sender"
    assert body.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") == "bad"
    assert soap.fault_http_status(soap.FaultCode.SENDER, v12) == 400
    assert soap.fault_http_status(soap.FaultCode.RECEIVER, v12) == 500


def test_signed_artifact_response_survives_the_envelope_round_trip(
    clock: FixedClock, ids: SequentialIdSource, rings: dict[str, KeyRing]
) -> None:
    response = build_artifact_response(
        issuer=HM, in_response_to="_a", message=None, clock=clock, ids=ids
    )
    sign(response, rings["hm"].signing)
    data = soap.envelope(response)
    assert data.startswith(b"<?xml")
    message = soap.unwrap(data, soap.content_type())
    verify(message.body, VerifyPolicy(trusted=(rings["hm"].signing.as_peer(),)))
    assert parse_artifact_response(message.body).status.is_success
