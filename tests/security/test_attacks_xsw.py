"""Signature wrapping through the roles' real HTTP endpoints (issue 5): XSW1-XSW8 on the AD's
Response and assertion at the broker's ACS, on the ArtifactResponse on the back channel, on the
MR's assertion (the change inside the XACML statement), on the DV's AuthnRequest at the broker's
SSO endpoint, and on the HM's Response, assertion and Advice at the DV adapter's ACS.

Every attack starts from a genuine message of an honest fake peer and wraps it once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import tests.sp_adapters.fake_hm as fake_hm
from etoegang.messages.authn_request import AuthnRequest
from etoegang.state import InMemoryStateStore
from tests.broker.conftest import DV_ACS
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.security.conftest import ADVICE
from tests.security.conftest import XSW_VARIANTS
from tests.security.conftest import Element
from tests.security.conftest import Mutation
from tests.security.conftest import assert_one_clean_warning
from tests.security.conftest import assert_refusal_page
from tests.security.conftest import live_state
from tests.security.conftest import new_keys
from tests.security.conftest import soap_body_mitm
from tests.security.conftest import tampered_issue
from tests.security.conftest import wrap_assertion
from tests.security.conftest import wrap_root
from tests.security.conftest import xsw
from tests.sp_adapters.conftest import DvHarness


def _at_ad(harness: Harness) -> tuple[AuthnRequest, str | None, str]:
    started = harness.post_request(harness.dv.request())
    assert started.status_code == 302
    redirect = harness.choose()
    request, relay = harness.ad.receive(redirect.headers["Location"])
    uuid = next(
        str(e[0].text) for e in request.other_extensions
        if e.get("Name") == "urn:etoegang:core:ServiceUUID"
    )
    return request, relay, uuid


def _ad_attack(harness: Harness, caplog: pytest.LogCaptureFixture, mutate: Mutation) -> None:
    request, relay, uuid = _at_ad(harness)
    before = live_state(harness.state)
    caplog.clear()
    with tampered_issue(harness.ad, mutate):
        url = harness.ad.answer(request, relay, service_uuid=uuid)
    answer = harness.follow(url)
    assert_refusal_page(answer, 403)
    after = live_state(harness.state)
    assert new_keys(before, after) == set(), "no artifact, session or replay entry"
    assert after == before, "the login is left as it was"
    assert_one_clean_warning(caplog)
    # The honest AD's answer to the same request still completes the leg.
    honest = harness.follow(harness.ad.answer(request, relay, service_uuid=uuid))
    assert honest.status_code == 302
    assert honest.headers["Location"].startswith(f"{IDP_URL}/mr/")


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_ad_assertion_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    _ad_attack(harness, caplog, wrap_assertion(variant))


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_ad_response_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    _ad_attack(harness, caplog, wrap_root(variant))


IDS = [f"XSW{v}" for v in XSW_VARIANTS]


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=IDS)
def test_xsw_on_artifact_response_on_the_back_channel_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    """A man in the middle of the SOAP back channel wraps the AD's signed ArtifactResponse."""
    routes = harness.dv.transport._routes  # type: ignore[attr-defined]  # noqa: SLF001
    prefix = f"{IDP_URL}/ad/"
    honest = routes[prefix]
    request, relay, uuid = _at_ad(harness)
    before = live_state(harness.state)
    url = harness.ad.answer(request, relay, service_uuid=uuid)
    caplog.clear()
    routes[prefix] = soap_body_mitm(honest, wrap_root(variant))
    try:
        answer = harness.follow(url)
    finally:
        routes[prefix] = honest
    # Refused by the SOAP layer (a Body with two children) or by the signature check.
    assert_refusal_page(answer, 400, 403)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)
    again = harness.follow(harness.ad.answer(request, relay, service_uuid=uuid))
    assert again.headers["Location"].startswith(f"{IDP_URL}/mr/")


def _at_mr(harness: Harness) -> tuple[Any, str | None]:
    started = harness.post_request(harness.dv.request())
    assert started.status_code == 302
    after_ad = harness.ad_leg(harness.choose())
    query, relay = harness.mr.receive(after_ad.headers["Location"])
    return query, relay


