"""CSRF on every AD form, and session fixation at the AD (issue 5).

CSRF: a POST to /ad/login, /ad/code (verify and resend), /ad/consent or /ad/cancel without a
token, or with another browser's token, is refused with 400 before the view runs: no password
is checked, no code try is used, no SMS is sent, no artifact is issued.

Session fixation: the login transaction id in the browser changes each time a factor is proved,
so an attacker who planted their own transaction cookie in the victim's browser cannot take
over the victim's authenticated login from their own browser; a forged cookie is ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
from typing import Any

import pytest

from idp.ad.services import AdServices
from idp.ad.session import SSO_COOKIE
from idp.ad.session import TX_COOKIE
from tests.idp_ad import conftest as ad_fixtures
from tests.idp_ad.harness import Harness
from tests.idp_ad.harness import context_settings
from tests.security.conftest import assert_one_clean_warning
from tests.security.test_means_attacks_sms import CountingHasher

network = ad_fixtures.network
template_db = ad_fixtures.template_db
hm = ad_fixtures.hm

CONSENT_SERVICE = 4  # asks the AD for FirstName (required) and more: a consent page


def _foreign_token(harness: Harness) -> str:
    """The CSRF token of another browser (valid with that browser's cookie only)."""
    secret = context_settings(harness.app).secret_key()
    attackers_cookie = "a" * 43
    return hmac.new(secret, attackers_cookie.encode(), hashlib.sha256).hexdigest()


def _forged_posts(
    harness: Harness, path: str, form: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    foreign = _foreign_token(harness)
    writes = len(harness.store.writes)
    for token in (None, foreign):
        data = form if token is None else {**form, "csrf_token": token}
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            answer = harness.client.post(path, data=data)
        assert answer.status_code == 400, answer.status_code
        assert "Location" not in answer.headers
        assert_one_clean_warning(caplog)
    assert len(harness.store.writes) == writes  # no counter, code, session or artifact
    assert harness.store.artifacts_issued == 0


def test_ad_login_form_refuses_forged_posts_without_checking_the_password(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    counting = CountingHasher()
    services: AdServices = hm.app.extensions["idp.ad"]
    hm.app.extensions["idp.ad"] = dataclasses.replace(services, hasher=counting)
    assert hm.start().status_code == 303
    _forged_posts(hm, "/ad/login", {"email": "eh2plus@example.nl", "password": "x"}, caplog)
    assert counting.verifications == 0
    assert hm.login("eh2plus@example.nl").status_code == 303


@pytest.mark.parametrize("action", ["verify", "resend"])
def test_ad_code_form_refuses_forged_posts_without_using_a_try_or_sending(
    hm: Harness, caplog: pytest.LogCaptureFixture, action: str
) -> None:
    assert hm.start().status_code == 303
    assert hm.login("eh2plus@example.nl").status_code == 303
    code, sent = hm.last_code(), hm.sms_count()
    _forged_posts(hm, "/ad/code", {"code": code, "action": action}, caplog)
    assert hm.sms_count() == sent
    done = hm.code(code)  # the honest try still has all its chances
    assert done.status_code == 303 and "SAMLart=" in done.headers["Location"]


def test_ad_consent_form_refuses_forged_posts(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    assert hm.start(index=CONSENT_SERVICE).status_code == 303
    to_consent = hm.login("eh2@example.nl")
    assert to_consent.headers["Location"].endswith("/ad/consent")
    form = {"consent": "urn:etoegang:1.9:attribute:FirstName"}
    _forged_posts(hm, "/ad/consent", form, caplog)
    done = hm.post("/ad/consent", form)
    assert done.status_code == 303 and "SAMLart=" in done.headers["Location"]


def test_ad_cancel_refuses_forged_posts(hm: Harness, caplog: pytest.LogCaptureFixture) -> None:
    assert hm.start().status_code == 303
    _forged_posts(hm, "/ad/cancel", {"action": "cancel"}, caplog)
    assert hm.client.get("/ad/login").status_code == 200  # the login is still there
    assert hm.cancel().status_code == 303


# --- session fixation -----------------------------------------------------------------------------


def _cookie(harness: Harness, name: str) -> str | None:
    cookie = harness.client.get_cookie(name, path="/ad")
    return cookie.value if cookie is not None else None


def _plant(harness: Harness, name: str, value: str) -> None:
    harness.client.set_cookie(name, value, path="/ad")


def _attacker_and_victim(harness: Harness, **start: Any) -> tuple[Any, str]:
    """The attacker starts a login in their own browser and plants its cookie in the victim's."""
    victim = harness.client
    attacker = harness.app.test_client()
    harness.client = attacker
    assert harness.start(**start).status_code == 303
    assert harness.client.get("/ad/login").status_code == 200  # the attacker's form cookie
    planted = _cookie(harness, TX_COOKIE)
    assert planted is not None
    harness.client = victim
    _plant(harness, TX_COOKIE, planted)
    return attacker, planted


def test_planted_transaction_cannot_take_over_the_victims_login_at_consent(hm: Harness) -> None:
    attacker, planted = _attacker_and_victim(hm, index=CONSENT_SERVICE)
    # The victim is lured straight to the login page with the attacker's transaction.
    to_consent = hm.login("eh2@example.nl")
    assert to_consent.status_code == 303 and to_consent.headers["Location"].endswith("/consent")
    assert _cookie(hm, TX_COOKIE) not in (None, planted)
    # The attacker, with the planted id in their own browser, finds no login to complete.
    hm.client, victim = attacker, hm.client
    assert hm.client.get("/ad/consent").status_code == 400
    taken = hm.post("/ad/consent", {"consent": "urn:etoegang:1.9:attribute:FirstName"})
    assert taken.status_code == 400
    assert hm.store.artifacts_issued == 0
    hm.client = victim
    done = hm.post("/ad/consent", {"consent": "urn:etoegang:1.9:attribute:FirstName"})
    assert done.status_code == 303 and "SAMLart=" in done.headers["Location"]


def test_planted_transaction_is_renewed_after_the_password(hm: Harness) -> None:
    attacker, planted = _attacker_and_victim(hm)
    assert hm.login("eh2plus@example.nl").status_code == 303
    assert _cookie(hm, TX_COOKIE) not in (None, planted)
    hm.client, victim = attacker, hm.client
    assert hm.client.get("/ad/code").status_code == 400
    hm.client = victim
    assert hm.code(hm.last_code()).status_code == 303


def test_session_cookie_after_login_is_new_and_a_forged_one_is_ignored(hm: Harness) -> None:
    _plant(hm, SSO_COOKIE, "attacker-chosen-session.0123456789abcdef0123456789abcdef")
    _plant(hm, TX_COOKIE, "attacker-chosen-tx.0123456789abcdef0123456789abcdef")
    assert hm.client.get("/ad/login").status_code == 400  # forged: no transaction
    assert hm.start().status_code == 303
    assert hm.login("eh2plus@example.nl").status_code == 303
    done = hm.code(hm.last_code())
    assert done.status_code == 303 and "SAMLart=" in done.headers["Location"]
    session = _cookie(hm, SSO_COOKIE)
    assert session is not None and not session.startswith("attacker-chosen")
