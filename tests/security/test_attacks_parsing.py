"""XML parsing attacks through the roles' real endpoints (issue 5): DOCTYPE, internal and
external entities, billion laughs, XInclude, an XSLT transform in a signature, oversized and
deeply nested documents, a deflate bomb on the Redirect binding, encoding tricks, and comment
injection in signed identifiers (NameID, Issuer, Audience), which keeps the signature valid.
"""

from __future__ import annotations

import base64
import zlib
from urllib.parse import quote

import pytest
from lxml import etree

from etoegang.bindings import soap
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import serialize
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.security.conftest import ASSERTION
from tests.security.conftest import Element
from tests.security.conftest import Mutation
from tests.security.conftest import assert_one_clean_warning
from tests.security.conftest import assert_refusal_page
from tests.security.conftest import live_state
from tests.security.test_attacks_signatures import _ad_attack

SSO_PATH = "/broker/sso/1.13"
ARS_PATH = "/broker/ars/1.13"
XI = "http://www.w3.org/2001/XInclude"


def _doctype(body: bytes, subset: str) -> bytes:
    return f"<!DOCTYPE samlp:AuthnRequest [{subset}]>".encode() + body


def _insert_before_end(body: bytes, markup: bytes) -> bytes:
    end = body.rindex(b"</")
    return body[:end] + markup + body[end:]


LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)
)


def _variants(body: bytes) -> dict[str, bytes]:
    text = body.decode()
    return {
        "doctype": _doctype(body, ""),
        "internal_entity": _doctype(
            body.replace(b"</saml:Issuer>", b"&e;</saml:Issuer>", 1), '<!ENTITY e "x">'
        ),
        "external_entity": _doctype(
            body.replace(b"</saml:Issuer>", b"&e;</saml:Issuer>", 1),
            '<!ENTITY e SYSTEM "file:///etc/passwd">',
        ),
        "parameter_entity_external_dtd": _doctype(
            body, '<!ENTITY % d SYSTEM "http://127.0.0.1:9/evil.dtd"> %d;'
        ),
        "billion_laughs": _doctype(
            body.replace(b"</saml:Issuer>", b"&lol9;</saml:Issuer>", 1), LAUGHS
        ),
        "xinclude": _insert_before_end(
            body, f'<xi:include xmlns:xi="{XI}" href="file:///etc/passwd" parse="text"/>'.encode()
        ),
        "processing_instruction": _insert_before_end(body, b'<?xml-stylesheet href="x"?>'),
        "oversized": _insert_before_end(body, b"<!--" + b"A" * (600 * 1024) + b"-->"),
        "deeply_nested": _insert_before_end(
            body, b"<a xmlns='urn:x'>" * 200 + b"</a>" * 200
        ),
        "utf16_declaration": ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode(
            "utf-16"
        ),
        "utf7_declaration": b'<?xml version="1.0" encoding="UTF-7"?>' + body,
        "bom_mismatch": b"\xef\xbb\xbf" + b'<?xml version="1.0" encoding="UTF-16"?>' + body,
    }


VARIANTS = (
    "doctype", "internal_entity", "external_entity", "parameter_entity_external_dtd",
    "billion_laughs", "xinclude", "processing_instruction", "oversized", "deeply_nested",
    "utf16_declaration", "utf7_declaration", "bom_mismatch",
)


@pytest.mark.parametrize("variant", VARIANTS)
def test_xml_attack_in_posted_authn_request_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: str
) -> None:
    genuine = harness.dv.request()
    attacked = _variants(serialize(genuine))[variant]
    before = live_state(harness.state)
    caplog.clear()
    answer = harness.client.post(
        SSO_PATH, data={"SAMLRequest": base64.b64encode(attacked).decode()}
    )
    assert_refusal_page(answer)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)
    assert harness.post_request(genuine).status_code == 302


