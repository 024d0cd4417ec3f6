"""Lint a service catalogue: every problem at once, each with a stable rule id and a line.

Spec: ``shared/spec/eherkenning.md`` §6 (structure and limits), §1 (ServiceID, ServiceUUID,
OIN), §2 (LoA; BSN only from eH3; no SSO at eH4; eH1 discontinued), §3.2 (identifying types,
ECTA sets, Vestigingsnr only with KvKnr, no SubdossierNr), §3.4 (requested attributes).

This module is the driver and the public face: :func:`lint_catalogue` parses the document,
runs :data:`CHECKS` in order and sorts what they find. :class:`Rule` and :class:`Violation`
are defined in :mod:`metadata.catalogue_lint_model` (so the rules can use them without an
import cycle) and re-exported here. Each rule is a small function over a
:class:`~metadata.catalogue_lint_model.CatalogueDoc`, grouped by subject in
``metadata.catalogue_rules_signature`` (SC01), ``_identifiers`` (SC02, SC03, SC13, SC14),
``_types`` (SC04-SC07, SC11, SC19), ``_instances`` (SC10, SC12, SC18, SC20), ``_texts``
(SC08, SC09, SC17) and ``_structure`` (SC15, SC16).
"""

from __future__ import annotations

import re
from typing import Final

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.errors import XmlError
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from metadata.catalogue_lint_model import CatalogueDoc
from metadata.catalogue_lint_model import Check
from metadata.catalogue_lint_model import Rule
from metadata.catalogue_lint_model import Violation
from metadata.catalogue_lint_model import line_of
from metadata.catalogue_lint_model import local_name
from metadata.catalogue_model import esc
from metadata.catalogue_rules_identifiers import oin_format
from metadata.catalogue_rules_identifiers import service_ids
from metadata.catalogue_rules_identifiers import uuid_format
from metadata.catalogue_rules_identifiers import uuid_unique
from metadata.catalogue_rules_instances import instance_of
from metadata.catalogue_rules_instances import portal
from metadata.catalogue_rules_instances import service_certificate
from metadata.catalogue_rules_instances import sso_loa4
from metadata.catalogue_rules_signature import signed
from metadata.catalogue_rules_structure import root_attributes
from metadata.catalogue_rules_structure import structure
from metadata.catalogue_rules_texts import languages
from metadata.catalogue_rules_texts import lengths
from metadata.catalogue_rules_texts import requested_attributes
from metadata.catalogue_rules_types import bsn_loa
from metadata.catalogue_rules_types import bsnk_versions
from metadata.catalogue_rules_types import ecta_sets
from metadata.catalogue_rules_types import loa_urn
from metadata.catalogue_rules_types import restrictions

__all__ = ["CHECKS", "Check", "Rule", "Violation", "lint_catalogue"]

#: The checks in the order they run; output is sorted by line afterwards.
CHECKS: Final[tuple[Check, ...]] = (
    signed, uuid_unique, service_ids, loa_urn, ecta_sets, bsn_loa, restrictions,
    lengths, languages, instance_of, bsnk_versions, service_certificate, uuid_format,
    oin_format, root_attributes, structure, requested_attributes, sso_loa4, portal,
)


def _syntax_line(debug: str) -> int:
    found = re.findall(r"line (\d+)", debug)
    return int(found[-1]) if found else 1


def lint_catalogue(data: bytes, *, clock: Clock | None = None) -> list[Violation]:
    """Every rule violation of a service catalogue document, sorted by line and rule id.

    :param clock: the time certificates are checked against (default: the system clock).
    """
    try:
        root = parse_xml(data, DOCUMENT_LIMITS)
    except XmlError as exc:
        return [Violation(Rule.WELL_FORMED, exc.public, _syntax_line(exc.debug))]
    if root.tag != esc("ServiceCatalogue"):
        return [Violation(Rule.WELL_FORMED, f"the document element is {local_name(root.tag)}, "
                          "not esc:ServiceCatalogue (urn:etoegang:1.13:service-catalog)",
                          line_of(root))]
    providers = tuple(root.findall(esc("ServiceProvider")))
    doc = CatalogueDoc(
        root=root,
        now=(clock or SystemClock()).now(),
        providers=providers,
        definitions=tuple(d for p in providers for d in p.findall(esc("ServiceDefinition"))),
        instances=tuple(i for p in providers for i in p.findall(esc("ServiceInstance"))),
    )
    found = [violation for check in CHECKS for violation in check(doc)]
    return sorted(found, key=lambda v: (v.line, v.rule.value))
