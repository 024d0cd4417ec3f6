"""CSRF on every form of the broker and the demo DV (issue 5; web.csrf).

A form POST without a token, or with the token of another browser (the attacker's own, valid
for the attacker's cookie), is refused with 400 before the view runs: the login's state is
unchanged, nothing is sent anywhere, one warning without personal data. The honest POST then
still works. The AD's and MR's forms: tests/security/test_web_attacks_csrf_idp.py.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from etoegang.clock import FixedClock
from etoegang.state import InMemoryStateStore
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import Network
from sp_adapters.demo.app import create_app as create_demo_dv
from sp_adapters.settings import DvSettings
from sp_adapters.settings import load_settings as load_dv_settings
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.broker.helpers import snapshot
from tests.security.conftest import assert_one_clean_warning
from tests.sp_adapters.fake_hm import FakeHm
from tests.sp_adapters.fake_hm import Scenario
from tests.sp_adapters.test_demo_dv import _login as demo_login

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(page: Any) -> str:
    found = TOKEN.search(page.get_data(as_text=True))
    assert found is not None, "the page has a form with a token"
    return found[1]


def _refused(answer: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert answer.status_code == 400, answer.status_code
    assert "Location" not in answer.headers
    assert "SAMLRequest" not in answer.get_data(as_text=True)
    assert_one_clean_warning(caplog)
    caplog.clear()


# --- broker discovery -----------------------------------------------------------------------------


def _attackers_token(harness: Harness) -> str:
    """A valid token for another browser: the attacker starts a login of their own."""
    victim = harness.client
    harness.client = harness.app.test_client()
    harness.client.environ_base["HTTP_HOST"] = "hm.test"
    assert harness.post_request(harness.dv.request()).status_code == 302
    token = _token(harness.client.get("/broker/discovery"))
    harness.client = victim
    return token


@pytest.mark.parametrize("action", ["choose", "cancel"])
def test_broker_discovery_refuses_a_post_without_or_with_another_browsers_token(
    harness: Harness, caplog: pytest.LogCaptureFixture, action: str
) -> None:
    foreign = _attackers_token(harness)
    assert harness.post_request(harness.dv.request()).status_code == 302
    assert harness.client.get("/broker/discovery").status_code == 200
    before = snapshot(harness)
    form = {"ad": AD_ENTITY, "action": action, "remember": "1"}
    for token in (None, foreign):
        data = form if token is None else {**form, "csrf_token": token}
        with caplog.at_level(logging.WARNING):
            answer = harness.client.post("/broker/discovery", data=data)
        _refused(answer, caplog)
        assert "hm_ad=" not in answer.headers.get("Set-Cookie", "")
        assert snapshot(harness) == before
    honest = harness.choose(cancel=action == "cancel")
    assert honest.status_code == 302
    if action == "choose":
        assert honest.headers["Location"].startswith(f"{IDP_URL}/ad/sso")


# --- demo DV login and logout ---------------------------------------------------------------------


@pytest.fixture()
def demo_dv(
    sp_network: Network, rings: dict[str, KeyRing], now_clock: FixedClock
) -> tuple[Flask, InMemoryStateStore, FakeHm, DvSettings]:
    settings = load_dv_settings(sp_network.settings_file("dv"))
    state = InMemoryStateStore(now_clock)
    hm = FakeHm(sp_network.directory, rings, now_clock)
    app = create_demo_dv(settings, clock=now_clock, transport=hm, state=state)
    app.config["TESTING"] = True
    return app, state, hm, settings


def _state(store: InMemoryStateStore) -> dict[str, bytes | None]:
    return {key: store.get(key) for key in list(store._entries)}  # noqa: SLF001


def _foreign_dv_token(app: Flask) -> str:
    other: FlaskClient = app.test_client()
    return _token(other.get("/"))


def test_demo_dv_login_button_refuses_a_post_without_or_with_another_browsers_token(
    demo_dv: tuple[Flask, InMemoryStateStore, FakeHm, DvSettings], caplog: pytest.LogCaptureFixture
) -> None:
    app, state, _, _ = demo_dv
    foreign = _foreign_dv_token(app)
    client = app.test_client()
    own = _token(client.get("/"))
    before = _state(state)
    for token in (None, foreign):
        data = {"service": "1"} if token is None else {"service": "1", "csrf_token": token}
        with caplog.at_level(logging.WARNING):
            _refused(client.post("/saml/login", data=data), caplog)
        assert _state(state) == before  # no pending login was stored
    honest = client.post("/saml/login", data={"service": "1", "csrf_token": own})
    assert honest.status_code == 200 and "SAMLRequest" in honest.get_data(as_text=True)


def test_demo_dv_logout_refuses_a_post_without_or_with_another_browsers_token(
    demo_dv: tuple[Flask, InMemoryStateStore, FakeHm, DvSettings], caplog: pytest.LogCaptureFixture
) -> None:
    app, state, hm, settings = demo_dv
    foreign = _foreign_dv_token(app)
    client = app.test_client()
    assert "KvK" in demo_login(client, hm, settings, Scenario())  # a logged-in browser
    sessions = {k for k in _state(state) if k.startswith("dv:session:")}
    assert len(sessions) == 1
    own = _token(client.get("/result"))
    before = _state(state)
    for token in (None, foreign):
        data = {} if token is None else {"csrf_token": token}
        with caplog.at_level(logging.WARNING):
            _refused(client.post("/logout", data=data), caplog)
        assert _state(state) == before  # the session was not ended by the forged POST
    assert client.get("/result").status_code == 200
    assert client.post("/logout", data={"csrf_token": own}).status_code in (302, 303)
    assert not sessions & set(_state(state))
