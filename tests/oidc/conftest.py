"""The OIDC test harness: the broker on a real socket (127.0.0.1, a free port) with registered
OIDC clients, the fake AD, MR and MR2 from tests/broker/fakes.py behind the broker's back
channel, and a ``requests`` browser that walks discovery, the AD and the MR."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from joserfc.jwk import RSAKey
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

from broker.app import create_app
from broker.oidc.clients import demo_registrations
from broker.oidc.clients import write_clients_file
from broker.settings import BrokerSettings
from broker.settings import load_settings
from etoegang.clock import FixedClock
from etoegang.exchange.transport import WsgiTransport
from etoegang.state import InMemoryStateStore
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
from policies.loa import Loa
from tests.broker.fakes import FakeAd
from tests.broker.fakes import FakeMr

IDP_URL = "http://idp.test"
#: The DV (relying party) base URL: loopback, never listened on; the browser hands its
#: redirects to the test instead.
DV_URL = "http://127.0.0.1:8803"
REDIRECT_URI = f"{DV_URL}/oidc/callback"
BACKCHANNEL_URI = f"{DV_URL}/oidc/backchannel-logout"
SERVICE_EH2PLUS, SERVICE_EH3, SERVICE_EH4 = DEMO_SERVICES


class Switch:
    """A WSGI app that forwards to whichever app the current test set."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert self.app is not None, "no app for this test"
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


