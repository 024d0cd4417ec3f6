"""AD SSO and single logout (spec §9), consent for AD attributes (spec §3.4), and the HM
requests the AD refuses (spec §4.8)."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.clock import RandomIdSource
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.common import NameID
from etoegang.messages.logout import LogoutRequest
from etoegang.messages.logout import build_logout_request
from etoegang.messages.logout import parse_logout_response
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from makelaar.network import AD_ENTITY
from makelaar.network import HM_ENTITY
from policies.loa import Loa
from tests.idp_ad.harness import Harness
from tests.idp_ad.test_login_flow import ACS
from tests.idp_ad.test_login_flow import _logged_in_with_code

FIRST_NAME = "urn:etoegang:1.9:attribute:FirstName"
FAMILY_NAME = "urn:etoegang:1.9:attribute:FamilyName"


def test_sso_answers_a_second_request_without_password_or_code(hm: Harness) -> None:
    first = hm.answer(_logged_in_with_code(hm)).assertion
    again = hm.start(index=1)
    assert again.status_code == 303 and again.headers["Location"].startswith(ACS)
    second = hm.answer(again.headers["Location"]).assertion
    assert first is not None and second is not None
    assert first.name_id == second.name_id
    assert first.authn_statement and second.authn_statement
    assert second.authn_statement.session_index == first.authn_statement.session_index
    assert second.authn_statement.authn_instant == first.authn_statement.authn_instant
    assert hm.sms_count() == 1


def test_force_authn_ends_the_sso_session(hm: Harness) -> None:
    _logged_in_with_code(hm)
    forced = hm.start(force=True)
    assert forced.headers["Location"].endswith("/ad/login")
    # the session is over: a plain request asks for the password too
    assert hm.start().headers["Location"].endswith("/ad/login")


def test_no_sso_at_eh4_but_the_session_serves_lower_levels(hm: Harness) -> None:
    _logged_in_with_code(hm, email="eh4@example.nl", index=3)
    assert hm.start(index=3).headers["Location"].endswith("/ad/login")
    lower = hm.start(index=2)
    assert lower.headers["Location"].startswith(ACS)
    assertion = hm.answer(lower.headers["Location"]).assertion
    assert assertion is not None and assertion.authn_statement is not None
    assert assertion.authn_statement.loa is Loa.EH4


def test_sso_session_lasts_two_hours_at_most(hm: Harness) -> None:
    _logged_in_with_code(hm)
    hm.clock.move_to(hm.clock.now() + timedelta(hours=2, seconds=1))
    assert hm.start().headers["Location"].endswith("/ad/login")


def test_resend_is_rate_limited_per_number(hm: Harness) -> None:
    hm.start()
    hm.login("eh2plus@example.nl")
    assert hm.sms_count() == 1
    resend = hm.post("/ad/code", {"action": "resend"})
    assert "notice=rate" in resend.headers["Location"]
    page = hm.client.get(resend.headers["Location"]).get_data(as_text=True)
    assert "U kunt nu geen nieuwe code krijgen" in page
    assert hm.sms_count() == 1
    for sent in range(2, 6):
        hm.clock.move_to(hm.clock.now() + timedelta(seconds=31))
        assert "notice=sent" in hm.post("/ad/code", {"action": "resend"}).headers["Location"]
        assert hm.sms_count() == sent
    hm.clock.move_to(hm.clock.now() + timedelta(seconds=31))
    sixth = hm.post("/ad/code", {"action": "resend"})
    assert "notice=rate" in sixth.headers["Location"] and hm.sms_count() == 5


def test_codes_appear_only_in_the_outbox(hm: Harness, caplog: object) -> None:
    import pytest

    assert isinstance(caplog, pytest.LogCaptureFixture)
    caplog.set_level(logging.DEBUG)
    location = _logged_in_with_code(hm)
    code = hm.last_code()
    assert code in hm.outbox.read_text()
    assert code not in caplog.text
    for key, value in hm.store.writes:
        if key.startswith(("ad:", "sms-rate:")):
            assert code.encode() not in value, key
    from sqlalchemy import select

    from idp.app import context_of
    from idp.db.models import AuditEvent

    with context_of(hm.app).db() as db:
        for event in db.scalars(select(AuditEvent)):
            assert code not in str(event.details) and code not in event.object_ref
    assert hm.answer(location).response.status.is_success


def test_demo_outbox_page_lists_the_codes_sent(hm: Harness) -> None:
    hm.start()
    hm.login("eh2plus@example.nl")
    page = hm.client.get("/dev/sms").get_data(as_text=True)
    assert hm.last_code() in page


def _consent_form(hm: Harness, index: int) -> str:
    hm.start(index=index)
    response = hm.login("eh2@example.nl")
    assert response.headers["Location"].endswith("/ad/consent")
    page: str = hm.client.get("/ad/consent").get_data(as_text=True)
    return page


def test_consent_releases_only_the_attributes_agreed_to(hm: Harness) -> None:
    page = _consent_form(hm, 4)
    assert "Voornamen" in page and "Aanhef in brieven" in page and "verplicht" in page
    assert "Geboortedatum" in page and "niet beschikbaar" in page
    assert hm.store.artifacts_issued == 0
    done = hm.post("/ad/consent", {"consent": FIRST_NAME})
    assertion = hm.answer(done.headers["Location"]).assertion
    assert assertion is not None
    first = assertion.attribute(FIRST_NAME)
    assert first is not None and first.texts == ("Jan Pieter",)
    assert assertion.attribute(FAMILY_NAME) is None


def test_declining_a_required_attribute_stops_with_authn_failed(hm: Harness) -> None:
    _consent_form(hm, 4)
    stopped = hm.post("/ad/consent", {"consent": FAMILY_NAME})
    body = stopped.get_data(as_text=True)
    assert stopped.status_code == 403 and "Voornamen" in body and "gestopt" in body
    back = body.split('id="back"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    status = hm.answer(back).response.status
    assert status.top is StatusCode.RESPONDER and status.second is SubStatusCode.AUTHN_FAILED


def test_a_required_attribute_the_ad_lacks_stops_the_login(hm: Harness) -> None:
    _consent_form(hm, 5)
    stopped = hm.post("/ad/consent", {})
    assert stopped.status_code == 403 and "Geboortedatum" in stopped.get_data(as_text=True)


def test_requests_that_cannot_be_answered_safely_end_on_an_error_page(hm: Harness) -> None:
    wrong_destination = hm.start(destination="http://127.0.0.1:8802/elsewhere")
    expired = hm.start(issue_offset=-600)
    element = hm.request()
    first = hm.start(element=element)
    replayed = hm.start(element=element)
    forged = hm.request(signer="dv")  # the HM's request, signed with another valid key
    for response in (wrong_destination, expired, replayed):
        assert response.status_code == 400 and "Location" not in response.headers
    assert first.status_code == 303
    assert hm.start(element=forged).status_code == 400
    bad_artifact = hm.client.get("/ad/sso?SAMLart=AAQAAA")
    assert bad_artifact.status_code == 400 and "Location" not in bad_artifact.headers
    assert hm.store.artifacts_issued == 0


def test_unsupported_requests_get_requester_request_unsupported(hm: Harness) -> None:
    maximum = hm.start(comparison=AuthnContextComparison.MAXIMUM)
    no_service = hm.start(extensions=False)
    too_high = hm.start(index=1, loa=Loa.EH4)
    for response in (maximum, no_service, too_high):
        assert response.status_code == 303
        status = hm.answer(response.headers["Location"]).response.status
        assert status.top is StatusCode.REQUESTER
        assert status.second is SubStatusCode.REQUEST_UNSUPPORTED


def _logout_url(hm: Harness, relay_state: str | None = "slo-1") -> str:
    request = build_logout_request(LogoutRequest(
        id=RandomIdSource().new_id(),
        issue_instant=hm.clock.now(),
        issuer=HM_ENTITY,
        name_id=NameID("someone"),
        destination="http://127.0.0.1:8802/ad/slo/1.13",
    ))
    url = encode_redirect("http://127.0.0.1:8802/ad/slo/1.13", request, kind="SAMLRequest",
                          relay_state=relay_state, key=hm.rings["hm"].signing)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_single_logout_ends_the_session_and_answers_the_hm(hm: Harness) -> None:
    _logged_in_with_code(hm)
    response = hm.client.get(_logout_url(hm))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("http://127.0.0.1:8801/broker/slo/1.13?SAMLResponse=")
    message = decode_redirect(urlsplit(location).query,
                              trusted=hm.directory.signing_certificates(AD_ENTITY),
                              require_signature=True)
    answer = parse_logout_response(message.element)
    assert answer.status.is_success and answer.issuer == AD_ENTITY
    assert message.relay_state == "slo-1"
    assert hm.start().headers["Location"].endswith("/ad/login")


def test_logout_without_a_message_shows_where_the_user_is_logged_out(hm: Harness) -> None:
    _logged_in_with_code(hm)
    page = hm.client.get("/ad/slo").get_data(as_text=True)
    assert "U bent uitgelogd bij Gemeente Voorbeeldstad en bij Makelaar Middelen" in page
    assert hm.start().headers["Location"].endswith("/ad/login")


def test_an_unsigned_logout_request_is_refused(hm: Harness) -> None:
    _logged_in_with_code(hm)
    url = _logout_url(hm)
    unsigned = url.split("&SigAlg=")[0]
    assert hm.client.get(unsigned).status_code == 400
    assert hm.start().headers["Location"].startswith(ACS)  # the session is still there


def test_own_metadata_is_published(hm: Harness) -> None:
    from pathlib import Path

    settings = hm.app.extensions["idp_settings"]
    directory: Path | None = settings.published_metadata_dir
    assert directory is not None
    client = hm.app.test_client()
    response = client.get("/ad/metadata")
    assert response.status_code == 200
    assert response.data == (directory / "ad.xml").read_bytes()
    assert client.get("/mr2/metadata").status_code == 200
    assert client.get("/other/metadata").status_code == 404
