"""Fixtures for the DV adapter: a development network on disk, the DV's settings with Advice
verification switched on, a fake HM and a tiny Flask application using the adapter."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask import Response
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.test import TestResponse

import web
from etoegang.clock import FixedClock
from etoegang.state.memory import InMemoryStateStore
from etoegang.xml.parser import parse_xml
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.network import Network
from makelaar.network import build_network
from sp_adapters.eherkenning import EHerkenningLogin
from sp_adapters.eherkenning import EHerkenningSP
from sp_adapters.eherkenning import LoginFailure
from sp_adapters.settings import DvSettings
from sp_adapters.settings import load_settings
from tests.sp_adapters.fake_hm import FakeHm
from tests.sp_adapters.fake_hm import Scenario

URLS = {
    "broker": "http://127.0.0.1:8801",
    "idp": "http://127.0.0.1:8802",
    "dv": "http://127.0.0.1:8803",
}


@pytest.fixture(scope="session")
def sp_network(
    tmp_path_factory: pytest.TempPathFactory, dev_ca: DevCa, rings: dict[str, KeyRing]
) -> Network:
    return build_network(tmp_path_factory.mktemp("sp-network"), urls=URLS, rings=rings, ca=dev_ca)


def write_settings(network: Network, target: Path, **changes: object) -> Path:
    """dv.yaml as the network wrote it, with ``changes`` applied (None removes a key)."""
    values = yaml.safe_load(network.settings_file("dv").read_text())
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    target.write_text(yaml.safe_dump(values, sort_keys=False))
    return target


@pytest.fixture(scope="session")
def verifying_settings(sp_network: Network, tmp_path_factory: pytest.TempPathFactory) -> DvSettings:
    advice = [str(sp_network.metadata_file(r)) for r in ("ad", "mr", "mr2")]
    path = write_settings(
        sp_network, tmp_path_factory.mktemp("dv-settings") / "dv.yaml", advice_metadata=advice
    )
    return load_settings(path)


@pytest.fixture()
def now_clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found is not None, f"no {name} in the page"
    return found[1]


@dataclass
class DvHarness:
    """The adapter inside a Flask app, the fake HM, and what the callbacks received."""

    app: Flask
    client: FlaskClient
    sp: EHerkenningSP
    hm: FakeHm
    settings: DvSettings
    logins: list[EHerkenningLogin] = field(default_factory=list)
    failures: list[LoginFailure] = field(default_factory=list)

    def start(self, service: int = 1, **options: object) -> tuple[etree._Element, str]:
        """Press the login button: the AuthnRequest and the RelayState the POST page carries."""
        query = "&".join(f"{k}={v}" for k, v in options.items())
        page = self.client.get(f"/start/{service}?{query}").get_data(as_text=True)
        request_b64 = html.unescape(_field(page, "SAMLRequest"))
        relay = html.unescape(_field(page, "RelayState"))
        return parse_xml(base64.b64decode(request_b64)), relay

    def login(self, scenario: Scenario | None = None, service: int = 1) -> TestResponse:
        request, relay = self.start(service)
        uuid = self.settings.service(service).service_uuid
        artifact = self.hm.answer(request, uuid, scenario)
        return self.client.get("/saml/acs", query_string={"SAMLart": artifact,
                                                           "RelayState": relay})


def make_harness(
    settings: DvSettings, network: Network, rings: dict[str, KeyRing], clock: FixedClock
) -> DvHarness:
    hm = FakeHm(network.directory, rings, clock)
    sp = EHerkenningSP.from_settings(
        settings, clock=clock, transport=hm, state=InMemoryStateStore(clock)
    )
    app = Flask(__name__)
    app.config["TESTING"] = True
    web.install(app, secret=b"t" * 32, role_name="DV test")
    sp.init_app(app)
    harness = DvHarness(app, app.test_client(), sp, hm, settings)

    @app.route("/start/<int:service>")
    def start(service: int) -> Response:
        from flask import request

        return sp.login(service, relay_state="/after", force_authn="force" in request.args)

    @sp.on_login
    def on_login(result: EHerkenningLogin) -> Response:
        harness.logins.append(result)
        return Response("ok", mimetype="text/plain")

    @sp.on_failure
    def on_failure(failure: LoginFailure) -> Response:
        harness.failures.append(failure)
        return Response(failure.kind.value, status=400, mimetype="text/plain")

    return harness


@pytest.fixture()
def dv(
    verifying_settings: DvSettings,
    sp_network: Network,
    rings: dict[str, KeyRing],
    now_clock: FixedClock,
) -> Iterator[DvHarness]:
    yield make_harness(verifying_settings, sp_network, rings, now_clock)