@pytest.mark.parametrize("variant", VARIANTS)
def test_xml_attack_in_redirect_authn_request_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: str
) -> None:
    attacked = _variants(serialize(harness.dv.request()))[variant]
    encoded = quote(base64.b64encode(zlib.compress(attacked)[2:-4]))
    before = live_state(harness.state)
    caplog.clear()
    answer = harness.client.get(f"{SSO_PATH}?SAMLRequest={encoded}")
    assert_refusal_page(answer)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


def test_deflate_bomb_on_the_redirect_binding_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """20 MB of XML whitespace deflates to ~20 KB; inflating stops at the message cap."""
    body = serialize(harness.dv.request())
    bomb = _insert_before_end(body, b" " * (20 * 1024 * 1024))
    packed = zlib.compress(bomb, 9)[2:-4]
    assert len(packed) < 64 * 1024
    before = live_state(harness.state)
    caplog.clear()
    answer = harness.client.get(f"{SSO_PATH}?SAMLRequest={quote(base64.b64encode(packed))}")
    assert_refusal_page(answer)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


@pytest.mark.parametrize("variant", VARIANTS)
def test_xml_attack_in_soap_artifact_resolve_at_broker_ars_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: str
) -> None:
    """SOAP 1.1 answers a refused request with a Fault (HTTP 500 by SOAP 1.1 §6.2): the body
    must be a SOAP Fault, never a crash, and no artifact is consumed."""
    attacked = _variants(soap.envelope(etree.Element(qname(SAML, "Issuer"))))[variant]
    before = live_state(harness.state)
    caplog.clear()
    answer = harness.client.post(ARS_PATH, data=attacked, content_type=soap.content_type())
    assert answer.status_code in (400, 500)
    assert b"Fault" in answer.get_data() and b"Traceback" not in answer.get_data()
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


# --- comment injection in signed identifiers (the signature stays valid) --------------------


def _comment_in(path: str) -> Mutation:
    def mutate(message: Element) -> Element:
        assertion = message.find(f".//{ASSERTION}")
        assert assertion is not None
        target = assertion.find(path)
        assert target is not None and target.text
        head, tail = target.text[:6], target.text[6:]
        target.text = head
        comment = etree.Comment("")
        comment.tail = tail
        target.append(comment)
        return message

    return mutate


@pytest.mark.parametrize(
    "path",
    [
        f"{{{SAML}}}Subject/{{{SAML}}}NameID",
        f"{{{SAML}}}Issuer",
        f"{{{SAML}}}Conditions/{{{SAML}}}AudienceRestriction/{{{SAML}}}Audience",
    ],
    ids=["NameID", "Issuer", "Audience"],
)
def test_comment_injected_in_signed_identifier_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    """Comments are outside exclusive C14N: the AD's signatures still verify; the reader
    (text_of) refuses a value with markup instead of reading a truncated one."""
    _ad_attack_any(harness, caplog, _comment_in(path))


def _ad_attack_any(harness: Harness, caplog: pytest.LogCaptureFixture, mutate: Mutation) -> None:
    """The comment is put in on the back channel (the AD's own serialiser drops comments)."""
    from tests.security.conftest import soap_body_mitm
    from tests.security.test_attacks_xsw import _at_ad

    routes = harness.dv.transport._routes  # type: ignore[attr-defined]  # noqa: SLF001
    prefix = f"{IDP_URL}/ad/"
    honest_app = routes[prefix]
    request, relay, uuid = _at_ad(harness)
    url = harness.ad.answer(request, relay, service_uuid=uuid)
    before = live_state(harness.state)
    caplog.clear()
    routes[prefix] = soap_body_mitm(honest_app, mutate)
    try:
        answer = harness.follow(url)
    finally:
        routes[prefix] = honest_app
    assert_refusal_page(answer)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)
    honest = harness.follow(harness.ad.answer(request, relay, service_uuid=uuid))
    assert honest.headers["Location"].startswith(f"{IDP_URL}/mr/")


def test_whitespace_injected_in_signed_issuer_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    def mutate(message: Element) -> Element:
        issuer = message.find(f".//{ASSERTION}/{{{SAML}}}Issuer")
        assert issuer is not None
        issuer.text = f" {issuer.text}\n"
        return message

    _ad_attack(harness, caplog, mutate)
