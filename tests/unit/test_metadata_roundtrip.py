"""Generated metadata of every role loads back through the trusted import (spec §5)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import qname
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from keys.devpki import DevCa
from keys.ring import KeyRing
from metadata.build import aggregate_name
from metadata.build import build_aggregate
from metadata.build import build_entity
from metadata.build import generate
from metadata.build import sign_metadata
from metadata.build import to_bytes
from metadata.inputs import HM_NAME_ID_FORMATS
from metadata.inputs import AdInput
from metadata.inputs import AnyRoleInput
from metadata.inputs import DvInput
from metadata.inputs import DvService
from metadata.inputs import EbInput
from metadata.inputs import HmInput
from metadata.inputs import Mr2Input
from metadata.inputs import MrInput
from metadata.model import Binding
from metadata.model import Contact
from metadata.model import ContactType
from metadata.model import LocalizedText
from metadata.model import Organisation
from metadata.trust import MetadataTrust
from metadata.trust import load_metadata
from tests.unit.test_metadata_fixtures import FIXTURE_INSTANT
from tests.unit.test_metadata_fixtures import fixture_ring

OIN = "00000009876543210000"
ORG = Organisation.single("Makelaar", "Makelaar TEST", "https://makelaar.example/")
CONTACTS = (Contact(ContactType.ADMINISTRATIVE, company="Makelaar",
                    emails=("beheer@makelaar.example",), phones=("+31 20 000 0000",)),)
INPUTS: dict[str, type[HmInput | AdInput | MrInput | Mr2Input | EbInput]] = {
    "hm": HmInput, "ad": AdInput, "mr": MrInput, "mr2": Mr2Input, "eb": EbInput,
}
ROLE_URN = {"hm": "HM", "ad": "AD", "mr": "MR", "mr2": "MR", "eb": "EB", "dv": "DV"}


def make_input(role: str, ring: KeyRing) -> AnyRoleInput:
    common: dict[str, Any] = dict(
        entity_id=f"urn:etoegang:{ROLE_URN[role]}:{OIN}:entities:{9000 + len(role)}",
        base_url=f"https://{role}.makelaar.example",
        keys=ring,
        organisation=ORG,
        contacts=CONTACTS,
    )
    if role == "dv":
        return DvInput(oin=OIN, services=(
            DvService(1, (LocalizedText("nl", "Een"),), is_default=True),
            DvService(7, (LocalizedText("nl", "Zeven"),)),
        ), **common)
    return INPUTS[role](**common)


@pytest.fixture()
def md_clock(rings: dict[str, KeyRing]) -> FixedClock:
    # The session certificates are issued at wall-clock time: load within their validity.
    return FixedClock(rings["hm"].signing.certificate.not_valid_before_utc + timedelta(hours=1))


@pytest.fixture()
def trust(dev_ca: DevCa) -> MetadataTrust:
    return MetadataTrust(authorities=(dev_ca.certificate,))


@pytest.mark.parametrize("role", ["hm", "ad", "mr", "mr2", "eb", "dv"])
def test_generated_metadata_of_every_role_loads_with_current_and_next_keys(
    role: str, rings: dict[str, KeyRing], md_clock: FixedClock, trust: MetadataTrust
) -> None:
    ring = rings[role]
    inp = make_input(role, ring)
    data = generate(inp, md_clock, SequentialIdSource())
    root = parse_xml(data, DOCUMENT_LIMITS)
    assert root.find(qname(DS, "Signature")) is not None
    assert root.find(f"{qname(DS, 'Signature')}/{qname(DS, 'KeyInfo')}/{qname(DS, 'X509Data')}") \
        is not None
    assert root.find(f"{qname(DS, 'Signature')}/{qname(DS, 'KeyInfo')}/{qname(DS, 'KeyName')}") \
        is None

    (entity,) = load_metadata(data, trust, md_clock)
    assert entity.entity_id == inp.entity_id
    assert entity.interface_version == "1.13"
    assert entity.valid_until == md_clock.now() + timedelta(days=28)
    assert entity.refresh_after == md_clock.now() + timedelta(hours=6)
    assert entity.organisation == ORG
    assert entity.contacts == CONTACTS
    assert ring.signing_next is not None and ring.encryption_next is not None
    signing = entity.signing_certificates()
    assert [c.key_name for c in signing] == [ring.signing.key_name, ring.signing_next.key_name]
    assert [c.key_name for c in entity.encryption_certificates()] == [
        ring.encryption.key_name, ring.encryption_next.key_name]
    # The metadata KeyName is registered as a name of its certificate.
    assert all(c.matches(c.key_name.upper()) for c in signing)
    base = f"https://{role}.makelaar.example"
    if role == "dv":
        assert entity.idp is None and entity.sp is not None
        assert entity.sp.authn_requests_signed and entity.sp.want_assertions_signed
        assert entity.sp.acs_by_index(None).binding is Binding.HTTP_ARTIFACT
        assert entity.sp.acs_by_index(1).location == f"{base}/saml/acs"
        assert entity.sp.acs_by_url(f"{base}/saml/acs").index == 1
        assert entity.sp.service_id_for(None) == f"urn:etoegang:DV:{OIN}:services:1"
        assert entity.sp.service_id_for(7) == f"urn:etoegang:DV:{OIN}:services:7"
        assert entity.sp.name_id_formats == ()
        assert entity.sp.artifact_resolution[0].binding is Binding.SOAP
        assert b"NameIDFormat" not in data
        return
    assert entity.idp is not None
    assert entity.idp.want_authn_requests_signed
    prefix = "broker" if role == "hm" else role
    assert entity.idp.sso(Binding.HTTP_ARTIFACT).location == f"{base}/{prefix}/sso/1.13"
    assert entity.idp.artifact_resolution[0].location == f"{base}/{prefix}/ars/1.13"
    assert entity.idp.artifact_resolution[0].binding is Binding.SOAP
    if role == "hm":
        assert [e.binding for e in entity.idp.single_sign_on] == [
            Binding.HTTP_ARTIFACT, Binding.HTTP_POST, Binding.HTTP_REDIRECT]
        assert len(entity.idp.single_logout) == 3
        assert entity.idp.name_id_formats == HM_NAME_ID_FORMATS
        assert entity.assurance_certifications == ("urn:etoegang:core:assurance-class:loa4",)
        assert entity.sp is not None
        assert entity.sp.acs_by_index(None).location == f"{base}/broker/acs/1.13"
    elif role == "ad":
        assert [e.binding for e in entity.idp.single_logout] == [
            Binding.HTTP_ARTIFACT, Binding.HTTP_REDIRECT]
        assert entity.sp is None
    else:
        assert entity.idp.single_logout == ()
        assert entity.idp.name_id_formats == ()
        assert entity.sp is None


def test_each_interface_version_gets_its_own_hm_endpoint_urls(
    rings: dict[str, KeyRing], md_clock: FixedClock, trust: MetadataTrust
) -> None:
    base = make_input("hm", rings["hm"])
    inp = HmInput(**{f: getattr(base, f) for f in ("entity_id", "base_url", "keys",
                                                  "organisation", "contacts")},
                  interface_versions=("1.13", "1.12"))
    (entity,) = load_metadata(generate(inp, md_clock, SequentialIdSource()), trust, md_clock)
    assert entity.idp is not None
    urls = {e.location for e in entity.idp.single_sign_on}
    assert urls == {"https://hm.makelaar.example/broker/sso/1.13",
                    "https://hm.makelaar.example/broker/sso/1.12"}
    assert [e.index for e in entity.idp.artifact_resolution] == [0, 1]


def test_network_aggregate_is_signed_once_and_yields_every_entity(
    rings: dict[str, KeyRing], md_clock: FixedClock, trust: MetadataTrust
) -> None:
    ids = SequentialIdSource()
    entities = [build_entity(make_input(r, rings[r]), md_clock, ids) for r in ("hm", "ad", "mr")]
    aggregate = build_aggregate(entities, name=aggregate_name(42, production=False),
                                clock=md_clock, ids=ids, cache_duration=timedelta(hours=1))
    data = to_bytes(sign_metadata(aggregate, rings["hm"].signing))
    assert aggregate.get("Name") == "urn:etoegang:1.13:T:42"
    loaded = load_metadata(data, trust, md_clock)
    assert [e.entity_id for e in loaded] == [make_input(r, rings[r]).entity_id
                                             for r in ("hm", "ad", "mr")]
    # The aggregate's shorter cacheDuration and earlier validUntil win.
    assert all(e.cache_duration == timedelta(hours=1) for e in loaded)
    assert all(e.valid_until == md_clock.now() + timedelta(days=7) for e in loaded)


def test_generated_hm_metadata_matches_golden_file_after_exclusive_c14n() -> None:
    inp = make_input("hm", fixture_ring())
    element = build_entity(inp, FixedClock(FIXTURE_INSTANT), SequentialIdSource())
    sign_metadata(element, inp.keys.signing)
    got = etree.tostring(element, method="c14n", exclusive=True)
    golden = Path(__file__).resolve().parents[1] / "data" / "metadata" / "hm-golden.xml"
    if os.environ.get("MAKELAAR_UPDATE_GOLDEN") == "1":
        golden.write_bytes(got)
    expected = parse_xml(golden.read_bytes(), DOCUMENT_LIMITS)
    assert etree.tostring(expected, method="c14n", exclusive=True) == got
    assert expected.find(qname(MD, "IDPSSODescriptor")) is not None
