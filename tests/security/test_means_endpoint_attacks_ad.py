"""Attacks on the AD's protocol endpoints (issue 5): ``/ad/sso`` and ``/ad/sso/1.13`` (SAMLart
-> the HM's AuthnRequest, resolved at the HM), ``/ad/ars/1.13`` (the HM's SOAP
ArtifactResolve) and ``/ad/slo/1.13`` (the HM's Redirect LogoutRequest).

Each test starts from a genuine message of the fake HM (``tests/idp_ad/harness.py``) and
changes one thing; it checks the refusal (error page, SAML status or SOAP fault, never a
500), that no login transaction, session or artifact was created, that the honest message
still works afterwards, and one warning without personal data. The helpers at the top are
shared with ``test_means_endpoint_attacks_mr.py``.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from lxml import etree

from etoegang.bindings import soap
from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.bindings.redirect import encode_redirect
from etoegang.clock import Clock
from etoegang.clock import FixedClock
from etoegang.clock import RandomIdSource
from etoegang.crypto.xmldsig import sign
from etoegang.errors import ArtifactError
from etoegang.exchange.transport import HttpAnswer
from etoegang.messages.artifact import build_artifact_resolve
from etoegang.messages.artifact import parse_artifact_response
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.common import NameID
from etoegang.messages.logout import LogoutRequest
from etoegang.messages.logout import build_logout_request
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from idp.ad.session import SSO_COOKIE
from idp.ad.session import TX_COOKIE
from idp.app import context_of
from keys.devpki import DevCa
from keys.ring import KeyPair
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import Network
from makelaar.network import build_network
from policies.loa import Loa
from tests.conftest import GOLDEN_INSTANT
from tests.idp_ad.conftest import template_db  # noqa: F401 - fixture re-used
from tests.idp_ad.harness import IDP_BASE
from tests.idp_ad.harness import Harness
from tests.idp_ad.harness import make_harness
from tests.security.conftest import XSW_VARIANTS
from tests.security.conftest import Element
from tests.security.conftest import Mutation
from tests.security.conftest import assert_one_clean_warning
from tests.security.conftest import assert_refusal_page
from tests.security.conftest import live_state
from tests.security.conftest import tampered_issue
from tests.security.conftest import wrap_root
from tests.security.conftest import xsw
from tests.security.test_attacks_parsing import VARIANTS
from tests.security.test_attacks_parsing import _variants
from tests.security.test_attacks_signatures import KINDS
from tests.security.test_attacks_signatures import _changes
from tests.security.test_attacks_signatures import attacker  # noqa: F401 - fixture re-used

# --- shared with the MR module -------------------------------------------------------------------


def unchanged(element: Element) -> Element:
    return element


def issue_as_is(issuer: ArtifactIssuer, element: Element, recipient: str,
                mutate: Mutation = unchanged) -> str:
    """Store ``element`` (changed by ``mutate``; signed or not) under a new artifact of the
    fake HM, as a compromised or buggy HM would: the HM's ArtifactResolutionService then
    signs an ArtifactResponse over whatever was stored."""
    holder = SimpleNamespace(issuer=issuer)
    with tampered_issue(holder, mutate):
        return str(holder.issuer.issue(element, recipient=recipient).encode())


def mitm(transport: Any, monkeypatch: pytest.MonkeyPatch,
         change: Callable[[bytes], bytes]) -> list[bytes]:
    """Change the body of every SOAP answer the means issuer gets from the fake HM's
    ArtifactResolutionService (back-channel MITM); returns the honest bodies."""
    real = transport.post
    seen: list[bytes] = []

    def post(url: str, body: bytes, content_type: str) -> HttpAnswer:
        answer: HttpAnswer = real(url, body, content_type)
        seen.append(answer.body)
        return HttpAnswer(answer.status, answer.content_type, change(answer.body))

    monkeypatch.setattr(transport, "post", post)
    return seen


def in_soap_body(mutate: Mutation) -> Callable[[bytes], bytes]:
    """Apply ``mutate`` to the message in a SOAP body (the ArtifactResponse)."""

    def change(body: bytes) -> bytes:
        envelope = parse_xml(body)
        soap_body = envelope[-1]
        message = soap_body[0]
        attacked = mutate(message).getroottree().getroot()
        if attacked.tag != envelope.tag:
            soap_body.remove(message)
            soap_body.append(attacked)
        return serialize(envelope)

    return change


def bare(body: bytes) -> bytes:
    """The document without its XML declaration, so that a DOCTYPE can come first."""
    if body.startswith(b"<?xml"):
        return body.split(b"?>", 1)[1].lstrip()
    return body


def parsing_variant(variant: str) -> Callable[[bytes], bytes]:
    return lambda body: _variants(bare(body))[variant]


def comment_in(path: str, head: int = 8) -> Mutation:
    """A comment inside the text of the element at ``path`` below the message: invisible to
    exclusive C14N, so every signature over it stays valid."""

    def mutate(message: Element) -> Element:
        target = message.find(path)
        assert target is not None and target.text, path
        text = target.text
        target.text = text[:head]
        comment = etree.Comment("")
        comment.tail = text[head:]
        target.append(comment)
        return message

    return mutate


def artifact_resolve(artifact: str, *, destination: str, key: KeyPair, clock: Clock,
                     issuer: str = HM_ENTITY) -> Element:
    """A genuine ArtifactResolve of the HM (signed with ``key``)."""
    element = build_artifact_resolve(issuer=issuer, destination=destination, artifact=artifact,
                                     clock=clock, ids=RandomIdSource())
    sign(element, key)
    return element


def soap_post(client: Any, path: str, body: bytes) -> Any:
    return client.post(path, data=body, content_type=soap.content_type())


def assert_fault(answer: Any) -> None:
    """A SOAP Fault (HTTP 500 or 400 by SOAP 1.1 §6.2), never a crash page."""
    data = answer.get_data()
    assert answer.status_code in (400, 500), answer.status_code
    assert b"Fault" in data and b"Traceback" not in data and b"<html" not in data.lower()


def carried_message(answer: Any) -> Element | None:
    """The message inside an ArtifactResponse SOAP answer (None: resolved to nothing)."""
    assert answer.status_code == 200, answer.get_data()[:300]
    body = soap.unwrap(answer.get_data(), answer.content_type).body
    return parse_artifact_response(body).message


# --- this module's network and helpers -----------------------------------------------------------

SSO = "/ad/sso/1.13"
ARS = "/ad/ars/1.13"
SLO = "/ad/slo/1.13"
ACS = "http://127.0.0.1:8801/broker/acs/1.13"
REQUEST = qname(SAMLP, "AuthnRequest")


def ext_value(name: str) -> str:
    """The path of an Extensions attribute value below the request."""
    return f"{{{SAMLP}}}Extensions/{{{SAML}}}Attribute[@Name='{name}']/{{{SAML}}}AttributeValue"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, dev_ca: DevCa,
            rings: dict[str, KeyRing]) -> Network:
    return build_network(tmp_path_factory.mktemp("ad-attacks"), rings=rings, ca=dev_ca,
                         clock=FixedClock(GOLDEN_INSTANT))


@pytest.fixture(scope="module")
def shared_harness(network: Network, rings: dict[str, KeyRing], template_db: Path,  # noqa: F811
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """One AD app per module (building one takes ~0.4 s); each test gets it with an empty
    state store, a new browser and the clock back at the start (see ``hm``)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("idp.app.load_ring", lambda _directory, role: rings[role])
        yield make_harness(network, rings, template_db, tmp_path_factory.mktemp("ad-app"),
                           FixedClock(GOLDEN_INSTANT))


