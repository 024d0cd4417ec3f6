"""Catalogue lint rules on texts: SC08 length limits, SC09 languages, SC17 requested attributes.

Spec: ``shared/spec/eherkenning.md`` §6 (length limits), §10 item 3 (brokers' templates ask the
URL elements in Dutch and English), §3.4 (requested attributes: names from the etoegang
attribute catalogue; identifying types and intermediate attributes are never requested).

Languages (SC09): every multi-language element needs ``xml:lang``, no language twice, Dutch
(``nl``) in every multi-language group, and English (``en``) as well for the URL elements
(ServiceDescriptionURL, ServiceURL, PrivacyPolicyURL). Names, descriptions and purpose
statements need only ``nl``. Run by :func:`metadata.catalogue_lint.lint_catalogue`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from lxml import etree

from etoegang.xml.ns import XML
from etoegang.xml.ns import qname
from metadata.catalogue_lint_model import CatalogueDoc
from metadata.catalogue_lint_model import Rule
from metadata.catalogue_lint_model import Violation
from metadata.catalogue_lint_model import line_of
from metadata.catalogue_lint_model import value_text
from metadata.catalogue_model import IdentifierType
from metadata.catalogue_model import esc

_ATTRIBUTE = re.compile(r"^urn:etoegang:\d+\.\d+:attribute(-represented)?:\S+$")
_LIMITS: Final = {"OrganizationDisplayName": 64, "ServiceName": 64, "ServiceDescription": 1024,
                  "PurposeStatement": 1024, "ServiceDescriptionURL": 512, "ServiceURL": 512,
                  "PrivacyPolicyURL": 512}
_URL_GROUPS: Final = frozenset({"ServiceDescriptionURL", "ServiceURL", "PrivacyPolicyURL"})
_LANG: Final = qname(XML, "lang")


def lengths(doc: CatalogueDoc) -> Iterator[Violation]:
    for child in doc.root.iter(*(esc(tag) for tag in _LIMITS)):
        local = etree.QName(child).localname
        value = value_text(child)
        if len(child):
            continue  # mixed content: SC16 reports it
        if not value:
            yield Violation(Rule.LENGTH_LIMITS, f"{local} is empty", line_of(child))
        elif len(value) > _LIMITS[local]:
            yield Violation(Rule.LENGTH_LIMITS, f"{local} has {len(value)} characters; at most "
                            f"{_LIMITS[local]}", line_of(child))


def languages(doc: CatalogueDoc) -> Iterator[Violation]:
    tags = [esc(tag) for tag in _LIMITS]
    for parent in doc.root.iter():
        groups: dict[str, list[etree._Element]] = {}
        for child in parent:
            if child.tag in tags:
                groups.setdefault(etree.QName(child).localname, []).append(child)
        for local, members in groups.items():
            langs: list[str] = []
            for member in members:
                lang = (member.get(_LANG) or "").strip().lower()
                if not lang:
                    yield Violation(Rule.LANGUAGES, f"{local} has no xml:lang", line_of(member))
                elif lang in langs:
                    yield Violation(Rule.LANGUAGES, f"{local} in language {lang!r} occurs twice",
                                    line_of(member))
                langs.append(lang)
            wanted = ("nl", "en") if local in _URL_GROUPS else ("nl",)
            for lang in wanted:
                if lang not in langs:
                    yield Violation(Rule.LANGUAGES, f"{local} is missing in language "
                                    f"{lang!r}", line_of(members[0]))


def requested_attributes(doc: CatalogueDoc) -> Iterator[Violation]:
    identifiers = {t.value for t in IdentifierType}
    for definition in doc.definitions:
        seen: set[str] = set()
        for attribute in definition.findall(esc("RequestedAttribute")):
            name = attribute.get("Name") or ""
            if name in identifiers or ":EntityConcernedID:" in name:
                yield Violation(Rule.REQUESTED_ATTRIBUTES, f"{name} is an identifying type; it "
                                "comes from EntityConcernedTypesAllowed, never as an attribute",
                                line_of(attribute))
            elif ":attribute-intermediate:" in name:
                yield Violation(Rule.REQUESTED_ATTRIBUTES, f"{name} is delivered automatically "
                                "in chains and must not be requested", line_of(attribute))
            elif not _ATTRIBUTE.match(name):
                yield Violation(Rule.REQUESTED_ATTRIBUTES, f"{name!r} is not an attribute of the "
                                "etoegang attribute catalogue", line_of(attribute))
            if name in seen:
                yield Violation(Rule.REQUESTED_ATTRIBUTES, f"{name} is requested twice",
                                line_of(attribute))
            seen.add(name)
