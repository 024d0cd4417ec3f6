"""The AD, MR and MR2 legs: the broker checks every answer itself, whatever status it says."""

from __future__ import annotations

import pytest

from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.errors import ArtifactError
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.status import Status
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.messages.xacml import Decision
from makelaar.network import AD_ENTITY
from makelaar.network import MR2_ENTITY
from policies.loa import Loa
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import SERVICE_EH3
from tests.broker.conftest import Harness
from tests.broker.helpers import artifacts
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import assert_status
from tests.broker.helpers import dv_answer
from tests.broker.helpers import flows
from tests.broker.helpers import snapshot

CANCEL = Status(StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED, "The user cancelled.")


def _to_mr(harness: Harness, service_index: int = 1, **ad: object) -> object:
    assert harness.post_request(harness.dv.request(service_index=service_index)).status_code == 302
    return harness.ad_leg(harness.choose(), **ad)


def test_eh3_login_asserts_eh3_and_asks_the_ad_for_eh3(harness: Harness) -> None:
    assert harness.post_request(harness.dv.request(service_index=2)).status_code == 302
    to_ad = harness.choose()
    request, relay = harness.ad.receive(to_ad.headers["Location"])
    assert request.requested_authn_context is not None
    assert request.requested_authn_context.class_refs == (Loa.EH3.urn,)
    assert request.assertion_consumer_service_index == 1
    names = {e.get("Name"): e[0].text for e in request.other_extensions}
    assert names["urn:etoegang:core:ServiceID"] == SERVICE_EH3.service_id
    assert names["urn:etoegang:core:ServiceUUID"] == SERVICE_EH3.service_uuid
    to_mr = harness.follow(
        harness.ad.answer(request, relay, loa=Loa.EH4, service_uuid=SERVICE_EH3.service_uuid)
    )
    query, relay = harness.mr.receive(to_mr.headers["Location"])
    levels = {a.attribute_id: a.text for a in query.resource_attributes}
    assert levels["urn:etoegang:core:LevelOfAssurance"] == Loa.EH3.urn
    response = dv_answer(harness, harness.follow(harness.mr.answer(query, relay, used=Loa.EH3)))
    assertion = parse_assertion(response.assertion_elements[0])
    assert assertion.authn_statement is not None
    # AD eH4, mandate eH3: the achieved level is the mandate's, bounded by the means'.
    assert assertion.authn_statement.loa is Loa.EH3
    assert not flows(harness)


def test_ad_level_too_low_is_refused_even_with_success_status(harness: Harness) -> None:
    assert harness.post_request(harness.dv.request(service_index=2)).status_code == 302
    answer = harness.ad_leg(harness.choose(), loa=Loa.EH2PLUS)
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    assert not flows(harness)  # the login is over; nothing was sent to the MR
    assert not any(k for k in snapshot(harness) if k.startswith("flow:"))


