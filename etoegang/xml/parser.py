"""The one hardened XML parser through which every input of every role passes.

Hostile-input rules (brief: "Every input from outside is hostile"):

* any DOCTYPE is refused, so no internal or external entity can be declared or expanded;
* entity references are never resolved, nothing is fetched from the network, XInclude is
  never processed (lxml only does so on an explicit ``xinclude()`` call, which nothing makes);
* only UTF-8 (or its ASCII subset) is accepted, which closes encoding tricks that hide a
  DOCTYPE from a byte-level check;
* a size cap before parsing and a depth cap after it;
* values are read through :func:`text_of`, which refuses mixed content, so a comment injected
  into a NameID cannot truncate what the caller reads (the 2018 Duo "comment injection" family).

This is the only module allowed to call lxml's parse functions (ruff TID251 enforces it).
"""

from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass
from typing import Any

from lxml import etree

from etoegang.errors import InflateError
from etoegang.errors import XmlForbiddenConstruct
from etoegang.errors import XmlMalformed
from etoegang.errors import XmlTooDeep
from etoegang.errors import XmlTooLarge
from etoegang.errors import XmlValueError


@dataclass(frozen=True, slots=True)
class XmlLimits:
    """Size and depth caps for one kind of input."""

    #: Largest accepted document, in bytes, checked before any parsing.
    max_bytes: int = 512 * 1024
    #: Deepest accepted element nesting. A full HM ArtifactResponse with Advice, the XACML
    #: statement and EncryptedIDs nests about 20 deep; 64 leaves room for honest peers.
    max_depth: int = 64


#: Limits for protocol messages (AuthnRequest, Response, ArtifactResponse, XACML query).
MESSAGE_LIMITS = XmlLimits()
#: Limits for metadata and service catalogues, which are larger but as shallow.
DOCUMENT_LIMITS = XmlLimits(max_bytes=16 * 1024 * 1024, max_depth=64)

_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    attribute_defaults=False,
    huge_tree=False,
    remove_blank_text=False,
    remove_comments=False,
    remove_pis=False,
    strip_cdata=True,
    collect_ids=False,
)

# An XML declaration naming an encoding; anything but UTF-8/ASCII is refused.
_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_ALLOWED_ENCODINGS = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
_XINCLUDE = "http://www.w3.org/2001/XInclude"
_XINCLUDE_OLD = "http://www.w3.org/2003/XInclude"


def _new_parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe, and construction is cheap.
    return etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]


def _check_encoding(data: bytes) -> None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x4c\x6f\xa7\x94")) or (
        len(data) > 1 and data[1:2] == b"\x00"
    ):
        raise XmlForbiddenConstruct("only UTF-8 XML is accepted", debug="UTF-16/32 or EBCDIC")
    head = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    match = _DECL_ENCODING.match(head[:200])
    if match and match.group(1).lower() not in _ALLOWED_ENCODINGS:
        raise XmlForbiddenConstruct(
            "only UTF-8 XML is accepted", debug=match.group(1).decode("ascii", "replace")
        )


@functools.lru_cache(maxsize=8)
def _too_deep_expression(max_depth: int) -> str:
    # True when a child node other than text (an element, comment or processing instruction,
    # as iterating an lxml element yields them) sits below depth ``max_depth``. libxml2 walks
    # the tree in C; a Python walk over every node was the parser's largest cost.
    return "boolean(" + "*/" * (max_depth - 1) + "node()[not(self::text())])"


def _check_depth(root: etree._Element, max_depth: int) -> None:
    if max_depth < 1 or root.xpath(_too_deep_expression(max_depth)):
        raise XmlTooDeep("XML nested too deeply", debug=f"depth > {max_depth}")


def parse_xml(data: bytes | str, limits: XmlLimits = MESSAGE_LIMITS) -> etree._Element:
    """Parse untrusted XML into an element tree, or raise a typed :class:`XmlError`.

    :param data: the document as received; ``str`` is encoded as UTF-8 first.
    :param limits: caps for this kind of input.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > limits.max_bytes:
        raise XmlTooLarge("XML document too large", debug=f"{len(raw)} > {limits.max_bytes}")
    if not raw.strip():
        raise XmlMalformed("empty XML document")
    _check_encoding(raw)
    # Fast refusal before libxml2 sees the internal subset at all.
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise XmlForbiddenConstruct("DOCTYPE and entity declarations are refused")
    try:
        root = etree.fromstring(raw, parser=_new_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlMalformed("XML is not well-formed", debug=str(exc)[:200]) from exc
    if root is None:
        raise XmlMalformed("empty XML document")
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlForbiddenConstruct("DOCTYPE is refused")
    _check_depth(root, limits.max_depth)
    for _include in root.iter(f"{{{_XINCLUDE}}}*", f"{{{_XINCLUDE_OLD}}}*"):
        raise XmlForbiddenConstruct("XInclude is refused")
    for node in root.iter(etree.Entity, etree.ProcessingInstruction):
        if isinstance(node, etree._Entity):
            raise XmlForbiddenConstruct("entity references are refused", debug=node.text or "")
        if isinstance(node, etree._ProcessingInstruction):
            raise XmlForbiddenConstruct(
                "processing instructions are refused", debug=str(node.target)
            )
    return root


def inflate(data: bytes, max_output: int = MESSAGE_LIMITS.max_bytes) -> bytes:
    """Inflate raw DEFLATE data (HTTP-Redirect binding, SAML bindings 3.4.4.1) with an output cap.

    Decompression stops as soon as the cap is passed, so a deflate bomb costs at most
    ``max_output`` bytes of memory, never the size it claims.
    """
    decompressor = zlib.decompressobj(-15)
    try:
        out = decompressor.decompress(data, max_output + 1)
    except zlib.error as exc:
        raise InflateError("message is not valid DEFLATE data", debug=str(exc)) from exc
    if len(out) > max_output or decompressor.unconsumed_tail:
        raise InflateError("inflated message too large", debug=f"> {max_output} bytes")
    if not decompressor.eof:
        raise InflateError("message is truncated DEFLATE data")
    return out


def deflate(data: bytes) -> bytes:
    """Raw DEFLATE (no zlib header), as the HTTP-Redirect binding wants."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def text_of(element: etree._Element, *, strip: bool = True) -> str:
    """The text of a simple-content element, refusing comments, PIs and child elements.

    Reading ``element.text`` of ``<NameID>admin@x.nl<!---->.evil.nl</NameID>`` would yield only
    ``admin@x.nl``; this function refuses such a value instead of returning a truncated one.
    """
    if len(element):
        raise XmlValueError(
            "value contains markup", debug=f"{etree.QName(element).localname} has child nodes"
        )
    text = element.text or ""
    return text.strip() if strip else text


def serialize(element: etree._Element) -> bytes:
    """Serialise an element (or tree) as UTF-8 bytes with an XML declaration-free body."""
    return etree.tostring(element, encoding="utf-8", xml_declaration=False)
