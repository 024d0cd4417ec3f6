"""A scheduled key rollover in SAML metadata: the next key's activation instant is published
as an entity attribute, read back into the peer's model, accepted by the lint and the trusted
import, and decides which of a peer's certificates is used when."""

from __future__ import annotations

import base64
import logging
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import MDATTR
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from keys.devpki import DevCa
from keys.ring import KeyRing
from keys.ring import PeerCertificate
from metadata.build import build_entity
from metadata.build import generate
from metadata.lint import lint_dv_metadata
from metadata.model import ASSURANCE_CERTIFICATION
from metadata.model import KEY_ACTIVATION
from metadata.model import KeyActivation
from metadata.model import KeyUse
from metadata.model import active_certificate
from metadata.parse import parse_entity
from metadata.registry import MetadataRegistry
from metadata.trust import MetadataTrust
from metadata.trust import load_metadata
from tests.unit.test_metadata_roundtrip import make_input

T = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
BEFORE = FixedClock(T - timedelta(hours=1))
AFTER = FixedClock(T + timedelta(hours=1))
_ATTRIBUTE = "/".join(
    (qname(MD, "Extensions"), qname(MDATTR, "EntityAttributes"), qname(SAML, "Attribute"))
)


@pytest.fixture()
def trust(dev_ca: DevCa) -> MetadataTrust:
    return MetadataTrust(authorities=(dev_ca.certificate,))


def scheduled(ring: KeyRing, *, signing: datetime | None = T,
              encryption: datetime | None = None) -> KeyRing:
    return replace(ring, signing_next_activation=signing, encryption_next_activation=encryption)


def attributes(data: bytes) -> dict[str, list[str]]:
    root = parse_xml(data, DOCUMENT_LIMITS)
    return {
        element.get("Name", ""): [v.text or "" for v in element]
        for element in root.iterfind(_ATTRIBUTE)
    }


def signer_der(data: bytes) -> bytes:
    """The certificate in the document signature's KeyInfo."""
    root = parse_xml(data, DOCUMENT_LIMITS)
    path = "/".join(qname(DS, n) for n in ("Signature", "KeyInfo", "X509Data",
                                            "X509Certificate"))
    element = root.find(path)
    assert element is not None
    return base64.b64decode("".join((element.text or "").split()))


def test_hm_metadata_publishes_the_activation_next_to_the_assurance_and_reads_it_back(
    rings: dict[str, KeyRing], trust: MetadataTrust
) -> None:
    ring = scheduled(rings["hm"], encryption=T + timedelta(days=1))
    assert ring.signing_next is not None and ring.encryption_next is not None
    data = generate(make_input("hm", ring), BEFORE, SequentialIdSource())
    published = attributes(data)
    assert published[KEY_ACTIVATION] == [
        f"signing {ring.signing_next.key_name} 2026-11-02T09:30:00Z",
        f"encryption {ring.encryption_next.key_name} 2026-11-03T09:30:00Z",
    ]
    assert published[ASSURANCE_CERTIFICATION] == ["urn:etoegang:core:assurance-class:loa4"]

    # A DV imports the HM metadata through the trusted import and learns the schedule.
    (entity,) = load_metadata(data, trust, BEFORE)
    assert entity.key_activations == (
        KeyActivation(KeyUse.SIGNING, ring.signing_next.key_name, T),
        KeyActivation(KeyUse.ENCRYPTION, ring.encryption_next.key_name, T + timedelta(days=1)),
    )
    # Both signing keys are trusted all along; the schedule says which one to expect when.
    assert {c.key_name for c in entity.signing_certificates()} == {
        ring.signing.key_name, ring.signing_next.key_name}
    assert entity.expected_signing_certificate(T - timedelta(seconds=1)).key_name == \
        ring.signing.key_name
    assert entity.expected_signing_certificate(T).key_name == ring.signing_next.key_name
    assert entity.encryption_certificate(T).key_name == ring.encryption.key_name
    assert entity.encryption_certificate(T + timedelta(days=1)).key_name == \
        ring.encryption_next.key_name


def test_metadata_built_after_the_instant_lists_the_new_key_first_and_signs_with_it(
    rings: dict[str, KeyRing], trust: MetadataTrust
) -> None:
    ring = scheduled(rings["hm"])
    assert ring.signing_next is not None
    before = generate(make_input("hm", ring), BEFORE, SequentialIdSource())
    after = generate(make_input("hm", ring), AFTER, SequentialIdSource())
    (old_entity,) = load_metadata(before, trust, BEFORE)
    (new_entity,) = load_metadata(after, trust, AFTER)
    assert [c.key_name for c in old_entity.signing_certificates()] == [
        ring.signing.key_name, ring.signing_next.key_name]
    assert [c.key_name for c in new_entity.signing_certificates()] == [
        ring.signing_next.key_name, ring.signing.key_name]
    assert KEY_ACTIVATION not in attributes(after)
    assert new_entity.key_activations == ()
    # Without any attribute a peer takes the first listed: the new key.
    assert new_entity.expected_signing_certificate(AFTER.now()).key_name == \
        ring.signing_next.key_name
    # The document itself is signed with the key in use when it was made.
    assert signer_der(before) == ring.signing.as_peer().der
    assert signer_der(after) == ring.signing_next.as_peer().der


