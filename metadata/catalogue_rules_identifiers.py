"""Catalogue lint rules on identifiers: SC02 unique ServiceUUIDs, SC03 ServiceID form, SC13
UUID form, SC14 OIN form.

Spec: ``shared/spec/eherkenning.md`` §1 (ServiceID ``urn:etoegang:DV:<OIN>:services:<index>``,
ServiceUUID, the 20-digit OIN). Run by :func:`metadata.catalogue_lint.lint_catalogue`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from metadata.catalogue_lint_model import CatalogueDoc
from metadata.catalogue_lint_model import Rule
from metadata.catalogue_lint_model import Violation
from metadata.catalogue_lint_model import line_of
from metadata.catalogue_lint_model import value_text
from metadata.catalogue_model import esc

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_OIN = re.compile(r"^\d{20}$")
_SERVICE_ID = re.compile(r"^urn:etoegang:DV:(\d+):services:(\d+)$")


def uuid_unique(doc: CatalogueDoc) -> Iterator[Violation]:
    seen: dict[str, int] = {}
    for element in doc.definitions + doc.instances:
        for uuid in element.findall(esc("ServiceUUID")):
            key = value_text(uuid).lower()
            if key in seen:
                yield Violation(Rule.SERVICEUUID_UNIQUE, f"ServiceUUID {value_text(uuid)} is "
                                f"also used at line {seen[key]}; every service needs its own",
                                line_of(uuid))
            else:
                seen[key] = line_of(uuid)


def service_ids(doc: CatalogueDoc) -> Iterator[Violation]:
    for provider in doc.providers:
        oin_el = provider.find(esc("ServiceProviderID"))
        oin = value_text(oin_el) if oin_el is not None else ""
        seen: dict[int, int] = {}
        for sid in provider.iterfind(f"{esc('ServiceInstance')}/{esc('ServiceID')}"):
            value = value_text(sid)
            match = _SERVICE_ID.match(value)
            if match is None or len(match.group(1)) != 20:
                yield Violation(Rule.SERVICEID_FORMAT, f"ServiceID {value!r} is not urn:etoegang:"
                                "DV:<20-digit OIN>:services:<index>", line_of(sid))
                continue
            index = int(match.group(2))
            if index < 1:
                yield Violation(Rule.SERVICEID_FORMAT, "ServiceID index starts at 1", line_of(sid))
            if match.group(1) != oin:
                yield Violation(Rule.SERVICEID_FORMAT, f"ServiceID OIN {match.group(1)} is not "
                                f"the ServiceProviderID {oin}", line_of(sid))
            if index in seen:
                yield Violation(Rule.SERVICEID_FORMAT, f"ServiceID index {index} is also used "
                                f"at line {seen[index]}", line_of(sid))
            seen.setdefault(index, line_of(sid))


def uuid_format(doc: CatalogueDoc) -> Iterator[Violation]:
    for element in doc.definitions + doc.instances:
        for tag in ("ServiceUUID", "InstanceOfService"):
            for child in element.findall(esc(tag)):
                if not _UUID.match(value_text(child)):
                    yield Violation(Rule.UUID_FORMAT, f"{tag} {value_text(child)!r} is not a UUID "
                                    "(8-4-4-4-12 hex digits)", line_of(child))


def oin_format(doc: CatalogueDoc) -> Iterator[Violation]:
    tags = {esc(t) for t in ("ServiceProviderID", "HerkenningsmakelaarId",
                             "AdditionalHerkenningsmakelaarId", "ServiceIntermediationAllowed")}
    for child in doc.root.iter(*tags):
        if not _OIN.match(value_text(child)):
            yield Violation(Rule.OIN_FORMAT, f"{etree.QName(child).localname} "
                            f"{value_text(child)!r} is not an OIN (20 digits)", line_of(child))
