"""HTTP-POST binding (SAML bindings §3.5): the form page and the decoding of a posted form."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import pytest
from lxml import etree

from etoegang.bindings.post import NO_STORE_HEADERS
from etoegang.bindings.post import decode_post
from etoegang.bindings.post import post_form
from etoegang.bindings.post import post_page_headers
from etoegang.errors import BindingError
from etoegang.errors import XmlForbiddenConstruct
from etoegang.errors import XmlTooLarge
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.parser import MESSAGE_LIMITS
from etoegang.xml.parser import serialize

DV_ACS = "https://dv.example.nl/saml/acs?tenant=1&x=2"
EVIL_RELAY_STATE = '"><script>alert(1)</script>'


def response_element() -> etree._Element:
    response = etree.Element(
        etree.QName(SAMLP, "Response"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID="_r1",
        Version="2.0",
        IssueInstant="2026-11-01T12:00:00Z",
    )
    etree.SubElement(response, etree.QName(SAML, "Issuer")).text = "urn:etoegang:HM:1:entities:1"
    return response


class _Page(HTMLParser):
    """Collects what a browser would see: tags with their attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.noscript_buttons: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag == "button" and "noscript" in self.open:
            self._in_button = True
        if tag not in ("input", "meta"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button and data.strip():
            self.noscript_buttons.append(data.strip())

    def inputs(self) -> dict[str, str | None]:
        return {a["name"] or "": a.get("value") for t, a in self.tags if t == "input"}


def parse_page(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def test_page_is_html5_with_language_and_noscript_button() -> None:
    page = post_form(
        DV_ACS,
        kind="SAMLResponse",
        message=response_element(),
        relay_state="s1",
        nonce="n0nce-abc123",
    )
    assert page.startswith("<!DOCTYPE html>")
    parsed = parse_page(page)
    html_attrs = next(a for t, a in parsed.tags if t == "html")
    assert html_attrs["lang"] == "nl"
    assert parsed.noscript_buttons == ["Doorgaan"]
    form = next(a for t, a in parsed.tags if t == "form")
    assert form["method"] == "post"
    assert form["action"] == DV_ACS
    assert parsed.scripts == [{"nonce": "n0nce-abc123"}]
    assert any(t == "title" for t, _ in parsed.tags)
    assert any(t == "meta" and a.get("charset") == "utf-8" for t, a in parsed.tags)


def test_english_page_has_english_button() -> None:
    page = post_form(
        DV_ACS, kind="SAMLResponse", message=response_element(), relay_state=None, lang="en"
    )
    parsed = parse_page(page)
    assert parsed.noscript_buttons == ["Continue"]
    assert next(a for t, a in parsed.tags if t == "html")["lang"] == "en"
    assert parsed.scripts == [{}]
    assert "RelayState" not in parsed.inputs()


def test_relay_state_with_markup_is_escaped_and_survives() -> None:
    page = post_form(
        DV_ACS, kind="SAMLRequest", message=response_element(), relay_state=EVIL_RELAY_STATE
    )
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    parsed = parse_page(page)
    # Exactly one script element (ours): the RelayState did not open another.
    assert len(parsed.scripts) == 1
    assert parsed.inputs()["RelayState"] == EVIL_RELAY_STATE


def test_posted_form_round_trips() -> None:
    page = post_form(
        DV_ACS, kind="SAMLResponse", message=response_element(), relay_state=EVIL_RELAY_STATE
    )
    fields = {name: value or "" for name, value in parse_page(page).inputs().items()}
    message = decode_post(fields, kind="SAMLResponse")
    assert serialize(message.element) == serialize(response_element())
    assert message.relay_state == EVIL_RELAY_STATE


def test_message_bytes_are_posted_unchanged() -> None:
    xml = b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_b"/>'
    page = post_form(DV_ACS, kind="SAMLResponse", message=xml, relay_state=None)
    assert parse_page(page).inputs()["SAMLResponse"] == base64.b64encode(xml).decode("ascii")


def test_line_wrapped_base64_is_accepted() -> None:
    encoded = base64.encodebytes(serialize(response_element())).decode("ascii")
    assert "\n" in encoded
    message = decode_post({"SAMLResponse": encoded}, kind="SAMLResponse")
    assert message.element.get("ID") == "_r1"
    assert message.relay_state is None


def test_oversized_post_is_refused_before_decoding() -> None:
    huge = "A" * (2 * MESSAGE_LIMITS.max_bytes)
    with pytest.raises(BindingError, match="too large"):
        decode_post({"SAMLRequest": huge}, kind="SAMLRequest")


def test_post_just_over_the_parser_cap_is_refused_by_the_parser() -> None:
    xml = b"<a>" + b"x" * MESSAGE_LIMITS.max_bytes + b"</a>"
    with pytest.raises((BindingError, XmlTooLarge)):
        decode_post({"SAMLRequest": base64.b64encode(xml).decode("ascii")}, kind="SAMLRequest")


def test_missing_field_is_refused() -> None:
    with pytest.raises(BindingError, match="no SAMLResponse"):
        decode_post({"SAMLRequest": "PGEvPg=="}, kind="SAMLResponse")


def test_both_message_fields_are_refused() -> None:
    with pytest.raises(BindingError, match="both"):
        decode_post({"SAMLRequest": "PGEvPg==", "SAMLResponse": "PGEvPg=="}, kind="SAMLRequest")


def test_bad_base64_is_refused() -> None:
    with pytest.raises(BindingError, match="base64"):
        decode_post({"SAMLRequest": "<a/>"}, kind="SAMLRequest")


def test_relay_state_of_81_bytes_is_refused() -> None:
    with pytest.raises(BindingError, match="RelayState"):
        decode_post({"SAMLRequest": "PGEvPg==", "RelayState": "r" * 81}, kind="SAMLRequest")
    with pytest.raises(BindingError, match="RelayState"):
        post_form(DV_ACS, kind="SAMLRequest", message=b"<a/>", relay_state="r" * 81)


def test_doctype_in_posted_message_is_refused() -> None:
    xml = b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
    with pytest.raises(XmlForbiddenConstruct):
        decode_post({"SAMLRequest": base64.b64encode(xml).decode("ascii")}, kind="SAMLRequest")


class _MultiDict(dict[str, str]):
    """The shape of werkzeug's MultiDict: the mapping answers the first value only."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__()
        self._items = items
        for name, value in items:
            self.setdefault(name, value)

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self._items if key == name]


def test_repeated_form_field_is_refused() -> None:
    form = _MultiDict([("SAMLRequest", "PGEvPg=="), ("SAMLRequest", "PGIvPg==")])
    with pytest.raises(BindingError, match="duplicate"):
        decode_post(form, kind="SAMLRequest")


@pytest.mark.parametrize(
    "action",
    ["javascript:alert(1)", "/relative/acs", "https://dv.example.nl/a b", "https://dv.example.nl/é"],
)
def test_action_must_be_an_absolute_http_url(action: str) -> None:
    with pytest.raises(BindingError, match="endpoint"):
        post_form(action, kind="SAMLResponse", message=b"<a/>", relay_state=None)


def test_nonce_with_quote_is_refused() -> None:
    with pytest.raises(ValueError, match="nonce"):
        post_form(DV_ACS, kind="SAMLResponse", message=b"<a/>", relay_state=None, nonce='x" a="')


def test_browser_headers_forbid_caching() -> None:
    assert NO_STORE_HEADERS == {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}
    headers = post_page_headers("n0nce-abc123")
    assert headers["Cache-Control"] == "no-cache, no-store"
    assert headers["Pragma"] == "no-cache"
    assert "script-src 'nonce-n0nce-abc123'" in headers["Content-Security-Policy"]
    assert "script-src 'none'" in post_page_headers()["Content-Security-Policy"]
