"""ArtifactResolve and ArtifactResponse messages (spec §4.1, §4.8; SAML core 3.5).

Golden files in tests/data/saml/artifact/ are compared after exclusive C14N; regenerate them
with MAKELAAR_UPDATE_GOLDEN=1 after an intended change.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest
from lxml import etree

from etoegang.clock import FixedClock
from etoegang.clock import SequentialIdSource
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import ArtifactMessageError
from etoegang.errors import MessageError
from etoegang.messages import artifact as m
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.messages.status import parse_status
from etoegang.xml.ns import SAMLP
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing

DATA = Path(__file__).resolve().parent.parent / "data" / "saml" / "artifact"
HM = "urn:etoegang:HM:00000003520354760000:entities:9632"
DV = "urn:etoegang:DV:0000000398765432100000:entities:9009"
ARTIFACT = "AAQAAOqTnE/Y/9C0tD6n7X/4xqGs6TYBAgMEBQYHCAkKCwwNDg8QERITFBU="


def c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


def assert_golden(element: etree._Element, name: str) -> None:
    path = DATA / name
    if os.environ.get("MAKELAAR_UPDATE_GOLDEN") == "1":
        path.write_bytes(etree.tostring(element) + b"\n")
    expected = parse_xml(path.read_bytes())
    assert c14n(element) == c14n(expected), f"{name} differs; MAKELAAR_UPDATE_GOLDEN=1 rewrites it"


def inner_response() -> etree._Element:
    return parse_xml((DATA / "inner_response_cancel.xml").read_bytes())


def response_with(
    message: etree._Element | None, clock: FixedClock, ids: SequentialIdSource
) -> etree._Element:
    return m.build_artifact_response(
        issuer=HM, in_response_to="_resolve-1", message=message, clock=clock, ids=ids
    )


def test_artifact_resolve_matches_golden_and_round_trips(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    built = m.build_artifact_resolve(
        issuer=DV, destination="https://hm.example.nl/ars", artifact=ARTIFACT, clock=clock, ids=ids
    )
    assert_golden(built, "artifact_resolve.xml")
    parsed = m.parse_artifact_resolve(parse_xml(etree.tostring(built)))
    assert (parsed.id, parsed.issuer, parsed.artifact) == ("_id-0001", DV, ARTIFACT)
    assert parsed.destination == "https://hm.example.nl/ars"
    assert parsed.issue_instant == clock.now()


def test_artifact_response_with_response_matches_golden(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    assert_golden(response_with(inner_response(), clock, ids), "artifact_response_response.xml")


def test_artifact_response_top_status_is_success_and_error_stays_inside(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    parsed = m.parse_artifact_response(
        parse_xml(etree.tostring(response_with(inner_response(), clock, ids)))
    )
    assert parsed.status.top is StatusCode.SUCCESS
    assert parsed.in_response_to == "_resolve-1" and parsed.issuer == HM
    carried = parsed.require_message()
    assert c14n(carried) == c14n(inner_response())
    inner_status = parse_status(carried.find(f"{{{SAMLP}}}Status"), "Response")  # type: ignore[arg-type]
    assert inner_status.top is StatusCode.RESPONDER
    assert inner_status.second is SubStatusCode.AUTHN_FAILED


def test_builder_has_no_way_to_set_another_top_status() -> None:
    assert "status" not in inspect.signature(m.build_artifact_response).parameters


def test_response_without_message_is_success_but_require_message_fails(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    parsed = m.parse_artifact_response(response_with(None, clock, ids))
    assert parsed.status.is_success and parsed.message is None
    with pytest.raises(ArtifactMessageError):
        parsed.require_message()


def test_non_success_top_status_from_a_peer_is_reported(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    data = etree.tostring(response_with(None, clock, ids)).replace(b":Success", b":Responder")
    parsed = m.parse_artifact_response(parse_xml(data))
    with pytest.raises(ArtifactMessageError):
        parsed.require_message()


def test_builder_refuses_to_carry_a_non_protocol_element(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    assertion = etree.Element("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    with pytest.raises(ValueError):
        response_with(assertion, clock, ids)


def test_real_signicat_artifact_response_parses() -> None:
    root = parse_xml((DATA / "signicat_artifactresponse_2023_decrypted.xml").read_bytes())
    parsed = m.parse_artifact_response(root)
    assert parsed.id == "_219efecacf869301bd82c1f9dd144523"
    assert parsed.in_response_to == "_d1ae8c932c62aa57471d9ca3b967789d225cdd9b"
    assert parsed.issuer == "urn:etoegang:HM:00000003244440010000:entities:9713"
    assert parsed.status.is_success
    assert parsed.require_message().get("ID") == "_3e6519c92c9b4c529706de01b9afa604"


def test_real_signicat_response_is_carried_unchanged_with_nested_prefixes(
    clock: FixedClock, ids: SequentialIdSource
) -> None:
    # The Signicat Response nests a saml: AD assertion inside saml2: elements; lxml's move
    # would rename it, graft must not.
    root = parse_xml((DATA / "signicat_artifactresponse_2023_decrypted.xml").read_bytes())
    original = m.parse_artifact_response(root).require_message()
    carried = m.parse_artifact_response(response_with(original, clock, ids)).require_message()
    for prefixes in ((), ("xacml-saml", "xs", "xsd")):
        expected = etree.tostring(
            original, method="c14n", exclusive=True, inclusive_ns_prefixes=list(prefixes) or None
        )
        actual = etree.tostring(
            carried, method="c14n", exclusive=True, inclusive_ns_prefixes=list(prefixes) or None
        )
        assert actual == expected
    ad = carried.find(".//{urn:oasis:names:tc:SAML:2.0:assertion}Advice")[0]  # type: ignore[index]
    assert ad.prefix == "saml"


def test_signed_inner_response_verifies_inside_signed_artifact_response(
    clock: FixedClock, ids: SequentialIdSource, rings: dict[str, KeyRing]
) -> None:
    inner = inner_response()
    sign(inner, rings["hm"].signing)
    outer = response_with(inner, clock, ids)
    sign(outer, rings["hm"].signing)
    received = parse_xml(etree.tostring(outer))
    policy = VerifyPolicy(trusted=(rings["hm"].signing.as_peer(),))
    verify(received, policy)
    verify(m.parse_artifact_response(received).require_message(), policy)


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (
            lambda d: d.replace(
                b"<samlp:Status><samlp:StatusCode "
                b'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>',
                b"",
            ),
            MessageError,
        ),
        (
            lambda d: d.replace(
                b"</samlp:ArtifactResponse>", b"<samlp:LogoutRequest/></samlp:ArtifactResponse>"
            ),
            ArtifactMessageError,
        ),
        (
            lambda d: d.replace(
                b"</samlp:ArtifactResponse>", b"<x:Other xmlns:x='urn:x'/></samlp:ArtifactResponse>"
            ),
            ArtifactMessageError,
        ),
        (lambda d: d.replace(b' InResponseTo="_resolve-1"', b""), MessageError),
        (lambda d: d.replace(b'Version="2.0"', b'Version="3.0"', 1), MessageError),
    ],
    ids=["no-status", "two-messages", "foreign-element", "no-in-response-to", "version"],
)
def test_artifact_response_refusals(
    clock: FixedClock, ids: SequentialIdSource, mutate: object, error: type[Exception]
) -> None:
    data = etree.tostring(response_with(inner_response(), clock, ids))
    mutated = mutate(data)  # type: ignore[operator]
    assert mutated != data
    with pytest.raises(error):
        m.parse_artifact_response(parse_xml(mutated))


def test_artifact_resolve_refusals(clock: FixedClock, ids: SequentialIdSource) -> None:
    built = etree.tostring(
        m.build_artifact_resolve(
            issuer=DV,
            destination="https://hm.example.nl/ars",
            artifact=ARTIFACT,
            clock=clock,
            ids=ids,
        )
    )
    for bad in (
        built.replace(b"<samlp:Artifact>" + ARTIFACT.encode() + b"</samlp:Artifact>", b""),
        built.replace(ARTIFACT.encode(), b""),
        built.replace(
            b"</samlp:ArtifactResolve>",
            b"<samlp:Artifact>x</samlp:Artifact></samlp:ArtifactResolve>",
        ),
        built.replace(
            ARTIFACT.encode(), ARTIFACT.encode()[:10] + b"<!---->" + ARTIFACT.encode()[10:]
        ),
    ):
        with pytest.raises(MessageError):
            m.parse_artifact_resolve(parse_xml(bad))
    with pytest.raises(MessageError):
        m.parse_artifact_resolve(response_with(None, clock, ids))


def test_graft_refuses_mismatched_placeholders() -> None:
    root = etree.Element("{urn:x}root")
    m.placeholder(root)
    with pytest.raises(ValueError):
        m.graft(root, [])
