"""Shared pieces of the SAML message models: NameID, Issuer, Conditions and the readers.

Spec: SAML core 1.3 (types), 2.2 (NameID, Issuer), 2.5 (Conditions), 3.2.1 (Version, ID,
IssueInstant); ``shared/spec/eherkenning.md`` §4.2 (optional elements MUST NOT be empty) and
§4.5 (Issuer without Format or qualifiers on output).

Every value is read through :func:`etoegang.xml.parser.text_of`, so markup or a comment inside a
value is refused rather than silently truncated. Every refusal is a typed
:class:`etoegang.errors.MessageError` whose ``public`` text names the rule that was broken.
Parsers take an element the caller has already verified; nothing here checks signatures or
parses bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from lxml import etree

from etoegang.clock import parse_instant
from etoegang.clock import saml_instant
from etoegang.errors import MessageMalformed
from etoegang.errors import UnsupportedVersion
from etoegang.errors import XmlValueError
from etoegang.xml.graft import carry
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of

#: The only SAML version Makelaar speaks (SAML core 3.2.1).
VERSION: Final = "2.0"

Element = etree._Element

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
#: xs:ID values longer than this are refused; real peers send 33-43 characters.
_MAX_ID = 256


class NameIDFormat(Enum):
    """The NameID Format URIs of SAML core 8.3."""

    UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    X509_SUBJECT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
    WINDOWS_DOMAIN = "urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName"
    KERBEROS = "urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos"
    ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
    PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    ENCRYPTED = "urn:oasis:names:tc:SAML:2.0:nameid-format:encrypted"

    @classmethod
    def _missing_(cls, value: object) -> NameIDFormat:
        raise ValueError(f"not a SAML NameID format: {value!r}")


@dataclass(frozen=True, slots=True)
class NameID:
    """A saml:NameID. In eHerkenning the NameQualifier carries the identifier type (§3.2)."""

    value: str
    format: NameIDFormat | None = None
    name_qualifier: str | None = None
    sp_name_qualifier: str | None = None
    sp_provided_id: str | None = None


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


# --- Issuer -----------------------------------------------------------------------------------

ISSUER: Final = qname(SAML, "Issuer")
NAME_ID: Final = qname(SAML, "NameID")
ENCRYPTED_ID: Final = qname(SAML, "EncryptedID")
AUDIENCE: Final = qname(SAML, "Audience")


def build_issuer(parent: Element, entity_id: str) -> Element:
    """saml:Issuer with the EntityID only: no Format and no qualifiers (§4.5, [AS-HMMR])."""
    issuer = etree.SubElement(parent, ISSUER)
    issuer.text = entity_id
    return issuer


def parse_issuer(element: Element, where: str) -> str:
    """The EntityID in a saml:Issuer; a Format other than entity is refused (SAML core 2.2.5)."""
    fmt = element.get("Format")
    if fmt is not None and fmt != NameIDFormat.ENTITY.value:
        raise MessageMalformed(f"{where}/Issuer must name an entity", debug=fmt[:80])
    return value_of(element, f"{where}/Issuer")


# --- NameID -----------------------------------------------------------------------------------


def build_name_id(parent: Element, name_id: NameID, tag: str = NAME_ID) -> Element:
    element = etree.SubElement(parent, tag)
    set_opt(element, "NameQualifier", name_id.name_qualifier)
    set_opt(element, "SPNameQualifier", name_id.sp_name_qualifier)
    if name_id.format is not None:
        element.set("Format", name_id.format.value)
    set_opt(element, "SPProvidedID", name_id.sp_provided_id)
    element.text = name_id.value
    return element


def parse_name_id(element: Element, where: str) -> NameID:
    fmt = opt_attr(element, "Format", where)
    try:
        name_format = NameIDFormat(fmt) if fmt is not None else None
    except ValueError as exc:
        raise MessageMalformed(
            f"{where}/@Format is not a SAML NameID format", debug=str(fmt)[:120]
        ) from exc
    return NameID(
        value=value_of(element, where),
        format=name_format,
        name_qualifier=opt_attr(element, "NameQualifier", where),
        sp_name_qualifier=opt_attr(element, "SPNameQualifier", where),
        sp_provided_id=opt_attr(element, "SPProvidedID", where),
    )


# --- Conditions -------------------------------------------------------------------------------

CONDITIONS: Final = qname(SAML, "Conditions")
_AUDIENCE_RESTRICTION: Final = qname(SAML, "AudienceRestriction")
_ONE_TIME_USE: Final = qname(SAML, "OneTimeUse")
_PROXY_RESTRICTION: Final = qname(SAML, "ProxyRestriction")


@dataclass(frozen=True, slots=True)
class Conditions:
    """saml:Conditions (SAML core 2.5)."""

    not_before: datetime | None = None
    not_on_or_after: datetime | None = None
    #: One tuple per AudienceRestriction. Each restriction must name the receiver (SAML core
    #: 2.5.1.4: the restrictions are ANDed, the audiences inside one are ORed).
    audience_restrictions: tuple[tuple[str, ...], ...] = ()
    one_time_use: bool = False
    #: ProxyRestriction Count, when present (SAML core 2.5.1.6).
    proxy_count: int | None = None
    proxy_audiences: tuple[str, ...] = ()
    has_proxy_restriction: bool = False

    @property
    def audiences(self) -> tuple[str, ...]:
        """Every audience named in any restriction, in order."""
        return tuple(a for restriction in self.audience_restrictions for a in restriction)


def build_conditions(parent: Element, conditions: Conditions) -> Element:
    element = etree.SubElement(parent, CONDITIONS)
    set_instant(element, "NotBefore", conditions.not_before)
    set_instant(element, "NotOnOrAfter", conditions.not_on_or_after)
    for restriction in conditions.audience_restrictions:
        node = etree.SubElement(element, _AUDIENCE_RESTRICTION)
        for audience in restriction:
            etree.SubElement(node, AUDIENCE).text = audience
    if conditions.one_time_use:
        etree.SubElement(element, _ONE_TIME_USE)
    if conditions.has_proxy_restriction:
        proxy = etree.SubElement(element, _PROXY_RESTRICTION)
        if conditions.proxy_count is not None:
            proxy.set("Count", str(conditions.proxy_count))
        for audience in conditions.proxy_audiences:
            etree.SubElement(proxy, AUDIENCE).text = audience
    return element


def _audiences(element: Element, where: str) -> tuple[str, ...]:
    check_sequence(element, [slot(AUDIENCE, max=None)], where)
    return tuple(value_of(a, f"{where}/Audience") for a in children(element))


def parse_conditions(element: Element, where: str) -> Conditions:
    """Parse saml:Conditions; a condition we do not understand makes it invalid (SAML core
    2.5.1.1: "Indeterminate" must not be treated as valid), so it is refused."""
    where = f"{where}/Conditions"
    restrictions: list[tuple[str, ...]] = []
    one_time_use = False
    proxy: Element | None = None
    for child in children(element):
        if child.tag == _AUDIENCE_RESTRICTION:
            audiences = _audiences(child, f"{where}/AudienceRestriction")
            if not audiences:
                raise MessageMalformed(f"{where}/AudienceRestriction names no Audience")
            restrictions.append(audiences)
        elif child.tag == _ONE_TIME_USE and not one_time_use:
            one_time_use = True  # SAML core 2.5.1.5: at most one OneTimeUse
        elif child.tag == _PROXY_RESTRICTION and proxy is None:
            proxy = child
        else:
            raise MessageMalformed(f"{where} holds an unsupported or repeated {local(child)}")
    count: int | None = None
    if proxy is not None:
        raw = opt_attr(proxy, "Count", f"{where}/ProxyRestriction")
        if raw is not None:
            if not raw.isascii() or not raw.isdigit():
                raise MessageMalformed(f"{where}/ProxyRestriction/@Count must be a number")
            count = int(raw)
    return Conditions(
        not_before=opt_instant(element, "NotBefore", where),
        not_on_or_after=opt_instant(element, "NotOnOrAfter", where),
        audience_restrictions=tuple(restrictions),
        one_time_use=one_time_use,
        proxy_count=count,
        proxy_audiences=_audiences(proxy, f"{where}/ProxyRestriction") if proxy is not None else (),
        has_proxy_restriction=proxy is not None,
    )


def carry_all(parent: Element, elements: Iterable[Element]) -> None:
    """Put unchanged copies of opaque elements (signed assertions, EncryptedIDs) under
    ``parent``; the top-level builder calls :func:`etoegang.xml.graft.finish` on the root.

    Plain ``append`` would rename a peer's namespace prefixes (see :mod:`etoegang.xml.graft`)
    and break its signature.
    """
    for element in elements:
        carry(parent, element)

