"""Forged chain obligations and a skipped MR2 (issue 5, broker-specific; spec §7).

An MR's Permit that carries ``RequireConfirmationFromNextMR`` is only a mandate once the next
MR confirms it. The broker follows the obligation only to a registered MR other than the one
that answered, never delivers a chain without the MR2 answer, and never accepts another MR's
answer in MR2's place. The DV adapter refuses an Advice whose chain names an MR whose
assertion is absent.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from lxml import etree

from etoegang.messages.assertion import Advice
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from makelaar.network import AD_ENTITY
from makelaar.network import MR2_ENTITY
from makelaar.network import MR_ENTITY
from sp_adapters.eherkenning.result import FailureKind
from tests.broker.conftest import Harness
from tests.broker.helpers import artifacts
from tests.broker.helpers import assert_error_page
from tests.broker.helpers import assert_status
from tests.broker.helpers import dv_answer
from tests.broker.helpers import snapshot
from tests.security.conftest import assert_one_clean_warning
from tests.sp_adapters import fake_hm
from tests.sp_adapters.conftest import DvHarness
from tests.sp_adapters.fake_hm import Scenario

UNREGISTERED_MR = "urn:etoegang:MR:00000099000000000666:entities:9002"


def _to_mr(harness: Harness) -> Any:
    assert harness.post_request(harness.dv.request(service_index=2)).status_code == 302
    return harness.ad_leg(harness.choose())


def _flows(harness: Harness) -> dict[str, bytes | None]:
    return {k: v for k, v in snapshot(harness).items() if k.startswith("flow:")}


@pytest.mark.parametrize(
    "next_mr",
    [UNREGISTERED_MR, AD_ENTITY, MR_ENTITY],
    ids=["unregistered", "not-an-mr", "the-same-mr"],
)
def test_forged_chain_obligation_is_refused_and_nobody_is_queried(
    harness: Harness, caplog: pytest.LogCaptureFixture, next_mr: str
) -> None:
    to_mr = _to_mr(harness)
    with caplog.at_level(logging.WARNING):
        answer = harness.mr_leg(to_mr, next_mr=next_mr)
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    assert not artifacts(harness)  # no query was issued to the named entity
    assert not any(k.startswith(("flow:", "session:")) for k in snapshot(harness))
    assert_one_clean_warning(caplog)


def test_mr2_asking_for_a_further_mr_is_not_delivered_as_a_mandate(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    to_mr2 = harness.mr_leg(_to_mr(harness), next_mr=MR2_ENTITY)
    with caplog.at_level(logging.WARNING):
        answer = harness.mr_leg(to_mr2, peer=harness.mr2, next_mr=MR_ENTITY)
    assert_status(dv_answer(harness, answer), StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    assert not any(k.startswith(("flow:", "session:")) for k in snapshot(harness))
    assert_one_clean_warning(caplog)


def test_mr1_answering_in_place_of_mr2_is_refused_and_mr2_still_completes(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    to_mr = _to_mr(harness)
    query, relay = harness.mr.receive(to_mr.headers["Location"])
    to_mr2 = harness.follow(harness.mr.answer(query, relay, next_mr=MR2_ENTITY))
    assert to_mr2.status_code == 302
    # MR1 answers its own query again, without the obligation: MR2 skipped.
    skipping = harness.mr.answer(query, relay)
    before = _flows(harness)
    with caplog.at_level(logging.WARNING):
        refused = harness.follow(skipping)
    assert_error_page(refused, 400)
    assert _flows(harness) == before
    assert_one_clean_warning(caplog)
    final = harness.mr_leg(to_mr2, peer=harness.mr2)
    assert dv_answer(harness, final).status.is_success


def test_dv_refuses_a_chain_delivered_without_the_mr2_assertion(
    dv: DvHarness,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    issuer = qname(SAML, "Issuer")

    def without_mr2(assertions: tuple[etree._Element, ...] = (), **rest: Any) -> Advice:
        kept = tuple(a for a in assertions if a.findtext(issuer) != MR2_ENTITY)
        return Advice(assertions=kept, **rest)

    monkeypatch.setattr(fake_hm, "Advice", without_mr2)
    with caplog.at_level(logging.WARNING):
        response = dv.login(Scenario(chain=True))
    assert response.status_code == 400
    assert dv.logins == []
    (failure,) = dv.failures
    assert failure.kind is FailureKind.INVALID
    assert failure.code == "advice_chain_refused"
    assert_one_clean_warning(caplog)
