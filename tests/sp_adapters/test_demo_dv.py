"""The demo DV pages: Dutch by default, English on request, CSRF on the login button, the
result page with what the login delivered, the cancel page and logout."""

from __future__ import annotations

import base64
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from etoegang.clock import FixedClock
from etoegang.state.memory import InMemoryStateStore
from etoegang.xml.parser import parse_xml
from keys.ring import KeyRing
from makelaar.network import Network
from sp_adapters.demo import create_app
from sp_adapters.settings import DvSettings
from sp_adapters.settings import load_settings
from tests.sp_adapters.fake_hm import BRANCH
from tests.sp_adapters.fake_hm import KVK
from tests.sp_adapters.fake_hm import FakeHm
from tests.sp_adapters.fake_hm import Scenario


@pytest.fixture()
def demo(
    sp_network: Network, rings: dict[str, KeyRing], now_clock: FixedClock
) -> tuple[Flask, FakeHm, DvSettings]:
    settings = load_settings(sp_network.settings_file("dv"))  # exactly as the network wrote it
    hm = FakeHm(sp_network.directory, rings, now_clock)
    app = create_app(settings, clock=now_clock, transport=hm,
                     state=InMemoryStateStore(now_clock))
    app.config["TESTING"] = True
    return app, hm, settings


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]


def _login(client: FlaskClient, hm: FakeHm, settings: DvSettings, scenario: Scenario,
           service: int = 1) -> str:
    home = client.get("/").get_data(as_text=True)
    page = client.post("/saml/login", data={"csrf_token": _token(home),
                                            "service": str(service)})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    request = parse_xml(base64.b64decode(
        html.unescape(re.search(r'name="SAMLRequest" value="([^"]+)"', text)[1])))  # type: ignore[index]
    relay = html.unescape(re.search(r'name="RelayState" value="([^"]+)"', text)[1])  # type: ignore[index]
    artifact = hm.answer(request, settings.service(service).service_uuid, scenario)
    answer = client.get("/saml/acs", query_string={"SAMLart": artifact, "RelayState": relay})
    if answer.status_code == 303:
        answer = client.get(answer.headers["Location"])
    return answer.get_data(as_text=True)


def test_home_is_dutch_by_default_with_a_button_per_service(demo: tuple) -> None:  # type: ignore[type-arg]
    app, _, settings = demo
    page = app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "<h1>Gemeente Voorbeeldstad</h1>" in page
    assert page.count(">Inloggen met eHerkenning<") == 3
    for service in settings.services:
        assert service.name_nl in page
    # one SAML and one OpenID Connect form per service, each with its CSRF token
    assert page.count('name="csrf_token"') == 6
    assert "<script" not in page  # the buttons work without JavaScript


def test_home_in_english_on_request(demo: tuple) -> None:  # type: ignore[type-arg]
    app, _, settings = demo
    page = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Municipality of Exampletown" in page
    assert page.count(">Log in with eHerkenning<") == 3
    assert settings.service(2).name_en in page


def test_login_button_without_csrf_token_is_refused(demo: tuple) -> None:  # type: ignore[type-arg]
    app, _, _ = demo
    client = app.test_client()
    client.get("/")
    response = client.post("/saml/login", data={"service": "1"})
    assert response.status_code == 400
    assert "SAMLRequest" not in response.get_data(as_text=True)


def test_result_page_shows_what_the_login_delivered(demo: tuple) -> None:  # type: ignore[type-arg]
    app, hm, settings = demo
    client = app.test_client()
    page = _login(client, hm, settings, Scenario(branch=BRANCH), service=2)
    assert "<h1>U bent ingelogd</h1>" in page
    assert f'<td id="company">{KVK}</td>' in page
    assert '<td id="company-type">KvKnr</td>' in page
    assert f'<td id="branch">{BRANCH}</td>' in page
    assert '<td id="loa">eH3</td>' in page
    assert settings.service(2).name_nl in page
    assert "urn:etoegang:AD:00000099000000000002:entities:9001" in page
    # Logout: the local session ends and the browser goes to the HM's SLO endpoint.
    out = client.post("/logout", data={"csrf_token": _token(page)})
    assert out.status_code == 303
    assert out.headers["Location"].startswith("http://127.0.0.1:8801/broker/slo/1.13?SAMLRequest=")
    assert client.get("/result").status_code == 401


def test_cancelled_login_shows_the_cancel_page(demo: tuple) -> None:  # type: ignore[type-arg]
    app, hm, settings = demo
    page = _login(app.test_client(), hm, settings, Scenario(cancel=True))
    assert "<h1>Inloggen geannuleerd</h1>" in page
    assert "Traceback" not in page


def test_refused_answer_shows_the_failure_page_without_details(demo: tuple) -> None:  # type: ignore[type-arg]
    app, hm, settings = demo
    page = _login(app.test_client(), hm, settings, Scenario(linked_mismatch=True))
    assert "Inloggen is niet gelukt" in page
    assert "LinkedDeclaration" not in page
