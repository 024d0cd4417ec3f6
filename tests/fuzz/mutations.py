"""Hypothesis strategies that mutate genuine messages: byte flips, insertions, deletions,
truncation, and tree edits (element removal, duplication, insertion, attribute changes,
namespace changes). Shared by the fuzz suites and the atheris harnesses (fuzz/)."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from hypothesis import strategies as st
from lxml import etree

from etoegang.errors import ProtocolError
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize

_EVIL_NS = (
    "urn:evil", "http://www.w3.org/2000/09/xmldsig#", "urn:oasis:names:tc:SAML:2.0:assertion"
)


def tree_edit(data: bytes, op: int, index: int, pick: int) -> bytes:
    """One structural change to the ``index``-th element of ``data`` (unchanged if unparsable
    or if lxml will not make that change)."""
    try:
        root = parse_xml(data)
    except ProtocolError:
        return data
    try:
        return _edit(root, op, index, pick)
    except (ValueError, TypeError):
        return data


def _edit(root: etree._Element, op: int, index: int, pick: int) -> bytes:
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    target = elements[index % len(elements)]
    parent = target.getparent()
    kind = op % 7
    if kind == 0 and parent is not None:
        parent.remove(target)
    elif kind == 1 and parent is not None:
        parent.insert(parent.index(target), copy.deepcopy(target))
    elif kind == 2:
        target.append(copy.deepcopy(elements[pick % len(elements)]))
    elif kind == 3:
        attributes = list(target.attrib)
        if attributes:
            del target.attrib[attributes[pick % len(attributes)]]
        else:
            target.set("ID", "_fuzz")
    elif kind == 4:
        attributes = list(target.attrib)
        name = attributes[pick % len(attributes)] if attributes else "ID"
        target.set(name, ["", "_x", "0", " ", "\u0000".strip() or "z"][pick % 5])
    elif kind == 5:
        local = etree.QName(target).localname
        target.tag = f"{{{_EVIL_NS[pick % len(_EVIL_NS)]}}}{local}"
    else:
        target.text = (target.text or "") + ["x", " ", "\n", "&amp;"][pick % 4]
    return serialize(root)


def byte_edit(data: bytes, op: int, position: int, value: int) -> bytes:
    if not data:
        return bytes([value % 256])
    at = position % len(data)
    kind = op % 4
    if kind == 0:
        return data[:at] + bytes([data[at] ^ (1 << (value % 8))]) + data[at + 1:]
    if kind == 1:
        return data[:at] + bytes([value % 256]) + data[at:]
    if kind == 2:
        return data[:at] + data[at + 1 + value % 16:]
    return data[:at]


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[bytes], max_edits: int = 3) -> bytes:
    """A genuine message from ``seeds`` with 1..``max_edits`` byte or tree edits."""
    data = draw(st.sampled_from(list(seeds)))
    for _ in range(draw(st.integers(1, max_edits))):
        op, a, b = draw(st.integers(0, 1 << 16)), draw(st.integers(0, 1 << 20)), draw(
            st.integers(0, 1 << 16)
        )
        if draw(st.booleans()):
            data = tree_edit(data, op, a, b)
        else:
            data = byte_edit(data, op, a, b)
    return data
