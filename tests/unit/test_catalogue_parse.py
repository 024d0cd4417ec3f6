"""Parsing a service catalogue: round trip, signature trust, shape errors and the ServiceView."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.errors import CatalogueError
from etoegang.errors import CatalogueMalformed
from etoegang.errors import CatalogueServiceUnknown
from etoegang.errors import CatalogueSignatureInvalid
from etoegang.xml.ns import ESC
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing
from metadata.catalogue import SUBDOSSIER_NR
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceRestriction
from metadata.catalogue import ServiceView
from metadata.catalogue import parse_catalogue
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_build import sign_catalogue
from policies.loa import Loa
from tests.unit.test_catalogue_common import DV_OIN
from tests.unit.test_catalogue_common import GOOD
from tests.unit.test_catalogue_common import INSTANT
from tests.unit.test_catalogue_common import good_catalogue
from tests.unit.test_catalogue_common import good_xml
from tests.unit.test_catalogue_common import service_certificate
from tests.unit.test_catalogue_common import signing_pair

CLOCK = FixedClock(INSTANT)
NS = {"esc": ESC}


def _trust() -> tuple:  # type: ignore[type-arg]
    return (signing_pair().as_peer(),)


def test_build_sign_parse_round_trip_equals_the_model() -> None:
    model = good_catalogue()
    root = sign_catalogue(build_catalogue(model), signing_pair())
    parsed = parse_catalogue(etree.tostring(root), trust=_trust(), clock=CLOCK)
    assert parsed == model


def test_committed_good_catalogue_parses_with_its_signer_trusted() -> None:
    parsed = parse_catalogue(GOOD.read_bytes(), trust=_trust(), clock=CLOCK)
    assert parsed == good_catalogue()
    assert parsed.providers[0].instances[0].service_certificate == service_certificate()


def test_tampered_value_breaks_the_signature() -> None:
    data = good_xml().replace(b"loa2plus", b"loa2")
    with pytest.raises(CatalogueSignatureInvalid):
        parse_catalogue(data, trust=_trust(), clock=CLOCK)


def test_tampered_signature_value_is_refused() -> None:
    root = parse_xml(good_xml())
    value = root.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureValue")
    assert value is not None and value.text
    value.text = ("A" if value.text[0] != "A" else "B") + value.text[1:]
    with pytest.raises(CatalogueSignatureInvalid):
        parse_catalogue(etree.tostring(root), trust=_trust(), clock=CLOCK)


def test_signature_by_an_untrusted_signer_is_refused(rings: dict[str, KeyRing]) -> None:
    with pytest.raises(CatalogueSignatureInvalid):
        parse_catalogue(good_xml(), trust=(rings["hm"].signing.as_peer(),), clock=CLOCK)


def test_unsigned_catalogue_is_refused_when_trust_is_given() -> None:
    data = etree.tostring(build_catalogue(good_catalogue()))
    with pytest.raises(CatalogueSignatureInvalid):
        parse_catalogue(data, trust=_trust(), clock=CLOCK)
    assert parse_catalogue(data, trust=None, clock=CLOCK) == good_catalogue()


def test_values_come_from_the_signed_root_only() -> None:
    # A second, unsigned ServiceCatalogue wrapped around the signed one must not be read.
    signed = parse_xml(good_xml())
    wrapper = etree.Element(f"{{{ESC}}}ServiceCatalogue", nsmap={"esc": ESC})
    wrapper.append(signed)
    with pytest.raises(CatalogueSignatureInvalid):
        parse_catalogue(etree.tostring(wrapper), trust=_trust(), clock=CLOCK)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"loa2plus", b"loa9"),
        (b"<esc:ServiceProviderID>00000001234567890000", b"<esc:ServiceProviderID>123"),
        (b'esc:IsPublic="true"', b'esc:IsPublic="yes"'),
        (b"esc:IssueInstant=", b"esc:Other="),
        (b"<esc:SSOSupport>false", b"<esc:SSOSupport>maybe"),
    ],
    ids=["bad-loa", "bad-oin", "bad-boolean", "no-issue-instant", "bad-sso"],
)
def test_malformed_catalogue_raises_catalogue_malformed(old: bytes, new: bytes) -> None:
    data = etree.tostring(build_catalogue(good_catalogue())).replace(old, new, 1)
    with pytest.raises(CatalogueMalformed):
        parse_catalogue(data, trust=None, clock=CLOCK)


def test_not_xml_and_wrong_root_are_catalogue_errors() -> None:
    with pytest.raises(CatalogueError):
        parse_catalogue(b"<a><b></a>", trust=None, clock=CLOCK)
    with pytest.raises(CatalogueMalformed):
        parse_catalogue(b"<a/>", trust=None, clock=CLOCK)


def test_issue_instant_far_in_the_future_is_refused() -> None:
    data = etree.tostring(build_catalogue(good_catalogue()))
    earlier = FixedClock(INSTANT - timedelta(hours=1))
    with pytest.raises(CatalogueMalformed, match="future"):
        parse_catalogue(data, trust=None, clock=earlier)


def test_service_view_by_service_id_ignores_leading_zeros() -> None:
    catalogue = good_catalogue()
    view = ServiceView.by_service_id(catalogue, f"urn:etoegang:DV:{DV_OIN}:services:0001")
    assert view.service_id == f"urn:etoegang:DV:{DV_OIN}:services:1"
    assert view.loa is Loa.EH2PLUS
    assert [s.types for s in view.ecta_sets] == [
        (IdentifierType.KVKNR.value, IdentifierType.RSIN.value), (IdentifierType.KVKNR.value,),
    ]
    assert view.allows_vestigingsnr
    assert view.encryption_certificate == service_certificate()
    assert view.display_names[0].text == "Gemeente Voorbeeld"
    assert view.requested_attributes[0].is_required
    assert not view.sso_support and not view.is_portal


def test_service_view_by_instance_uuid_and_classifiers() -> None:
    catalogue = good_catalogue()
    instance = catalogue.providers[0].instances[2]
    view = ServiceView.by_service_uuid(catalogue, instance.uuid.upper())
    assert view.service_id.endswith(":services:3")
    assert view.classifiers == ("eIDAS-inbound",)
    assert view.definition_uuid == instance.instance_of
    assert len(ServiceView.all(catalogue)) == 3


@pytest.mark.parametrize(
    "service_id",
    [f"urn:etoegang:DV:{DV_OIN}:services:9", "urn:etoegang:DV:1:services:1", "nonsense"],
)
def test_unknown_service_raises(service_id: str) -> None:
    with pytest.raises(CatalogueServiceUnknown):
        ServiceView.by_service_id(good_catalogue(), service_id)


def test_vocabularies_refuse_unknown_values() -> None:
    with pytest.raises(CatalogueMalformed, match="SubdossierNr"):
        ServiceRestriction(SUBDOSSIER_NR)
    with pytest.raises(CatalogueMalformed):
        IdentifierType("urn:etoegang:1.9:EntityConcernedID:Unknown")
    assert IdentifierType.BSN.needs_bsnk and not IdentifierType.KVKNR.needs_bsnk


def test_sets_without_set_number_are_one_type_each() -> None:
    root = build_catalogue(good_catalogue())
    for element in root.iterfind(".//esc:EntityConcernedTypesAllowed", NS):
        del element.attrib["setNumber"]
    parsed = parse_catalogue(etree.tostring(root), trust=None, clock=CLOCK)
    sets = parsed.providers[0].definitions[0].ecta_sets
    assert [(s.set_number, len(s.types)) for s in sets] == [(None, 1), (None, 1), (None, 1)]
