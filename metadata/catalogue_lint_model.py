"""The catalogue lint's vocabulary: rule ids, violations, and the document the rules read.

Spec: ``shared/spec/eherkenning.md`` §6 (the service catalogue); the rule ids SC00-SC20 are
Makelaar's own and stable. :class:`Rule` and :class:`Violation` are public through
:mod:`metadata.catalogue_lint`; :class:`CatalogueDoc` and the readers below are what every
``metadata.catalogue_rules_*`` module shares. The readers never raise: a value a rule cannot
read is another rule's violation to report (SC05 unknown types, SC16 mixed content).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from lxml import etree

from etoegang.errors import XmlError
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from metadata.catalogue_model import IdentifierType
from metadata.catalogue_model import esc
from policies.loa import Loa


class Rule(Enum):
    """Lint rules; the value is the stable id, :attr:`slug` the stable name."""

    WELL_FORMED = "SC00"
    SIGNED = "SC01"
    SERVICEUUID_UNIQUE = "SC02"
    SERVICEID_FORMAT = "SC03"
    LOA_URN = "SC04"
    ECTA_SETS = "SC05"
    BSN_LOA = "SC06"
    VESTIGINGSNR_WITH_KVK = "SC07"
    LENGTH_LIMITS = "SC08"
    LANGUAGES = "SC09"
    INSTANCE_OF = "SC10"
    BSNK_VERSIONS = "SC11"
    SERVICE_CERTIFICATE = "SC12"
    UUID_FORMAT = "SC13"
    OIN_FORMAT = "SC14"
    ROOT_ATTRIBUTES = "SC15"
    STRUCTURE = "SC16"
    REQUESTED_ATTRIBUTES = "SC17"
    SSO_LOA4 = "SC18"
    LOA_DISCONTINUED = "SC19"
    PORTAL = "SC20"

    @property
    def slug(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True)
class Violation:
    rule: Rule
    message: str
    line: int

    def __str__(self) -> str:
        return f"{self.rule.value} {self.rule.slug}: {self.message}"


#: The set elements; the type rules read them and the structure rule places them.
ECTA: Final = esc("EntityConcernedTypesAllowed")
ASTA: Final = esc("ActingSubjectTypesAllowed")


# --- the document -----------------------------------------------------------------------------


def line_of(element: etree._Element) -> int:
    """The source line to report (1 when lxml has none)."""
    line = element.sourceline
    return line if isinstance(line, int) and line > 0 else 1


def value_text(element: etree._Element) -> str:
    """text_of, or "" for mixed content (which SC16 reports)."""
    try:
        return text_of(element)
    except XmlError:
        return ""


@dataclass(frozen=True, slots=True)
class CatalogueDoc:
    """The parsed catalogue as the rules read it, with its parts listed once."""

    root: etree._Element
    now: datetime
    providers: tuple[etree._Element, ...]
    definitions: tuple[etree._Element, ...]
    instances: tuple[etree._Element, ...]

    def definition_for(self, instance: etree._Element) -> etree._Element | None:
        ref = instance.find(esc("InstanceOfService"))
        wanted = value_text(ref).lower() if ref is not None else None
        for definition in self.definitions:
            uuid = definition.find(esc("ServiceUUID"))
            if wanted and uuid is not None and value_text(uuid).lower() == wanted:
                return definition
        return None

    def instances_of(self, definition: etree._Element) -> Iterator[etree._Element]:
        for instance in self.instances:
            if self.definition_for(instance) is definition:
                yield instance


def loa_of(definition: etree._Element | None) -> Loa | None:
    """The level a definition asks, or None when absent or unknown (SC04 reports that)."""
    ref = definition.find(qname(SAML, "AuthnContextClassRef")) if definition is not None else None
    try:
        return Loa(value_text(ref)) if ref is not None else None
    except ValueError:
        return None


def identifier_types(parent: etree._Element | None, tag: str) -> list[IdentifierType]:
    """The known identifying types under ``parent``; unknown ones are left to SC05."""
    out = []
    for child in parent.findall(tag) if parent is not None else []:
        try:
            out.append(IdentifierType(value_text(child)))
        except Exception:  # noqa: S112 - unknown types are SC05's to report
            continue
    return out


Check = Callable[[CatalogueDoc], Iterator[Violation]]


def local_name(tag: object) -> str:
    """The local name of an element tag, or "node" for a comment or PI."""
    return etree.QName(tag).localname if isinstance(tag, str) else "node"
