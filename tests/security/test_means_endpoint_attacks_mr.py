"""Attacks on the registers' protocol endpoints (issue 5): ``/mr/sso/1.13`` and
``/mr2/sso/1.13`` (SAMLart -> the HM's XACMLAuthzDecisionQuery carrying the AD assertion, and
for MR2 the MR1 assertion, resolved at the HM) and ``/mr/ars/1.13``, ``/mr2/ars/1.13``.

Each test starts from a genuine query of the fake HM (``tests/idp_mr/harness.py``) and changes
one thing. A query the register cannot trust ends on an error page with nothing stored; a
trusted query whose carried assertions are refused is answered to the HM with
Requester/RequestUnsupported and no assertion. Either way: one warning without personal data,
and the honest query still gets its Permit afterwards.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from etoegang.bindings import soap
from etoegang.clock import FixedClock
from etoegang.crypto.xmldsig import sign
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.messages.xacml import build_decision_query
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XACML_CONTEXT
from etoegang.xml.ns import XACML_SAMLP
from etoegang.xml.ns import qname
from etoegang.xml.parser import serialize
from idp.app import context_of
from idp.db.models import Person
from idp.mr.pending import COOKIE as FLOW_COOKIE
from keys.ring import KeyPair
from keys.ring import KeyRing
from makelaar.network import DEMO_SERVICES
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import MR2_ENTITY
from makelaar.network import MR_ENTITY
from policies.loa import Loa
from tests.idp_mr.conftest import app  # noqa: F401 - fixture re-used
from tests.idp_mr.conftest import catalogue  # noqa: F401 - fixture re-used
from tests.idp_mr.conftest import hm  # noqa: F401 - fixture re-used
from tests.idp_mr.conftest import mr_clock  # noqa: F401 - fixture re-used
from tests.idp_mr.conftest import network  # noqa: F401 - fixture re-used
from tests.idp_mr.harness import HM_ACS
from tests.idp_mr.harness import IDP
from tests.idp_mr.harness import Answer
from tests.idp_mr.harness import FakeHm
from tests.idp_mr.test_mr_chain import PAYROLL
from tests.idp_mr.test_mr_chain import _mr1_chain
from tests.security.conftest import ASSERTION
from tests.security.conftest import XSW_VARIANTS
from tests.security.conftest import Element
from tests.security.conftest import Mutation
from tests.security.conftest import assert_one_clean_warning
from tests.security.conftest import assert_refusal_page
from tests.security.conftest import live_state
from tests.security.conftest import raise_level
from tests.security.conftest import wrap_assertion
from tests.security.conftest import wrap_root
from tests.security.conftest import xsw
from tests.security.test_attacks_parsing import VARIANTS
from tests.security.test_attacks_parsing import _variants
from tests.security.test_attacks_signatures import KINDS
from tests.security.test_attacks_signatures import _changes
from tests.security.test_attacks_signatures import attacker  # noqa: F401 - fixture re-used
from tests.security.test_means_endpoint_attacks_ad import artifact_resolve
from tests.security.test_means_endpoint_attacks_ad import assert_fault
from tests.security.test_means_endpoint_attacks_ad import bare
from tests.security.test_means_endpoint_attacks_ad import carried_message
from tests.security.test_means_endpoint_attacks_ad import comment_in
from tests.security.test_means_endpoint_attacks_ad import in_soap_body
from tests.security.test_means_endpoint_attacks_ad import issue_as_is
from tests.security.test_means_endpoint_attacks_ad import mitm
from tests.security.test_means_endpoint_attacks_ad import parsing_variant
from tests.security.test_means_endpoint_attacks_ad import soap_post
from tests.security.test_means_endpoint_attacks_ad import unchanged

GRANT = DEMO_SERVICES[0]
ANNA = "anna@goudenkorst.example"
QUERY = qname(XACML_SAMLP, "XACMLAuthzDecisionQuery")


def _anna(app: Flask) -> str:  # noqa: F811 - the fixture
    with context_of(app).db() as db:
        return str(db.scalars(select(Person.pseudonym).where(Person.email == ANNA)).one())


def _query(hm: FakeHm, ad: Element, *, register: str = MR_ENTITY,  # noqa: F811
           mr1: Element | None = None, change: Mutation = unchanged,
           key: KeyPair | None = None, issue_offset: int = 0,
           service: Any = GRANT, level: Loa | None = None) -> Element:
    """The HM's signed query; ``change`` is applied before the HM signs it."""
    path = "/mr" if register == MR_ENTITY else "/mr2"
    element = build_decision_query(
        issuer=HM_ENTITY,
        destination=f"{IDP}{path}/sso/1.13",
        ad_assertion=ad,
        acs_index=1,
        intended_audience=DV_ENTITY,
        service_id=service.service_id,
        service_uuid=service.service_uuid,
        level_of_assurance=level or service.loa,
        clock=FixedClock(hm.clock.now() + timedelta(seconds=issue_offset)),
        ids=hm.ids,
        mr1_assertion=mr1,
    )
    element = change(element).getroottree().getroot()
    sign(element, key or hm.rings["hm"].signing)
    return element