def _mr_attack(harness: Harness, caplog: pytest.LogCaptureFixture, mutate: Mutation) -> None:
    query, relay = _at_mr(harness)
    before = live_state(harness.state)
    caplog.clear()
    with tampered_issue(harness.mr, mutate):
        url = harness.mr.answer(query, relay)
    answer = harness.follow(url)
    assert_refusal_page(answer, 403)
    assert live_state(harness.state) == before, "no artifact for the DV, login kept"
    assert_one_clean_warning(caplog)
    honest = harness.follow(harness.mr.answer(query, relay))
    assert honest.headers["Location"].startswith(DV_ACS + "?")


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=IDS)
def test_xsw_on_mr_assertion_changing_the_xacml_statement_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    """The evil copy says LevelOfAssuranceUsed eH4 inside the XACML decision statement."""
    _mr_attack(harness, caplog, wrap_assertion(variant))


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=IDS)
def test_xsw_on_mr_response_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    _mr_attack(harness, caplog, wrap_root(variant))


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=IDS)
def test_xsw_on_dv_authn_request_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    """The evil copy asks for another service (AttributeConsumingServiceIndex 2)."""
    genuine = harness.dv.request()
    attacked = xsw(variant, copy_of(genuine))
    before = live_state(harness.state)
    caplog.clear()
    answer = harness.post_request(attacked)
    assert_refusal_page(answer)
    assert live_state(harness.state) == before, "no flow, no replay entry"
    assert_one_clean_warning(caplog)
    honest = harness.post_request(genuine)
    assert honest.status_code == 302 and honest.headers["Location"].endswith("/discovery")


def copy_of(element: Element) -> Element:
    from etoegang.xml.parser import parse_xml
    from etoegang.xml.parser import serialize

    return parse_xml(serialize(element))


# --- the DV adapter's ACS -------------------------------------------------------------------


def _dv_attack(dv: DvHarness, caplog: pytest.LogCaptureFixture, mutate: Mutation) -> None:
    request, relay = dv.start()
    uuid = dv.settings.service(1).service_uuid
    store = dv.sp.state
    assert isinstance(store, InMemoryStateStore)
    replay_before = {k for k in live_state(store) if k.startswith("replay")}
    caplog.clear()
    with tampered_issue(dv.hm, mutate):
        artifact = dv.hm.answer(request, uuid)
    answer = dv.client.get("/saml/acs", query_string={"SAMLart": artifact, "RelayState": relay})
    assert answer.status_code == 400
    assert dv.logins == [] and len(dv.failures) == 1
    replay_after = {k for k in live_state(store) if k.startswith("replay")}
    assert replay_after == replay_before, "no assertion ID of the forged answer is used up"
    assert_one_clean_warning(caplog)
    # The user starts again and the honest HM's answer logs in.
    assert dv.login().status_code == 200 and len(dv.logins) == 1


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=IDS)
def test_xsw_on_hm_response_at_dv_acs_is_refused(
    dv: DvHarness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    _dv_attack(dv, caplog, wrap_root(variant))


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=IDS)
def test_xsw_on_hm_assertion_at_dv_acs_is_refused(
    dv: DvHarness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    _dv_attack(dv, caplog, wrap_assertion(variant))


@pytest.fixture()
def wrapping_inside_advice(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[None]:
    """The HM (a buggy or hostile one) signs an assertion whose Advice holds a wrapped AD
    assertion: only the DV's own check of the Advice can refuse it."""
    real_sign = fake_hm.sign  # type: ignore[attr-defined]
    variant: int = request.param

    def sign(element: Element, key: Any, **options: Any) -> Element:
        advice = element.find(ADVICE)
        if advice is not None and len(advice):
            xsw(variant, advice[0])
        return real_sign(element, key, **options)

    monkeypatch.setattr(fake_hm, "sign", sign)
    yield
    monkeypatch.setattr(fake_hm, "sign", real_sign)


@pytest.mark.parametrize("wrapping_inside_advice", XSW_VARIANTS, ids=IDS, indirect=True)
def test_xsw_on_ad_assertion_inside_advice_at_dv_acs_is_refused(
    dv: DvHarness, caplog: pytest.LogCaptureFixture, wrapping_inside_advice: None
) -> None:
    request, relay = dv.start()
    artifact = dv.hm.answer(request, dv.settings.service(1).service_uuid)
    caplog.clear()
    answer = dv.client.get("/saml/acs", query_string={"SAMLart": artifact, "RelayState": relay})
    assert answer.status_code == 400
    assert dv.logins == []
    assert_one_clean_warning(caplog)
