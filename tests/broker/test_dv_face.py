"""The DV face: POST, Redirect and Artifact AuthnRequests; every refusal before the return
channel is known ends on an error page and changes nothing; level and RelayState rules."""

from __future__ import annotations

from etoegang.bindings.redirect import encode_redirect
from etoegang.crypto.xmldsig import sign
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import build_authn_request
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from policies.loa import Loa
from tests.broker.conftest import HM_URL
from tests.broker.conftest import SSO
from tests.broker.conftest import Harness
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import assert_status
from tests.broker.helpers import dv_answer
from tests.broker.helpers import flows
from tests.broker.helpers import snapshot


def _unsigned(harness: Harness, **values: object) -> AuthnRequest:
    return AuthnRequest(
        id=harness.dv.ids.new_id(),
        issue_instant=harness.clock.now(),
        issuer=str(values.pop("issuer", DV_ENTITY)),
        destination=SSO,
        attribute_consuming_service_index=1,
        **values,  # type: ignore[arg-type]
    )


def test_post_request_starts_a_flow_and_goes_to_discovery(harness: Harness) -> None:
    answer = harness.post_request(harness.dv.request())
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/broker/discovery")
    assert len(flows(harness)) == 1
    cookie = answer.headers["Set-Cookie"]
    assert "hm_flow=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_redirect_request_with_detached_signature_is_accepted(harness: Harness) -> None:
    element = build_authn_request(_unsigned(harness))
    url = encode_redirect(SSO, element, kind="SAMLRequest", relay_state="r1",
                          key=harness.dv.ring.signing)
    answer = harness.client.get(url[len(HM_URL):])
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith("/broker/discovery")


def test_redirect_request_signed_by_another_key_is_refused(harness: Harness) -> None:
    element = build_authn_request(_unsigned(harness))
    url = encode_redirect(SSO, element, kind="SAMLRequest", relay_state=None,
                          key=harness.mr.ring.signing)
    before = snapshot(harness)
    assert_error_page(harness.client.get(url[len(HM_URL):]), 403)
    assert snapshot(harness) == before


def test_unsigned_redirect_request_is_refused(harness: Harness) -> None:
    element = build_authn_request(_unsigned(harness))
    url = encode_redirect(SSO, element, kind="SAMLRequest", relay_state=None, key=None)
    assert_error_page(harness.client.get(url[len(HM_URL):]), 403)
    assert not flows(harness)


def test_artifact_request_is_resolved_at_the_dv(harness: Harness) -> None:
    element = harness.dv.request()
    url = harness.dv.artifact_url(SSO, element, "via-artifact")
    answer = harness.client.get(url[len(HM_URL):])
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith("/broker/discovery")
    # the DV's artifact was used once: a second try finds nothing and changes nothing
    before = snapshot(harness)
    assert_error_page(harness.client.get(url[len(HM_URL):]), 400)
    assert snapshot(harness) == before


def test_unknown_dv_gets_an_error_page_and_nothing_changes(harness: Harness) -> None:
    element = build_authn_request(
        _unsigned(harness, issuer="urn:etoegang:DV:00000099000000000009:entities:9001")
    )
    sign(element, harness.dv.ring.signing)
    before = snapshot(harness)
    assert_error_page(harness.post_request(element), 403)
    assert snapshot(harness) == before


def test_request_signed_with_another_peers_key_is_refused(harness: Harness) -> None:
    before = snapshot(harness)
    answer = harness.post_request(harness.dv.request(key=harness.mr.ring.signing))
    assert_error_page(answer, 403)
    assert snapshot(harness) == before


def test_unregistered_acs_url_gets_an_error_page_never_a_redirect(harness: Harness) -> None:
    before = snapshot(harness)
    answer = harness.post_request(
        harness.dv.request(acs_url="https://attacker.example/acs", service_index=1)
    )
    assert_error_page(answer, 400)
    assert snapshot(harness) == before


def test_registered_acs_url_is_accepted(harness: Harness) -> None:
    answer = harness.post_request(harness.dv.request(acs_url=harness.dv.acs_url))
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/broker/discovery")


def test_replayed_request_is_refused(harness: Harness) -> None:
    element = harness.dv.request()
    assert harness.post_request(element).status_code == 302
    before = snapshot(harness)
    assert_error_page(harness.post_request(element), 400)
    assert snapshot(harness) == before


def test_request_for_another_destination_is_refused(harness: Harness) -> None:
    element = harness.dv.request(destination="https://other-hm.example/sso")
    assert_error_page(harness.post_request(element), 400)
    assert not flows(harness)


def test_expired_request_is_refused(harness: Harness) -> None:
    element = harness.dv.request()
    from datetime import timedelta

    harness.clock.move_to(harness.clock.now() + timedelta(minutes=20))
    assert_error_page(harness.post_request(element), 400)
    assert not flows(harness)


def test_relay_state_over_80_bytes_is_refused(harness: Harness) -> None:
    before = snapshot(harness)
    assert_error_page(harness.post_request(harness.dv.request(), relay="x" * 81), 400)
    assert snapshot(harness) == before


def test_level_above_the_catalogue_is_answered_requester_request_unsupported(
    harness: Harness,
) -> None:
    # service 1 is eH2+ in the catalogue; asking eH3 is asking more than the catalogue allows
    answer = harness.post_request(harness.dv.request(service_index=1, requested=(Loa.EH3,)),
                                  relay="keep-me")
    response = dv_answer(harness, answer)
    assert_status(response, StatusCode.REQUESTER, SubStatusCode.REQUEST_UNSUPPORTED)
    assert response.issuer == HM_ENTITY
    assert "RelayState=keep-me" in answer.headers["Location"]
    assert not flows(harness)


def test_eh1_is_refused(harness: Harness) -> None:
    answer = harness.post_request(harness.dv.request(service_index=2, requested=(Loa.EH1,)))
    assert_status(dv_answer(harness, answer), StatusCode.REQUESTER,
                  SubStatusCode.REQUEST_UNSUPPORTED)


def test_lower_requested_level_lowers_the_required_level(harness: Harness) -> None:
    answer = harness.post_request(
        harness.dv.request(service_index=2, requested=(Loa.EH4, Loa.EH2PLUS))
    )
    assert answer.status_code == 302
    flow_key = next(iter(flows(harness)))
    assert Loa.EH2PLUS.urn.encode() in (harness.state.get(flow_key) or b"")


def test_unknown_service_index_is_answered_to_the_dv(harness: Harness) -> None:
    answer = harness.post_request(harness.dv.request(service_index=77))
    assert_status(dv_answer(harness, answer), StatusCode.REQUESTER,
                  SubStatusCode.REQUEST_UNSUPPORTED)