def _visit(app: Flask, artifact: str, register: str = MR_ENTITY,  # noqa: F811
           relay_state: str | None = "rs-1") -> Any:
    query = {"SAMLart": artifact}
    if relay_state is not None:
        query["RelayState"] = relay_state
    path = "/mr/sso/1.13" if register == MR_ENTITY else "/mr2/sso/1.13"
    return app.test_client().get(path, query_string=query)


def _send(app: Flask, hm: FakeHm, query: Element, register: str = MR_ENTITY,  # noqa: F811
          mutate: Mutation = unchanged, relay_state: str | None = "rs-1") -> Any:
    return _visit(app, issue_as_is(hm.issuer, query, register, mutate), register, relay_state)


class Watch:
    """What the register holds before an attack."""

    def __init__(self, app: Flask, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
        self.app = app
        self.caplog = caplog
        self.state = live_state(context_of(app).state)
        caplog.clear()

    def untrusted(self, answer: Any) -> None:
        """An error page; no flow, flow cookie, artifact or replay record; one warning."""
        assert_refusal_page(answer, 400)
        assert FLOW_COOKIE not in " ".join(answer.headers.getlist("Set-Cookie"))
        assert live_state(context_of(self.app).state) == self.state
        assert_one_clean_warning(self.caplog)

    def refused(self, hm: FakeHm, answer: Any, issuer: str = MR_ENTITY) -> None:  # noqa: F811
        """Answered to the HM: Requester/RequestUnsupported, no assertion; one warning."""
        assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
        assert FLOW_COOKIE not in " ".join(answer.headers.getlist("Set-Cookie"))
        assert_one_clean_warning(self.caplog)
        resolved = hm.answer(self.app, answer.headers["Location"], issuer=issuer)
        assert resolved.assertion is None and resolved.statement is None
        assert resolved.response.status.top is StatusCode.REQUESTER
        assert resolved.response.status.second is SubStatusCode.REQUEST_UNSUPPORTED


def _permit(app: Flask, hm: FakeHm, answer: Any) -> Answer:  # noqa: F811
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    resolved = hm.answer(app, answer.headers["Location"])
    assert resolved.statement is not None and resolved.statement.permitted
    return resolved


def _honest_still_permitted(app: Flask, hm: FakeHm, ad: Element) -> None:  # noqa: F811
    """The AD assertion the attack carried was not used up: the honest query gets a Permit."""
    _permit(app, hm, _send(app, hm, _query(hm, ad)))


# --- /mr/sso: signature wrapping -----------------------------------------------------------------


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_ad_assertion_in_query_extensions_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, variant: int  # noqa: F811
) -> None:
    """The AD assertion (eH3) wrapped inside the query's Extensions so that an eH4 copy is
    read; the HM signs the query over it (a compromised HM, or one that forwards blindly)."""
    ad = _query_ad(app, hm)
    watch = Watch(app, caplog)
    answer = _send(app, hm, _query(hm, ad, change=wrap_assertion(variant)))
    _untrusted_or_refused(watch, hm, answer)
    _honest_still_permitted(app, hm, ad)


def _query_ad(app: Flask, hm: FakeHm) -> Element:  # noqa: F811
    return hm.ad_assertion(_anna(app), GRANT.service_uuid)


def _untrusted_or_refused(watch: Watch, hm: FakeHm, answer: Any) -> None:  # noqa: F811
    if answer.status_code == 303:
        watch.refused(hm, answer)
    else:
        watch.untrusted(answer)


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_hm_query_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, variant: int  # noqa: F811
) -> None:
    ad = _query_ad(app, hm)
    genuine = _query(hm, ad)
    watch = Watch(app, caplog)
    watch.untrusted(_send(app, hm, genuine, mutate=lambda e: xsw(variant, e, raise_level)))
    _permit(app, hm, _send(app, hm, genuine))


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_hm_artifact_response_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, variant: int,
) -> None:
    ad = _query_ad(app, hm)
    genuine = _query(hm, ad)
    artifact = issue_as_is(hm.issuer, genuine, MR_ENTITY)
    watch = Watch(app, caplog)
    with monkeypatch.context() as patch:
        mitm(hm.transport, patch, in_soap_body(wrap_root(variant)))
        watch.untrusted(_visit(app, artifact))
    _permit(app, hm, _send(app, hm, genuine))


