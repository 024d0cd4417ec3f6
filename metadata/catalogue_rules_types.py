"""Catalogue lint rules on levels and identifying types: SC04 LoA URN, SC19 eH1 discontinued,
SC05 ECTA/ASTA sets, SC06 BSN only from eH3, SC07 service restrictions, SC11 BSNk versions.

Spec: ``shared/spec/eherkenning.md`` §2 (LoA; BSN only from eH3; eH1 discontinued) and §3.2
(identifying types, valid ECTA sets, acting-subject types, Vestigingsnr only with KvKnr, no
SubdossierNr), §6 (BSNk versions). Run by :func:`metadata.catalogue_lint.lint_catalogue`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from lxml import etree

from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from metadata.catalogue_lint_model import ASTA
from metadata.catalogue_lint_model import ECTA
from metadata.catalogue_lint_model import CatalogueDoc
from metadata.catalogue_lint_model import Rule
from metadata.catalogue_lint_model import Violation
from metadata.catalogue_lint_model import identifier_types
from metadata.catalogue_lint_model import line_of
from metadata.catalogue_lint_model import loa_of
from metadata.catalogue_lint_model import value_text
from metadata.catalogue_model import SUBDOSSIER_NR
from metadata.catalogue_model import IdentifierType
from metadata.catalogue_model import ServiceRestriction
from metadata.catalogue_model import esc
from policies.loa import Loa

_I = IdentifierType
_PSEUDOS: Final = (_I.PSEUDO, _I.PSEUDO_1_9)
_BSNS: Final = (_I.BSN, _I.BSN_LEGACY)


def _combos() -> frozenset[frozenset[IdentifierType]]:
    """Valid ECTA sets (§3.2 [SIG-DOCS]): kvk, rsin, bsn, kvk+rsin, kvk+bsn (eH); pseudo,
    pseudoid, bsn+pseudoid, bsn+pseudo, bsn+pseudoid+pseudo, eidasLegalIdentifier (eIDAS).
    Either Pseudo URN and either BSN URN may stand where the list names the type."""
    out: set[frozenset[IdentifierType]] = {frozenset({_I.KVKNR}), frozenset({_I.RSIN}),
                                           frozenset({_I.KVKNR, _I.RSIN}),
                                           frozenset({_I.PSEUDO_ID}),
                                           frozenset({_I.EIDAS_LEGAL_IDENTIFIER})}
    for bsn in _BSNS:
        out |= {frozenset({bsn}), frozenset({_I.KVKNR, bsn}), frozenset({bsn, _I.PSEUDO_ID})}
        for pseudo in _PSEUDOS:
            out |= {frozenset({bsn, pseudo}), frozenset({bsn, _I.PSEUDO_ID, pseudo})}
    for pseudo in _PSEUDOS:
        out.add(frozenset({pseudo}))
    return frozenset(out)


_VALID_SETS: Final = _combos()
#: Types an acting subject may have (§3.2 "Allowed as" column).
_ACTING: Final = frozenset({_I.BSN, _I.PSEUDO_ID, _I.PSEUDO, _I.PSEUDO_1_9})


def loa_urn(doc: CatalogueDoc) -> Iterator[Violation]:
    for definition in doc.definitions:
        for ref in definition.findall(qname(SAML, "AuthnContextClassRef")):
            try:
                loa = Loa(value_text(ref))
            except ValueError:
                yield Violation(Rule.LOA_URN, f"{value_text(ref)!r} is not an etoegang level "
                                "(urn:etoegang:core:assurance-class:loa2|loa2plus|loa3|loa4)",
                                line_of(ref))
                continue
            if loa is Loa.EH1:
                yield Violation(Rule.LOA_DISCONTINUED, "eH1 (loa1) was discontinued on "
                                "2021-07-01; ask loa2 or higher", line_of(ref))


def _set_problems(parent: etree._Element, tag: str, acting: bool) -> Iterator[Violation]:
    label = "ActingSubjectTypesAllowed" if acting else "EntityConcernedTypesAllowed"
    sets: dict[str, list[IdentifierType]] = {}
    for child in parent.findall(tag):
        number = child.get("setNumber")
        if number is None or not number.strip().isdigit():
            yield Violation(Rule.ECTA_SETS, f"{label} needs a setNumber (non-negative integer)",
                            line_of(child))
            number = f"?{line_of(child)}"
        try:
            kind = IdentifierType(value_text(child))
        except Exception:
            yield Violation(Rule.ECTA_SETS, f"unknown identifying type {value_text(child)!r}",
                            line_of(child))
            continue
        members = sets.setdefault(number.strip(), [])
        if kind in members:
            yield Violation(Rule.ECTA_SETS, f"{kind.value} occurs twice in set {number}",
                            line_of(child))
        members.append(kind)
        if acting and kind not in _ACTING:
            yield Violation(Rule.ECTA_SETS, f"{kind.value} cannot identify an acting subject",
                            line_of(child))
    seen: dict[frozenset[IdentifierType], str] = {}
    first = parent.find(tag)
    for number, members in sets.items():
        combo = frozenset(members)
        if combo in seen and not number.startswith("?"):
            yield Violation(Rule.ECTA_SETS, f"set {number} repeats set {seen[combo]}",
                            line_of(first) if first is not None else 1)
        seen.setdefault(combo, number)
        if not acting and combo not in _VALID_SETS:
            names = "+".join(sorted(t.value.rsplit(":", 1)[1] for t in combo))
            yield Violation(Rule.ECTA_SETS, f"set {number} ({names}) is not a valid combination "
                            "(kvk, rsin, bsn, kvk+rsin, kvk+bsn; eIDAS: pseudo, pseudoid, "
                            "bsn+pseudoid, bsn+pseudo, bsn+pseudoid+pseudo, "
                            "eidasLegalIdentifier)", line_of(first) if first is not None else 1)


def ecta_sets(doc: CatalogueDoc) -> Iterator[Violation]:
    for definition in doc.definitions:
        yield from _set_problems(definition, ECTA, acting=False)
        yield from _set_problems(definition, ASTA, acting=True)
    for instance in doc.instances:
        yield from _set_problems(instance, ECTA, acting=False)


def bsn_loa(doc: CatalogueDoc) -> Iterator[Violation]:
    # §2: a service that accepts BSN must ask at least substantial (eH3).
    for definition in doc.definitions:
        loa = loa_of(definition)
        if loa is None or loa >= Loa.EH3:
            continue
        holders = [definition, *doc.instances_of(definition)]
        for holder in holders:
            for child in [*holder.findall(ECTA), *holder.findall(ASTA)]:
                if value_text(child) in (t.value for t in _BSNS):
                    yield Violation(Rule.BSN_LOA, f"BSN is allowed only at eH3 or higher; the "
                                    f"service asks {loa.label}", line_of(child))


def restrictions(doc: CatalogueDoc) -> Iterator[Violation]:
    for definition in doc.definitions:
        has_kvk = _I.KVKNR in identifier_types(definition, ECTA)
        for child in definition.findall(esc("ServiceRestrictionsAllowed")):
            value = value_text(child)
            if value == SUBDOSSIER_NR:
                yield Violation(Rule.VESTIGINGSNR_WITH_KVK, "SubdossierNr may not be listed in "
                                "the catalogue; use Vestigingsnr", line_of(child))
            elif value != ServiceRestriction.VESTIGINGSNR.value:
                yield Violation(Rule.VESTIGINGSNR_WITH_KVK, f"unknown service restriction "
                                f"{value!r}", line_of(child))
            elif not has_kvk:
                yield Violation(Rule.VESTIGINGSNR_WITH_KVK, "Vestigingsnr is allowed only with "
                                "a KvKnr EntityConcernedTypesAllowed", line_of(child))


def bsnk_versions(doc: CatalogueDoc) -> Iterator[Violation]:
    for instance in doc.instances:
        definition = doc.definition_for(instance)
        types = identifier_types(instance, ECTA) or identifier_types(definition, ECTA)
        types += identifier_types(definition, ASTA)
        needs = any(t.needs_bsnk for t in types)
        for tag in ("BsnkStructureVersion", "BsnkRecipientKeySetVersion"):
            child = instance.find(esc(tag))
            if needs and child is None:
                yield Violation(Rule.BSNK_VERSIONS, f"{tag} is required when BSN or PseudoID is "
                                "allowed", line_of(instance))
            elif not needs and child is not None:
                yield Violation(Rule.BSNK_VERSIONS, f"{tag} only belongs with BSN or PseudoID",
                                line_of(child))
            elif child is not None and tag[4] == "S" and value_text(child) not in ("1", "2"):
                yield Violation(Rule.BSNK_VERSIONS, "BsnkStructureVersion is 1 or 2",
                                line_of(child))
            elif child is not None and not value_text(child).isdigit():
                yield Violation(Rule.BSNK_VERSIONS, f"{tag} is a number", line_of(child))