@pytest.fixture()
def hm(shared_harness: Harness) -> Harness:
    shared_harness.store._entries.clear()  # noqa: SLF001 - a fresh in-process store
    shared_harness.store.writes.clear()
    shared_harness.clock.move_to(GOLDEN_INSTANT)
    shared_harness.client = shared_harness.app.test_client()
    shared_harness.sent_ids.clear()
    return shared_harness


def _issue(hm: Harness, element: Element, mutate: Mutation = unchanged) -> str:
    return issue_as_is(hm.hm_issuer, element, AD_ENTITY, mutate)


def _visit(hm: Harness, artifact: str, relay_state: str | None = "rs-1") -> Any:
    query = {"SAMLart": artifact}
    if relay_state is not None:
        query["RelayState"] = relay_state
    return hm.client.get(SSO, query_string=query)


def _login_started(answer: Any) -> bool:
    return bool(answer.status_code == 303
                and answer.headers["Location"].endswith("/ad/login"))


def _cookies_set(answer: Any) -> str:
    return " ".join(answer.headers.getlist("Set-Cookie"))


class Watch:
    """What the AD holds before an attack, to show afterwards that it created nothing."""

    def __init__(self, hm: Harness, caplog: pytest.LogCaptureFixture) -> None:
        self.hm = hm
        self.caplog = caplog
        self.state = live_state(hm.store)
        self.artifacts = hm.store.artifacts_issued
        caplog.clear()

    def refused_unanswered(self, answer: Any, *statuses: int) -> None:
        """An error page; no transaction, session, artifact or other state; one warning."""
        assert_refusal_page(answer, *statuses)
        assert TX_COOKIE not in _cookies_set(answer) and SSO_COOKIE not in _cookies_set(answer)
        assert self.hm.store.artifacts_issued == self.artifacts
        assert live_state(self.hm.store) == self.state
        assert_one_clean_warning(self.caplog)


