"""Whole eHerkenning logins over real HTTP between separately started servers.

Broker, means issuer and demo DV run as processes of their own (``python -m makelaar.serve``);
a :class:`~makelaar.walkthrough.Walkthrough` plays the user with a browser. Each test checks
what the user sees on the way and what the DV received at the end. The seeded users are those
of ``idp.seed`` (all with the demo password).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
from lxml import etree

from etoegang.crypto.xmldsig import sign
from etoegang.xml.ns import DS
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from idp import seed
from keys.ring import load_ring
from makelaar.walkthrough import Form
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Outcome
from makelaar.walkthrough import Page
from makelaar.walkthrough import Walkthrough
from tests.e2e.people import add_twins
from tests.e2e.people import twin_email
from tests.e2e.servers import RunningNetwork

pytestmark = pytest.mark.e2e

ANNA = "anna@goudenkorst.example"  # eH3 means, one mandate for the bakery (whole company)
BRAM = "bram@goudenkorst.example"  # eH2+ means, mandate for the bakery's branch Centrum
CARLA = "carla@klusbedrijfjansen.example"  # eH4 means, two mandates
TOM = "tom@telgen.example"  # accountant, chain mandate for his client
EH2PLUS, EH3, EH4 = 1, 2, 3  # the demo DV's service indexes


#: Every test logs in as a twin of its own (SMS rate limits: see tests/e2e/people.py).
TWINS: dict[str, list[str]] = {
    ANNA: ["eh3", "cancelad", "slo", "sso", "force"],
    BRAM: ["eh2", "branch", "low", "replay"],
    CARLA: ["choice", "cancelmr", "eh4"],
    TOM: ["chain"],
}


@pytest.fixture(scope="module", autouse=True)
def _twins(live: RunningNetwork) -> None:
    add_twins(live.network.db_url, TWINS)


def plan(email: str, tag: str, service: int, **more: Any) -> LoginPlan:
    assert tag in TWINS[email]
    return LoginPlan(email=twin_email(email, tag), password=seed.DEMO_PASSWORD,
                     service_index=service, **more)


@pytest.fixture()
def walk(live: RunningNetwork) -> Walkthrough:
    """A fresh browser (no cookies) pointed at the demo DV."""
    return Walkthrough(live.urls["dv"], live.network.sms_outbox)


def assert_logged_in(outcome: Outcome) -> dict[str, str]:
    assert outcome.logged_in, (
        f"not logged in; steps {outcome.steps}, ended at {outcome.page.url} "
        f"({outcome.page.status}): {outcome.page.text[:500]}"
    )
    return outcome.received


def test_eh2plus_login_gives_the_dv_company_level_and_pseudonym(walk: Walkthrough) -> None:
    outcome = walk.login(plan(BRAM, "eh2", EH2PLUS))
    got = assert_logged_in(outcome)
    assert outcome.steps_seen == ["discovery", "ad-login", "ad-code", "dv-result"] or (
        "mr-consent" in outcome.steps_seen
    )
    assert got["company"] == seed.BAKERY_KVK
    assert got["loa"] == "eH2+"
    assert len(got["acting"]) > 10 and seed.BAKERY_KVK not in got["acting"]


def test_eh3_login_at_the_eh3_service(walk: Walkthrough) -> None:
    got = assert_logged_in(walk.login(plan(ANNA, "eh3", EH3)))
    assert got["company"] == seed.BAKERY_KVK
    assert got["loa"] == "eH3"
    assert seed.BRANCH_CENTRE not in got["branch"]


def test_user_with_two_mandates_chooses_the_company(walk: Walkthrough) -> None:
    outcome = walk.login(plan(CARLA, "choice", EH2PLUS, company="Gouden Korst"))
    got = assert_logged_in(outcome)
    choice = outcome.saw("mr-choose")
    assert choice is not None, f"no mandate choice shown: {outcome.steps}"
    assert "Gouden Korst" in choice.text
    assert got["company"] == seed.BAKERY_KVK


def test_branch_mandate_gives_the_vestigingsnummer(walk: Walkthrough) -> None:
    got = assert_logged_in(walk.login(plan(BRAM, "branch", EH2PLUS)))
    assert got["branch"] == seed.BRANCH_CENTRE


def test_chain_authorisation_accountant_logs_in_for_his_client(walk: Walkthrough) -> None:
    got = assert_logged_in(walk.login(plan(TOM, "chain", EH3, company="Hoveniersbedrijf")))
    assert got["company"] == seed.CLIENT_KVK
    assert seed.FIRM_KVK in got["intermediary"]


def test_cancel_at_the_means_issuer_returns_to_discovery(walk: Walkthrough) -> None:
    outcome = walk.login(plan(ANNA, "cancelad", EH2PLUS, cancel_at="ad"))
    assert outcome.steps_seen[-2:] == ["ad-login", "discovery"], outcome.steps
    assert not outcome.logged_in
    # The discovery page says the login at the means issuer was cancelled (role=status).
    assert 'role="status"' in outcome.page.html


def test_cancel_at_the_mandate_choice_offers_choose_again_or_cancel(walk: Walkthrough) -> None:
    p = plan(CARLA, "cancelmr", EH2PLUS, cancel_at="mr")
    outcome = walk.login(p)
    assert outcome.steps_seen[-2:] == ["mr-choose", "discovery"], outcome.steps
    assert 'role="status"' in outcome.page.html  # "no mandate found or you cancelled"
    assert not outcome.logged_in
    # The user then cancels at discovery: the DV says so and received nothing.
    form = outcome.page.form_with(lambda f: f.action.endswith("/broker/discovery"))
    assert form is not None
    cancel = next(b for b in form.buttons if b.value == "cancel")
    final = walk.follow(walk.submit(form, button=cancel), p)
    assert final.page.url.startswith(walk.dv_url), final.page.url
    assert "geannuleerd" in final.page.text.lower()
    assert not final.logged_in
    assert walk.open(walk.dv_url + "/result").status == 401


def test_means_level_too_low_is_told_and_nothing_reaches_the_dv(walk: Walkthrough) -> None:
    outcome = walk.login(plan(BRAM, "low", EH3))
    # Refused right after the password, before any SMS code: the means is eH2+, not eH3.
    assert outcome.steps_seen[-2:] == ["ad-login", "other"], outcome.steps
    assert outcome.page.status == 403
    assert "eH3" in outcome.page.text and "eH2+" in outcome.page.text
    assert not outcome.logged_in
    assert walk.open(walk.dv_url + "/result").status == 401


def _dv_request_form(walk: Walkthrough, service: int) -> Form:
    """The DV's real POST-binding form for ``service`` (the login button, not yet sent)."""
    home = walk.open(walk.dv_url + "/")
    button = next(
        f for f in home.forms if any(c.name == "service" and c.value == str(service)
                                     for c in f.controls)
    )
    page = walk.submit(button)
    form = page.form_with(Form.is_saml_post)
    assert form is not None, page.text[:300]
    return form


