"""Put signed elements of peers into our messages unchanged, byte for byte after C14N.

Why not ``append``: whenever lxml moves or copies a subtree under a parent that already
declares the same namespace URI under another prefix, it drops the subtree's own declaration
and renames its prefixes. A peer's assertion written with ``saml2:`` placed in our ``saml:``
Advice would come out as ``saml:Assertion``; exclusive C14N includes prefixes, so the peer's
signature would no longer verify. The parser never renames prefixes, so carried elements are
spliced into the serialised wrapper (each serialisation declares every namespace in scope at
its root) and the whole is parsed again through the hardened parser. Both sides are made by
lxml, never by string templates, and every carried element is checked to canonicalise exactly
as the original.

Builders call :func:`carry` where a peer's element belongs and :func:`finish` on the root.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from typing import Final

from lxml import etree

from etoegang.xml.parser import MESSAGE_LIMITS
from etoegang.xml.parser import XmlLimits
from etoegang.xml.parser import parse_xml

_NS: Final = "urn:makelaar:graft"
_SLOT: Final = f"{{{_NS}}}slot"
_MARKER: Final = re.compile(
    rb'<graft:slot xmlns:graft="urn:makelaar:graft" n="(\d+)" x="([^"]*)"(?: d="[0-9a-f]*")?/>'
)


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


def copy_unchanged(element: etree._Element) -> etree._Element:
    """A standalone copy of ``element`` keeping every namespace declaration in scope."""
    return parse_xml(etree.tostring(element, with_tail=False))


def carry(parent: etree._Element, element: etree._Element) -> None:
    """Reserve the next child position of ``parent`` for an unchanged copy of ``element``."""
    root = parent.getroottree().getroot()
    index = sum(1 for _ in root.iter(_SLOT))
    slot = etree.SubElement(parent, _SLOT, nsmap={"graft": _NS})
    slot.set("n", str(index))
    slot.set("x", base64.b64encode(etree.tostring(element, with_tail=False)).decode("ascii"))
    slot.set("d", _digest(element))


def _digest(element: etree._Element) -> str:
    # Exclusive C14N does not depend on the element's ancestors (only visibly used namespaces,
    # no inherited xml: attributes), so the element in place canonicalises as its standalone
    # copy would; computing it here saves parsing every carried copy again in finish().
    return hashlib.sha256(_c14n(element)).hexdigest()


def placeholder(parent: etree._Element) -> etree._Element:
    """An empty slot under ``parent`` that :func:`graft` fills with a carried element."""
    root = parent.getroottree().getroot()
    index = sum(1 for _ in root.iter(_SLOT))
    slot = etree.SubElement(parent, _SLOT, nsmap={"graft": _NS})
    slot.set("n", str(index))
    slot.set("x", "")
    return slot


def graft(root: etree._Element, carried: Sequence[etree._Element]) -> etree._Element:
    """Fill the empty placeholders of ``root``, in order, with unchanged copies of ``carried``."""
    slots = [s for s in root.iter(_SLOT) if not s.get("x")]
    if len(slots) != len(carried):
        raise ValueError(f"{len(slots)} placeholders for {len(carried)} elements")
    for slot, element in zip(slots, carried, strict=True):
        slot.set("x", base64.b64encode(etree.tostring(element, with_tail=False)).decode("ascii"))
        slot.set("d", _digest(element))
    return finish(root)


def _index_path(element: etree._Element) -> list[int]:
    path: list[int] = []
    node, parent = element, element.getparent()
    while parent is not None:
        path.append(parent.index(node))
        node, parent = parent, parent.getparent()
    return path[::-1]


def finish(root: etree._Element, limits: XmlLimits = MESSAGE_LIMITS) -> etree._Element:
    """The message with every slot replaced by its carried element; ``root`` if it has none.

    :raises ValueError: a carried element would not canonicalise as the original (a bug).
    """
    slots = list(root.iter(_SLOT))
    if not slots:
        return root
    paths = [_index_path(slot) for slot in slots]
    carried = [base64.b64decode(slot.get("x", "")) for slot in slots]
    expected = [
        bytes.fromhex(slot.get("d", "")) or hashlib.sha256(_c14n(parse_xml(data, limits))).digest()
        for slot, data in zip(slots, carried, strict=True)
    ]
    data = etree.tostring(root)
    found = 0

    def splice(match: re.Match[bytes]) -> bytes:
        nonlocal found
        found += 1
        return carried[int(match.group(1))]

    data = _MARKER.sub(splice, data)
    if found != len(slots):
        raise ValueError("a graft slot was not found in the serialised message")
    result = parse_xml(data, limits)
    for path, digest in zip(paths, expected, strict=True):
        node = result
        for step in path:
            node = node[step]
        if hashlib.sha256(_c14n(node)).digest() != digest:
            raise ValueError(f"{node.tag} could not be carried unchanged")
    return result
