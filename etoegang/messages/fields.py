"""Reading and writing SAML message fields: child elements in schema order, simple values,
typed attributes, the message header, and opaque elements carried unchanged.

Spec: SAML core 1.3 (types: xs:ID as NCName, xs:dateTime, xs:boolean), 3.2.1 and 2.3.3
(Version, ID, IssueInstant); the protocol and assertion schemas (element order);
``shared/spec/eherkenning.md`` §4.2 (optional elements MUST NOT be empty).

Every value is read through :func:`etoegang.xml.parser.text_of`, so markup or a comment inside a
value is refused rather than silently truncated. Every refusal is a typed
:class:`etoegang.errors.MessageError` whose ``public`` text names the rule that was broken.
Readers take an element the caller has already verified; nothing here checks signatures or
parses bytes. The public names are re-exported by :mod:`etoegang.messages.common`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.errors import MessageMalformed
from etoegang.errors import UnsupportedVersion
from etoegang.errors import XmlValueError
from etoegang.xml.graft import carry
from etoegang.xml.parser import text_of

#: The only SAML version Makelaar speaks (SAML core 3.2.1).
VERSION: Final = "2.0"

Element = etree._Element

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
#: xs:ID values longer than this are refused; real peers send 33-43 characters.
_MAX_ID = 256


# --- readers ----------------------------------------------------------------------------------


def local(element: Element) -> str:
    return etree.QName(element).localname


def children(element: Element) -> list[Element]:
    """The child *elements* (comments are skipped; the parser has refused PIs already)."""
    return [child for child in element if isinstance(child.tag, str)]


def find_all(element: Element, tag: str) -> list[Element]:
    return [child for child in children(element) if child.tag == tag]


def find_one(element: Element, tag: str, where: str) -> Element | None:
    """The child with ``tag``, None when absent; more than one is refused."""
    found = find_all(element, tag)
    if len(found) > 1:
        raise MessageMalformed(f"{where} has more than one {etree.QName(tag).localname}")
    return found[0] if found else None


def require_one(element: Element, tag: str, where: str) -> Element:
    found = find_one(element, tag, where)
    if found is None:
        raise MessageMalformed(f"{where} lacks the required {etree.QName(tag).localname}")
    return found


@dataclass(frozen=True, slots=True)
class Slot:
    """One position in a schema sequence: the tags allowed there and how often."""

    tags: frozenset[str]
    min: int = 0
    max: int | None = 1


def slot(*tags: str, min: int = 0, max: int | None = 1) -> Slot:
    return Slot(frozenset(tags), min, max)


def check_sequence(element: Element, slots: Sequence[Slot], where: str) -> None:
    """Refuse children that are out of schema order, unknown, repeated or missing.

    Strict order matters for security as well as for the schema: a second Issuer or an
    Assertion where none belongs is how signature-wrapping attacks smuggle content in.
    """
    index, count = 0, 0
    for child in children(element):
        while index < len(slots) and child.tag not in slots[index].tags:
            _check_min(slots[index], count, where)
            index, count = index + 1, 0
        if index == len(slots):
            raise MessageMalformed(f"{where} may not contain {local(child)} at this position")
        count += 1
        limit = slots[index].max
        if limit is not None and count > limit:
            raise MessageMalformed(f"{where} has too many {local(child)} elements")
    for rest in slots[index:]:
        _check_min(rest, count, where)
        count = 0


def _check_min(position: Slot, count: int, where: str) -> None:
    if count < position.min:
        names = " or ".join(sorted(etree.QName(tag).localname for tag in position.tags))
        raise MessageMalformed(f"{where} lacks the required {names}")


def value_of(element: Element, where: str) -> str:
    """The non-empty simple content of ``element`` (§4.2: optional elements MUST NOT be empty)."""
    try:
        text = text_of(element)
    except XmlValueError as exc:
        raise MessageMalformed(f"{where} must be a plain value", debug=exc.debug) from exc
    if not text:
        raise MessageMalformed(f"{where} must not be empty")
    return text


def opt_attr(element: Element, name: str, where: str) -> str | None:
    value = element.get(name)
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise MessageMalformed(f"{where}/@{name} must not be empty")
    return value


def req_attr(element: Element, name: str, where: str) -> str:
    value = opt_attr(element, name, where)
    if value is None:
        raise MessageMalformed(f"{where} lacks the required attribute {name}")
    return value


def opt_instant(element: Element, name: str, where: str) -> datetime | None:
    value = opt_attr(element, name, where)
    if value is None:
        return None
    try:
        return parse_instant(value)
    except XmlValueError as exc:
        raise MessageMalformed(f"{where}/@{name} is not an xs:dateTime", debug=value[:64]) from exc


def req_instant(element: Element, name: str, where: str) -> datetime:
    value = opt_instant(element, name, where)
    if value is None:
        raise MessageMalformed(f"{where} lacks the required attribute {name}")
    return value


def parse_boolean(value: str, where: str) -> bool:
    """xs:boolean: exactly "true", "false", "1" or "0" (XML Schema 2, 3.2.2.1)."""
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise MessageMalformed(f"{where} must be true, false, 1 or 0", debug=value[:16])


def opt_boolean(element: Element, name: str, where: str) -> bool | None:
    value = opt_attr(element, name, where)
    return None if value is None else parse_boolean(value, f"{where}/@{name}")


def opt_unsigned_short(element: Element, name: str, where: str) -> int | None:
    """xs:unsignedShort: 0..65535, digits only (indexes of SAML metadata endpoints)."""
    value = opt_attr(element, name, where)
    if value is None:
        return None
    text = value[1:] if value.startswith("+") else value
    if not text.isascii() or not text.isdigit() or int(text) > 65535:
        raise MessageMalformed(f"{where}/@{name} must be an unsigned short", debug=value[:16])
    return int(text)


def check_id(value: str, where: str) -> str:
    """An xs:ID value: an NCName (SAML core 1.3.4), which cannot start with a digit."""
    if len(value) > _MAX_ID or not _NCNAME.match(value):
        raise MessageMalformed(f"{where} is not a valid xs:ID", debug=value[:64])
    return value


def check_version(element: Element, where: str) -> None:
    """SAML core 3.2.1 and 2.3.3: Version MUST be "2.0"."""
    version = element.get("Version")
    if version is None:
        raise MessageMalformed(f"{where} lacks the required attribute Version")
    if version != VERSION:
        raise UnsupportedVersion(
            f'{where} has Version "{version[:16]}"; only "2.0" is supported'
        )


def read_header(element: Element, where: str) -> tuple[str, datetime]:
    """Version, ID and IssueInstant, common to every request, response and assertion."""
    check_version(element, where)
    message_id = check_id(req_attr(element, "ID", where), f"{where}/@ID")
    return message_id, req_instant(element, "IssueInstant", where)


def set_opt(element: Element, name: str, value: str | None) -> None:
    if value is not None:
        element.set(name, value)


def set_instant(element: Element, name: str, value: datetime | None) -> None:
    if value is not None:
        element.set(name, saml_instant(value))


def set_boolean(element: Element, name: str, value: bool | None) -> None:
    if value is not None:
        element.set(name, "true" if value else "false")


def carry_all(parent: Element, elements: Iterable[Element]) -> None:
    """Put unchanged copies of opaque elements (signed assertions, EncryptedIDs) under
    ``parent``; the top-level builder calls :func:`etoegang.xml.graft.finish` on the root.

    Plain ``append`` would rename a peer's namespace prefixes (see :mod:`etoegang.xml.graft`)
    and break its signature.
    """
    for element in elements:
        carry(parent, element)
