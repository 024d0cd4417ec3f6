"""The eIDAS bridge both ways over real HTTP between separately started servers (issue 7).

Broker, means issuer, demo DV and the eIDAS node simulator each run as a process of their own
(``python -m makelaar.serve``) on free ports of 127.0.0.1 (docs/eidas.md).

* Inbound: the demo DV's web app offers no eIDAS login (its settings list only the
  eHerkenning services), so the test plays the DV itself: a signed AuthnRequest for the
  eIDAS-inbound service, scoped to the EB, POSTed to the broker's socket; the browser chooses a
  country and an identity at the node; the broker's artifact is resolved over HTTP at the
  broker's ArtifactResolutionService with the DV's key, as the DV would.
* Outbound: the node's connector page starts a login at the broker's proxy service; the user
  goes through discovery, the means issuer (password and SMS code) and the mandate register,
  and the node's result page shows LegalPersonIdentifier NL/<country>/<KvK>.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from etoegang.clock import SystemClock
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import decrypt
from etoegang.exchange.transport import HttpTransport
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.attributes import parse_attribute
from etoegang.messages.authn_request import IDPEntry
from etoegang.messages.authn_request import Scoping
from etoegang.messages.common import parse_name_id
from etoegang.messages.response import parse_response
from etoegang.messages.status import StatusCode
from etoegang.xml.parser import serialize
from idp import seed
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.demo import DEMO_SERVERS
from makelaar.demo import DemoServers
from makelaar.demo import prepare_network
from makelaar.eidas_network import EB_ENTITY
from makelaar.eidas_network import EIDAS_SERVICE_INDEX
from makelaar.eidas_network import NODE_COUNTRY
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Page
from makelaar.walkthrough import Walkthrough
from makelaar.walkthrough import parse_page
from metadata.directory import RegistryDirectory
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from policies.loa import Loa
from tests.broker.fakes import FakeDv
from tests.e2e.people import add_twins
from tests.e2e.people import twin_email
from tests.e2e.servers import RunningNetwork
from tests.e2e.servers import free_ports
from tests.e2e.servers import missing_pieces

pytestmark = pytest.mark.e2e

ACTING = "urn:etoegang:core:ActingSubjectID"
ANNA = "anna@goudenkorst.example"  # eH3 means, one mandate for the bakery (every service)
TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class EidasNet:
    live: RunningNetwork
    rings: dict[str, KeyRing]
    dv: FakeDv

    def url(self, server: str) -> str:
        return self.live.urls[server]


@pytest.fixture(scope="module")
def net(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> Iterator[EidasNet]:
    """The four servers of ``makelaar demo``, each a process of its own on a free port."""
    missing = missing_pieces(DEMO_SERVERS)
    if missing:
        pytest.skip("roles not complete: " + "; ".join(missing))
    from makelaar.commands.idp import seed_database

    directory = tmp_path_factory.mktemp("e2e-eidas")
    ports = free_ports(len(DEMO_SERVERS))
    urls = {s: f"http://127.0.0.1:{p}" for s, p in zip(DEMO_SERVERS, ports, strict=True)}
    network, _ = prepare_network(
        directory / "net", urls=urls, build_options={"rings": rings, "ca": dev_ca}
    )
    seed_database(network.settings_file("idp"))
    add_twins(network.db_url, {ANNA: ["eidas"]})
    log_dir = directory / "logs"
    servers = DemoServers(network, log_dir=log_dir, servers=DEMO_SERVERS)
    servers.start()
    try:
        net_dir = network.directory
        clock = SystemClock()
        trust = trust_from_files([net_dir / "keys" / "ca.crt"])
        files = [net_dir / "metadata" / f"{role}.xml" for role in ("hm", "dv")]
        dv = FakeDv(
            DV_ENTITY, rings["dv"], RegistryDirectory(load_registry(files, trust, clock)),
            clock, HttpTransport(), ars_url=f"{urls['dv']}/saml/ars",
            hm_entity_id=HM_ENTITY, sso_url=f"{urls['broker']}/broker/sso/1.13",
            acs_url=f"{urls['dv']}/saml/acs",
        )
        yield EidasNet(RunningNetwork(network, servers, log_dir), rings, dv)
    finally:
        servers.stop()


def _page(response: requests.Response) -> Page:
    return parse_page(response.url, response.status_code, response.text)


def _saml_form(page: Page, net: EidasNet) -> tuple[str, dict[str, str]]:
    form = page.form_with(lambda f: f.is_saml_post())
    assert form is not None, f"no POST binding form on {page.url} ({page.status}): " + (
        page.text[:400] + "\n" + net.live.logs(15))
    return form.action, {c.name: c.value for c in form.controls if c.kind == "hidden"}


def _csrf_form(page: Page) -> dict[str, str]:
    assert page.status == 200, f"{page.url} ({page.status}): {page.text[:400]}"
    assert len(page.forms) >= 1, page.text[:400]
    return {c.name: c.value for c in page.forms[0].controls if c.kind == "hidden"}


def _inbound_login(net: EidasNet, *, country: str, identity: str) -> dict[str, object]:
    """DV -> broker -> node (country, identity) -> broker -> DV; what the DV decrypted."""
    browser = requests.Session()
    request = net.dv.request(service_index=EIDAS_SERVICE_INDEX,
                             scoping=Scoping((IDPEntry(EB_ENTITY),)))
    started = _page(browser.post(
        net.dv.sso_url, data={"SAMLRequest": base64.b64encode(serialize(request)).decode()},
        timeout=TIMEOUT))
    action, fields = _saml_form(started, net)
    assert action == f"{net.url('eidas-node')}/eidas-node/proxy/sso"
    # The node takes the request and sends the browser (303) to its country page.
    country_page = _page(browser.post(action, data=fields, timeout=TIMEOUT))
    assert urlsplit(country_page.url).path == "/eidas-node/country", country_page.url
    identity_page = _page(browser.post(
        country_page.url, data={**_csrf_form(country_page), "country": country},
        timeout=TIMEOUT))
    assert urlsplit(identity_page.url).path == "/eidas-node/identity", identity_page.url
    assert identity in identity_page.html
    answered = _page(browser.post(
        identity_page.url,
        data={**_csrf_form(identity_page), "identity": identity, "action": "login"},
        timeout=TIMEOUT))
    action, fields = _saml_form(answered, net)
    assert action == f"{net.url('broker')}/broker/eidas/acs"
    at_broker = browser.post(action, data=fields, timeout=TIMEOUT, allow_redirects=False)
    assert at_broker.status_code == 302, at_broker.text[:400] + "\n" + net.live.logs(15)
    location = at_broker.headers["Location"]
    assert location.startswith(net.dv.acs_url + "?SAMLart="), location
    hm_certs = tuple(p.as_peer() for p in net.rings["hm"].published_signing())
    response = parse_response(net.dv.hm_response(location, hm_certs))
    assert response.status.top is StatusCode.SUCCESS, response.status
    return _delivered(response.assertion_elements[0], net.rings["dv"], hm_certs)


def _delivered(element: object, ring: KeyRing, hm_certs: tuple[object, ...]) -> dict[str, object]:
    verified = verify(element, VerifyPolicy(trusted=hm_certs))  # type: ignore[arg-type]
    assertion = parse_assertion(verified.element)
    out: dict[str, object] = {"assertion": assertion, "xml": serialize(verified.element)}
    for attribute in assertion.attributes:
        value = attribute.values[0]
        if value.element is not None:
            name_id = parse_name_id(decrypt(value.element, ring), "test")
            out[attribute.name] = name_id.value
        else:
            out[attribute.name] = value.text
    for encrypted in assertion.encrypted_attributes:
        decrypted = parse_attribute(decrypt(encrypted, ring), "test")
        out[decrypted.name] = decrypted.texts[0]
    return out


def test_foreign_person_reaches_the_dv_with_a_stable_pseudonym_and_attributes(
    net: EidasNet,
) -> None:
    first = _inbound_login(net, country="ES", identity="es-1")
    assertion = first["assertion"]
    statement = assertion.authn_statement  # type: ignore[attr-defined]
    assert statement.authenticating_authorities == (EB_ENTITY,)
    assert statement.loa is Loa.EH3
    pseudonym = first[ACTING]
    assert isinstance(pseudonym, str) and len(pseudonym) == 64 and int(pseudonym, 16) >= 0
    assert first["urn:etoegang:1.9:attribute:FirstName"] == "Javier"
    assert first["urn:etoegang:1.9:attribute:FamilyName"] == "García Fernández"
    assert first["urn:etoegang:1.9:attribute:DateOfBirth"] == "1975-03-14"
    # The raw eIDAS PersonIdentifier never reaches the DV.
    assert b"02635542Y" not in first["xml"]  # type: ignore[operator]
    # A second login of the same person gives the same pseudonym at this DV.
    again = _inbound_login(net, country="ES", identity="es-1")
    assert again[ACTING] == pseudonym


def test_another_foreign_person_gets_another_pseudonym(net: EidasNet) -> None:
    spanish = _inbound_login(net, country="ES", identity="es-1")
    german = _inbound_login(net, country="DE", identity="de-1")
    assert german[ACTING] != spanish[ACTING]
    assert german["urn:etoegang:1.11:attribute:BirthName"] == "Gabler"


def test_dutch_company_logs_in_at_the_foreign_connector(net: EidasNet) -> None:
    walk = Walkthrough(net.url("dv"), net.live.network.sms_outbox, timeout=TIMEOUT)
    start = walk.open(f"{net.url('eidas-node')}/eidas-node/connector")
    assert start.status == 200, start.text[:400]
    form = start.forms[0]
    first = walk.submit(form, {"level": "http://eidas.europa.eu/LoA/substantial"})
    plan = LoginPlan(email=twin_email(ANNA, "eidas"), password=seed.DEMO_PASSWORD)
    outcome = walk.follow(first, plan)
    page = outcome.page
    # One mandate for the bakery: the mandate register asks to confirm it (no choice).
    assert outcome.steps_seen == ["discovery", "ad-login", "ad-code", "mr-consent", "other"], (
        outcome.steps)
    assert urlsplit(page.url).path == "/eidas-node/connector/acs", (
        f"{outcome.steps} ended at {page.url} ({page.status}): {page.text[:500]}\n"
        + net.live.logs(20))
    assert page.status == 200, page.text[:500]
    assert f"NL/{NODE_COUNTRY}/{seed.BAKERY_KVK}" in page.text, page.text[:800]
    assert "http://eidas.europa.eu/LoA/substantial" in page.text