# --- /mr/sso: signatures and trust ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_signature_attack_on_hm_query_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture,  # noqa: F811
    rings: dict[str, KeyRing], attacker: KeyPair, kind: str,  # noqa: F811
) -> None:
    ad = _query_ad(app, hm)
    genuine = _query(hm, ad)
    change = _changes(rings, attacker, "hm")[kind]

    def mutate(element: Element) -> Element:
        change(element)
        return element

    watch = Watch(app, caplog)
    watch.untrusted(_send(app, hm, genuine, mutate=mutate))
    _permit(app, hm, _send(app, hm, genuine))


@pytest.mark.parametrize("kind", KINDS)
def test_signature_attack_on_ad_assertion_in_query_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture,  # noqa: F811
    rings: dict[str, KeyRing], attacker: KeyPair, kind: str,  # noqa: F811
) -> None:
    """``signature_removed`` is an unsigned AD assertion in a signed query;
    ``another_peers_valid_key`` is the MR's own key signing as the AD."""
    ad = _query_ad(app, hm)
    change = _changes(rings, attacker, "ad")[kind]

    def mutate(query: Element) -> Element:
        carried = query.find(f".//{ASSERTION}")
        assert carried is not None
        change(carried)
        return query

    watch = Watch(app, caplog)
    watch.refused(hm, _send(app, hm, _query(hm, ad, change=mutate)))
    _honest_still_permitted(app, hm, ad)


@pytest.mark.parametrize("register", [MR_ENTITY, MR2_ENTITY], ids=["mr", "mr2"])
def test_dv_key_signing_as_the_hm_at_register_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, register: str  # noqa: F811
) -> None:
    ad = _query_ad(app, hm)
    watch = Watch(app, caplog)
    forged = _query(hm, ad, register=register, key=hm.rings["dv"].signing)
    watch.untrusted(_send(app, hm, forged, register=register))
    _honest_still_permitted(app, hm, ad)


# --- /mr/sso: XML parsing and comments in the resolved message -----------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_xml_attack_in_resolved_artifact_response_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, variant: str,
) -> None:
    ad = _query_ad(app, hm)
    genuine = _query(hm, ad)
    artifact = issue_as_is(hm.issuer, genuine, MR_ENTITY)
    watch = Watch(app, caplog)
    with monkeypatch.context() as patch:
        mitm(hm.transport, patch, parsing_variant(variant))
        watch.untrusted(_visit(app, artifact))
    _permit(app, hm, _send(app, hm, genuine))


AUDIENCE = f"{{{SAML}}}Conditions/{{{SAML}}}AudienceRestriction/{{{SAML}}}Audience"


def _in_query(path: str) -> str:
    return f"{QUERY}/{path}"


@pytest.mark.parametrize(
    ("path", "untrusted"),
    [
        (_in_query(f"{{{SAML}}}Issuer"), True),
        (f".//{ASSERTION}/{AUDIENCE}", False),
        (f".//{ASSERTION}/{{{SAML}}}Issuer", False),
        (f".//{{{XACML_CONTEXT}}}Resource/{{{XACML_CONTEXT}}}Attribute"
         f"[@AttributeId='urn:etoegang:core:ServiceUUID']/{{{XACML_CONTEXT}}}AttributeValue",
         True),
    ],
    ids=["query_Issuer", "ad_Audience", "ad_Issuer", "ServiceUUID"],
)
def test_comment_injected_in_query_identifier_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, path: str, untrusted: bool,
) -> None:
    """Put in on the back channel: no exclusive-C14N signature covers comments. Markup in
    the query's own values makes it untrusted; in the carried AD assertion it is refused."""
    ad = _query_ad(app, hm)
    artifact = issue_as_is(hm.issuer, _query(hm, ad), MR_ENTITY)
    watch = Watch(app, caplog)
    with monkeypatch.context() as patch:
        mitm(hm.transport, patch, in_soap_body(comment_in(path)))
        answer = _visit(app, artifact)
    if untrusted:
        watch.untrusted(answer)
    else:
        watch.refused(hm, answer)
    _honest_still_permitted(app, hm, ad)


# --- /mr/sso: protocol ---------------------------------------------------------------------------


