"""Genuine seed messages for the fuzz suites, made once per module by the honest fakes of the
broker harness: a DV AuthnRequest (POST and Redirect), the AD's Response, the SOAP envelope
with the AD's signed ArtifactResponse, metadata and the catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from broker.settings import BrokerSettings
from etoegang.bindings.redirect import encode_redirect
from etoegang.state import InMemoryStateStore
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.ring import KeyRing
from makelaar.network import Network
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.broker.conftest import make_harness
from tests.broker.conftest import network as network  # fixture re-exported
from tests.broker.conftest import settings as settings  # fixture re-exported


@dataclass(frozen=True, repr=False)
class Seeds:
    harness: Harness
    authn_request: bytes
    ad_response: bytes
    soap_envelope: bytes
    redirect_query: bytes
    metadata: bytes
    catalogue: bytes

    def __repr__(self) -> str:
        return "Seeds(...)"

    @property
    def artifact_response(self) -> bytes:
        return serialize(parse_xml(self.soap_envelope)[-1][0])


@pytest.fixture(scope="module")
def seeds(
    network: Network, settings: BrokerSettings, rings: dict[str, KeyRing]  # noqa: F811
) -> Seeds:
    harness = make_harness(network, settings, rings, InMemoryStateStore)
    request = harness.dv.request()
    location = encode_redirect(
        "http://hm.test/broker/sso/1.13", harness.dv.request(), kind="SAMLRequest",
        relay_state="r1", key=rings["dv"].signing,
    )
    assert harness.post_request(harness.dv.request()).status_code == 302
    ad_request, relay = harness.ad.receive(harness.choose().headers["Location"])
    uuid = next(str(e[0].text) for e in ad_request.other_extensions
                if e.get("Name") == "urn:etoegang:core:ServiceUUID")
    url = harness.ad.answer(ad_request, relay, service_uuid=uuid)
    routes = harness.dv.transport._routes  # type: ignore[attr-defined]  # noqa: SLF001
    honest = routes[f"{IDP_URL}/ad/"]
    bodies: list[bytes] = []

    def record(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = b"".join(honest(environ, start_response))
        bodies.append(body)
        return [body]

    routes[f"{IDP_URL}/ad/"] = record
    try:
        assert harness.follow(url).status_code == 302
    finally:
        routes[f"{IDP_URL}/ad/"] = honest
    envelope = bodies[0]
    ad_response = serialize(parse_xml(envelope)[-1][0][-1])
    return Seeds(
        harness=harness,
        authn_request=serialize(request),
        ad_response=ad_response,
        soap_envelope=envelope,
        redirect_query=location.split("?", 1)[1].encode(),
        metadata=network.metadata_file("hm").read_bytes(),
        catalogue=network.catalogue_file.read_bytes(),
    )