def _evil_request(element: Element) -> None:
    """The attacker's change to an AuthnRequest: a lower level, another ServiceUUID."""
    for node in element.iter(qname(SAML, "AuthnContextClassRef")):
        node.text = Loa.EH2.urn
    for node in element.iter(qname(SAML, "AttributeValue")):
        node.text = (node.text or "").replace("services:3", "services:1")


def _honest_retry_works(hm: Harness, genuine: Element) -> None:
    """The very request the attack was built from still starts a login (its ID is unused)."""
    assert _login_started(_visit(hm, _issue(hm, genuine)))


# --- /ad/sso: signature wrapping -----------------------------------------------------------------


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_hm_authn_request_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    genuine = hm.request(index=3)
    watch = Watch(hm, caplog)
    artifact = _issue(hm, genuine, lambda e: xsw(variant, e, _evil_request))
    watch.refused_unanswered(_visit(hm, artifact))
    _honest_retry_works(hm, genuine)


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_hm_artifact_response_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, variant: int
) -> None:
    genuine = hm.request(index=3)
    artifact = _issue(hm, genuine)
    watch = Watch(hm, caplog)
    transport = context_of(hm.app).ad.client.transport
    with monkeypatch.context() as patch:
        mitm(transport, patch, in_soap_body(wrap_root(variant)))
        watch.refused_unanswered(_visit(hm, artifact))
    _honest_retry_works(hm, genuine)


# --- /ad/sso: signatures and trust ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_signature_attack_on_hm_authn_request_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing],
    attacker: KeyPair, kind: str,  # noqa: F811 - the fixture
) -> None:
    genuine = hm.request()
    change = _changes(rings, attacker, "hm")[kind]

    def mutate(element: Element) -> Element:
        change(element)
        return element

    watch = Watch(hm, caplog)
    watch.refused_unanswered(_visit(hm, _issue(hm, genuine, mutate)))
    _honest_retry_works(hm, genuine)


def test_dv_key_signing_as_the_hm_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    watch = Watch(hm, caplog)
    watch.refused_unanswered(_visit(hm, _issue(hm, hm.request(signer="dv"))))


