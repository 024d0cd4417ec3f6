"""The broker test harness: a development network on disk (once per session), a broker app per
test with a fixed clock, and fake DV, AD, MR and MR2 peers talking to it in process."""

from __future__ import annotations

import base64
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from broker.app import create_app
from broker.context import BrokerContext
from broker.settings import BrokerSettings
from broker.settings import load_settings
from etoegang.clock import FixedClock
from etoegang.exchange.transport import WsgiTransport
from etoegang.state import InMemoryStateStore
from etoegang.state import StateStore
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import DEMO_SERVICES
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import MR2_ENTITY
from makelaar.network import MR_ENTITY
from makelaar.network import Network
from makelaar.network import build_network
from metadata.directory import RegistryDirectory
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from tests.broker.fakes import FakeAd
from tests.broker.fakes import FakeDv
from tests.broker.fakes import FakeMr

HM_URL = "http://hm.test"
IDP_URL = "http://idp.test"
DV_URL = "http://dv.test"
SSO = f"{HM_URL}/broker/sso/1.13"
ACS = f"{HM_URL}/broker/acs/1.13"
DV_ACS = f"{DV_URL}/saml/acs"
SERVICE_EH2PLUS, SERVICE_EH3, SERVICE_EH4 = DEMO_SERVICES


@pytest.fixture(scope="session")
def network(
    tmp_path_factory: pytest.TempPathFactory, dev_ca: DevCa, rings: dict[str, KeyRing]
) -> Network:
    return build_network(
        tmp_path_factory.mktemp("broker-net"),
        urls={"broker": HM_URL, "idp": IDP_URL, "dv": DV_URL},
        rings=rings,
        ca=dev_ca,
    )


@pytest.fixture(scope="session")
def settings(network: Network) -> BrokerSettings:
    return load_settings(network.settings_file("broker"))


@dataclass
class Harness:
    app: Flask
    client: FlaskClient
    clock: FixedClock
    state: StateStore
    dv: FakeDv
    ad: FakeAd
    mr: FakeMr
    mr2: FakeMr
    hm_certs: Any

    @property
    def context(self) -> BrokerContext:
        context: BrokerContext = self.app.extensions["broker"]
        return context

    # --- browser steps -------------------------------------------------------------------

    def post_request(self, element: Any, relay: str | None = None) -> Any:
        from etoegang.xml.parser import serialize

        data = {"SAMLRequest": base64.b64encode(serialize(element)).decode()}
        if relay is not None:
            data["RelayState"] = relay
        return self.client.post("/broker/sso/1.13", data=data)

    def choose(self, ad: str = AD_ENTITY, *, remember: bool = False, cancel: bool = False) -> Any:
        page = self.client.get("/broker/discovery")
        assert page.status_code == 200, page.get_data(as_text=True)
        text = page.get_data(as_text=True)
        token = text.split('name="csrf_token" value="')[1].split('"')[0]
        data = {"csrf_token": token, "ad": ad, "action": "cancel" if cancel else "choose"}
        if remember:
            data["remember"] = "1"
        return self.client.post("/broker/discovery", data=data)

    def follow(self, url: str) -> Any:
        """A browser GET of a broker URL taken from a peer's redirect."""
        assert url.startswith(HM_URL), url
        return self.client.get(url[len(HM_URL):])

    def ad_leg(self, redirect: Any, **answer: Any) -> Any:
        assert redirect.status_code == 302, redirect.get_data(as_text=True)
        request, relay = self.ad.receive(redirect.headers["Location"])
        answer.setdefault("service_uuid", _uuid_of(request))
        return self.follow(self.ad.answer(request, relay, **answer))

    def mr_leg(self, redirect: Any, peer: FakeMr | None = None, **answer: Any) -> Any:
        assert redirect.status_code == 302, redirect.get_data(as_text=True)
        mr = peer or self.mr
        query, relay = mr.receive(redirect.headers["Location"])
        return self.follow(mr.answer(query, relay, **answer))

    def login(self, element: Any = None, relay: str | None = None, **ad: Any) -> Any:
        """A whole login by POST: request, discovery, AD, MR; the redirect to the DV."""
        started = self.post_request(element if element is not None else self.dv.request(), relay)
        assert started.status_code == 302, started.get_data(as_text=True)
        after_ad = self.ad_leg(self.choose(), **ad)
        return self.mr_leg(after_ad)


def _uuid_of(request: Any) -> str:
    for extension in request.other_extensions:
        if extension.get("Name") == "urn:etoegang:core:ServiceUUID":
            return str(extension[0].text)
    raise AssertionError("no ServiceUUID in the AD request")


def make_harness(
    network: Network,
    settings: BrokerSettings,
    rings: dict[str, KeyRing],
    state_for: Callable[[FixedClock], StateStore],
) -> Harness:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    state = state_for(clock)
    routes: dict[str, Any] = {}
    transport = WsgiTransport(routes)
    app = create_app(settings, clock=clock, transport=transport, state=state)
    app.config["TESTING"] = True
    trust = trust_from_files([network.ca_file])
    files = [network.metadata_file(role) for role in ("hm", "ad", "mr", "mr2", "dv")]
    directory = RegistryDirectory(load_registry(files, trust, clock))
    common: dict[str, Any] = {
        "directory": directory, "clock": clock, "transport": transport, "hm_entity_id": HM_ENTITY
    }
    dv = FakeDv(DV_ENTITY, rings["dv"], ars_url=f"{DV_URL}/saml/ars", sso_url=SSO,
                acs_url=DV_ACS, **common)
    ad = FakeAd(AD_ENTITY, rings["ad"], ars_url=f"{IDP_URL}/ad/ars/1.13", acs_url=ACS,
                mr_entity_id=MR_ENTITY, mr_encryption=rings["mr"].encryption.as_peer(),
                dv_entity_id=DV_ENTITY, **common)
    mr = FakeMr(MR_ENTITY, rings["mr"], ars_url=f"{IDP_URL}/mr/ars/1.13", acs_url=ACS,
                dv_entity_id=DV_ENTITY, dv_encryption=rings["dv"].encryption.as_peer(), **common)
    mr2 = FakeMr(MR2_ENTITY, rings["mr2"], ars_url=f"{IDP_URL}/mr2/ars/1.13", acs_url=ACS,
                 dv_entity_id=DV_ENTITY, dv_encryption=rings["dv"].encryption.as_peer(), **common)
    routes.update(
        {
            f"{HM_URL}/": app.wsgi_app,
            f"{IDP_URL}/ad/": ad.wsgi,
            f"{IDP_URL}/mr/": mr.wsgi,
            f"{IDP_URL}/mr2/": mr2.wsgi,
            f"{DV_URL}/": dv.wsgi,
        }
    )
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "hm.test"
    hm_certs = tuple(pair.as_peer() for pair in rings["hm"].published_signing())
    return Harness(app, client, clock, state, dv, ad, mr, mr2, hm_certs)


@pytest.fixture()
def harness(
    network: Network, settings: BrokerSettings, rings: dict[str, KeyRing]
) -> Iterator[Harness]:
    yield make_harness(network, settings, rings, InMemoryStateStore)


__all__ = ["Harness", "Path", "make_harness"]