@dataclass
class LiveServer:
    server: BaseWSGIServer
    switch: Switch

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture(scope="session")
def live() -> Iterator[LiveServer]:
    switch = Switch()
    server = make_server("127.0.0.1", 0, switch, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(server, switch)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def oidc_network(
    tmp_path_factory: pytest.TempPathFactory,
    dev_ca: DevCa,
    rings: dict[str, KeyRing],
    live: LiveServer,
) -> Network:
    network = build_network(
        tmp_path_factory.mktemp("oidc-net"),
        urls={"broker": live.url, "idp": IDP_URL, "dv": DV_URL},
        rings=rings,
        ca=dev_ca,
    )
    write_clients_file(
        network.directory / "oidc-clients.yaml",
        demo_registrations(
            dv_url=DV_URL,
            dv_entity_id=DV_ENTITY,
            service_ids=[s.service_id for s in DEMO_SERVICES],
            signing_keys=rings["dv"].published_signing(),
        ),
    )
    return network


@pytest.fixture(scope="session")
def oidc_settings(oidc_network: Network) -> BrokerSettings:
    settings = load_settings(oidc_network.settings_file("broker"))
    return replace(settings, oidc_clients=oidc_network.directory / "oidc-clients.yaml")


@dataclass
class Recorder:
    """The RP's back-channel logout endpoint: remembers every POST body."""

    bodies: list[bytes] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.bodies.append(environ["wsgi.input"].read(length))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _uuid_of(request: Any) -> str:
    for extension in request.other_extensions:
        if extension.get("Name") == "urn:etoegang:core:ServiceUUID":
            return str(extension[0].text)
    raise AssertionError("no ServiceUUID in the AD request")


@dataclass
class OidcHarness:
    live: LiveServer
    app: Flask
    clock: FixedClock
    state: InMemoryStateStore
    ad: FakeAd
    mr: FakeMr
    mr2: FakeMr
    routes: dict[str, Any]
    rings: dict[str, KeyRing]
    backchannel: Recorder
    browser: requests.Session = field(default_factory=requests.Session)
    #: The last AuthnRequest the fake AD received.
    last_ad_request: Any = None

    @property
    def issuer(self) -> str:
        return self.live.url + "/oidc"

    def discovery(self) -> dict[str, Any]:
        answer = requests.get(self.issuer + "/.well-known/openid-configuration", timeout=10)
        assert answer.status_code == 200
        data: dict[str, Any] = answer.json()
        return data

    def dv_key(self) -> RSAKey:
        pair = self.rings["dv"].signing
        return RSAKey.import_key(pair.private_pem(), {"kid": pair.key_name})

    def get(self, url: str) -> requests.Response:
        assert url.startswith(self.live.url), url
        return self.browser.get(url, allow_redirects=False, timeout=10)

    def start(self, authorize_url: str) -> requests.Response:
        return self.get(authorize_url)

    def choose(self) -> requests.Response:
        page = self.get(self.live.url + "/broker/discovery")
        assert page.status_code == 200, page.text[:500]
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        return self.browser.post(
            self.live.url + "/broker/discovery",
            data={"csrf_token": token, "ad": AD_ENTITY, "action": "choose"},
            allow_redirects=False,
            timeout=10,
        )

    def ad_and_mr(self, to_ad: requests.Response, *, loa: Loa = Loa.EH3,
                  mr_answer: dict[str, Any] | None = None) -> requests.Response:
        assert to_ad.status_code == 302, to_ad.text[:500]
        request, relay = self.ad.receive(to_ad.headers["Location"])
        self.last_ad_request = request
        to_mr = self.get(self.ad.answer(request, relay, loa=loa, service_uuid=_uuid_of(request)))
        if to_mr.status_code != 302 or "SAMLart" not in to_mr.headers["Location"]:
            return to_mr
        query, relay = self.mr.receive(to_mr.headers["Location"])
        return self.get(self.mr.answer(query, relay, **(mr_answer or {})))

    def login(self, authorize_url: str, **kwargs: Any) -> str:
        """A whole login from the authorization URL; the Location the browser is sent to."""
        started = self.start(authorize_url)
        assert started.status_code == 302, started.text[:500]
        # Discovery, unless the broker SSO session already names the AD (spec §9).
        to_ad = started
        if started.headers["Location"].endswith("/broker/discovery"):
            to_ad = self.choose()
        final = self.ad_and_mr(to_ad, **kwargs)
        assert final.status_code == 302, final.text[:500]
        location: str = final.headers["Location"]
        return location


def make_oidc_harness(
    live: LiveServer, settings: BrokerSettings, network: Network, rings: dict[str, KeyRing],
    extra_routes: Callable[[dict[str, Any]], None] | None = None,
) -> OidcHarness:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    state = InMemoryStateStore(clock)
    routes: dict[str, Any] = {}
    transport = WsgiTransport(routes)
    app = create_app(settings, clock=clock, transport=transport, state=state)
    app.config["TESTING"] = True
    trust = trust_from_files([network.ca_file])
    files = [network.metadata_file(role) for role in ("hm", "ad", "mr", "mr2", "dv")]
    directory = RegistryDirectory(load_registry(files, trust, clock))
    acs = f"{live.url}/broker/acs/1.13"
    common: dict[str, Any] = {
        "directory": directory, "clock": clock, "transport": transport, "hm_entity_id": HM_ENTITY
    }
    ad = FakeAd(AD_ENTITY, rings["ad"], ars_url=f"{IDP_URL}/ad/ars/1.13", acs_url=acs,
                mr_entity_id=MR_ENTITY, mr_encryption=rings["mr"].encryption.as_peer(),
                dv_entity_id=DV_ENTITY, **common)
    mr = FakeMr(MR_ENTITY, rings["mr"], ars_url=f"{IDP_URL}/mr/ars/1.13", acs_url=acs,
                dv_entity_id=DV_ENTITY, dv_encryption=rings["dv"].encryption.as_peer(), **common)
    mr2 = FakeMr(MR2_ENTITY, rings["mr2"], ars_url=f"{IDP_URL}/mr2/ars/1.13", acs_url=acs,
                 dv_entity_id=DV_ENTITY, dv_encryption=rings["dv"].encryption.as_peer(), **common)
    recorder = Recorder()
    routes.update(
        {
            f"{live.url}/": app.wsgi_app,
            f"{IDP_URL}/ad/": ad.wsgi,
            f"{IDP_URL}/mr/": mr.wsgi,
            f"{IDP_URL}/mr2/": mr2.wsgi,
            BACKCHANNEL_URI: recorder,
        }
    )
    if extra_routes is not None:
        extra_routes(routes)
    live.switch.app = app
    return OidcHarness(live, app, clock, state, ad, mr, mr2, routes, rings, recorder)


@pytest.fixture()
def oidc(
    live: LiveServer, oidc_settings: BrokerSettings, oidc_network: Network,
    rings: dict[str, KeyRing],
) -> OidcHarness:
    return make_oidc_harness(live, oidc_settings, oidc_network, rings)


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


__all__ = ["OidcHarness", "Path", "make_oidc_harness", "new_verifier", "query_of"]