def test_artifact_response_signed_with_the_dvs_key_for_the_hm_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing]
) -> None:
    genuine = hm.request()
    artifact = _issue(hm, genuine)
    service = context_of(hm.app).ad.client.transport.service  # type: ignore[attr-defined]
    watch = Watch(hm, caplog)
    object.__setattr__(service.me, "ring", rings["dv"])
    try:
        answer = _visit(hm, artifact)
    finally:
        object.__setattr__(service.me, "ring", rings["hm"])
    watch.refused_unanswered(answer)
    _honest_retry_works(hm, genuine)


# --- /ad/sso: XML parsing in the resolved message ------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_xml_attack_in_resolved_artifact_response_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    variant: str,
) -> None:
    genuine = hm.request()
    artifact = _issue(hm, genuine)
    watch = Watch(hm, caplog)
    with monkeypatch.context() as patch:
        mitm(context_of(hm.app).ad.client.transport, patch, parsing_variant(variant))
        watch.refused_unanswered(_visit(hm, artifact))
    _honest_retry_works(hm, genuine)


# --- /ad/sso: comment injection in identifiers ---------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{REQUEST}/{{{SAML}}}Issuer",
        f"{REQUEST}/" + ext_value("urn:etoegang:core:ServiceUUID"),
        f"{REQUEST}/" + ext_value("urn:etoegang:core:ServiceID"),
        f"{REQUEST}/" + ext_value("urn:etoegang:core:IntendedAudience"),
    ],
    ids=["Issuer", "ServiceUUID", "ServiceID", "IntendedAudience"],
)
def test_comment_injected_in_authn_request_identifier_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Put in on the back channel: neither the request's nor the ArtifactResponse's signature
    covers comments. A value with markup must refuse the request, not be skipped."""
    genuine = hm.request()
    artifact = _issue(hm, genuine)
    watch = Watch(hm, caplog)
    with monkeypatch.context() as patch:
        mitm(context_of(hm.app).ad.client.transport, patch, in_soap_body(comment_in(path)))
        watch.refused_unanswered(_visit(hm, artifact))
    _honest_retry_works(hm, genuine)


# --- /ad/sso: protocol ---------------------------------------------------------------------------


def test_replayed_authn_request_id_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    genuine = hm.request()
    assert _login_started(_visit(hm, _issue(hm, genuine)))
    fresh = hm.app.test_client()
    before = live_state(hm.store)
    artifacts = hm.store.artifacts_issued
    caplog.clear()
    answer = fresh.get(SSO, query_string={"SAMLart": _issue(hm, genuine)})
    assert_refusal_page(answer)
    assert TX_COOKIE not in _cookies_set(answer)
    assert live_state(hm.store) == before and hm.store.artifacts_issued == artifacts
    assert_one_clean_warning(caplog)


def test_replayed_artifact_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    artifact = _issue(hm, hm.request())
    assert _login_started(_visit(hm, artifact))
    hm.client = hm.app.test_client()
    watch = Watch(hm, caplog)
    watch.refused_unanswered(_visit(hm, artifact))


def test_replayed_artifact_response_for_another_resolve_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HM's genuine, signed ArtifactResponse of an earlier resolution is played back:
    its InResponseTo names another ArtifactResolve."""
    transport = context_of(hm.app).ad.client.transport
    with monkeypatch.context() as patch:
        seen = mitm(transport, patch, lambda body: body)
        assert _login_started(_visit(hm, _issue(hm, hm.request())))
    old = seen[0]
    genuine = hm.request()
    artifact = _issue(hm, genuine)
    hm.client = hm.app.test_client()
    watch = Watch(hm, caplog)
    with monkeypatch.context() as patch:
        mitm(transport, patch, lambda _body: old)
        watch.refused_unanswered(_visit(hm, artifact))
    _honest_retry_works(hm, genuine)