def test_replayed_query_id_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    query = _query(hm, _query_ad(app, hm))
    _permit(app, hm, _send(app, hm, query))
    watch = Watch(app, caplog)
    watch.untrusted(_send(app, hm, query))


def test_replayed_query_artifact_at_mr_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    artifact = issue_as_is(hm.issuer, _query(hm, _query_ad(app, hm)), MR_ENTITY)
    _permit(app, hm, _visit(app, artifact))
    watch = Watch(app, caplog)
    watch.untrusted(_visit(app, artifact))


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(61, False), (59, True), (-301, False), (-299, True)],
    ids=["future_beyond_skew", "future_within_skew", "older_than_5_minutes", "just_in_time"],
)
def test_query_validity_window_with_skew_at_mr_sso(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture,  # noqa: F811
    offset: int, accepted: bool,
) -> None:
    ad = _query_ad(app, hm)
    watch = Watch(app, caplog)
    answer = _send(app, hm, _query(hm, ad, issue_offset=offset))
    if accepted:
        _permit(app, hm, answer)
        return
    watch.untrusted(answer)
    _honest_still_permitted(app, hm, ad)


@pytest.mark.parametrize(
    ("minutes", "accepted"),
    [(11, False), (10, True)],
    ids=["expired_beyond_the_skew", "expired_within_the_skew"],
)
def test_ad_assertion_validity_with_skew_at_mr_sso(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture,  # noqa: F811
    minutes: int, accepted: bool,
) -> None:
    """The AD assertion is valid for 10 minutes; 60 s of skew are allowed."""
    ad = _query_ad(app, hm)
    hm.clock.move_to(hm.clock.now() + timedelta(minutes=minutes))
    watch = Watch(app, caplog)
    answer = _send(app, hm, _query(hm, ad))
    if accepted:
        _permit(app, hm, answer)
        return
    watch.refused(hm, answer)


@pytest.mark.parametrize("register", [MR_ENTITY, MR2_ENTITY], ids=["mr", "mr2"])
def test_relay_state_of_81_bytes_in_27_characters_at_register_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, register: str  # noqa: F811
) -> None:
    ad = _query_ad(app, hm)
    watch = Watch(app, caplog)
    answer = _send(app, hm, _query(hm, ad, register=register), register=register,
                   relay_state="\u20ac" * 27)
    watch.untrusted(answer)
    _honest_still_permitted(app, hm, ad)


@pytest.mark.parametrize("register", [MR_ENTITY, MR2_ENTITY], ids=["mr", "mr2"])
def test_posted_query_at_artifact_only_register_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, register: str  # noqa: F811
) -> None:
    ad = _query_ad(app, hm)
    query = _query(hm, ad, register=register)
    path = "/mr/sso/1.13" if register == MR_ENTITY else "/mr2/sso/1.13"
    watch = Watch(app, caplog)
    answer = app.test_client().post(path, data={
        "SAMLRequest": base64.b64encode(serialize(query)).decode(), "RelayState": "rs-1"})
    watch.untrusted(answer)
    _honest_still_permitted(app, hm, ad)


# --- /mr2/sso: the chain query -------------------------------------------------------------------


def _chain(app: Flask, hm: FakeHm) -> tuple[Element, Element]:  # noqa: F811
    ad, mr1 = _mr1_chain(app, hm)
    assert mr1.assertion_element is not None
    return ad, mr1.assertion_element


def _chain_query(hm: FakeHm, ad: Element, mr1: Element,  # noqa: F811
                 change: Mutation = unchanged) -> Element:
    return _query(hm, ad, register=MR2_ENTITY, mr1=mr1, change=change, service=PAYROLL,
                  level=Loa.EH3)


def _mr1_in_query(mutate: Callable[[Element], Element]) -> Mutation:
    def change(query: Element) -> Element:
        carried = query.findall(f".//{ASSERTION}")
        mr1 = [a for a in carried if "MR" in (a.findtext(f"{{{SAML}}}Issuer") or "")]
        assert len(mr1) == 1
        return mutate(mr1[0])

    return change


