"""Shared inputs of the service catalogue tests, and the check that the committed good.xml is
exactly what the generator makes from them (regenerate with MAKELAAR_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import os
from datetime import UTC
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from keys.ring import KeyPair
from keys.ring import PeerCertificate
from keys.ring import load_certificate
from metadata.catalogue import CatalogueRequestedAttribute
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import ServiceRestriction
from metadata.catalogue_build import DvServiceSpec
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_build import build_dv_entry
from metadata.catalogue_build import catalogue_of
from metadata.catalogue_build import sign_catalogue
from metadata.model import LocalizedText
from policies.loa import Loa

DATA = Path(__file__).resolve().parent.parent / "data" / "catalogue"
KEYS = DATA / "keys"
GOOD = DATA / "good.xml"
BAD = DATA / "bad.xml"
DV_OIN = "00000001234567890000"
HM_OIN = "00000003244440010000"
VERSION = "urn:etoegang:1.13:service-catalogue:T:1"
INSTANT = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


def signing_pair() -> KeyPair:
    # Loaded directly: git does not keep the 0600 mode that keys.ring.load_private_key wants.
    key = load_pem_private_key((KEYS / "signing.key").read_bytes(), password=None)
    assert not isinstance(key, bytes)
    return KeyPair(key, load_certificate(KEYS / "signing.crt"))  # type: ignore[arg-type]


def service_certificate() -> PeerCertificate:
    return PeerCertificate(load_certificate(KEYS / "service.crt"))


def _nl_en(nl: str, en: str) -> tuple[LocalizedText, ...]:
    return (LocalizedText("nl", nl), LocalizedText("en", en))


def specs() -> tuple[DvServiceSpec, ...]:
    """Three services of one DV: eH with KvK/RSIN, eH3 with BSN, eIDAS-inbound with Pseudo."""
    common = dict(
        oin=DV_OIN,
        organisation_names=_nl_en("Gemeente Voorbeeld", "Municipality of Example"),
        service_certificate=service_certificate(),
        herkenningsmakelaar_id=HM_OIN,
        service_urls=_nl_en("https://dv.example.nl/diensten", "https://dv.example.nl/en/services"),
        privacy_policy_urls=_nl_en("https://dv.example.nl/privacy", "https://dv.example.nl/en/privacy"),
    )
    return (
        DvServiceSpec(
            service_index=1,
            service_names=_nl_en("Vergunning aanvragen", "Apply for a permit"),
            service_descriptions=_nl_en("Een vergunning aanvragen", "Apply for a permit online"),
            loa=Loa.EH2PLUS,
            ecta_sets=((IdentifierType.KVKNR, IdentifierType.RSIN), (IdentifierType.KVKNR,)),
            restrictions=(ServiceRestriction.VESTIGINGSNR,),
            requested_attributes=(
                CatalogueRequestedAttribute(
                    "urn:etoegang:1.11:attribute-represented:CompanyName", True,
                    _nl_en("Om uw aanvraag te verwerken", "To handle your application"),
                ),
            ),
            **common,  # type: ignore[arg-type]
        ),
        DvServiceSpec(
            service_index=2,
            service_names=_nl_en("Belastingaangifte", "Tax return"),
            service_descriptions=_nl_en("Aangifte eenmanszaak", "Tax return, sole traders"),
            loa=Loa.EH3,
            ecta_sets=((IdentifierType.KVKNR, IdentifierType.BSN),),
            **common,  # type: ignore[arg-type]
        ),
        DvServiceSpec(
            service_index=3,
            service_names=_nl_en("Vergunning (eIDAS)", "Permit (eIDAS)"),
            service_descriptions=_nl_en("Voor Europese bedrijven", "For European companies"),
            loa=Loa.EH3,
            ecta_sets=((IdentifierType.PSEUDO,),),
            classifiers=("eIDAS-inbound",),
            **common,  # type: ignore[arg-type]
        ),
    )


def good_catalogue() -> ServiceCatalogue:
    return catalogue_of(
        [build_dv_entry(spec) for spec in specs()],
        version=VERSION,
        clock=FixedClock(INSTANT),
        ids=SequentialIdSource("_catalogue-"),
    )


def good_xml() -> bytes:
    root = build_catalogue(good_catalogue())
    etree.indent(root)  # before signing: the whitespace is signed content
    sign_catalogue(root, signing_pair())
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def test_committed_keys_are_test_only_and_valid_for_decades() -> None:
    pair = signing_pair()
    assert "test only" in pair.certificate.subject.rfc4514_string()
    assert pair.not_after.year >= 2100
    assert service_certificate().certificate.not_valid_after_utc.year >= 2100


def test_committed_good_catalogue_is_what_the_generator_makes() -> None:
    made = good_xml()
    if os.environ.get("MAKELAAR_UPDATE_GOLDEN") == "1":
        GOOD.write_bytes(made)
    assert GOOD.read_bytes() == made