def test_authn_request_for_another_destination_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    attacked = hm.request(destination=f"{IDP_BASE}/other-ad/sso/1.13")
    watch = Watch(hm, caplog)
    watch.refused_unanswered(_visit(hm, _issue(hm, attacked)))


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(61, False), (59, True), (-301, False), (-299, True)],
    ids=["future_beyond_skew", "future_within_skew", "older_than_5_minutes", "just_in_time"],
)
def test_authn_request_validity_window_with_skew_at_ad_sso(
    hm: Harness, caplog: pytest.LogCaptureFixture, offset: int, accepted: bool
) -> None:
    attacked = hm.request(issue_offset=offset)
    watch = Watch(hm, caplog)
    answer = _visit(hm, _issue(hm, attacked))
    if accepted:
        assert _login_started(answer)
        return
    watch.refused_unanswered(answer)


@pytest.mark.parametrize(
    "relay_state", ["r" * 81, "\u20ac" * 27], ids=["81_ascii_bytes", "27_euro_signs_81_bytes"]
)
def test_relay_state_over_80_bytes_at_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, relay_state: str
) -> None:
    genuine = hm.request()
    watch = Watch(hm, caplog)
    watch.refused_unanswered(_visit(hm, _issue(hm, genuine), relay_state=relay_state))
    _honest_retry_works(hm, genuine)


def test_relay_state_is_returned_unchanged_and_80_bytes_pass(hm: Harness) -> None:
    """The AD does not interpret RelayState; 80 bytes of it (with URL specials) come back as
    they went in (a tampered one is the HM's to refuse: ``test_relay_state_tampered_*``)."""
    head = "&SAMLart=x%0d%0aSet-Cookie:" + "\u20ac" * 17
    relay = head + "z" * (80 - len(head.encode()))
    assert len(relay.encode()) == 80
    answer = _visit(hm, _issue(hm, hm.request(comparison=AuthnContextComparison.MAXIMUM)),
                    relay_state=relay)
    assert answer.status_code == 303
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["RelayState"] == [relay] and len(query["SAMLart"]) == 1


@pytest.mark.parametrize("field", ["SAMLRequest", "SAMLResponse"])
def test_posted_saml_message_at_artifact_only_ad_sso_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, field: str
) -> None:
    genuine = hm.request()
    watch = Watch(hm, caplog)
    answer = hm.client.post(SSO, data={field: base64.b64encode(serialize(genuine)).decode(),
                                       "RelayState": "rs-1"})
    watch.refused_unanswered(answer)
    _honest_retry_works(hm, genuine)


# --- /ad/ars: the HM resolving the AD's answers --------------------------------------------------


def _ad_answer_artifact(hm: Harness) -> str:
    """A genuine AD answer by artifact (Requester/RequestUnsupported: no login needed)."""
    answer = _visit(hm, _issue(hm, hm.request(comparison=AuthnContextComparison.MAXIMUM)))
    assert answer.status_code == 303 and answer.headers["Location"].startswith(ACS)
    return str(parse_qs(urlsplit(answer.headers["Location"]).query)["SAMLart"][0])


def _resolve_body(hm: Harness, artifact: str, key: KeyPair | None = None,
                  destination: str = f"{IDP_BASE}{ARS}") -> Element:
    return artifact_resolve(artifact, destination=destination,
                            key=key or hm.rings["hm"].signing, clock=hm.clock)


def _still_resolves_once(hm: Harness, artifact: str) -> None:
    message = carried_message(soap_post(hm.client, ARS, soap.envelope(_resolve_body(hm,
                                                                                    artifact))))
    assert message is not None and message.get("InResponseTo") in hm.sent_ids


@pytest.mark.parametrize("variant", VARIANTS)
def test_xml_attack_in_soap_artifact_resolve_at_ad_ars_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, variant: str
) -> None:
    artifact = _ad_answer_artifact(hm)
    body = _variants(bare(soap.envelope(_resolve_body(hm, artifact))))[variant]
    watch = Watch(hm, caplog)
    assert_fault(soap_post(hm.client, ARS, body))
    assert live_state(hm.store) == watch.state
    assert_one_clean_warning(caplog)
    _still_resolves_once(hm, artifact)


