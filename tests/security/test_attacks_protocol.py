"""Protocol attacks through the roles' real endpoints (issue 5): replay of AuthnRequest IDs,
Responses, assertions and artifacts (also two concurrent resolutions of one artifact, with the
in-process store and with Redis); InResponseTo, Destination, Recipient, Audience and the
validity window with clock skew (just inside, just outside); ACS URL injection; RelayState
tampering and size; unsolicited answers; a POSTed SAMLResponse where only Artifact is taken.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import redis

from broker.compose import dv_response
from broker.errors import ErrorKind
from broker.errors import status_for
from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.bindings.artifact import ArtifactResolver
from etoegang.clock import RandomIdSource
from etoegang.clock import saml_instant
from etoegang.crypto.xmldsig import sign
from etoegang.errors import ArtifactError
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.stores import StateOneTimeStore
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.state import InMemoryStateStore
from etoegang.state import StateStore
from etoegang.state.redis_store import RedisStateStore
from etoegang.xml.ns import SAML
from etoegang.xml.parser import serialize
from keys.ring import KeyRing
from makelaar.network import HM_ENTITY
from tests.broker.conftest import IDP_URL
from tests.broker.conftest import Harness
from tests.broker.helpers import assert_status
from tests.broker.helpers import dv_answer
from tests.security.conftest import ASSERTION
from tests.security.conftest import SIGNATURE
from tests.security.conftest import Element
from tests.security.conftest import Mutation
from tests.security.conftest import assert_one_clean_warning
from tests.security.conftest import assert_refusal_page
from tests.security.conftest import live_state
from tests.security.conftest import tampered_issue
from tests.security.test_attacks_xsw import _at_ad
from tests.sp_adapters.conftest import DvHarness

SSO = "/broker/sso/1.13"
ACS = "/broker/acs/1.13"
PREFIXES = ("xs", "xacml-saml")


def _refused_sso(harness: Harness, caplog: pytest.LogCaptureFixture, send: Callable[[], Any],
                 status: int = 400) -> None:
    before = live_state(harness.state)
    caplog.clear()
    assert_refusal_page(send(), status)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


# --- replay -----------------------------------------------------------------------------------


def test_replayed_authn_request_id_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request = harness.dv.request()
    assert harness.post_request(request).status_code == 302
    _refused_sso(harness, caplog, lambda: harness.post_request(request))


def _resign_assertion(change: Callable[[Element], None], ring: KeyRing) -> Mutation:
    def mutate(message: Element) -> Element:
        assertion = message.find(f".//{ASSERTION}")
        assert assertion is not None
        change(assertion)
        for holder in (assertion, message):
            holder.remove(holder.find(SIGNATURE))  # type: ignore[arg-type]
            sign(holder, ring.signing, inclusive_prefixes=PREFIXES)
        return message

    return mutate


def test_replayed_ad_response_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request, relay, uuid = _at_ad(harness)
    captured: list[Element] = []

    def keep(message: Element) -> Element:
        captured.append(message)
        return message

    with tampered_issue(harness.ad, keep):
        first = harness.follow(harness.ad.answer(request, relay, service_uuid=uuid))
    assert first.headers["Location"].startswith(f"{IDP_URL}/mr/")
    before = live_state(harness.state)
    caplog.clear()
    again = harness.ad.artifact_url(harness.ad.acs_url, captured[0], relay)
    assert_refusal_page(harness.follow(again))
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


def test_replayed_artifact_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request, relay, uuid = _at_ad(harness)
    url = harness.ad.answer(request, relay, service_uuid=uuid)
    assert harness.follow(url).status_code == 302
    before = live_state(harness.state)
    caplog.clear()
    assert_refusal_page(harness.follow(url))
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


def _race(service: ArtifactService, resolve: Callable[[], Any]) -> list[Any]:
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            results.append(resolve())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _concurrent_resolution(harness: Harness, state: StateStore) -> None:
    """Two resolutions of one broker artifact from two threads: exactly one gets the message."""
    ctx = harness.context
    store = StateOneTimeStore(state)
    resolver = ArtifactResolver(ctx.entity_id, store, harness.clock, RandomIdSource())
    service = ArtifactService(ctx.service.me, ctx.service.directory, resolver)
    issuer = ArtifactIssuer(HM_ENTITY, store)
    message = dv_response(
        issuer=HM_ENTITY, destination="http://dv.test/saml/acs", in_response_to="_r1",
        status=status_for(ErrorKind.USER_CANCELLED), assertion=None, key=ctx.keys.signing,
        clock=harness.clock, ids=RandomIdSource(),
    )
    artifact = issuer.issue(message, recipient=harness.dv.entity_id).encode()
    routes = harness.dv.transport._routes  # type: ignore[attr-defined]  # noqa: SLF001
    honest = routes["http://hm.test/"]

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        answer = service.handle(body, environ["CONTENT_TYPE"])
        start_response(f"{answer.status} X", [("Content-Type", answer.content_type)])
        return [answer.body]

    routes["http://hm.test/"] = app
    try:
        results = _race(service, lambda: harness.dv.client.resolve(artifact))
    finally:
        routes["http://hm.test/"] = honest
    got = [r for r in results if not isinstance(r, Exception)]
    assert len(got) == 1 and len(results) == 2, results
    assert isinstance(results[1 - results.index(got[0])], ArtifactError)


def test_one_artifact_resolved_concurrently_twice_in_process_gives_it_once(
    harness: Harness,
) -> None:
    _concurrent_resolution(harness, InMemoryStateStore(harness.clock))


def test_one_artifact_resolved_concurrently_twice_with_redis_gives_it_once(
    harness: Harness,
) -> None:
    client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"makelaar:test-security:{secrets.token_hex(8)}:"
    try:
        _concurrent_resolution(harness, RedisStateStore(client, prefix))
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


# --- InResponseTo, Destination, Recipient, Audience, validity --------------------------------


def _ad_refused(harness: Harness, caplog: pytest.LogCaptureFixture, mutate: Mutation | None,
                status: int | None = None, **answer: Any) -> Any:
    request, relay, uuid = _at_ad(harness)
    answer.setdefault("service_uuid", uuid)
    before = live_state(harness.state)
    caplog.clear()
    if mutate is not None:
        with tampered_issue(harness.ad, mutate):
            url = harness.ad.answer(request, relay, **answer)
    else:
        url = harness.ad.answer(request, relay, **answer)
    result = harness.follow(url)
    assert_one_clean_warning(caplog)
    if status is not None:  # unrecoverable: a page, the login kept
        assert_refusal_page(result, status)
        assert live_state(harness.state) == before
        honest = harness.follow(harness.ad.answer(request, relay, service_uuid=uuid))
        assert honest.headers["Location"].startswith(f"{IDP_URL}/mr/")
        return None
    # A validly signed answer that fails a check: the DV gets Responder/AuthnFailed, no
    # assertion, and nothing else changes hands.
    response = dv_answer(harness, result)
    assert_status(response, StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED)
    return response


def test_ad_answer_to_another_request_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing]
) -> None:
    def other(assertion: Element) -> None:
        for node in assertion.iter(f"{{{SAML}}}SubjectConfirmationData"):
            node.set("InResponseTo", "_another_request")

    def mutate(message: Element) -> Element:
        message.set("InResponseTo", "_another_request")
        return _resign_assertion(other, rings["ad"])(message)

    _ad_refused(harness, caplog, mutate, 400)


def test_ad_answer_for_another_destination_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing]
) -> None:
    def mutate(message: Element) -> Element:
        message.set("Destination", "http://evil.test/acs")
        return _resign_assertion(lambda a: None, rings["ad"])(message)

    _ad_refused(harness, caplog, mutate)


def test_ad_assertion_for_another_recipient_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _ad_refused(harness, caplog, None, recipient="http://evil.test/acs")


def test_ad_assertion_for_another_audience_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    other_hm = "urn:etoegang:HM:00000099000000000009:entities:1"
    _ad_refused(harness, caplog, None, audiences=(other_hm,))


def _ending(seconds_from_now: int, harness: Harness, ring: KeyRing) -> Mutation:
    end = saml_instant(harness.clock.now() + timedelta(seconds=seconds_from_now))

    def change(assertion: Element) -> None:
        for node in assertion.iter(f"{{{SAML}}}Conditions", f"{{{SAML}}}SubjectConfirmationData"):
            node.set("NotOnOrAfter", end)

    return _resign_assertion(change, ring)


def test_ad_assertion_expired_just_outside_the_skew_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, rings: dict[str, KeyRing]
) -> None:
    skew = int(harness.context.skew.total_seconds())
    _ad_refused(harness, caplog, _ending(-skew - 1, harness, rings["ad"]))


def test_ad_assertion_expired_just_inside_the_skew_is_accepted(
    harness: Harness, rings: dict[str, KeyRing]
) -> None:
    skew = int(harness.context.skew.total_seconds())
    request, relay, uuid = _at_ad(harness)
    with tampered_issue(harness.ad, _ending(-skew + 1, harness, rings["ad"])):
        url = harness.ad.answer(request, relay, service_uuid=uuid)
    assert harness.follow(url).headers["Location"].startswith(f"{IDP_URL}/mr/")


def test_dv_request_from_the_future_beyond_the_skew_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    skew = harness.context.skew
    now = harness.clock.now()
    harness.clock.move_to(now + skew + timedelta(seconds=1))
    request = harness.dv.request()
    harness.clock.move_to(now)
    _refused_sso(harness, caplog, lambda: harness.post_request(request))


def test_dv_request_from_the_future_within_the_skew_is_accepted(harness: Harness) -> None:
    now = harness.clock.now()
    harness.clock.move_to(now + harness.context.skew - timedelta(seconds=1))
    request = harness.dv.request()
    harness.clock.move_to(now)
    assert harness.post_request(request).status_code == 302


def test_dv_request_for_another_destination_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request = harness.dv.request(destination="http://evil.test/sso")
    _refused_sso(harness, caplog, lambda: harness.post_request(request))


# --- ACS URL, RelayState, unsolicited, binding --------------------------------------------------


def test_acs_url_injection_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request = harness.dv.request(acs_url="http://evil.test/acs")
    _refused_sso(harness, caplog, lambda: harness.post_request(request))


def test_relay_state_over_80_bytes_at_broker_sso_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request = harness.dv.request()
    _refused_sso(harness, caplog, lambda: harness.post_request(request, relay="r" * 81))


def test_relay_state_tampered_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The flow id travels as RelayState; another one than the browser's cookie is refused."""
    request, relay, uuid = _at_ad(harness)
    url = harness.ad.answer(request, "x" * 43, service_uuid=uuid)
    before = live_state(harness.state)
    caplog.clear()
    assert_refusal_page(harness.follow(url))
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)
    honest = harness.follow(harness.ad.answer(request, relay, service_uuid=uuid))
    assert honest.headers["Location"].startswith(f"{IDP_URL}/mr/")


