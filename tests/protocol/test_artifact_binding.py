"""Type 0x0004 artifacts, issuing and one-time resolution (spec §4.1; SAML bindings 3.6)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from lxml import etree

from etoegang.bindings import artifact as a
from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.crypto.xmldsig import sign
from etoegang.errors import ArtifactError
from etoegang.messages.artifact import ArtifactResolve
from etoegang.messages.artifact import build_artifact_resolve
from etoegang.messages.artifact import parse_artifact_resolve
from etoegang.messages.artifact import parse_artifact_response
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing
from tests.conftest import GOLDEN_INSTANT

SIGNICAT_HM = "urn:etoegang:HM:00000003244440010000:entities:9713"
#: SHA-1 of SIGNICAT_HM's UTF-8 bytes, computed once with another tool (sha1sum).
SIGNICAT_HM_SOURCE_ID = bytes.fromhex("ea993c9d4fd8ffd0b4b43ea7ed7ff8c6a1ace936")
HM = "urn:etoegang:HM:00000003520354760000:entities:9632"
DV = "urn:etoegang:DV:0000000398765432100000:entities:9009"
AD = "urn:etoegang:AD:00000001234567890000:entities:9113"


def fixed_rng(n: int) -> bytes:
    return bytes(range(1, n + 1))


def test_source_id_is_sha1_of_the_entity_id() -> None:
    assert a.source_id_for(SIGNICAT_HM) == SIGNICAT_HM_SOURCE_ID


def test_encode_lays_out_type_index_source_and_handle() -> None:
    artifact = a.new_artifact(SIGNICAT_HM, 1, fixed_rng)
    raw = base64.b64decode(artifact.encode())
    assert len(raw) == 44
    assert raw[:4] == b"\x00\x04\x00\x01"
    assert raw[4:24] == SIGNICAT_HM_SOURCE_ID
    assert raw[24:] == bytes(range(1, 21))
    assert a.decode(artifact.encode()) == artifact


def test_new_artifacts_use_fresh_random_handles() -> None:
    handles = {a.new_artifact(HM, 0).message_handle for _ in range(50)}
    assert len(handles) == 50 and all(len(h) == 20 for h in handles)


def _raw(type_code: int = 4, length: int = 44) -> str:
    body = type_code.to_bytes(2, "big") + b"\x00\x00" + b"\x11" * 40
    return base64.b64encode(
        body[:length] if length <= 44 else body + b"\x00" * (length - 44)
    ).decode()


@pytest.mark.parametrize(
    "text",
    [
        _raw(length=43),
        _raw(length=45),
        _raw(type_code=1),
        _raw(type_code=0x0104),
        "",
        "not base64!",
        _raw()[:-2] + "?=",
        "é" * 60,
        "A" * 200,
        _raw().rstrip("="),
    ],
    ids=[
        "short",
        "long",
        "type-1",
        "type-0x0104",
        "empty",
        "garbage",
        "bad-char",
        "non-ascii",
        "too-long",
        "no-padding",
    ],
)
def test_malformed_artifacts_are_refused(text: str) -> None:
    with pytest.raises(ArtifactError):
        a.decode(text)


def test_peer_for_source_id_picks_the_issuer_and_refuses_strangers() -> None:
    artifact = a.new_artifact(AD, 2, fixed_rng)
    assert a.peer_for_source_id(artifact, [HM, AD, DV]) == AD
    with pytest.raises(ArtifactError):
        a.peer_for_source_id(artifact, [HM, DV])


# --- issuing and resolving ----------------------------------------------------------------------


@pytest.fixture()
def signed_message(rings: dict[str, KeyRing]) -> etree._Element:
    message = parse_xml(
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        b'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" '
        b'IssueInstant="2026-11-01T12:00:00Z"><saml:Issuer>' + HM.encode() + b"</saml:Issuer>"
        b'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        b"</samlp:Status></samlp:Response>"
    )
    sign(message, rings["hm"].signing)
    return message


def _resolve_request(artifact: str, issuer: str, clock: FixedClock) -> ArtifactResolve:
    ids = SequentialIdSource("_resolve-")
    element = build_artifact_resolve(
        issuer=issuer, destination="https://hm/ars", artifact=artifact, clock=clock, ids=ids
    )
    return parse_artifact_resolve(element)


def _setup(clock: FixedClock) -> tuple[a.ArtifactIssuer, a.ArtifactResolver]:
    store = a.InMemoryOneTimeStore(clock)
    issuer = a.ArtifactIssuer(HM, store, ttl_seconds=60)
    resolver = a.ArtifactResolver(HM, store, clock, SequentialIdSource("_ar-"))
    return issuer, resolver


def test_issued_artifact_resolves_once_for_its_recipient(
    clock: FixedClock, signed_message: etree._Element
) -> None:
    issuer, resolver = _setup(clock)
    artifact = issuer.issue(signed_message, recipient=DV).encode()
    first = resolver.resolve(_resolve_request(artifact, DV, clock))
    assert first.outcome is a.ResolutionOutcome.RESOLVED
    parsed = parse_artifact_response(first.response)
    assert parsed.in_response_to == "_resolve-0001" and parsed.issuer == HM
    carried = parsed.require_message()
    assert etree.tostring(carried, method="c14n", exclusive=True) == etree.tostring(
        signed_message, method="c14n", exclusive=True
    )
    second = resolver.resolve(_resolve_request(artifact, DV, clock))
    assert second.outcome is a.ResolutionOutcome.UNKNOWN
    again = parse_artifact_response(second.response)
    assert again.status.is_success and again.message is None


def test_wrong_requester_gets_nothing_and_the_recipient_still_resolves_once(
    clock: FixedClock, signed_message: etree._Element
) -> None:
    issuer, resolver = _setup(clock)
    artifact = issuer.issue(signed_message, recipient=DV).encode()
    wrong = resolver.resolve(_resolve_request(artifact, AD, clock))
    assert wrong.outcome is a.ResolutionOutcome.UNKNOWN
    assert parse_artifact_response(wrong.response).message is None
    rightful = resolver.resolve(_resolve_request(artifact, DV, clock))
    assert rightful.outcome is a.ResolutionOutcome.RESOLVED
    late = resolver.resolve(_resolve_request(artifact, DV, clock))
    assert late.outcome is a.ResolutionOutcome.UNKNOWN


def test_foreign_malformed_and_expired_artifacts_yield_no_message(
    clock: FixedClock, signed_message: etree._Element
) -> None:
    issuer, resolver = _setup(clock)
    foreign = a.new_artifact(AD, 0).encode()
    outcomes = [
        resolver.resolve(_resolve_request(foreign, DV, clock)).outcome,
        resolver.resolve(_resolve_request("AAQA", DV, clock)).outcome,
    ]
    artifact = issuer.issue(signed_message, recipient=DV).encode()
    clock.move_to(GOLDEN_INSTANT + timedelta(seconds=61))
    resolution = resolver.resolve(_resolve_request(artifact, DV, clock))
    outcomes.append(resolution.outcome)
    assert outcomes == [
        a.ResolutionOutcome.NOT_OURS,
        a.ResolutionOutcome.MALFORMED,
        a.ResolutionOutcome.UNKNOWN,
    ]
    parsed = parse_artifact_response(resolution.response)
    assert parsed.status.is_success and parsed.message is None


def test_unsigned_messages_are_not_issued(clock: FixedClock) -> None:
    issuer, _ = _setup(clock)
    with pytest.raises(ValueError):
        issuer.issue(etree.Element("{urn:oasis:names:tc:SAML:2.0:protocol}Response"), recipient=DV)
