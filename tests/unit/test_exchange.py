"""Artifact resolution between two registered peers, through the exchange layer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.bindings.artifact import ArtifactResolver
from etoegang.clock import FixedClock
from etoegang.clock import RandomIdSource
from etoegang.crypto.xmldsig import sign
from etoegang.errors import ArtifactError
from etoegang.errors import ReplayError
from etoegang.errors import SignatureError
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.replay import ReplayGuard
from etoegang.exchange.stores import StateOneTimeStore
from etoegang.exchange.transport import HttpAnswer
from etoegang.state.memory import InMemoryStateStore
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import build_network
from metadata.directory import RegistryDirectory
from metadata.loading import load_registry
from metadata.loading import trust_from_files


@dataclass
class DirectTransport:
    """Hands the SOAP request straight to the peer's ArtifactService."""

    service: ArtifactService
    calls: int = 0

    def post(self, url: str, body: bytes, content_type: str) -> HttpAnswer:
        self.calls += 1
        answer = self.service.handle(body, content_type)
        return HttpAnswer(answer.status, answer.content_type, answer.body)


def _message(issuer: str, clock: FixedClock) -> etree._Element:
    root = etree.Element(f"{{{SAMLP}}}LogoutRequest", nsmap={"samlp": SAMLP, "saml": SAML})
    root.set("ID", RandomIdSource().new_id())
    root.set("Version", "2.0")
    root.set("IssueInstant", "2026-11-01T12:00:00Z")
    etree.SubElement(root, f"{{{SAML}}}Issuer").text = issuer
    etree.SubElement(root, f"{{{SAML}}}NameID").text = "someone"
    return root


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, dev_ca: DevCa,
            rings: dict[str, KeyRing]) -> Path:
    directory = tmp_path_factory.mktemp("network")
    build_network(directory, rings=rings, ca=dev_ca)
    return directory


def _peers(network: Path, clock: FixedClock, rings: dict[str, KeyRing]):  # type: ignore[no-untyped-def]
    trust = trust_from_files([network / "keys" / "ca.crt"])
    registry = load_registry(sorted((network / "metadata").glob("*.xml")), trust, clock)
    directory = RegistryDirectory(registry)
    store = StateOneTimeStore(InMemoryStateStore(clock))
    hm = LocalEntity(HM_ENTITY, rings["hm"], directory.artifact_resolution_url(HM_ENTITY))
    ad = LocalEntity(AD_ENTITY, rings["ad"], directory.artifact_resolution_url(AD_ENTITY))
    service = ArtifactService(ad, directory, ArtifactResolver(AD_ENTITY, store, clock,
                                                              RandomIdSource()))
    issuer = ArtifactIssuer(AD_ENTITY, store)
    transport = DirectTransport(service)
    client = ArtifactClient(hm, directory, transport, clock, RandomIdSource())
    return issuer, client, transport


def test_artifact_resolves_once_between_registered_peers(network: Path,
                                                         rings: dict[str, KeyRing]) -> None:
    clock = FixedClock(__import__("datetime").datetime.now(__import__("datetime").UTC))
    issuer, client, transport = _peers(network, clock, rings)
    message = _message(AD_ENTITY, clock)
    sign(message, rings["ad"].signing)
    artifact = issuer.issue(message, recipient=HM_ENTITY).encode()
    resolved = client.resolve(artifact, expected_issuer=AD_ENTITY)
    assert resolved.issuer == AD_ENTITY
    assert resolved.element.get("ID") == message.get("ID")
    assert resolved.own_signature is not None
    with pytest.raises(ArtifactError):
        client.resolve(artifact)
    assert transport.calls == 2


def test_message_signed_by_wrong_key_is_refused(network: Path, rings: dict[str, KeyRing]) -> None:
    clock = FixedClock(__import__("datetime").datetime.now(__import__("datetime").UTC))
    issuer, client, _ = _peers(network, clock, rings)
    message = _message(AD_ENTITY, clock)
    sign(message, rings["mr"].signing)  # the AD's message, signed with the MR's valid key
    artifact = issuer.issue(message, recipient=HM_ENTITY).encode()
    with pytest.raises(SignatureError):
        client.resolve(artifact)


def test_replay_guard_accepts_an_id_once() -> None:
    from datetime import UTC
    from datetime import datetime

    clock = FixedClock(datetime(2026, 11, 1, tzinfo=UTC))
    guard = ReplayGuard(InMemoryStateStore(clock), clock)
    guard.first_use("urn:a", "_1")
    guard.first_use("urn:b", "_1")
    with pytest.raises(ReplayError):
        guard.first_use("urn:a", "_1")


def test_stale_artifact_resolve_is_refused_and_consumes_nothing(
    network: Path, rings: dict[str, KeyRing]
) -> None:
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta

    now = datetime.now(UTC).replace(microsecond=0)
    server_clock = FixedClock(now)
    issuer, client, transport = _peers(network, server_clock, rings)
    message = _message(AD_ENTITY, server_clock)
    sign(message, rings["ad"].signing)
    artifact = issuer.issue(message, recipient=HM_ENTITY).encode()
    # the HM's clock is ten minutes behind: its ArtifactResolve looks recorded long ago
    late = ArtifactClient(client.me, client.directory, transport,
                          FixedClock(now - timedelta(minutes=10)), RandomIdSource())
    with pytest.raises(Exception, match="artifact resolution failed"):
        late.resolve(artifact)
    assert client.resolve(artifact).issuer == AD_ENTITY
