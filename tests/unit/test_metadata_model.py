"""Lookups on the metadata model and the EntityID/ServiceID formats (spec §1, §5.1)."""

from __future__ import annotations

import pytest

from etoegang.errors import MalformedIdentifier
from etoegang.errors import MetadataMalformed
from etoegang.errors import UnknownEndpoint
from metadata.identifiers import NetworkRole
from metadata.identifiers import entity_id
from metadata.identifiers import parse_entity_id
from metadata.identifiers import parse_service_id
from metadata.identifiers import service_id
from metadata.model import AttributeConsumingService
from metadata.model import Binding
from metadata.model import Endpoint
from metadata.model import RequestedAttribute
from metadata.model import RoleKeys
from metadata.model import SpRole

SID = "urn:etoegang:DV:00000001234567890000:services:"


def _service(index: int, default: bool | None, first: str) -> AttributeConsumingService:
    return AttributeConsumingService(index, default, (), (), (RequestedAttribute(first),))


def _sp(*services: AttributeConsumingService, acs: tuple[Endpoint, ...] = ()) -> SpRole:
    return SpRole(RoleKeys(), True, True, acs, attribute_consuming_services=services)


def test_default_service_is_the_one_marked_default_else_the_first_unmarked() -> None:
    sp = _sp(_service(1, False, SID + "1"), _service(2, True, SID + "2"))
    assert sp.service_id_for(None) == SID + "2"
    sp = _sp(_service(1, False, SID + "1"), _service(3, None, SID + "3"))
    assert sp.service_id_for(None) == SID + "3"
    assert sp.service_id_for(1) == SID + "1"
    with pytest.raises(UnknownEndpoint):
        sp.service_id_for(9)


def test_service_without_a_serviceid_first_is_refused() -> None:
    sp = _sp(_service(1, True, "urn:etoegang:1.9:EntityConcernedID:KvKnr"))
    with pytest.raises(MalformedIdentifier):
        sp.service_id_for(1)


def test_acs_lookup_by_index_and_by_exact_url_and_binding() -> None:
    artifact = Endpoint(Binding.HTTP_ARTIFACT, "https://dv/acs", 1, True)
    post = Endpoint(Binding.HTTP_POST, "https://dv/acs-post", 2, False)
    sp = _sp(acs=(post, artifact))
    assert sp.acs_by_index(None) is artifact
    assert sp.acs_by_index(2) is post
    assert sp.acs_by_url("https://dv/acs", Binding.HTTP_ARTIFACT) is artifact
    with pytest.raises(UnknownEndpoint):
        sp.acs_by_url("https://dv/acs", Binding.HTTP_POST)
    with pytest.raises(UnknownEndpoint):
        sp.acs_by_url("https://dv/acs/")
    with pytest.raises(UnknownEndpoint):
        sp.acs_by_index(5)


def test_unknown_binding_is_refused_by_the_enum() -> None:
    with pytest.raises(MetadataMalformed):
        Binding("urn:oasis:names:tc:SAML:2.0:bindings:PAOS")


def test_entity_and_service_ids_parse_and_format() -> None:
    parsed = parse_entity_id("urn:etoegang:HM:00000003520354760000:entities:9632")
    assert (parsed.role, parsed.oin, parsed.index, parsed.is_test_system) == (
        NetworkRole.HM, "00000003520354760000", 9632, True)
    assert entity_id(NetworkRole.DV, "00000001234567890000", 1) == (
        "urn:etoegang:DV:00000001234567890000:entities:1")
    # Leading zeros in a ServiceID index are ignored when comparing (spec §1).
    assert parse_service_id(SID + "0009052").index == 9052
    assert service_id("00000001234567890000", 4) == SID + "4"


@pytest.mark.parametrize("value", [
    "urn:etoegang:DV:1234:entities:1", "urn:etoegang:XX:00000001234567890000:entities:1",
    "urn:etoegang:DV:00000001234567890000:entities:10000", "https://dv.example.nl",
])
def test_malformed_entity_ids_are_refused(value: str) -> None:
    with pytest.raises(MalformedIdentifier):
        parse_entity_id(value)


@pytest.mark.parametrize("value", [SID + "0", SID + "x", "urn:etoegang:DV:123:services:1"])
def test_malformed_service_ids_are_refused(value: str) -> None:
    with pytest.raises(MalformedIdentifier):
        parse_service_id(value)


def test_pick_text_prefers_the_language_then_dutch_then_english() -> None:
    from metadata.model import LocalizedText
    from metadata.model import pick_text

    both = (LocalizedText("en", "Permit"), LocalizedText("nl", "Vergunning"))
    assert pick_text(both, "en") == "Permit"
    assert pick_text(both, "de") == "Vergunning"
    assert pick_text((LocalizedText("en", "Permit"),), "nl") == "Permit"
    assert pick_text((LocalizedText("fr", "Permis"),), "nl") == "Permis"
    assert pick_text((), "nl") == ""
