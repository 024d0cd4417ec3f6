"""The committed DV metadata fixtures (tests/data/metadata/dv-good.xml, dv-bad.xml), made from
the test-only keys in tests/data/keys/metadata with a fixed clock and fixed IDs.

The tests here show that the committed files are exactly what the generator makes; set
MAKELAAR_UPDATE_GOLDEN=1 to rewrite them after an intended change.
"""

from __future__ import annotations

import os
from datetime import UTC
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import qname
from keys.ring import KeyPair
from keys.ring import KeyRing
from metadata.build import build_dv
from metadata.build import generate
from metadata.build import sign_metadata
from metadata.build import to_bytes
from metadata.inputs import DvInput
from metadata.inputs import DvService
from metadata.model import Contact
from metadata.model import ContactType
from metadata.model import LocalizedText
from metadata.model import Organisation
from metadata.model import RequestedAttribute

TESTS = Path(__file__).resolve().parents[1]
KEYS = TESTS / "data" / "keys" / "metadata"
DATA = TESTS / "data" / "metadata"
FIXTURE_INSTANT = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
FAR_FUTURE = datetime(2099, 1, 1, tzinfo=UTC)
DV_OIN = "00000001234567890000"


def _pair(stem: str) -> KeyPair:
    # Read directly: a git checkout does not keep the 0600 mode that keys.ring insists on.
    key = serialization.load_pem_private_key((KEYS / f"{stem}.key").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((KEYS / f"{stem}.crt").read_bytes())
    assert not isinstance(key, str)
    return KeyPair(key, cert)  # type: ignore[arg-type]


def fixture_ring() -> KeyRing:
    return KeyRing(signing=_pair("dv-signing"), encryption=_pair("dv-encryption"))


def fixture_ca() -> x509.Certificate:
    return x509.load_pem_x509_certificate((KEYS / "test-ca.crt").read_bytes())


def dv_input(ring: KeyRing) -> DvInput:
    return DvInput(
        entity_id=f"urn:etoegang:DV:{DV_OIN}:entities:9001",
        base_url="https://dv.example.nl",
        keys=ring,
        organisation=Organisation.single("Gemeente Voorbeeld", "Gemeente Voorbeeld",
                                         "https://www.voorbeeld.nl/"),
        contacts=(Contact(ContactType.ADMINISTRATIVE, company="Gemeente Voorbeeld",
                          emails=("eherkenning@voorbeeld.nl",), phones=("+31 20 000 0000",)),),
        valid_until=FAR_FUTURE,
        oin=DV_OIN,
        services=(
            DvService(1, (LocalizedText("nl", "Vergunning aanvragen"),
                          LocalizedText("en", "Apply for a permit")),
                      (LocalizedText("nl", "Aanvraag namens een onderneming"),),
                      is_default=True),
            DvService(2, (LocalizedText("nl", "Subsidie aanvragen"),),
                      extra_attributes=(RequestedAttribute(
                          "urn:etoegang:1.11:attribute-represented:CompanyName", False),)),
        ),
    )


def dv_good_bytes() -> bytes:
    return generate(dv_input(fixture_ring()), FixedClock(FIXTURE_INSTANT), SequentialIdSource())


def _md(parent: etree._Element, local: str) -> etree._Element:
    found = parent.find(qname(MD, local))
    assert found is not None
    return found


def dv_bad_bytes() -> bytes:
    """Signed, so MD01 passes, but breaking MD02-MD12 once each (MD06 and MD02 on one
    KeyDescriptor with a 1024-bit certificate and a SHA-1 digest)."""
    root = build_dv(dv_input(fixture_ring()), FixedClock(FIXTURE_INSTANT), SequentialIdSource())
    root.set("entityID", "urn:etoegang:DV:1234:entities:1")
    sp = _md(root, "SPSSODescriptor")
    sp.set("AuthnRequestsSigned", "false")
    del sp.attrib["WantAssertionsSigned"]
    signing = _md(sp, "KeyDescriptor")
    info = signing.find(qname(DS, "KeyInfo"))
    assert info is not None
    info.remove(info[0])  # the KeyName
    weak = etree.Element(qname(MD, "KeyDescriptor"), use="encryption")
    weak_info = etree.SubElement(weak, qname(DS, "KeyInfo"))
    etree.SubElement(weak_info, qname(DS, "KeyName")).text = "weak"
    pem = (KEYS / "weak-1024.crt").read_text().splitlines()
    etree.SubElement(etree.SubElement(weak_info, qname(DS, "X509Data")),
                     qname(DS, "X509Certificate")).text = "".join(pem[1:-1])
    method = etree.SubElement(weak, qname(MD, "EncryptionMethod"),
                              Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p")
    etree.SubElement(method, qname(DS, "DigestMethod"),
                     Algorithm="http://www.w3.org/2000/09/xmldsig#sha1")
    sp.insert(sp.index(sp.findall(qname(MD, "KeyDescriptor"))[-1]) + 1, weak)
    slo = _md(sp, "SingleLogoutService")
    name_id = etree.Element(qname(MD, "NameIDFormat"))
    name_id.text = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    sp.insert(sp.index(slo) + 1, name_id)
    _md(sp, "AssertionConsumerService").set("Binding",
                                            "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    first, second = sp.findall(qname(MD, "AttributeConsumingService"))
    second.set("isDefault", "true")
    second.findall(qname(MD, "RequestedAttribute"))[0].set(
        "Name", f"urn:etoegang:DV:{DV_OIN}:services:7")
    etree.SubElement(first, qname(MD, "RequestedAttribute"),
                     Name="urn:etoegang:1.9:EntityConcernedID:KvKnr", isRequired="true")
    etree.indent(root, space="  ")
    return to_bytes(sign_metadata(root, fixture_ring().signing))


def _check_golden(path: Path, data: bytes) -> None:
    if os.environ.get("MAKELAAR_UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.read_bytes() == data, f"{path.name} is stale; MAKELAAR_UPDATE_GOLDEN=1 rewrites it"


def test_dv_good_fixture_is_what_the_generator_makes() -> None:
    _check_golden(DATA / "dv-good.xml", dv_good_bytes())


def test_dv_bad_fixture_is_what_the_fixture_builder_makes() -> None:
    _check_golden(DATA / "dv-bad.xml", dv_bad_bytes())
