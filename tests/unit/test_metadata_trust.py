"""Metadata import refuses what it must: unsigned, tampered, expired, untrusted (spec §5, §4.3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.errors import MalformedIdentifier
from etoegang.errors import MetadataError
from etoegang.errors import MetadataExpired
from etoegang.errors import MetadataMalformed
from etoegang.errors import MetadataMissingKeys
from etoegang.errors import MetadataSignatureInvalid
from etoegang.errors import MetadataSignatureMissing
from etoegang.errors import MetadataUntrustedSigner
from etoegang.errors import UnknownEntity
from etoegang.xml.ns import MD
from etoegang.xml.ns import qname
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from keys.devpki import DevCa
from keys.ring import KeyRing
from metadata.build import build_aggregate
from metadata.build import build_entity
from metadata.build import generate
from metadata.build import sign_metadata
from metadata.build import to_bytes
from metadata.duration import format_duration
from metadata.duration import parse_duration
from metadata.inputs import DvInput
from metadata.model import Binding
from metadata.registry import MetadataRegistry
from metadata.trust import MetadataTrust
from metadata.trust import load_metadata
from tests.unit.test_metadata_fixtures import DATA
from tests.unit.test_metadata_fixtures import FIXTURE_INSTANT
from tests.unit.test_metadata_fixtures import fixture_ca
from tests.unit.test_metadata_roundtrip import make_input

IWELCOME = Path("/work/shared/spec/examples/hm-metadata-iwelcome-preprod.xml")


@pytest.fixture()
def md_clock(rings: dict[str, KeyRing]) -> FixedClock:
    return FixedClock(rings["dv"].signing.certificate.not_valid_before_utc + timedelta(hours=1))


@pytest.fixture()
def trust(dev_ca: DevCa) -> MetadataTrust:
    return MetadataTrust(authorities=(dev_ca.certificate,))


@pytest.fixture()
def dv_data(rings: dict[str, KeyRing], md_clock: FixedClock) -> bytes:
    return generate(make_input("dv", rings["dv"]), md_clock, SequentialIdSource())


def test_unsigned_metadata_is_refused(
    rings: dict[str, KeyRing], md_clock: FixedClock, trust: MetadataTrust
) -> None:
    element = build_entity(make_input("dv", rings["dv"]), md_clock, SequentialIdSource())
    with pytest.raises(MetadataSignatureMissing):
        load_metadata(to_bytes(element), trust, md_clock)


def test_tampered_metadata_is_refused(
    dv_data: bytes, md_clock: FixedClock, trust: MetadataTrust
) -> None:
    tampered = dv_data.replace(b"https://dv.makelaar.example/saml/acs",
                               b"https://evil.example/saml/acs")
    assert tampered != dv_data
    with pytest.raises(MetadataSignatureInvalid):
        load_metadata(tampered, trust, md_clock)


def test_metadata_past_its_valid_until_is_refused(
    dv_data: bytes, md_clock: FixedClock, trust: MetadataTrust
) -> None:
    later = FixedClock(md_clock.now() + timedelta(days=28, seconds=1))
    with pytest.raises(MetadataExpired):
        load_metadata(dv_data, trust, later)
    # One second earlier it is still accepted.
    load_metadata(dv_data, trust, FixedClock(md_clock.now() + timedelta(days=27)))


def test_metadata_signed_under_an_untrusted_ca_is_refused(
    dv_data: bytes, md_clock: FixedClock
) -> None:
    other = MetadataTrust(authorities=(fixture_ca(),))
    with pytest.raises(MetadataUntrustedSigner):
        load_metadata(dv_data, other, md_clock)
    with pytest.raises(MetadataUntrustedSigner):
        load_metadata(dv_data, MetadataTrust(), md_clock)


def test_a_pinned_signer_is_accepted_without_a_ca_but_only_while_valid(
    dv_data: bytes, rings: dict[str, KeyRing], md_clock: FixedClock
) -> None:
    pinned = MetadataTrust(pinned=(rings["dv"].signing.as_peer(),))
    (entity,) = load_metadata(dv_data, pinned, md_clock)
    assert entity.sp is not None
    expired = FixedClock(rings["dv"].signing.not_after + timedelta(days=1))
    with pytest.raises(MetadataUntrustedSigner):
        load_metadata(dv_data, pinned, expired)


def test_signer_certificate_expired_under_a_trusted_ca_is_refused(
    rings: dict[str, KeyRing], md_clock: FixedClock, trust: MetadataTrust
) -> None:
    inp = make_input("dv", rings["dv"])
    after = rings["dv"].signing.not_after + timedelta(days=1)
    data = generate(inp, FixedClock(after), SequentialIdSource())
    with pytest.raises(MetadataUntrustedSigner):
        load_metadata(data, trust, FixedClock(after))


def test_signed_entity_wrapped_in_an_unsigned_aggregate_is_refused(
    dv_data: bytes, md_clock: FixedClock, trust: MetadataTrust
) -> None:
    signed = parse_xml(dv_data, DOCUMENT_LIMITS)
    wrapper = build_aggregate([signed], name="x", clock=md_clock, ids=SequentialIdSource("_w"))
    with pytest.raises(MetadataSignatureMissing):
        load_metadata(to_bytes(wrapper), trust, md_clock)


def test_malformed_etoegang_entity_id_is_refused_only_when_strict(
    rings: dict[str, KeyRing], md_clock: FixedClock, trust: MetadataTrust
) -> None:
    base = make_input("dv", rings["dv"])
    assert isinstance(base, DvInput)
    inp = DvInput(entity_id="urn:etoegang:DV:123:entities:1", base_url=base.base_url,
                  keys=base.keys, organisation=base.organisation, contacts=base.contacts,
                  oin=base.oin, services=base.services)
    data = generate(inp, md_clock, SequentialIdSource())
    with pytest.raises(MalformedIdentifier):
        load_metadata(data, trust, md_clock)
    lenient = MetadataTrust(authorities=trust.authorities, strict_entity_ids=False)
    assert load_metadata(data, lenient, md_clock)[0].entity_id == inp.entity_id


def test_role_without_keys_is_refused(
    rings: dict[str, KeyRing], md_clock: FixedClock, trust: MetadataTrust
) -> None:
    element = build_entity(make_input("dv", rings["dv"]), md_clock, SequentialIdSource())
    sp = element.find(qname(MD, "SPSSODescriptor"))
    assert sp is not None
    for descriptor in sp.findall(qname(MD, "KeyDescriptor")):
        sp.remove(descriptor)
    data = to_bytes(sign_metadata(element, rings["dv"].signing))
    with pytest.raises(MetadataMissingKeys):
        load_metadata(data, trust, md_clock)


@pytest.mark.parametrize("data", [b"<md:EntityDescriptor", b"<!DOCTYPE x><x/>", b"<other/>"],
                         ids=["truncated", "doctype", "wrong-root"])
def test_broken_documents_are_refused_as_metadata_errors(
    data: bytes, md_clock: FixedClock, trust: MetadataTrust
) -> None:
    with pytest.raises(MetadataMalformed):
        load_metadata(data, trust, md_clock)


def test_refresh_after_is_cache_duration_but_never_after_valid_until(
    dv_data: bytes, md_clock: FixedClock, trust: MetadataTrust
) -> None:
    (entity,) = load_metadata(dv_data, trust, md_clock)
    assert entity.cache_duration == timedelta(hours=6)
    assert entity.refresh_after == md_clock.now() + timedelta(hours=6)
    near_end = FixedClock(md_clock.now() + timedelta(days=28) - timedelta(hours=1))
    (late,) = load_metadata(dv_data, trust, near_end)
    assert late.refresh_after == late.valid_until


@pytest.mark.parametrize(("text", "expected"), [
    ("P7D", timedelta(days=7)), ("PT6H", timedelta(hours=6)),
    ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)), ("PT0.5S", timedelta(seconds=0.5)),
])
def test_cache_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["7D", "P", "PT", "-P1D", "P1H"])
def test_malformed_cache_durations_are_refused(text: str) -> None:
    with pytest.raises(MetadataMalformed):
        parse_duration(text)


def test_durations_format_round_trip() -> None:
    for value in (timedelta(days=7), timedelta(hours=6), timedelta(days=1, minutes=30)):
        assert parse_duration(format_duration(value)) == value


def test_iwelcome_hm_metadata_parses_with_signature_check_off() -> None:
    data = IWELCOME.read_bytes()
    clock = FixedClock(FIXTURE_INSTANT)
    with pytest.raises(MetadataUntrustedSigner):  # its signature names only a KeyName
        load_metadata(data, MetadataTrust(authorities=(fixture_ca(),)), clock)
    (entity,) = load_metadata(data, MetadataTrust(skip_signature_check=True), clock)
    assert entity.entity_id == "urn:etoegang:HM:00000003520354760000:entities:9632"
    assert entity.interface_version == "1.13"
    assert entity.cache_duration == timedelta(days=7)
    assert entity.assurance_certifications == ("urn:etoegang:core:assurance-class:loa4",)
    assert entity.idp is not None and entity.sp is not None
    assert entity.idp.name_id_formats == (
        "urn:etoegang:1.9:EntityConcernedID:KvKnr",
        "urn:etoegang:1.9:EntityConcernedID:Pseudo",
        "urn:etoegang:1.9:EntityConcernedID:RSIN",
        "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier",
        "urn:etoegang:1.12:EntityConcernedID:BSN",
        "urn:etoegang:1.12:EntityConcernedID:PseudoID",
    )
    sso = "https://eh01.staging.iwelcome.nl/broker/sso/1.13"
    assert [(e.binding, e.location) for e in entity.idp.single_sign_on] == [
        (Binding.HTTP_ARTIFACT, sso), (Binding.HTTP_POST, sso), (Binding.HTTP_REDIRECT, sso)]
    assert [e.index for e in entity.idp.artifact_resolution] == [1, 0]
    assert len(entity.idp.single_logout) == 3
    assert entity.sp.acs_by_index(None).index == 1
    assert entity.sp.acs_by_index(3).binding is Binding.HTTP_POST
    (signing,) = entity.idp.keys.signing
    assert signing.matches("e6e04e0a22bbc8a036a8a243abc9655e92907f73a4ba5a2ad28485ec3f4c82d1")
    assert entity.organisation is not None
    assert entity.organisation.display_name("en") == "iWelcome Broker 1.13 (Pre-production)"
    assert entity.contacts[0].emails == ("eherkenning@iwelcome.com",)


def test_registry_adds_replaces_and_finds_certificates(
    dv_data: bytes, md_clock: FixedClock, trust: MetadataTrust, rings: dict[str, KeyRing]
) -> None:
    (entity,) = load_metadata(dv_data, trust, md_clock)
    registry = MetadataRegistry([entity])
    assert entity.entity_id in registry and len(registry) == 1
    with pytest.raises(MetadataError):
        registry.add(entity)
    registry.replace(entity)
    assert registry.get(entity.entity_id) is entity
    assert rings["dv"].signing.as_peer() in registry.signing_certificates(entity.entity_id)
    assert rings["dv"].encryption.as_peer() in registry.encryption_certificates(entity.entity_id)
    with pytest.raises(UnknownEntity):
        registry.get("urn:etoegang:DV:00000000000000000000:entities:1")
    registry.remove(entity.entity_id)
    assert list(registry) == []


def test_committed_good_dv_fixture_loads_under_its_test_ca() -> None:
    data = (DATA / "dv-good.xml").read_bytes()
    (entity,) = load_metadata(data, MetadataTrust(authorities=(fixture_ca(),)),
                              FixedClock(FIXTURE_INSTANT))
    assert entity.sp is not None
    assert [s.index for s in entity.sp.attribute_consuming_services] == [1, 2]
    assert entity.sp.default_attribute_consuming_service().name("en") == "Apply for a permit"
    assert etree.QName(parse_xml(data, DOCUMENT_LIMITS)).localname == "EntityDescriptor"