def _other_artifact_for(hm: Harness) -> Callable[[Element], None]:
    other = _ad_answer_artifact(hm)

    def evil(element: Element) -> None:
        for node in element.iter(qname(SAMLP, "Artifact")):
            node.text = other

    return evil


@pytest.mark.parametrize("variant", XSW_VARIANTS, ids=[f"XSW{v}" for v in XSW_VARIANTS])
def test_xsw_on_artifact_resolve_at_ad_ars_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, variant: int
) -> None:
    """The HM's signed ArtifactResolve for one artifact, wrapped to ask for another."""
    artifact = _ad_answer_artifact(hm)
    genuine = _resolve_body(hm, artifact)
    evil = _other_artifact_for(hm)
    watch = Watch(hm, caplog)
    attacked = xsw(variant, genuine, evil)
    assert_fault(soap_post(hm.client, ARS, soap.envelope(attacked)))
    assert live_state(hm.store) == watch.state, "no artifact consumed"
    assert_one_clean_warning(caplog)
    _still_resolves_once(hm, artifact)


@pytest.mark.parametrize("kind", KINDS)
def test_signature_attack_on_artifact_resolve_at_ad_ars_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing],
    attacker: KeyPair, kind: str,  # noqa: F811 - the fixture
) -> None:
    artifact = _ad_answer_artifact(hm)
    attacked = _resolve_body(hm, artifact)
    _changes(rings, attacker, "hm")[kind](attacked)
    watch = Watch(hm, caplog)
    assert_fault(soap_post(hm.client, ARS, soap.envelope(attacked)))
    assert live_state(hm.store) == watch.state
    assert_one_clean_warning(caplog)
    _still_resolves_once(hm, artifact)


def test_artifact_resolve_signed_by_the_dv_as_the_hm_at_ad_ars_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    artifact = _ad_answer_artifact(hm)
    watch = Watch(hm, caplog)
    body = soap.envelope(_resolve_body(hm, artifact, key=hm.rings["dv"].signing))
    assert_fault(soap_post(hm.client, ARS, body))
    assert live_state(hm.store) == watch.state
    assert_one_clean_warning(caplog)
    _still_resolves_once(hm, artifact)


def test_artifact_resolve_for_another_destination_at_ad_ars_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    artifact = _ad_answer_artifact(hm)
    watch = Watch(hm, caplog)
    body = soap.envelope(_resolve_body(hm, artifact, destination=f"{IDP_BASE}/mr/ars/1.13"))
    assert_fault(soap_post(hm.client, ARS, body))
    assert live_state(hm.store) == watch.state
    assert_one_clean_warning(caplog)
    _still_resolves_once(hm, artifact)