def test_mr_used_level_too_low_is_refused(harness: Harness) -> None:
    answer = harness.mr_leg(_to_mr(harness, 2), used=Loa.EH2PLUS)
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def test_mr_statement_not_linked_to_the_ad_assertion_is_refused(harness: Harness) -> None:
    answer = harness.mr_leg(_to_mr(harness), linked="QUJDRA==")
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def test_mr_advice_referring_to_another_assertion_is_refused(harness: Harness) -> None:
    answer = harness.mr_leg(_to_mr(harness), advice_ref="_someone-else")
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def test_mr_statement_for_another_service_is_refused(harness: Harness) -> None:
    answer = harness.mr_leg(_to_mr(harness), service_id=SERVICE_EH3.service_id)
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def test_deny_lets_the_user_choose_again_or_cancel(harness: Harness) -> None:
    answer = harness.mr_leg(_to_mr(harness), decision=Decision.DENY)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/broker/discovery")
    page = harness.client.get("/broker/discovery")
    assert "geen machtiging" in page.get_data(as_text=True)
    cancelled = harness.choose(cancel=True)
    assert_status(dv_answer(harness, cancelled), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    assert not artifacts(harness)  # the one answer was resolved by the DV, once
    assert not flows(harness)


def test_deny_then_choosing_again_completes_the_login(harness: Harness) -> None:
    harness.mr_leg(_to_mr(harness), decision=Decision.DENY)
    again = harness.ad_leg(harness.choose())
    final = harness.mr_leg(again)
    response = dv_answer(harness, final)
    assert response.status.is_success


def test_cancel_at_the_mr_lets_the_user_choose_again(harness: Harness) -> None:
    answer = harness.mr_leg(_to_mr(harness), status=CANCEL)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/broker/discovery")
    assert len(flows(harness)) == 1


def test_cancel_at_the_ad_returns_to_discovery_and_ignores_the_remembered_choice(
    harness: Harness,
) -> None:
    assert harness.post_request(harness.dv.request()).status_code == 302
    to_ad = harness.choose(remember=True)
    assert "hm_ad=" in to_ad.headers.get("Set-Cookie", "") or any(
        "hm_ad=" in v for v in to_ad.headers.getlist("Set-Cookie")
    )
    back = harness.ad_leg(to_ad, status=CANCEL)
    assert back.status_code == 302
    assert back.headers["Location"].endswith("/broker/discovery")
    # The remembered AD would normally skip the list; after a cancel the list is shown, with
    # no choice preselected and "remember" unticked.
    page = harness.client.get("/broker/discovery")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "afgebroken" in text
    assert " checked" not in text
    # A new login with the remembered choice skips discovery straight to the AD.
    assert harness.post_request(harness.dv.request()).status_code == 302
    skipped = harness.client.get("/broker/discovery")
    assert skipped.status_code == 302
    assert skipped.headers["Location"].startswith(f"{IDP_URL}/ad/sso")


def test_chain_via_mr2_delivers_the_clients_identifiers_and_the_intermediary(
    harness: Harness,
) -> None:
    to_mr2 = harness.mr_leg(_to_mr(harness, 2), next_mr=MR2_ENTITY, intermediary=True)
    assert to_mr2.status_code == 302
    query, relay = harness.mr2.receive(to_mr2.headers["Location"])
    assert len(query.assertions) == 2  # the AD and the MR1 assertion, unchanged
    final = harness.follow(harness.mr2.answer(query, relay, legal_kvk="11112222"))
    response = dv_answer(harness, final)
    assertion = parse_assertion(response.assertion_elements[0])
    assert assertion.advice is not None and len(assertion.advice.assertions) == 3
    names = {a.name: a for a in assertion.attributes}
    assert names["urn:etoegang:1.9:IntermediateEntityID:KvKnr"].texts == ("87654321",)
    assert names["urn:etoegang:1.13:attribute-intermediate:CompanyName"].texts == (
        "Accountants B.V.",
    )
    for nested in assertion.advice.assertions:
        issuer = nested.findtext("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer") or ""
        certs = harness.ad.directory.signing_certificates(issuer)
        verify(nested, VerifyPolicy(trusted=certs))


def test_hm_artifact_resolves_once(harness: Harness) -> None:
    final = harness.login()
    location = final.headers["Location"]
    harness.dv.hm_response(location, harness.hm_certs)
    with pytest.raises(ArtifactError):
        harness.dv.hm_response(location, harness.hm_certs)


def test_replayed_ad_artifact_changes_nothing(harness: Harness) -> None:
    assert harness.post_request(harness.dv.request()).status_code == 302
    to_ad = harness.choose()
    request, relay = harness.ad.receive(to_ad.headers["Location"])
    url = harness.ad.answer(request, relay, service_uuid=harness_uuid(request))
    assert harness.follow(url).status_code == 302
    before = snapshot(harness)
    assert_error_page(harness.follow(url), 400)
    assert snapshot(harness) == before


def test_answer_from_the_wrong_peer_is_refused_without_changing_the_flow(
    harness: Harness,
) -> None:
    assert harness.post_request(harness.dv.request()).status_code == 302
    to_ad = harness.choose()
    request, relay = harness.ad.receive(to_ad.headers["Location"])
    # the MR answers where the AD should: refused, flow unchanged
    wrong = harness.mr.artifact_url(harness.mr.acs_url, harness.mr.response(
        destination=harness.mr.acs_url, in_response_to=request.id, assertion=None), relay)
    before = snapshot(harness)
    assert_error_page(harness.follow(wrong), 400)
    assert snapshot(harness) == before


def test_ad_assertion_for_another_recipient_is_refused(harness: Harness) -> None:
    answer = _to_mr(harness, 1, recipient="http://elsewhere.test/acs")
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def test_ad_assertion_without_hm_audience_is_refused(harness: Harness) -> None:
    answer = _to_mr(harness, 1, audiences=("urn:etoegang:DV:00000099000000000003:entities:9001",))
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)


def harness_uuid(request: object) -> str:
    for extension in request.other_extensions:  # type: ignore[attr-defined]
        if extension.get("Name") == "urn:etoegang:core:ServiceUUID":
            return str(extension[0].text)
    raise AssertionError


__all__ = ["AD_ENTITY"]
