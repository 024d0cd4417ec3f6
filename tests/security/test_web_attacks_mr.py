"""CSRF on every MR form, and a planted MR flow cookie (issue 5).

A POST to /mr/choose, /mr/consent, /mr/deny or /mr/cancel without a token, or with another
browser's token, is refused with 400 before the view runs: no decision is made, no artifact is
issued to the HM, the pending query is still there for the honest POST. A flow cookie that the
MR did not sign is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from etoegang.state import InMemoryStateStore
from idp.app import context_of
from idp.mr.pending import COOKIE as MR_FLOW_COOKIE
from tests.idp_mr import conftest as mr_fixtures
from tests.idp_mr.harness import FakeHm
from tests.idp_mr.harness import csrf_token
from tests.idp_mr.test_mr_consent import _start as start_with_consent
from tests.idp_mr.test_mr_flow import PERMIT
from tests.idp_mr.test_mr_flow import _option_for
from tests.idp_mr.test_mr_flow import start
from tests.security.conftest import assert_one_clean_warning

network = mr_fixtures.network
catalogue = mr_fixtures.catalogue
mr_clock = mr_fixtures.mr_clock
app = mr_fixtures.app
hm = mr_fixtures.hm

CARLA = "carla@klusbedrijfjansen.example"  # two mandates: a choice page
ANNA = "anna@goudenkorst.example"


def _state(application: Flask) -> dict[str, bytes | None]:
    store = context_of(application).state
    assert isinstance(store, InMemoryStateStore)
    return {key: store.get(key) for key in list(store._entries)}  # noqa: SLF001


def _foreign_token(application: Flask) -> str:
    secret = application.extensions["idp_settings"].secret_key()
    return hmac.new(secret, ("b" * 43).encode(), hashlib.sha256).hexdigest()


def _forged(application: Flask, client: FlaskClient, path: str, form: dict[str, str],
            caplog: pytest.LogCaptureFixture) -> None:
    before = _state(application)
    for token in (None, _foreign_token(application)):
        data = form if token is None else {**form, "csrf_token": token}
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            answer = client.post(path, data=data)
        assert answer.status_code == 400, answer.status_code
        assert "Location" not in answer.headers
        assert_one_clean_warning(caplog)
    assert _state(application) == before


def _choice(application: Flask, fake: FakeHm, client: FlaskClient) -> dict[str, str]:
    page = start(application, fake, client, CARLA).get_data(as_text=True)
    return {"option": _option_for(page, "Bakkerij")}


def _consent(application: Flask, fake: FakeHm, client: FlaskClient) -> dict[str, str]:
    page = start_with_consent(application, fake, client)
    assert 'action="/mr/consent"' in page or "/mr/consent" in page
    return {"consent": "urn:etoegang:1.11:attribute-represented:CompanyName"}


def _deny(application: Flask, fake: FakeHm, client: FlaskClient) -> dict[str, str]:
    page = start(application, fake, client, ANNA, service=PERMIT)
    assert page.status_code == 200
    return {}


FORMS: dict[str, Callable[[Flask, FakeHm, FlaskClient], dict[str, str]]] = {
    "/mr/choose": _choice,
    "/mr/consent": _consent,
    "/mr/deny": _deny,
    "/mr/cancel": _choice,
}


@pytest.mark.parametrize("path", list(FORMS))
def test_mr_form_refuses_forged_posts_and_the_honest_post_still_answers(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    client = app.test_client()
    form = FORMS[path](app, hm, client)
    _forged(app, client, path, form, caplog)
    honest = client.post(path, data={**form, "csrf_token": csrf_token(client, app)})
    assert honest.status_code == 303, honest.get_data(as_text=True)[:300]
    answer = hm.answer(app, honest.headers["Location"])
    assert answer.response.status is not None


def test_forged_mr_flow_cookie_is_ignored(app: Flask, hm: FakeHm) -> None:
    client = app.test_client()
    form = _choice(app, hm, client)
    jar = client._cookies  # noqa: SLF001 - the test client's cookie jar
    assert jar is not None
    flow = next(c for c in jar.values() if c.key == MR_FLOW_COOKIE)
    other = app.test_client()
    other.set_cookie("mk_browser", "c" * 43)
    token = hmac.new(app.extensions["idp_settings"].secret_key(), ("c" * 43).encode(),
                     hashlib.sha256).hexdigest()
    other.set_cookie(flow.key, flow.value[:-4] + "AAAA", path=flow.path)
    before = _state(app)
    refused = other.post("/mr/choose", data={**form, "csrf_token": token})
    assert refused.status_code == 400
    assert _state(app) == before
    # The same browser with the MR's own cookie value is answered: only the forgery counted.
    other.set_cookie(flow.key, flow.value, path=flow.path)
    assert other.post("/mr/choose", data={**form, "csrf_token": token}).status_code == 303
