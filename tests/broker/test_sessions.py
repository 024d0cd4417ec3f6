"""Broker SSO (spec §9: reuse within 2 hours, never at eH4, never with ForceAuthn) and Single
Logout from the DV through the broker to the AD."""

from __future__ import annotations

from datetime import timedelta

from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.logout import LogoutRequest
from etoegang.messages.logout import LogoutResponse
from etoegang.messages.logout import build_logout_request
from etoegang.messages.logout import build_logout_response
from etoegang.messages.logout import parse_logout_request
from etoegang.messages.logout import parse_logout_response
from etoegang.messages.status import SUCCESS
from makelaar.network import AD_ENTITY
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from tests.broker.conftest import DV_URL
from tests.broker.conftest import HM_URL
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import dv_answer

SLO = f"{HM_URL}/broker/slo/1.13"


def _service_uuid(request: AuthnRequest) -> str:
    for extension in request.other_extensions:
        if extension.get("Name") == "urn:etoegang:core:ServiceUUID":
            return str(extension[0].text)
    raise AssertionError("no ServiceUUID in the HM's AuthnRequest")


def _first_login(harness: Harness) -> NameID:
    response = dv_answer(harness, harness.login(harness.dv.request(service_index=1)))
    name_id = parse_assertion(response.assertion_elements[0]).name_id
    assert name_id is not None
    return name_id


def test_second_login_reuses_the_broker_session_for_the_ad_and_still_asks_the_mr(
    harness: Harness,
) -> None:
    _first_login(harness)
    again = harness.post_request(harness.dv.request(service_index=2))
    assert again.status_code == 302
    # no discovery: straight to the AD of the session, which may answer from its own SSO
    # session (spec §9); never a stale AD assertion replayed to the MR
    assert again.headers["Location"].startswith(f"{IDP_URL}/ad/sso")
    request, relay = harness.ad.receive(again.headers["Location"])
    assert request.force_authn is not True
    to_mr = harness.follow(
        harness.ad.answer(request, relay, service_uuid=_service_uuid(request))
    )
    assert to_mr.headers["Location"].startswith(f"{IDP_URL}/mr/sso")
    response = dv_answer(harness, harness.mr_leg(to_mr))
    assert response.status.is_success


def test_force_authn_does_not_reuse_the_session(harness: Harness) -> None:
    _first_login(harness)
    again = harness.post_request(harness.dv.request(service_index=1, force_authn=True))
    assert again.headers["Location"].endswith("/broker/discovery")
    to_ad = harness.choose()
    request, _ = harness.ad.receive(to_ad.headers["Location"])
    assert request.force_authn is True


def test_no_sso_at_eh4(harness: Harness) -> None:
    _first_login(harness)
    again = harness.post_request(harness.dv.request(service_index=3))
    assert again.headers["Location"].endswith("/broker/discovery")


def test_session_ends_after_two_hours(harness: Harness) -> None:
    _first_login(harness)
    harness.clock.move_to(harness.clock.now() + timedelta(hours=2, seconds=1))
    again = harness.post_request(harness.dv.request(service_index=1))
    assert again.headers["Location"].endswith("/broker/discovery")


def _logout_url(harness: Harness, name_id: NameID) -> str:
    request = build_logout_request(
        LogoutRequest(
            id=harness.dv.ids.new_id(),
            issue_instant=harness.clock.now(),
            issuer=DV_ENTITY,
            name_id=name_id,
            destination=SLO,
        )
    )
    url = encode_redirect(SLO, request, kind="SAMLRequest", relay_state="dv-logout",
                          key=harness.dv.ring.signing)
    return url[len(HM_URL):]


def test_single_logout_goes_through_the_ad_and_back_to_the_dv(harness: Harness) -> None:
    name_id = _first_login(harness)
    to_ad = harness.client.get(_logout_url(harness, name_id))
    assert to_ad.status_code == 302, to_ad.get_data(as_text=True)
    location = to_ad.headers["Location"]
    assert location.startswith(f"{IDP_URL}/ad/slo")
    hm_certs = harness.hm_certs
    received = decode_redirect(location.split("?", 1)[1], trusted=hm_certs,
                               require_signature=True)
    forwarded = parse_logout_request(received.element)
    assert forwarded.issuer == HM_ENTITY
    assert isinstance(forwarded.name_id, NameID)
    assert forwarded.name_id.value == "ad-session-subject-1"  # the AD's own subject
    answer = build_logout_response(
        LogoutResponse(
            id=harness.ad.ids.new_id(),
            issue_instant=harness.clock.now(),
            status=SUCCESS,
            issuer=AD_ENTITY,
            in_response_to=forwarded.id,
            destination=SLO,
        )
    )
    back = encode_redirect(SLO, answer, kind="SAMLResponse", relay_state=received.relay_state,
                           key=harness.ad.ring.signing)
    to_dv = harness.client.get(back[len(HM_URL):])
    assert to_dv.status_code == 302, to_dv.get_data(as_text=True)
    assert to_dv.headers["Location"].startswith(f"{DV_URL}/saml/slo?")
    final = decode_redirect(to_dv.headers["Location"].split("?", 1)[1], trusted=hm_certs,
                            require_signature=True)
    assert final.relay_state == "dv-logout"
    assert parse_logout_response(final.element).status.is_success
    # the broker session is gone: the next login asks for discovery again
    again = harness.post_request(harness.dv.request(service_index=1))
    assert again.headers["Location"].endswith("/broker/discovery")


def test_logout_without_session_shows_that_logout_is_not_possible(harness: Harness) -> None:
    name_id = NameID("unknown", NameIDFormat.TRANSIENT, name_qualifier=AD_ENTITY)
    page = harness.client.get(_logout_url(harness, name_id))
    assert page.status_code == 200
    assert "Uitloggen is momenteel niet mogelijk" in page.get_data(as_text=True)
    assert "Location" not in page.headers


def test_unsigned_logout_request_is_refused(harness: Harness) -> None:
    name_id = _first_login(harness)
    request = build_logout_request(
        LogoutRequest(id="_x1", issue_instant=harness.clock.now(), issuer=DV_ENTITY,
                      name_id=name_id, destination=SLO)
    )
    url = encode_redirect(SLO, request, kind="SAMLRequest", relay_state=None, key=None)
    assert_error_page(harness.client.get(url[len(HM_URL):]), 403)
