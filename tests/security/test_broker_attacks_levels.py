"""Level downgrades at the broker (issue 5, broker-specific): in the DV's request, in the AD
assertion, in the MR's (and MR2's) LevelOfAssuranceUsed, and through a broker SSO session.

Each test runs a genuine login through the broker's real endpoints with the fake peers of
tests/broker and changes one thing. The broker never trusts a peer's Success: it compares
every level with the level this login needs (spec §2) and answers AuthnFailed, or refuses the
request, with nothing asserted, no SSO session and one clean warning.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from etoegang.crypto.xmldsig import sign
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from makelaar.network import MR2_ENTITY
from policies.loa import Loa
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import SERVICE_EH2PLUS
from tests.broker.conftest import SERVICE_EH3
from tests.broker.conftest import Harness
from tests.broker.helpers import artifacts
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import assert_status
from tests.broker.helpers import dv_answer
from tests.broker.helpers import snapshot
from tests.security.conftest import assert_one_clean_warning

CLASS_REF = qname(SAML, "AuthnContextClassRef")
SIGNATURE = qname(DS, "Signature")


def _sessions(harness: Harness) -> set[str]:
    return {key for key in snapshot(harness) if key.startswith("session:")}


def _to_mr(harness: Harness, service_index: int, **ad: Any) -> Any:
    started = harness.post_request(harness.dv.request(service_index=service_index))
    assert started.status_code == 302
    return harness.ad_leg(harness.choose(), **ad)


def _refused_to_dv(harness: Harness, answer: Any, caplog: pytest.LogCaptureFixture) -> None:
    """AuthnFailed to the DV, no assertion, no flow left, no SSO session, one clean warning."""
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    assert not any(key.startswith(("flow:", "session:")) for key in snapshot(harness))
    assert "hm_session" not in answer.headers.get("Set-Cookie", "")
    assert_one_clean_warning(caplog)


# --- the DV's request ------------------------------------------------------------------------


def test_level_lowered_in_a_signed_request_is_refused_before_any_flow(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    element = harness.dv.request(service_index=2, requested=(Loa.EH3,))
    class_ref = element.find(f".//{CLASS_REF}")
    assert class_ref is not None
    class_ref.text = Loa.EH2.urn  # a proxy lowers the level the DV signed
    before = snapshot(harness)
    with caplog.at_level(logging.WARNING):
        answer = harness.post_request(element)
    assert_error_page(answer, 403)
    assert snapshot(harness) == before
    assert_one_clean_warning(caplog)


@pytest.mark.parametrize("level", ["urn:etoegang:core:assurance-class:loa1", "urn:x:weak"])
def test_request_for_a_discontinued_or_foreign_level_is_answered_request_unsupported(
    harness: Harness, level: str
) -> None:
    # The DV itself signs the weak level: the broker still never goes below eH2.
    signed = harness.dv.request(service_index=2, requested=(Loa.EH3,))
    for signature in signed.findall(SIGNATURE):
        signed.remove(signature)
    found = signed.find(f".//{CLASS_REF}")
    assert found is not None
    found.text = level
    sign(signed, harness.dv.ring.signing)
    response = dv_answer(harness, harness.post_request(signed))
    assert_status(response, StatusCode.REQUESTER, SubStatusCode.REQUEST_UNSUPPORTED)
    assert not any(key.startswith("flow:") for key in snapshot(harness))


# --- the AD assertion ------------------------------------------------------------------------


def test_ad_assertion_below_the_required_level_is_refused_despite_success(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    started = harness.post_request(harness.dv.request(service_index=2))
    assert started.status_code == 302
    to_ad = harness.choose()
    with caplog.at_level(logging.WARNING):
        answer = harness.ad_leg(to_ad, loa=Loa.EH2PLUS)
    _refused_to_dv(harness, answer, caplog)
    assert not artifacts(harness)  # no XACML query was issued for the MR


# --- the MR's and MR2's LevelOfAssuranceUsed ---------------------------------------------------


def test_mr_level_used_below_the_required_level_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    to_mr = _to_mr(harness, 2, loa=Loa.EH4)
    with caplog.at_level(logging.WARNING):
        answer = harness.mr_leg(to_mr, used=Loa.EH2PLUS)
    _refused_to_dv(harness, answer, caplog)


def test_mr2_level_used_below_the_required_level_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    to_mr2 = harness.mr_leg(_to_mr(harness, 2), next_mr=MR2_ENTITY)
    assert to_mr2.status_code == 302
    with caplog.at_level(logging.WARNING):
        answer = harness.mr_leg(to_mr2, peer=harness.mr2, used=Loa.EH2)
    _refused_to_dv(harness, answer, caplog)


def test_mr_level_above_the_means_level_does_not_raise_the_asserted_level(
    harness: Harness,
) -> None:
    to_mr = _to_mr(harness, 1, loa=Loa.EH2PLUS)
    response = dv_answer(harness, harness.mr_leg(to_mr, used=Loa.EH4))
    assertion = parse_assertion(response.assertion_elements[0])
    assert assertion.authn_statement is not None
    assert assertion.authn_statement.loa is Loa.EH2PLUS


# --- the broker SSO session --------------------------------------------------------------------


def test_sso_session_at_a_lower_level_is_not_reused_for_a_higher_service(
    harness: Harness,
) -> None:
    first = harness.login(harness.dv.request(service_index=1), loa=Loa.EH2PLUS)
    assert dv_answer(harness, first).status.is_success
    assert _sessions(harness), "the eH2+ login made a broker session"
    started = harness.post_request(harness.dv.request(service_index=2))
    # Not straight to the MR with the eH2+ assertion: the user chooses an AD again.
    assert started.status_code == 302
    assert started.headers["Location"].endswith("/broker/discovery")
    to_ad = harness.choose()
    assert to_ad.headers["Location"].startswith(f"{IDP_URL}/ad/sso")
    request, _ = harness.ad.receive(to_ad.headers["Location"])
    assert request.requested_authn_context is not None
    assert request.requested_authn_context.class_refs == (SERVICE_EH3.loa.urn,)
    assert SERVICE_EH2PLUS.loa is Loa.EH2PLUS
