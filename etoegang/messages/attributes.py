"""saml:Attribute and saml:AttributeValue: the values of an attribute statement.

Spec: SAML core 2.7.3 (AttributeStatement, Attribute, AttributeValue; xsi:type on values);
``shared/spec/eherkenning.md`` §3.1 (attribute names) and §3.3 (EncryptedID values are
encrypted for the DV end to end: the HM never decrypts them). An element value stays an opaque
lxml element and is carried unchanged, never rebuilt. The public names are re-exported by
:mod:`etoegang.messages.assertion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.errors import XmlValueError
from etoegang.messages.common import ENCRYPTED_ID
from etoegang.messages.common import Element
from etoegang.messages.common import carry_all
from etoegang.messages.common import check_sequence
from etoegang.messages.common import children
from etoegang.messages.common import opt_attr
from etoegang.messages.common import req_attr
from etoegang.messages.common import set_opt
from etoegang.messages.common import slot
from etoegang.xml.ns import PREFIXES
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of

ATTRIBUTE: Final = qname(SAML, "Attribute")
_ATTRIBUTE_VALUE = qname(SAML, "AttributeValue")
_XSI_TYPE = qname(XSI, "type")
_PREFIX_OF = {uri: prefix for prefix, uri in PREFIXES.items()}


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """One saml:AttributeValue: either ``text`` or an opaque ``element`` (EncryptedID, NameID)."""

    text: str = ""
    #: xsi:type in Clark notation, e.g. ``{http://www.w3.org/2001/XMLSchema}string``.
    xsi_type: str | None = None
    #: The single child element, kept unchanged (copied, never decrypted, when built).
    element: Element | None = None

    @property
    def is_encrypted_id(self) -> bool:
        return self.element is not None and self.element.tag == ENCRYPTED_ID


@dataclass(frozen=True, slots=True)
class Attribute:
    """saml:Attribute (SAML core 2.7.3.1)."""

    name: str
    values: tuple[AttributeValue, ...] = ()
    name_format: str | None = None
    friendly_name: str | None = None
    #: Attributes from other namespaces (e.g. ext:OriginalIssuer), as (Clark name, value).
    other_attributes: tuple[tuple[str, str], ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        """The text values (element values left out)."""
        return tuple(v.text for v in self.values if v.element is None)


def _xsi_type_text(clark: str, nsmap: dict[str | None, str]) -> str:
    qn = etree.QName(clark)
    if qn.namespace is None:
        return qn.localname
    prefix = _PREFIX_OF.get(qn.namespace, "ns1")
    nsmap[prefix] = qn.namespace
    return f"{prefix}:{qn.localname}"


def _build_value(parent: Element, value: AttributeValue) -> None:
    if value.element is not None:
        node = etree.SubElement(parent, _ATTRIBUTE_VALUE)
        carry_all(node, [value.element])
        return
    nsmap: dict[str | None, str] = {}
    type_text = None
    if value.xsi_type is not None:
        nsmap["xsi"] = XSI
        type_text = _xsi_type_text(value.xsi_type, nsmap)
    node = etree.SubElement(parent, _ATTRIBUTE_VALUE, nsmap=nsmap)  # type: ignore[arg-type]
    if type_text is not None:
        node.set(_XSI_TYPE, type_text)
    node.text = value.text


def build_attribute(parent: Element, attribute: Attribute) -> Element:
    """A saml:Attribute under ``parent`` (an AttributeStatement); element values are carried."""
    element = etree.SubElement(parent, ATTRIBUTE, Name=attribute.name)
    set_opt(element, "NameFormat", attribute.name_format)
    set_opt(element, "FriendlyName", attribute.friendly_name)
    for other_name, other_value in attribute.other_attributes:
        element.set(other_name, other_value)
    for value in attribute.values:
        _build_value(element, value)
    return element


def _resolve_xsi_type(element: Element, raw: str, where: str) -> str:
    prefix, _, name = raw.rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if namespace is None:
        if prefix:
            raise MessageMalformed(f"{where}/@xsi:type uses an undeclared prefix", debug=raw[:64])
        return name
    return qname(namespace, name)


def _parse_value(element: Element, where: str) -> AttributeValue:
    raw_type = element.get(_XSI_TYPE)
    xsi_type = _resolve_xsi_type(element, raw_type.strip(), where) if raw_type else None
    nested = children(element)
    if nested:
        if len(nested) > 1 or (element.text or "").strip() or (nested[0].tail or "").strip():
            raise MessageMalformed(f"{where} must hold text or exactly one element")
        return AttributeValue(xsi_type=xsi_type, element=nested[0])
    try:
        # Attribute values are kept as sent, with their whitespace (they may be opaque data).
        text = text_of(element, strip=False)
    except XmlValueError as exc:
        raise MessageMalformed(f"{where} must be a plain value", debug=exc.debug) from exc
    return AttributeValue(text=text, xsi_type=xsi_type)


def parse_attribute(element: Element, where: str) -> Attribute:
    """Read a saml:Attribute; ``where`` names the enclosing statement in error texts."""
    name = req_attr(element, "Name", f"{where}/Attribute")
    where = f"{where}/Attribute[{name[:80]}]"
    check_sequence(element, [slot(_ATTRIBUTE_VALUE, max=None)], where)
    others = tuple(
        (str(key), str(value))
        for key, value in element.attrib.items()
        if etree.QName(key).namespace is not None
    )
    return Attribute(
        name=name,
        values=tuple(_parse_value(v, f"{where}/AttributeValue") for v in children(element)),
        name_format=opt_attr(element, "NameFormat", where),
        friendly_name=opt_attr(element, "FriendlyName", where),
        other_attributes=others,
    )