def _resigned(
    live: RunningNetwork, form: Form, change: Callable[[etree._Element], None]
) -> dict[str, str]:
    """The form's AuthnRequest changed by ``change`` and signed again with the DV's key."""
    values = {c.name: c.value for c in form.controls if c.name}
    request = parse_xml(base64.b64decode(values["SAMLRequest"]))
    for old in request.findall(qname(DS, "Signature")):
        request.remove(old)
    change(request)
    ring = load_ring(live.network.directory / "keys", "dv")
    sign(request, ring.signing)  # in place
    values["SAMLRequest"] = base64.b64encode(serialize(request)).decode()
    return values


def test_unregistered_acs_url_ends_on_the_broker_error_page(
    live: RunningNetwork, walk: Walkthrough
) -> None:
    form = _dv_request_form(walk, EH2PLUS)

    def evil_acs(request: etree._Element) -> None:
        request.attrib.pop("AssertionConsumerServiceIndex", None)
        request.set("AssertionConsumerServiceURL", "http://127.0.0.1:9/steal")
        request.set("ProtocolBinding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact")

    answer = requests.post(
        form.action, data=_resigned(live, form, evil_acs), allow_redirects=False, timeout=30
    )
    assert 400 <= answer.status_code < 500, answer.text[:300]
    assert "Location" not in answer.headers
    assert "<code>bad_return_channel</code>" in answer.text  # the reference the page shows
    assert "127.0.0.1:9" not in answer.text  # no form or link towards the unregistered URL