def test_unsolicited_ad_answer_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    request, relay, uuid = _at_ad(harness)
    url = harness.ad.answer(request, None, service_uuid=uuid)
    other = harness.app.test_client()
    other.environ_base["HTTP_HOST"] = "hm.test"
    before = live_state(harness.state)
    caplog.clear()
    assert_refusal_page(other.get(url[len("http://hm.test"):]))
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


def test_posted_saml_response_at_broker_acs_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The ACS takes only SAMLart; a Response by POST is never read."""
    request, relay, uuid = _at_ad(harness)
    captured: list[Element] = []

    def keep(message: Element) -> Element:
        captured.append(message)
        return message

    with tampered_issue(harness.ad, keep):
        harness.ad.answer(request, relay, service_uuid=uuid)
    before = live_state(harness.state)
    caplog.clear()
    posted = harness.client.post(ACS, data={
        "SAMLResponse": base64.b64encode(serialize(captured[0])).decode(), "RelayState": relay,
    })
    assert_refusal_page(posted)
    assert live_state(harness.state) == before
    assert_one_clean_warning(caplog)


def test_unsolicited_hm_answer_at_dv_acs_is_refused(
    dv: DvHarness, caplog: pytest.LogCaptureFixture
) -> None:
    request, relay = dv.start()
    artifact = dv.hm.answer(request, dv.settings.service(1).service_uuid)
    other = dv.app.test_client()
    caplog.clear()
    answer = other.get("/saml/acs", query_string={"SAMLart": artifact, "RelayState": relay})
    assert answer.status_code == 400 and dv.logins == []
    assert_one_clean_warning(caplog)


def test_posted_saml_response_at_dv_acs_is_refused(
    dv: DvHarness, caplog: pytest.LogCaptureFixture
) -> None:
    request, relay = dv.start()
    caplog.clear()
    answer = dv.client.post("/saml/acs", data={"SAMLResponse": "PHg+", "RelayState": relay})
    assert answer.status_code in (400, 405) and dv.logins == []

