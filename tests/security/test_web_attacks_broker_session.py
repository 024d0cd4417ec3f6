"""Session fixation at the broker (issue 5).

The broker's browser state is a signed flow cookie and a signed SSO session cookie. A flow
cookie planted by an attacker (their own, genuinely signed) is replaced when the victim's login
starts and never advanced by it; the SSO session cookie after a login is a new id; cookies the
broker did not sign are ignored.
"""

from __future__ import annotations

from typing import Any

from tests.broker.conftest import Harness
from tests.broker.helpers import dv_answer
from tests.broker.helpers import snapshot

FLOW = "hm_flow"
SESSION = "hm_session"


def _cookie(client: Any, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def test_planted_flow_cookie_is_replaced_and_the_attackers_flow_is_untouched(
    harness: Harness,
) -> None:
    victim = harness.client
    attacker = harness.app.test_client()
    attacker.environ_base["HTTP_HOST"] = "hm.test"
    harness.client = attacker
    assert harness.post_request(harness.dv.request()).status_code == 302
    planted = _cookie(attacker, FLOW)
    assert planted is not None
    attackers_flow = {k: v for k, v in snapshot(harness).items() if k.startswith("flow:")}
    harness.client = victim
    victim.set_cookie(FLOW, planted)
    final = harness.login()
    assert dv_answer(harness, final).status.is_success
    assert _cookie(victim, FLOW) is None  # the victim's flow ended, its cookie removed
    after = {k: v for k, v in snapshot(harness).items() if k.startswith("flow:")}
    assert after == attackers_flow  # the attacker's login did not advance with the victim's
    harness.client = attacker
    page = attacker.get("/broker/discovery")
    assert page.status_code == 200  # still at discovery, nothing authenticated


def test_session_cookie_after_login_is_new_and_forged_cookies_are_ignored(
    harness: Harness,
) -> None:
    harness.client.set_cookie(SESSION, "attacker-chosen-session.forged")
    harness.client.set_cookie(FLOW, "attacker-chosen-flow.forged")
    assert harness.client.get("/broker/discovery").status_code == 400  # no such login
    started = harness.post_request(harness.dv.request())
    assert started.headers["Location"].endswith("/broker/discovery")  # no SSO from a forgery
    to_mr = harness.ad_leg(harness.choose())
    final = harness.mr_leg(to_mr)
    assert dv_answer(harness, final).status.is_success
    session = _cookie(harness.client, SESSION)
    assert session is not None and "attacker-chosen" not in session
    assert any(k.startswith("session:") for k in snapshot(harness))


def test_a_second_login_gets_its_own_flow_id(harness: Harness) -> None:
    assert harness.post_request(harness.dv.request(service_index=3)).status_code == 302
    first = _cookie(harness.client, FLOW)
    assert harness.post_request(harness.dv.request(service_index=3)).status_code == 302
    second = _cookie(harness.client, FLOW)
    assert first is not None and second is not None and first != second