def _dv_artifact(walk: Walkthrough) -> str:
    for url in reversed(walk.visited):
        parts = urlsplit(url)
        if url.startswith(walk.dv_url) and parts.path.endswith("/saml/acs"):
            return parse_qs(parts.query)["SAMLart"][0]
    raise AssertionError(f"no artifact reached the DV: {walk.visited}")


def test_replayed_artifact_gets_nothing(live: RunningNetwork, walk: Walkthrough) -> None:
    from etoegang.clock import RandomIdSource
    from etoegang.clock import SystemClock
    from etoegang.errors import ProtocolError
    from etoegang.exchange.artifact_client import ArtifactClient
    from etoegang.exchange.peers import LocalEntity
    from etoegang.exchange.transport import HttpTransport
    from makelaar.network import DV_ENTITY
    from makelaar.network import HM_ENTITY
    from metadata.directory import RegistryDirectory
    from metadata.loading import load_registry
    from metadata.loading import trust_from_files

    assert_logged_in(walk.login(plan(BRAM, "replay", EH2PLUS)))
    artifact = _dv_artifact(walk)

    # The same artifact at the DV again: the broker has nothing for it, the DV logs no one in.
    again = Walkthrough(walk.dv_url, walk.sms_outbox)
    replay = again.open(f"{walk.dv_url}/saml/acs?SAMLart={requests.utils.quote(artifact)}")
    assert replay.status >= 400
    assert not replay.path.endswith("/result")

    # And resolved directly with the DV's own keys: still nothing.
    net = live.network
    clock = SystemClock()
    trust = trust_from_files([net.directory / "keys" / "ca.crt"])
    registry = load_registry([net.directory / "metadata" / "hm.xml"], trust, clock)
    me = LocalEntity(DV_ENTITY, load_ring(net.directory / "keys", "dv"),
                     live.urls["dv"] + "/saml/ars")
    client = ArtifactClient(me, RegistryDirectory(registry), HttpTransport(), clock,
                            RandomIdSource())
    with pytest.raises(ProtocolError):
        client.resolve(artifact, expected_issuer=HM_ENTITY)


def _logout(walk: Walkthrough, result: Page) -> Outcome:
    form = result.form_with(lambda f: f.action.endswith("/logout"))
    assert form is not None, "no logout button on the result page"
    return walk.follow(walk.submit(form), plan(ANNA, "slo", EH2PLUS))


def test_single_logout_ends_the_dv_and_broker_sessions(walk: Walkthrough) -> None:
    first = walk.login(plan(ANNA, "slo", EH2PLUS))
    assert_logged_in(first)
    out = _logout(walk, first.page)
    assert out.page.url.startswith(walk.dv_url), out.page.url
    assert "uitgelogd" in out.page.text.lower()
    assert any("/broker/slo" in url for url in walk.visited)
    assert walk.open(walk.dv_url + "/result").status == 401
    again = walk.login(plan(ANNA, "slo", EH2PLUS, stop_at=("ad-login",)))
    assert again.steps_seen[-1] == "ad-login", again.steps  # no session left: password again


def test_sso_second_service_without_password(walk: Walkthrough) -> None:
    assert_logged_in(walk.login(plan(ANNA, "sso", EH2PLUS)))
    second = walk.login(plan(ANNA, "sso", EH3))
    got = assert_logged_in(second)
    assert "ad-login" not in second.steps_seen and "ad-code" not in second.steps_seen
    assert got["loa"] == "eH3"


def test_force_authn_asks_for_the_password_again(live: RunningNetwork, walk: Walkthrough) -> None:
    assert_logged_in(walk.login(plan(ANNA, "force", EH2PLUS)))
    form = _dv_request_form(walk, EH3)
    values = _resigned(live, form, lambda request: request.set("ForceAuthn", "true"))
    first = walk.post(form.action, values)
    outcome = walk.follow(first, plan(ANNA, "force", EH3, stop_at=("ad-login",)))
    assert outcome.steps_seen[-1] == "ad-login", outcome.steps


def test_no_sso_at_eh4(walk: Walkthrough) -> None:
    assert_logged_in(walk.login(plan(CARLA, "eh4", EH2PLUS, company="Gouden Korst")))
    outcome = walk.login(plan(CARLA, "eh4", EH4, stop_at=("ad-login",)))
    assert outcome.steps_seen[-1] == "ad-login", outcome.steps
