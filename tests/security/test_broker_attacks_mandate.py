"""A mandate for company A presented as company B (issue 5, broker-specific).

At the broker: the MR assertion (or the AD assertion) of one login spliced into another
login's answer, a fresh MR statement linked to another login's AD assertion, and an
EncryptedID swapped in from another login. At the DV adapter: an HM assertion whose
LegalSubjectID is not the one an MR vouched for, and an MR assertion linked to another AD
assertion. Each starts from a genuine login and changes one thing; the refusal leaves the
victim's login able to complete with the honest answer wherever the login is not over.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from lxml import etree

from etoegang.crypto.xmldsig import signature_value
from etoegang.crypto.xmlenc import encrypt_id
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XENC
from etoegang.xml.ns import qname
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import DV_ENTITY
from makelaar.network import MR_ENTITY
from sp_adapters.eherkenning.result import FailureKind
from tests.broker.conftest import ACS
from tests.broker.conftest import Harness
from tests.broker.fakes import name_id_element
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import assert_status
from tests.broker.helpers import dv_answer
from tests.broker.helpers import snapshot
from tests.security.conftest import assert_one_clean_warning
from tests.security.conftest import tampered_issue
from tests.sp_adapters import fake_hm
from tests.sp_adapters.conftest import DvHarness
from tests.sp_adapters.fake_hm import Scenario

ISSUER = qname(SAML, "Issuer")
ENCRYPTED_ID = qname(SAML, "EncryptedID")
COMPANY_B = "87654321"


def _new_browser(harness: Harness) -> None:
    """Another browser (no cookies) on the same broker: the next login's user."""
    harness.client = harness.app.test_client()
    harness.client.environ_base["HTTP_HOST"] = "hm.test"


def _advice_of(harness: Harness, final: Any) -> dict[str, etree._Element]:
    """The AD and MR assertions the broker delivered in Advice, by issuer."""
    response = dv_answer(harness, final)
    assertion = parse_assertion(response.assertion_elements[0])
    assert assertion.advice is not None
    return {str(a.findtext(ISSUER)): copy.deepcopy(a) for a in assertion.advice.assertions}


def _first_login(harness: Harness) -> dict[str, etree._Element]:
    advice = _advice_of(harness, harness.login())
    _new_browser(harness)
    return advice


def _flow_keys(harness: Harness) -> dict[str, bytes | None]:
    return {k: v for k, v in snapshot(harness).items() if k.startswith("flow:")}


# --- at the broker -------------------------------------------------------------------------------


