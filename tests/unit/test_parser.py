"""The hardened parser refuses every dangerous construct with a typed error."""

from __future__ import annotations

import pytest

from etoegang.errors import InflateError
from etoegang.errors import XmlForbiddenConstruct
from etoegang.errors import XmlMalformed
from etoegang.errors import XmlTooDeep
from etoegang.errors import XmlTooLarge
from etoegang.errors import XmlValueError
from etoegang.xml.parser import XmlLimits
from etoegang.xml.parser import deflate
from etoegang.xml.parser import inflate
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import text_of

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>"""


def test_plain_document_parses() -> None:
    root = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><a xmlns="urn:x"><b>v</b></a>')
    assert root.tag == "{urn:x}a"
    assert text_of(root[0]) == "v"


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b"<!DOCTYPE a><a/>", id="doctype"),
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(
            b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
            id="external-entity",
        ),
        pytest.param(b'<!DOCTYPE a SYSTEM "http://127.0.0.1:1/x.dtd"><a/>', id="external-dtd"),
        pytest.param(
            b'<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></a>',
            id="xinclude",
        ),
        pytest.param(b'<?xml version="1.0" encoding="UTF-16"?><a/>', id="declared-utf16"),
        pytest.param("<!DOCTYPE a><a/>".encode("utf-16"), id="utf16-bom-hides-doctype"),
        pytest.param(b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>', id="latin1"),
        pytest.param(b'<a><?xml-stylesheet href="x"?></a>', id="processing-instruction"),
    ],
)
def test_forbidden_constructs_are_refused(document: bytes) -> None:
    with pytest.raises(XmlForbiddenConstruct):
        parse_xml(document)


def test_undeclared_entity_is_malformed() -> None:
    with pytest.raises(XmlMalformed):
        parse_xml(b"<a>&x;</a>")


def test_oversized_document_is_refused_before_parsing() -> None:
    with pytest.raises(XmlTooLarge):
        parse_xml(b"<a>" + b"x" * 2048 + b"</a>", XmlLimits(max_bytes=1024))


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(XmlTooDeep):
        parse_xml(b"<a>" * 65 + b"</a>" * 65)
    assert parse_xml(b"<a>" * 64 + b"</a>" * 64) is not None


def test_comment_in_value_is_refused_not_truncated() -> None:
    root = parse_xml(b"<NameID>admin@example.nl<!---->.evil.example</NameID>")
    with pytest.raises(XmlValueError):
        text_of(root)


def test_deflate_bomb_is_capped() -> None:
    bomb = deflate(b"\0" * (50 * 1024 * 1024))
    assert len(bomb) < 100 * 1024
    with pytest.raises(InflateError):
        inflate(bomb, max_output=512 * 1024)


def test_inflate_round_trip_and_garbage() -> None:
    assert inflate(deflate(b"<a/>")) == b"<a/>"
    with pytest.raises(InflateError):
        inflate(b"not deflate at all")
