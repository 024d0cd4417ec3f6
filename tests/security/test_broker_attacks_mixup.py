"""Mix-ups between means issuers and between logins at the broker's ACS (issue 5).

The broker's ACS takes answers of the AD, the MR and MR2 on one URL; the flow's stage names the
one peer whose answer it waits for, and the answer must answer that flow's own request. An
answer from another means issuer (the MR while the AD is expected, MR2 while the MR is, the AD
while the MR is), or an answer meant for another browser's login, is refused with a page; the
victim's flow is left as it was, so the honest answer still completes the login.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from etoegang.messages.authn_request import AuthnRequest
from tests.broker.conftest import ACS
from tests.broker.conftest import HM_URL
from tests.broker.conftest import Harness
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import dv_answer
from tests.broker.helpers import snapshot
from tests.security.conftest import assert_one_clean_warning


def _flows(harness: Harness) -> dict[str, bytes | None]:
    return {k: v for k, v in snapshot(harness).items() if k.startswith(("flow:", "session:"))}


def _uuid(request: AuthnRequest) -> str:
    return next(
        str(e[0].text)
        for e in request.other_extensions
        if e.get("Name") == "urn:etoegang:core:ServiceUUID"
    )


def _at_ad(harness: Harness) -> tuple[AuthnRequest, str | None]:
    assert harness.post_request(harness.dv.request()).status_code == 302
    return harness.ad.receive(harness.choose().headers["Location"])


def _refused_unchanged(harness: Harness, url: str, caplog: pytest.LogCaptureFixture) -> None:
    before = _flows(harness)
    with caplog.at_level(logging.WARNING):
        answer = harness.follow(url)
    assert_error_page(answer, 400)
    assert _flows(harness) == before
    assert_one_clean_warning(caplog)


def test_mr_answer_while_the_ad_is_expected_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request, relay = _at_ad(harness)
    wrong = harness.mr.response(destination=ACS, in_response_to=request.id, assertion=None)
    _refused_unchanged(harness, harness.mr.artifact_url(ACS, wrong, relay), caplog)
    to_mr = harness.follow(harness.ad.answer(request, relay, service_uuid=_uuid(request)))
    assert dv_answer(harness, harness.mr_leg(to_mr)).status.is_success


def test_mr2_answer_while_the_mr_is_expected_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request, relay = _at_ad(harness)
    to_mr = harness.follow(harness.ad.answer(request, relay, service_uuid=_uuid(request)))
    query, mr_relay = harness.mr.receive(to_mr.headers["Location"])
    _refused_unchanged(harness, harness.mr2.answer(query, mr_relay), caplog)
    assert dv_answer(harness, harness.follow(harness.mr.answer(query, mr_relay))).status.is_success


def test_ad_answer_while_the_mr_is_expected_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request, relay = _at_ad(harness)
    to_mr = harness.follow(harness.ad.answer(request, relay, service_uuid=_uuid(request)))
    query, mr_relay = harness.mr.receive(to_mr.headers["Location"])
    again = harness.ad.answer(request, relay, service_uuid=_uuid(request))
    _refused_unchanged(harness, again, caplog)
    assert dv_answer(harness, harness.follow(harness.mr.answer(query, mr_relay))).status.is_success


def _two_browsers(harness: Harness) -> tuple[Any, tuple[AuthnRequest, str | None]]:
    """The attacker's login at the AD in one browser, the victim's in the harness client."""
    victim = harness.client
    attacker = harness.app.test_client()
    attacker.environ_base["HTTP_HOST"] = "hm.test"
    harness.client = attacker
    attackers = _at_ad(harness)
    harness.client = victim
    return attacker, attackers


def test_an_answer_for_another_browsers_login_is_refused_without_resolving_it(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    attacker, (their_request, their_relay) = _two_browsers(harness)
    mine, my_relay = _at_ad(harness)
    # The attacker's own AD answer (RelayState = the attacker's flow) in the victim's browser.
    theirs = harness.ad.answer(their_request, their_relay, service_uuid=_uuid(their_request))
    _refused_unchanged(harness, theirs, caplog)
    # Refused before resolving: the artifact still works in the browser whose login it is.
    own = attacker.get(theirs[len(HM_URL):], query_string=None)
    assert own.status_code == 302 and "/mr/sso" in own.headers["Location"]
    to_mr = harness.follow(harness.ad.answer(mine, my_relay, service_uuid=_uuid(mine)))
    assert dv_answer(harness, harness.mr_leg(to_mr)).status.is_success


def test_an_answer_for_another_login_without_relay_state_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _, (their_request, their_relay) = _two_browsers(harness)
    mine, my_relay = _at_ad(harness)
    theirs = harness.ad.answer(their_request, None, service_uuid=_uuid(their_request))
    assert "RelayState" not in theirs and theirs.startswith(HM_URL)
    # Resolved against the victim's flow (cookie): it answers another request.
    _refused_unchanged(harness, theirs, caplog)
    to_mr = harness.follow(harness.ad.answer(mine, my_relay, service_uuid=_uuid(mine)))
    assert dv_answer(harness, harness.mr_leg(to_mr)).status.is_success