def test_replayed_ad_answer_artifact_at_ad_ars_gives_nothing_the_second_time(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    artifact = _ad_answer_artifact(hm)
    _still_resolves_once(hm, artifact)
    caplog.clear()
    again = soap_post(hm.client, ARS, soap.envelope(_resolve_body(hm, artifact)))
    assert carried_message(again) is None
    assert_one_clean_warning(caplog)


def test_one_ad_answer_artifact_resolved_concurrently_twice_gives_it_once(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    artifact = _ad_answer_artifact(hm)
    bodies = [soap.envelope(_resolve_body(hm, artifact)) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[Element | None] = []
    caplog.clear()

    def resolve(body: bytes) -> None:
        client = hm.app.test_client()
        barrier.wait()
        results.append(carried_message(soap_post(client, ARS, body)))

    threads = [threading.Thread(target=resolve, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    assert sum(1 for message in results if message is not None) == 1
    assert_one_clean_warning(caplog)


def test_hm_client_gets_no_message_for_a_used_ad_answer_artifact(hm: Harness) -> None:
    """The HM side of the same: the second resolution is an ArtifactError, not a message."""
    location = _visit(hm, _issue(hm, hm.request(comparison=AuthnContextComparison.MAXIMUM)))
    url = location.headers["Location"]
    status = hm.answer(url).response.status
    assert status.top is StatusCode.REQUESTER
    assert status.second is SubStatusCode.REQUEST_UNSUPPORTED
    with pytest.raises(ArtifactError):
        hm.answer(url)


# --- /ad/slo -------------------------------------------------------------------------------------


def _logged_in(hm: Harness) -> None:
    assert _login_started(hm.start())
    sent = hm.login("eh2plus@example.nl")
    assert sent.status_code == 303
    done = hm.code(hm.last_code())
    assert done.status_code == 303 and done.headers["Location"].startswith(ACS)


def _session_alive(hm: Harness) -> bool:
    """With an AD session, a new request is answered at once (SSO) instead of a login page."""
    return bool(hm.start().headers["Location"].startswith(ACS))


def _logout_url(hm: Harness, *, key: KeyPair | None, issue_offset: int = 0,
                destination: str = f"{IDP_BASE}{SLO}", request_id: str | None = None) -> str:
    request = build_logout_request(LogoutRequest(
        id=request_id or RandomIdSource().new_id(),
        issue_instant=hm.clock.now() + timedelta(seconds=issue_offset),
        issuer=HM_ENTITY,
        name_id=NameID("hm-transient-1"),
        destination=destination,
    ))
    url = encode_redirect(f"{IDP_BASE}{SLO}", request, kind="SAMLRequest",
                          relay_state="slo-1", key=key)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _logout_refused(hm: Harness, caplog: pytest.LogCaptureFixture, url: str) -> None:
    before = live_state(hm.store)
    caplog.clear()
    answer = hm.client.get(url)
    assert_refusal_page(answer)
    assert SSO_COOKIE not in _cookies_set(answer)
    assert live_state(hm.store) == before, "no session ended, no logout ID used up"
    assert_one_clean_warning(caplog)
    assert _session_alive(hm)


def test_unsigned_logout_request_at_ad_slo_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _logged_in(hm)
    _logout_refused(hm, caplog, _logout_url(hm, key=None))


def test_logout_request_signed_by_another_peer_at_ad_slo_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _logged_in(hm)
    _logout_refused(hm, caplog, _logout_url(hm, key=hm.rings["dv"].signing))


def test_logout_request_with_the_signature_stripped_at_ad_slo_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _logged_in(hm)
    url = _logout_url(hm, key=hm.rings["hm"].signing)
    _logout_refused(hm, caplog, url.split("&SigAlg=")[0])


def test_logout_request_for_another_destination_at_ad_slo_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _logged_in(hm)
    url = _logout_url(hm, key=hm.rings["hm"].signing, destination=f"{IDP_BASE}/other/slo")
    _logout_refused(hm, caplog, url)


@pytest.mark.parametrize("offset", [-301, 61], ids=["older_than_5_minutes", "from_the_future"])
def test_stale_or_future_logout_request_at_ad_slo_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture, offset: int
) -> None:
    """A signed LogoutRequest URL stays in browser history and logs; outside its window (and
    the replay guard's memory) it must not end a later session."""
    _logged_in(hm)
    _logout_refused(hm, caplog, _logout_url(hm, key=hm.rings["hm"].signing,
                                            issue_offset=offset))


def test_replayed_logout_request_at_ad_slo_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _logged_in(hm)
    url = _logout_url(hm, key=hm.rings["hm"].signing)
    assert hm.client.get(url).status_code == 303
    hm.clock.move_to(hm.clock.now() + timedelta(minutes=2))  # past the SMS resend limit
    _logged_in(hm)
    _logout_refused(hm, caplog, url)


def test_posted_logout_request_at_redirect_only_ad_slo_is_refused(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _logged_in(hm)
    query = parse_qs(urlsplit(_logout_url(hm, key=hm.rings["hm"].signing)).query)
    before = live_state(hm.store)
    caplog.clear()
    answer = hm.client.post(SLO, data={k: v[0] for k, v in query.items()})
    assert_refusal_page(answer)
    assert live_state(hm.store) == before
    assert_one_clean_warning(caplog)
    assert _session_alive(hm)
