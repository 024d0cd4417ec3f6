"""Shared pieces of the SAML message models: NameID and Issuer, and the public face of the
field readers and Conditions.

Spec: SAML core 2.2 (NameID, Issuer; 2.2.5 an Issuer names an entity), 8.3 (NameID formats);
``shared/spec/eherkenning.md`` §3.2 (the NameQualifier carries the identifier type) and §4.5
(Issuer without Format or qualifiers on output).

The readers and writers of fields (schema order, simple values, typed attributes, the message
header, carried elements) live in :mod:`etoegang.messages.fields` and saml:Conditions in
:mod:`etoegang.messages.conditions`; their public names are re-exported here, so import them
from this module as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.messages.conditions import AUDIENCE
from etoegang.messages.conditions import CONDITIONS
from etoegang.messages.conditions import Conditions
from etoegang.messages.conditions import build_conditions
from etoegang.messages.conditions import parse_conditions
from etoegang.messages.fields import VERSION
from etoegang.messages.fields import Element
from etoegang.messages.fields import Slot
from etoegang.messages.fields import carry_all
from etoegang.messages.fields import check_id
from etoegang.messages.fields import check_sequence
from etoegang.messages.fields import check_version
from etoegang.messages.fields import children
from etoegang.messages.fields import find_all
from etoegang.messages.fields import find_one
from etoegang.messages.fields import local
from etoegang.messages.fields import opt_attr
from etoegang.messages.fields import opt_boolean
from etoegang.messages.fields import opt_instant
from etoegang.messages.fields import opt_unsigned_short
from etoegang.messages.fields import parse_boolean
from etoegang.messages.fields import read_header
from etoegang.messages.fields import req_attr
from etoegang.messages.fields import req_instant
from etoegang.messages.fields import require_one
from etoegang.messages.fields import set_boolean
from etoegang.messages.fields import set_instant
from etoegang.messages.fields import set_opt
from etoegang.messages.fields import slot
from etoegang.messages.fields import value_of
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname

__all__ = [
    "AUDIENCE",
    "CONDITIONS",
    "Conditions",
    "ENCRYPTED_ID",
    "Element",
    "ISSUER",
    "NAME_ID",
    "NameID",
    "NameIDFormat",
    "Slot",
    "VERSION",
    "build_conditions",
    "build_issuer",
    "build_name_id",
    "carry_all",
    "check_id",
    "check_sequence",
    "check_version",
    "children",
    "find_all",
    "find_one",
    "local",
    "opt_attr",
    "opt_boolean",
    "opt_instant",
    "opt_unsigned_short",
    "parse_boolean",
    "parse_conditions",
    "parse_issuer",
    "parse_name_id",
    "read_header",
    "req_attr",
    "req_instant",
    "require_one",
    "set_boolean",
    "set_instant",
    "set_opt",
    "slot",
    "value_of",
]


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


# --- Issuer -----------------------------------------------------------------------------------

ISSUER: Final = qname(SAML, "Issuer")
NAME_ID: Final = qname(SAML, "NameID")
ENCRYPTED_ID: Final = qname(SAML, "EncryptedID")


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