def test_mr_assertion_of_another_login_is_refused_and_the_honest_answer_still_completes(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    earlier = _first_login(harness)[MR_ENTITY]
    assert harness.post_request(harness.dv.request()).status_code == 302
    to_mr = harness.ad_leg(harness.choose())
    query, relay = harness.mr.receive(to_mr.headers["Location"])
    # A Response signed by the MR, answering this query, carrying login 1's statement.
    spliced = harness.mr.response(destination=ACS, in_response_to=query.id, assertion=earlier)
    before = _flow_keys(harness)
    with caplog.at_level(logging.WARNING):
        refused = harness.follow(harness.mr.artifact_url(ACS, spliced, relay))
    assert_error_page(refused, 400)
    assert _flow_keys(harness) == before
    assert_one_clean_warning(caplog)
    honest = dv_answer(harness, harness.follow(harness.mr.answer(query, relay)))
    assert honest.status.is_success


def test_fresh_mr_statement_linked_to_another_logins_ad_assertion_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    other_ad = _first_login(harness)[AD_ENTITY]
    sessions = {k for k in snapshot(harness) if k.startswith("session:")}
    assert harness.post_request(harness.dv.request()).status_code == 302
    to_mr = harness.ad_leg(harness.choose())
    with caplog.at_level(logging.WARNING):
        answer = harness.mr_leg(
            to_mr, linked=signature_value(other_ad), advice_ref=other_ad.get("ID")
        )
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    assert not _flow_keys(harness)
    assert {k for k in snapshot(harness) if k.startswith("session:")} == sessions
    assert_one_clean_warning(caplog)


def test_ad_assertion_of_another_login_is_refused_and_the_honest_answer_still_completes(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    earlier = _first_login(harness)[AD_ENTITY]
    assert harness.post_request(harness.dv.request()).status_code == 302
    request, relay = harness.ad.receive(harness.choose().headers["Location"])
    spliced = harness.ad.response(destination=ACS, in_response_to=request.id, assertion=earlier)
    before = _flow_keys(harness)
    with caplog.at_level(logging.WARNING):
        refused = harness.follow(harness.ad.artifact_url(ACS, spliced, relay))
    assert_error_page(refused, 400)
    assert _flow_keys(harness) == before
    assert_one_clean_warning(caplog)
    uuid = next(str(e[0].text) for e in request.other_extensions
                if e.get("Name") == "urn:etoegang:core:ServiceUUID")
    to_mr = harness.follow(harness.ad.answer(request, relay, service_uuid=uuid))
    assert dv_answer(harness, harness.mr_leg(to_mr)).status.is_success


def test_encrypted_id_swapped_in_from_another_login_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    earlier = _first_login(harness)[MR_ENTITY]
    other_ids = earlier.findall(f".//{ENCRYPTED_ID}")
    assert other_ids
    assert harness.post_request(harness.dv.request()).status_code == 302
    to_mr = harness.ad_leg(harness.choose())
    query, relay = harness.mr.receive(to_mr.headers["Location"])

    def swap(message: etree._Element) -> etree._Element:
        ours = message.findall(f".//{ENCRYPTED_ID}")
        assert len(ours) == len(other_ids)
        for mine, theirs in zip(ours, other_ids, strict=True):
            parent = mine.getparent()
            assert parent is not None
            parent.replace(mine, copy.deepcopy(theirs))
        return message

    before = _flow_keys(harness)
    with tampered_issue(harness.mr, swap):
        url = harness.mr.answer(query, relay)
    with caplog.at_level(logging.WARNING):
        refused = harness.follow(url)
    assert_error_page(refused, 403)
    assert _flow_keys(harness) == before
    assert_one_clean_warning(caplog)
    assert dv_answer(harness, harness.follow(harness.mr.answer(query, relay))).status.is_success


# --- at the DV adapter ---------------------------------------------------------------------------


def _dv_refused(dv_app: DvHarness, scenario: Scenario, code: str) -> None:
    response = dv_app.login(scenario)
    assert response.status_code == 400
    assert dv_app.logins == []
    (failure,) = dv_app.failures
    assert failure.kind is FailureKind.INVALID
    assert failure.code == code, failure


def test_dv_refuses_a_legal_subject_the_mr_did_not_vouch_for(
    dv: DvHarness,
    rings: dict[str, KeyRing],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = fake_hm._fresh_ids
    calls: list[str] = []

    def company_b_for_legal(encrypted: etree._Element, suffix: str) -> etree._Element:
        calls.append(suffix)
        if len(calls) == 2:  # the HM's LegalSubjectID (ActingSubjectID comes first)
            other = encrypt_id(
                name_id_element(COMPANY_B, "urn:etoegang:1.9:EntityConcernedID:KvKnr"),
                rings["dv"].encryption.as_peer(),
                recipient=DV_ENTITY,
                ids=dv.hm.ids,
            )
            assert other.find(f".//{qname(XENC, 'EncryptedData')}") is not None
            return real(other, suffix)
        return real(encrypted, suffix)

    monkeypatch.setattr(fake_hm, "_fresh_ids", company_b_for_legal)
    with caplog.at_level(logging.WARNING):
        _dv_refused(dv, Scenario(), "advice_chain_refused")
    assert calls == ["hm", "hm"]
    assert_one_clean_warning(caplog, extra_personal=(COMPANY_B,))


def test_dv_refuses_an_mr_assertion_linked_to_another_ad_assertion(
    dv: DvHarness,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        _dv_refused(dv, Scenario(linked_mismatch=True), "advice_chain_refused")
    assert_one_clean_warning(caplog)
