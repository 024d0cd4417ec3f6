"""The demo DV logs in by OpenID Connect as well as by SAML: its OIDC button goes through the
broker's OIDC face (real socket), the callback decrypts the identifiers with the DV's own key,
and logout at the broker reaches the DV by the back channel."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from broker.settings import BrokerSettings
from etoegang.clock import FixedClock
from etoegang.exchange.transport import WsgiTransport
from etoegang.state import InMemoryStateStore
from keys.ring import KeyRing
from makelaar.network import Network
from sp_adapters.demo.app import create_app as create_dv_app
from sp_adapters.settings import load_settings as load_dv_settings
from tests.oidc.conftest import BACKCHANNEL_URI
from tests.oidc.conftest import DV_URL
from tests.oidc.conftest import LiveServer
from tests.oidc.conftest import OidcHarness
from tests.oidc.conftest import make_oidc_harness


class DemoDv:
    def __init__(self, app: Flask, state: InMemoryStateStore) -> None:
        self.app = app
        self.state = state
        self.client: FlaskClient = app.test_client()
        self.client.environ_base["HTTP_HOST"] = DV_URL.split("//")[1]

    def csrf(self) -> str:
        page = self.client.get("/").get_data(as_text=True)
        return page.split('name="csrf_token" value="')[1].split('"')[0]

    def follow(self, url: str) -> Any:
        assert url.startswith(DV_URL), url
        return self.client.get(url[len(DV_URL):])


@pytest.fixture()
def demo(
    live: LiveServer, oidc_settings: BrokerSettings, oidc_network: Network,
    rings: dict[str, KeyRing],
) -> tuple[OidcHarness, DemoDv]:
    from datetime import UTC
    from datetime import datetime

    settings = load_dv_settings(oidc_network.settings_file("dv"))
    state = InMemoryStateStore(FixedClock(datetime.now(UTC)))
    app = create_dv_app(settings, transport=WsgiTransport({}), state=state,
                        oidc_issuer=live.url + "/oidc")
    app.config["TESTING"] = True
    dv = DemoDv(app, state)

    def route(routes: dict[str, Any]) -> None:
        routes[BACKCHANNEL_URI] = app.wsgi_app

    return make_oidc_harness(live, oidc_settings, oidc_network, rings, route), dv


def _login(oidc: OidcHarness, dv: DemoDv) -> Any:
    start = dv.client.post("/oidc/login", data={"csrf_token": dv.csrf(), "service": "1"})
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    authorize = start.headers["Location"]
    assert authorize.startswith(oidc.issuer + "/authorize?")
    callback = oidc.login(authorize)
    assert callback.startswith(DV_URL + "/oidc/callback?")
    return dv.follow(callback)


def test_the_demo_dv_offers_both_saml_and_oidc(demo: tuple[OidcHarness, DemoDv]) -> None:
    _, dv = demo
    page = dv.client.get("/").get_data(as_text=True)
    assert "Inloggen met eHerkenning (OpenID Connect)" in page
    assert 'action="/saml/login"' in page and 'action="/oidc/login"' in page


def test_the_demo_dv_logs_in_by_oidc(demo: tuple[OidcHarness, DemoDv]) -> None:
    oidc, dv = demo
    landed = _login(oidc, dv)
    assert landed.status_code == 303, landed.get_data(as_text=True)[:300]
    assert landed.headers["Location"] == "/result"
    result = dv.client.get("/result")
    text = result.get_data(as_text=True)
    assert result.status_code == 200, text[:300]
    assert "12345678" in text  # the KvK number, decrypted by the DV itself
    assert "KvKnr" in text


def test_the_demo_dv_refuses_a_callback_from_another_issuer(
    demo: tuple[OidcHarness, DemoDv],
) -> None:
    oidc, dv = demo
    start = dv.client.post("/oidc/login", data={"csrf_token": dv.csrf(), "service": "1"})
    callback = oidc.login(start.headers["Location"])
    # Mix-up: the same response, claiming to come from another provider.
    forged = callback.replace("iss=", "iss=https%3A%2F%2Fattacker.example%2F&was=")
    answer = dv.follow(forged)
    assert answer.status_code >= 400
    assert dv.client.get("/result").status_code == 401
    assert not [k for k in oidc.state._entries if k.startswith("oidc:redeemed:")]  # noqa: SLF001


def test_demo_dv_logout_goes_to_the_broker_and_back(demo: tuple[OidcHarness, DemoDv]) -> None:
    oidc, dv = demo
    _login(oidc, dv)
    token = dv.csrf()
    out = dv.client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    end_session = out.headers["Location"]
    assert end_session.startswith(oidc.issuer + "/logout?")
    back = oidc.get(end_session)
    assert back.status_code == 302 and back.headers["Location"] == DV_URL + "/"
    assert dv.client.get("/result").status_code == 401


def test_a_logout_at_the_broker_ends_the_dv_session_by_the_back_channel(
    demo: tuple[OidcHarness, DemoDv],
) -> None:
    oidc, dv = demo
    _login(oidc, dv)
    assert dv.client.get("/result").status_code == 200
    id_tokens = [k for k in dv.state._entries if k.startswith("dv:oidc-id-token:")]  # noqa: SLF001
    id_token = dv.state.get(id_tokens[0])
    assert id_token is not None
    answer = oidc.get(f"{oidc.issuer}/logout?id_token_hint={id_token.decode()}")
    assert answer.status_code == 200  # no post_logout_redirect_uri: the broker's own page
    assert dv.client.get("/result").status_code == 401