def _raise_mr1_level(element: Element) -> None:
    for node in element.iter():
        if isinstance(node.tag, str) and (node.text or "").strip() == Loa.EH3.urn:
            node.text = Loa.EH4.urn


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_mr1_assertion_in_chain_query_at_mr2_sso_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, variant: int  # noqa: F811
) -> None:
    ad, mr1 = _chain(app, hm)
    attacked = _chain_query(hm, ad, mr1, _mr1_in_query(
        lambda e: xsw(variant, e, _raise_mr1_level)))
    watch = Watch(app, caplog)
    answer = _send(app, hm, attacked, register=MR2_ENTITY)
    if answer.status_code == 303:
        watch.refused(hm, answer, issuer=MR2_ENTITY)
    else:
        watch.untrusted(answer)
    honest = _send(app, hm, _chain_query(hm, ad, mr1), register=MR2_ENTITY)
    assert honest.status_code == 303
    final = hm.answer(app, honest.headers["Location"], issuer=MR2_ENTITY)
    assert final.statement is not None and final.statement.permitted


# --- /mr/ars and /mr2/ars ------------------------------------------------------------------------


def _register_answer_artifact(app: Flask, hm: FakeHm, register: str) -> str:  # noqa: F811
    """A genuine register answer by artifact (an AD assertion for another register: refused
    content, answered at once)."""
    wrong = MR2_ENTITY if register == MR_ENTITY else MR_ENTITY
    ad = hm.ad_assertion(_anna(app), GRANT.service_uuid, registry=wrong)
    answer = _send(app, hm, _query(hm, ad, register=register), register=register)
    assert answer.status_code == 303 and answer.headers["Location"].startswith(HM_ACS)
    return str(parse_qs(urlsplit(answer.headers["Location"]).query)["SAMLart"][0])


def _ars(register: str) -> str:
    return "/mr/ars/1.13" if register == MR_ENTITY else "/mr2/ars/1.13"


def _resolve(app: Flask, hm: FakeHm, artifact: str, register: str,  # noqa: F811
             key: KeyPair | None = None) -> Any:
    element = artifact_resolve(artifact, destination=f"{IDP}{_ars(register)}",
                               key=key or hm.rings["hm"].signing, clock=hm.clock)
    return soap_post(app.test_client(), _ars(register), soap.envelope(element))


@pytest.mark.parametrize("variant", ["doctype", "external_entity", "billion_laughs",
                                     "xinclude", "oversized", "utf7_declaration"])
@pytest.mark.parametrize("register", [MR_ENTITY, MR2_ENTITY], ids=["mr", "mr2"])
def test_xml_attack_in_soap_artifact_resolve_at_register_ars_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture,  # noqa: F811
    register: str, variant: str,
) -> None:
    artifact = _register_answer_artifact(app, hm, register)
    element = artifact_resolve(artifact, destination=f"{IDP}{_ars(register)}",
                               key=hm.rings["hm"].signing, clock=hm.clock)
    body = _variants(bare(soap.envelope(element)))[variant]
    before = live_state(context_of(app).state)
    caplog.clear()
    assert_fault(soap_post(app.test_client(), _ars(register), body))
    assert live_state(context_of(app).state) == before
    assert_one_clean_warning(caplog)
    assert carried_message(_resolve(app, hm, artifact, register)) is not None


@pytest.mark.parametrize("register", [MR_ENTITY, MR2_ENTITY], ids=["mr", "mr2"])
def test_artifact_resolve_signed_by_the_dv_as_the_hm_at_register_ars_is_refused(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, register: str  # noqa: F811
) -> None:
    artifact = _register_answer_artifact(app, hm, register)
    before = live_state(context_of(app).state)
    caplog.clear()
    assert_fault(_resolve(app, hm, artifact, register, key=hm.rings["dv"].signing))
    assert live_state(context_of(app).state) == before
    assert_one_clean_warning(caplog)
    assert carried_message(_resolve(app, hm, artifact, register)) is not None


def test_mr_answer_artifact_asked_at_mr2_ars_gives_nothing_and_consumes_nothing(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    artifact = _register_answer_artifact(app, hm, MR_ENTITY)
    before = live_state(context_of(app).state)
    caplog.clear()
    assert carried_message(_resolve(app, hm, artifact, MR2_ENTITY)) is None
    assert live_state(context_of(app).state) == before
    assert_one_clean_warning(caplog)
    assert carried_message(_resolve(app, hm, artifact, MR_ENTITY)) is not None


@pytest.mark.parametrize("register", [MR_ENTITY, MR2_ENTITY], ids=["mr", "mr2"])
def test_replayed_register_answer_artifact_at_register_ars_gives_nothing(
    app: Flask, hm: FakeHm, caplog: pytest.LogCaptureFixture, register: str  # noqa: F811
) -> None:
    artifact = _register_answer_artifact(app, hm, register)
    assert carried_message(_resolve(app, hm, artifact, register)) is not None
    caplog.clear()
    assert carried_message(_resolve(app, hm, artifact, register)) is None
    assert_one_clean_warning(caplog)