def test_dv_metadata_with_a_scheduled_rollover_has_no_extensions_and_passes_the_lint(
    rings: dict[str, KeyRing],
) -> None:
    """Spec 5.1: DV metadata holds only what its table lists, during a rollover too; the
    next certificates are there as KeyDescriptors, without an activation attribute."""
    ring = scheduled(rings["dv"], encryption=T)
    assert ring.encryption_next is not None and ring.signing_next is not None
    data = generate(make_input("dv", ring), BEFORE, SequentialIdSource())
    root = parse_xml(data, DOCUMENT_LIMITS)
    assert root.find(qname(MD, "Extensions")) is None
    published = data.decode()
    for pair in (ring.signing, ring.signing_next, ring.encryption, ring.encryption_next):
        assert pair.key_name in published
    assert lint_dv_metadata(data, BEFORE) == []


def test_dv_metadata_without_a_schedule_has_no_extensions(rings: dict[str, KeyRing]) -> None:
    data = generate(make_input("dv", rings["dv"]), BEFORE, SequentialIdSource())
    root = parse_xml(data, DOCUMENT_LIMITS)
    assert root.find(qname(MD, "Extensions")) is None


def test_the_encryption_certificate_chosen_for_a_peer_follows_its_announced_activation(
    rings: dict[str, KeyRing], trust: MetadataTrust
) -> None:
    ring = scheduled(rings["mr"], signing=None, encryption=T)
    assert ring.encryption_next is not None
    data = generate(make_input("mr", ring), BEFORE, SequentialIdSource())
    registry = MetadataRegistry(load_metadata(data, trust, BEFORE))
    (entity_id,) = tuple(registry)
    assert registry.encryption_certificate(entity_id, T - timedelta(seconds=1)).key_name == \
        ring.encryption.key_name
    assert registry.encryption_certificate(entity_id, T).key_name == \
        ring.encryption_next.key_name


def _entity_with_value(ring: KeyRing, value: str) -> etree._Element:
    element = build_entity(make_input("hm", scheduled(ring)), BEFORE, SequentialIdSource())
    (attribute,) = [a for a in element.iterfind(_ATTRIBUTE) if a.get("Name") == KEY_ACTIVATION]
    attribute[0].text = value
    return element


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("signing 2026-11-02T09:30:00Z", "<use> <KeyName> <instant>"),
        ("signing {name} tomorrow", "not an xs:dateTime"),
        ("signing {other} 2026-11-02T09:30:00Z", "does not publish"),
        ("encryption {name} 2026-11-02T09:30:00Z", "does not publish"),
        ("tls {name} 2026-11-02T09:30:00Z", "signing or encryption"),
    ],
    ids=["two-parts", "bad-instant", "unknown-key", "wrong-use", "unknown-use"],
)
def test_a_broken_activation_value_is_ignored_with_the_reason(
    rings: dict[str, KeyRing], value: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The announcement is advice: a bad one is logged and left out, and the entity (and so
    a whole network aggregate) still loads, with its keys as published."""
    ring = rings["hm"]
    assert ring.signing_next is not None
    text = value.format(name=ring.signing_next.key_name, other=rings["dv"].signing.key_name)
    with caplog.at_level(logging.WARNING, logger="metadata.parse"):
        entity = parse_entity(_entity_with_value(ring, text))
    assert entity.key_activations == ()
    assert [c.key_name for c in entity.signing_certificates()][:2] == [
        ring.signing.key_name, ring.signing_next.key_name]
    (record,) = [r for r in caplog.records if "key-activation value" in r.getMessage()]
    assert message in record.getMessage()


def test_the_active_certificate_rule(rings: dict[str, KeyRing]) -> None:
    a, b, c = (rings[r].signing.as_peer() for r in ("hm", "ad", "mr"))
    certs: tuple[PeerCertificate, ...] = (a, b, c)
    use = KeyUse.SIGNING
    # No schedule: the first listed.
    assert active_certificate(certs, (), use, T) is a
    # A future activation is not used yet; once come, it wins over the unscheduled ones.
    plan = (KeyActivation(use, b.key_name, T),)
    assert active_certificate(certs, plan, use, T - timedelta(seconds=1)) is a
    assert active_certificate(certs, plan, use, T) is b
    # Of two past activations the later one has replaced the earlier one.
    two = (*plan, KeyActivation(use, c.key_name, T + timedelta(days=1)))
    assert active_certificate(certs, two, use, T + timedelta(days=2)) is c
    # An activation for the other use changes nothing here.
    assert active_certificate(certs, (KeyActivation(KeyUse.ENCRYPTION, b.key_name, T),), use,
                              T) is a
    # Every certificate still to come: the first listed, rather than none.
    everything = tuple(KeyActivation(use, x.key_name, T) for x in certs)
    assert active_certificate(certs, everything, use, T - timedelta(days=1)) is a
