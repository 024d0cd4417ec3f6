"""Catalogue lint rules on the document's shape: SC15 root attributes, SC16 structure.

Spec: ``shared/spec/eherkenning.md`` §6 (structure; ID, esc:IssueInstant and esc:Version on
the root). Element order and cardinality (SC16) come from tables transcribed from the 1.13
XSD, which the spec calls an example only, so only what brokers rely on is checked: order,
cardinality, text-only values and boolean attributes. Run by
:func:`metadata.catalogue_lint.lint_catalogue`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from lxml import etree

from etoegang.clock import parse_instant
from etoegang.errors import XmlError
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from metadata.catalogue_lint_model import ASTA
from metadata.catalogue_lint_model import ECTA
from metadata.catalogue_lint_model import CatalogueDoc
from metadata.catalogue_lint_model import Rule
from metadata.catalogue_lint_model import Violation
from metadata.catalogue_lint_model import line_of
from metadata.catalogue_lint_model import local_name
from metadata.catalogue_lint_model import value_text
from metadata.catalogue_model import esc

# Spec form urn:etoegang:<scheme>:service-catalogue:<P|T>:<seq>; the DV library's
# urn:etoegang:<scheme>:<seq> is accepted too (§6: works with brokers).
_VERSION = re.compile(r"^urn:etoegang:\d+\.\d+:(service-catalogue:[PT]:)?\d+$")


def root_attributes(doc: CatalogueDoc) -> Iterator[Violation]:
    root, line = doc.root, line_of(doc.root)
    if not root.get("ID"):
        yield Violation(Rule.ROOT_ATTRIBUTES, "ServiceCatalogue has no ID (the signature "
                        "refers to it)", line)
    for local in ("IssueInstant", "Version"):
        value = root.get(esc(local))
        if value is None:
            extra = " (it must be namespace-qualified: esc:" if root.get(local) else " ("
            yield Violation(Rule.ROOT_ATTRIBUTES, f"ServiceCatalogue has no esc:{local}"
                            f"{extra}{local})", line)
        elif local == "IssueInstant":
            try:
                if parse_instant(value) > doc.now:
                    yield Violation(Rule.ROOT_ATTRIBUTES, "IssueInstant lies in the future", line)
            except XmlError:
                yield Violation(Rule.ROOT_ATTRIBUTES, f"IssueInstant {value!r} is not an "
                                "xs:dateTime", line)
        elif not _VERSION.match(value):
            yield Violation(Rule.ROOT_ATTRIBUTES, f"Version {value!r} is not urn:etoegang:"
                            "<scheme>:service-catalogue:<P|T>:<sequence>", line)


_N: Final = 1 << 30  # "unbounded"
_Model = tuple[tuple[str, int, int], ...]
_E = esc
_MODELS: Final[dict[str, _Model]] = {
    # ds:Signature is optional here: SC01 reports a missing one.
    _E("ServiceCatalogue"): ((qname(DS, "Signature"), 0, 1), (_E("ServiceProvider"), 1, _N)),
    _E("ServiceProvider"): ((_E("ServiceProviderID"), 1, 1), (_E("OrganizationDisplayName"), 1, _N),
                            (_E("ServiceDefinition"), 0, _N), (_E("ServiceInstance"), 0, _N)),
    _E("ServiceDefinition"): (
        (_E("ServiceUUID"), 1, 1), (_E("ServiceName"), 1, _N), (_E("ServiceDescription"), 1, _N),
        (_E("ServiceDescriptionURL"), 0, _N), (qname(SAML, "AuthnContextClassRef"), 1, 1),
        (_E("HerkenningsmakelaarId"), 1, 1), (ECTA, 1, _N), (ASTA, 0, _N),
        (_E("ServiceRestrictionsAllowed"), 0, _N), (_E("RequestedAttribute"), 0, _N)),
    _E("ServiceInstance"): (
        (_E("ServiceID"), 1, 1), (_E("ServiceUUID"), 1, 1), (_E("InstanceOfService"), 0, 1),
        (_E("IntermediatedService"), 0, 1), (_E("ServiceURL"), 0, _N),
        (_E("PrivacyPolicyURL"), 0, _N), (_E("HerkenningsmakelaarId"), 1, 1),
        (_E("AdditionalHerkenningsmakelaarId"), 0, _N), (_E("SSOSupport"), 0, 1), (ECTA, 0, _N),
        (_E("ServiceCertificate"), 0, _N), (_E("ServiceIntermediation"), 0, 1),
        (_E("Classifiers"), 0, 1), (_E("BsnkStructureVersion"), 0, 1),
        (_E("BsnkRecipientKeySetVersion"), 0, 1), (_E("PortalForService"), 0, _N)),
    _E("RequestedAttribute"): ((qname(SAML, "AttributeValue"), 0, _N),
                               (_E("PurposeStatement"), 1, _N)),
    _E("ServiceCertificate"): ((qname(MD, "KeyDescriptor"), 1, 1),),
    _E("ServiceIntermediation"): ((_E("ServiceIntermediationAllowed"), 0, _N),),
    _E("Classifiers"): ((_E("Classifier"), 1, _N),),
}
#: Elements whose content is a value: a child element or comment inside one is refused.
_SIMPLE: Final = frozenset(
    {_E(t) for t in ("ServiceProviderID", "OrganizationDisplayName", "ServiceUUID", "ServiceName",
                     "ServiceDescription", "ServiceDescriptionURL", "HerkenningsmakelaarId",
                     "EntityConcernedTypesAllowed", "ActingSubjectTypesAllowed",
                     "ServiceRestrictionsAllowed", "PurposeStatement", "ServiceID",
                     "InstanceOfService", "IntermediatedService", "ServiceURL", "PrivacyPolicyURL",
                     "AdditionalHerkenningsmakelaarId", "SSOSupport", "BsnkStructureVersion",
                     "BsnkRecipientKeySetVersion", "PortalForService",
                     "ServiceIntermediationAllowed", "Classifier")}
    | {qname(SAML, "AuthnContextClassRef")}
)
#: Boolean attributes (qualified esc: ones are global in the XSD) and where they are required.
_BOOLEAN_ATTRS: Final = {
    _E("ServiceProvider"): ((_E("IsPublic"), True),),
    _E("ServiceDefinition"): ((_E("IsPublic"), True), (_E("IsPortal"), False)),
    _E("ServiceInstance"): ((_E("IsPublic"), True), (_E("IsPortal"), False)),
    _E("RequestedAttribute"): (("isRequired", False),),
}
_INTERMEDIATION: Final = ("noIntermediation", "generalAvailable", "serviceProviderOnly",
                          "requiresApproval")


def _sequence(parent: etree._Element, model: _Model) -> Iterator[Violation]:
    counts = [0] * len(model)
    position = 0
    where = local_name(parent.tag)
    for child in parent:
        if not isinstance(child.tag, str):
            continue
        step = next((k for k in range(position, len(model)) if model[k][0] == child.tag), None)
        if step is None:
            earlier = next((k for k in range(position) if model[k][0] == child.tag), None)
            if earlier is not None:
                counts[earlier] += 1  # present, only misplaced: not also "missing"
                yield Violation(Rule.STRUCTURE, f"{local_name(child.tag)} is out of order in "
                                f"{where} (XSD order)", line_of(child))
            else:
                yield Violation(Rule.STRUCTURE, f"unexpected element {local_name(child.tag)} in "
                                f"{where}", line_of(child))
            continue
        position = step
        counts[step] += 1
        if counts[step] == model[step][2] + 1:
            yield Violation(Rule.STRUCTURE, f"{local_name(child.tag)} may occur at most "
                            f"{model[step][2]} time(s) in {where}", line_of(child))
    for (tag, minimum, _maximum), count in zip(model, counts, strict=True):
        if count < minimum:
            yield Violation(Rule.STRUCTURE, f"{where} lacks {local_name(tag)}", line_of(parent))


def structure(doc: CatalogueDoc) -> Iterator[Violation]:
    for element in doc.root.iter():
        if not isinstance(element.tag, str):
            continue
        model = _MODELS.get(element.tag)
        if model is not None:
            yield from _sequence(element, model)
        if element.tag in _SIMPLE and len(element):
            yield Violation(Rule.STRUCTURE, f"{local_name(element.tag)} must hold only text (no "
                            "elements or comments)", line_of(element))
        for attr, required in _BOOLEAN_ATTRS.get(element.tag, ()):
            local = local_name(attr)
            value = element.get(attr)
            if value is None and element.get(local) is not None and attr != local:
                yield Violation(Rule.STRUCTURE, f"{local} must be namespace-qualified "
                                f"(esc:{local})", line_of(element))
            elif value is None and required:
                yield Violation(Rule.STRUCTURE, f"{local_name(element.tag)} lacks esc:{local}",
                                line_of(element))
            elif value is not None and value not in ("true", "false", "1", "0"):
                yield Violation(Rule.STRUCTURE, f"{local} {value!r} is not a boolean",
                                line_of(element))
        if element.tag == _E("SSOSupport") and value_text(element) not in (
            "true", "false", "1", "0"
        ):
            yield Violation(Rule.STRUCTURE, "SSOSupport is not a boolean", line_of(element))
        if element.tag == _E("ServiceIntermediation") and element.get(
            "intermediationAllowed", "noIntermediation"
        ) not in _INTERMEDIATION:
            yield Violation(Rule.STRUCTURE, "intermediationAllowed is not one of "
                            + ", ".join(_INTERMEDIATION), line_of(element))
