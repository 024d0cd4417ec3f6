"""Generating catalogue entries: golden XML, schema order, stable UUIDs, BSNk versions."""

from __future__ import annotations

import os

import pytest
import xmlschema
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.errors import MalformedIdentifier
from etoegang.xml.ns import DS
from etoegang.xml.parser import parse_xml
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_build import build_dv_entry
from metadata.catalogue_build import catalogue_of
from tests.unit.test_catalogue_common import DATA
from tests.unit.test_catalogue_common import INSTANT
from tests.unit.test_catalogue_common import VERSION
from tests.unit.test_catalogue_common import good_catalogue
from tests.unit.test_catalogue_common import good_xml
from tests.unit.test_catalogue_common import specs

GOLDEN_ENTRY = DATA / "golden_dv_entry.xml"
SCHEMA = DATA / "xsd" / "eherkenning-service-catalog-1.13.xsd"


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


def test_generated_dv_entry_matches_golden_after_exclusive_c14n() -> None:
    catalogue = catalogue_of([build_dv_entry(specs()[1])], version=VERSION,
                             clock=FixedClock(INSTANT), ids=SequentialIdSource())
    made = build_catalogue(catalogue)
    etree.indent(made)
    if os.environ.get("MAKELAAR_UPDATE_GOLDEN") == "1":
        GOLDEN_ENTRY.write_bytes(etree.tostring(made, encoding="UTF-8", xml_declaration=True))
    assert _c14n(made) == _c14n(parse_xml(GOLDEN_ENTRY.read_bytes()))


def test_signed_catalogue_validates_against_the_1_13_schema() -> None:
    schema = xmlschema.XMLSchema(str(SCHEMA), allow="sandbox")
    schema.validate(good_xml())


def test_signature_is_the_first_child_as_the_schema_wants() -> None:
    root = parse_xml(good_xml())
    assert root[0].tag == f"{{{DS}}}Signature"


def test_entry_uuids_are_stable_and_distinct() -> None:
    first = build_dv_entry(specs()[0])
    again = build_dv_entry(specs()[0])
    other = build_dv_entry(specs()[1])
    assert first == again
    uuids = {first.definitions[0].uuid, first.instances[0].uuid,
             other.definitions[0].uuid, other.instances[0].uuid}
    assert len(uuids) == 4
    assert first.instances[0].instance_of == first.definitions[0].uuid


def test_bsnk_versions_only_for_bsn_or_pseudoid() -> None:
    kvk, bsn, pseudo = (build_dv_entry(spec).instances[0] for spec in specs())
    assert (bsn.bsnk_structure_version, bsn.bsnk_recipient_key_set_version) == ("1", "1")
    assert kvk.bsnk_structure_version is None and pseudo.bsnk_structure_version is None


def test_entries_of_one_dv_become_one_service_provider() -> None:
    catalogue = good_catalogue()
    assert len(catalogue.providers) == 1
    assert len(catalogue.providers[0].definitions) == 3
    assert catalogue.id == "_catalogue-0001" and catalogue.issue_instant == INSTANT


def test_entry_with_a_bad_oin_is_refused() -> None:
    from dataclasses import replace

    with pytest.raises(MalformedIdentifier):
        build_dv_entry(replace(specs()[0], oin="123"))
    with pytest.raises(MalformedIdentifier):
        build_dv_entry(replace(specs()[0], service_index=0))
