"""The administrator's daily flows through the real pages in headless Chromium (issue 8, "What
it must show"): a CSV upload of 1,000 rows with 3 bad ones, cancelling a pending request, an
upgrade from eH2+ to eH3, revoking a means (its next login is refused) and the activation path
(e-mail link, SMS code, password) followed by a first login.

Debian's ``chromium`` is driven by Playwright (never a downloaded browser); the means issuer is
served by werkzeug on a free port of 127.0.0.1. Screenshots go to ``test-artifacts/portal/``.
The logins of scenarios "revoke" and "activation" happen on the AD's own login page, reached
with a fake HM's signed AuthnRequest by artifact (``tests.idp_ad.harness``), as the broker
reaches it; the broker itself does not run here, so the browser's arrival at its ACS is caught
and the answer resolved the way the HM resolves it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from etoegang.clock import FixedClock
from idp.app import context_of
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Person
from idp.portal.models import MeansRequest
from idp.portal.models import RequestStatus
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import Network
from policies.loa import Loa
from tests.conftest import GOLDEN_INSTANT
from tests.idp_ad.harness import Harness
from tests.idp_ad.harness import make_harness
from tests.portal.harness import ADMIN_A
from tests.portal.harness import NEW_PASSWORD
from tests.portal.harness import PASSWORD
from tests.portal.harness import USER_A
from tests.portal.harness import Portal

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--headless=new"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture()
def served(portal: Portal) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, portal.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture()
def ad_portal(network: Network, rings: dict[str, KeyRing], template_db: Path, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> tuple[Harness, Portal]:
    """One means-issuer app with both the AD (reached by a fake HM's artifact, as the broker
    reaches it) and the portal, on the portal's register."""
    from idp.mail.views import blueprint as mail_blueprint
    from idp.portal.services import EXTENSION
    from idp.portal.services import build_services
    from idp.portal.views import blueprint

    monkeypatch.setattr("idp.app.load_ring", lambda _directory, role: rings[role])
    harness = make_harness(network, rings, template_db, tmp_path,
                           FixedClock(GOLDEN_INSTANT))
    app = harness.app
    if "portal" not in app.blueprints:
        app.register_blueprint(blueprint)
    if "mail_dev" not in app.blueprints:
        app.register_blueprint(mail_blueprint)
    mail_outbox = tmp_path / "mail.jsonl"
    app.extensions["idp.mail.outbox"] = mail_outbox
    app.extensions[EXTENSION] = build_services(app, mail_outbox=mail_outbox)
    return harness, Portal(app, app.test_client(), harness.clock, harness.outbox, mail_outbox)


@pytest.fixture()
def served_ad(ad_portal: tuple[Harness, Portal]) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, ad_portal[0].app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="nl-NL")
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Any, portal: Portal, served: str, email: str,
           password: str = PASSWORD) -> None:
    portal.tick()
    page.goto(f"{served}/portal/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(portal.last_code())
    page.get_by_role("button", name="Bevestigen").click()


def means_of(portal: Portal, email: str) -> Means:
    with context_of(portal.app).db() as db:
        means = db.scalars(select(Means).join(Person).where(Person.email == email)).one()
        means.person  # noqa: B018  (loaded before the session closes)
        return means


def local(portal: Portal, served: str, to: str) -> str:
    """The link in the last mail to ``to``, pointed at the served app."""
    return served + portal.link_in(portal.last_mail(to))


def request_means(page: Any, name: str, email: str, mobile: str) -> None:
    """The administrator requests an eH2+ means for an employee with the form."""
    page.get_by_role("link", name="Middel aanvragen").first.click()
    page.get_by_label("Voornamen").fill(name)
    page.get_by_label("Achternaam", exact=True).fill("Test")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Mobiel nummer").fill(mobile)
    page.get_by_label("Betrouwbaarheidsniveau").select_option("eH2+")
    page.get_by_label("3 jaar").check()
    page.locator("input[name=employee][value=ja]").check()
    page.get_by_role("button", name="Bekijk de prijs").click()
    page.get_by_role("button", name="Aanvraag plaatsen").click()


def test_a_csv_of_1000_rows_with_3_bad_ones_shows_those_and_creates_the_rest(
        portal: Portal, served: str, page: Any, tmp_path: Path) -> None:
    csv_file = tmp_path / "collegas.csv"
    rows = ["voornamen;tussenvoegsel;achternaam;email;mobiel;niveau;jaren;medewerker"]
    rows += [f"Naam{i};;Test;n{i}@bakkerij-a.nl;06 {30000000 + i};eH2+;3;ja" for i in range(997)]
    rows.insert(300, "Fout;;Adres;geen-adres;06 12345678;eH2+;3;ja")
    rows.insert(600, "Fout;;Nummer;nummer@bakkerij-a.nl;020 1234567;eH2+;3;ja")
    rows.append("Fout;;Niveau;niveau@bakkerij-a.nl;06 12345679;eH9;3;ja")
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    log_in(page, portal, served, ADMIN_A)
    page.get_by_role("link", name="Bestand importeren").first.click()
    page.get_by_label("CSV-bestand").set_input_files(str(csv_file))
    page.get_by_role("button", name="Uploaden en controleren").click()
    page.wait_for_selector("#bad-rows")
    assert page.locator("#total-rows").inner_text() == "1000"
    assert page.locator("#valid-rows").inner_text() == "997"
    bad = page.locator("#bad-rows tbody tr")
    assert bad.count() == 3
    assert [bad.nth(i).locator("td").first.inner_text() for i in range(3)] == ["301", "601",
                                                                              "1001"]
    assert "Kies niveau eH2, eH2+, eH3 of eH4." in bad.nth(2).inner_text()
    page.screenshot(path=str(ARTIFACTS / "csv-1000-preview.png"), full_page=True)
    page.get_by_role("button", name="Start 997 aanvragen").click()
    # The status page places 250 requests per load and refreshes itself (Refresh header).
    sync_api.expect(page.locator("#created-rows")).to_have_text("997", timeout=60_000)
    assert page.locator("#progress").count() == 0
    assert page.locator("#bad-rows tbody tr").count() == 3
    page.screenshot(path=str(ARTIFACTS / "csv-1000-done.png"), full_page=True)
    with context_of(portal.app).db() as db:
        placed = db.scalars(select(MeansRequest.id)).all()
    assert len(placed) == 997
    assert len({m["to"] for m in portal.mails()}) == 997


def test_cancelling_a_pending_request_kills_its_activation_link(
        portal: Portal, served: str, page: Any) -> None:
    log_in(page, portal, served, ADMIN_A)
    request_means(page, "Dirk", "dirk@bakkerij-a.nl", "06 55555555")
    link = local(portal, served, "dirk@bakkerij-a.nl")
    page.get_by_role("link", name="Lopende aanvragen").first.click()
    row = page.locator("tr", has_text="dirk@bakkerij-a.nl")
    assert "Wacht op bevestiging e-mailadres" in row.inner_text()
    row.get_by_role("button", name=re.compile("annuleren$")).click()
    page.screenshot(path=str(ARTIFACTS / "pending-cancelled.png"), full_page=True)
    assert page.locator("tr", has_text="dirk@bakkerij-a.nl").count() == 0
    with context_of(portal.app).db() as db:
        request = db.scalars(select(MeansRequest)).one()
        assert request.status is RequestStatus.CANCELLED
    assert means_of(portal, "dirk@bakkerij-a.nl").status is not MeansStatus.ACTIVE
    answer = page.goto(link)  # the holder opens the mail's link: it is dead
    assert answer is not None and answer.status == 410
    assert page.get_by_role("button", name="Doorgaan").count() == 0


def test_an_upgrade_from_eh2plus_to_eh3_for_a_checked_employee(
        portal: Portal, served: str, page: Any) -> None:
    log_in(page, portal, served, ADMIN_A)
    page.get_by_role("link", name="Middelen", exact=True).first.click()
    page.get_by_role("link", name=re.compile("^Bob")).click()
    assert page.locator("#means-level").inner_text() == "eH2+"
    page.get_by_role("link", name="Niveau verhogen").click()
    page.get_by_label("eH3", exact=True).check()
    page.locator("input[name=identity_confirmed]").check()
    page.get_by_role("button", name="Bekijk de prijs").click()
    page.screenshot(path=str(ARTIFACTS / "upgrade-price.png"), full_page=True)
    page.get_by_role("button", name="Opwaardering bestellen").click()
    means = means_of(portal, USER_A)
    assert means.level is Loa.EH3 and means.identity_document_validated
    page.goto(f"{served}/portal/means/{means.id}")
    assert page.locator("#means-level").inner_text() == "eH3"
    page.screenshot(path=str(ARTIFACTS / "upgrade-done.png"), full_page=True)


def ad_login(page: Any, harness: Harness, served: str, email: str, password: str) -> None:
    """A service asks the HM for a login; the HM sends the browser to the AD with an artifact
    and the person types their address and password on the AD's own page."""
    harness.clock.move_to(harness.clock.now() + timedelta(seconds=31))
    artifact = harness.hm_issuer.issue(harness.request(), recipient=AD_ENTITY).encode()
    page.goto(f"{served}/ad/sso/1.13?SAMLart={quote(artifact)}&RelayState=rs-1")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("button[type=submit]").first.click()


def test_a_revoked_means_is_refused_at_its_next_login(
        ad_portal: tuple[Harness, Portal], served_ad: str, page: Any) -> None:
    harness, portal = ad_portal
    log_in(page, portal, served_ad, ADMIN_A)
    page.goto(f"{served_ad}/portal/means/{means_of(portal, USER_A).id}")
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Middel opzeggen").click()
    assert "Opgezegd" in page.locator("tr", has_text=USER_A).inner_text()
    page.screenshot(path=str(ARTIFACTS / "means-revoked.png"), full_page=True)
    holder = page.context.browser.new_context(locale="nl-NL").new_page()
    try:
        ad_login(holder, harness, served_ad, USER_A, PASSWORD)
        assert "Uw eHerkenningsmiddel is ingetrokken." in holder.content()
        assert holder.locator("#code").count() == 0
        holder.screenshot(path=str(ARTIFACTS / "ad-login-revoked.png"), full_page=True)
    finally:
        holder.context.close()
    assert means_of(portal, USER_A).status is MeansStatus.REVOKED


def test_activation_by_mail_link_sms_code_and_password_then_a_first_login(
        ad_portal: tuple[Harness, Portal], served_ad: str, page: Any) -> None:
    harness, portal = ad_portal
    log_in(page, portal, served_ad, ADMIN_A)
    request_means(page, "Eva", "eva@bakkerij-a.nl", "06 77777777")
    holder = page.context.browser.new_context(locale="nl-NL").new_page()
    acs: list[str] = []
    # The broker's ACS is not served here: the browser's arrival there is caught and its
    # artifact resolved the way the HM resolves it.

    def at_broker(route: Any) -> None:
        acs.append(route.request.url)
        route.fulfill(status=200, body="broker")

    holder.context.route("http://127.0.0.1:8801/**", at_broker)
    try:
        portal.tick()
        holder.goto(local(portal, served_ad, "eva@bakkerij-a.nl"))
        holder.get_by_role("button", name="Doorgaan").click()
        assert portal.sms_to() == "+31677777777"
        holder.get_by_label("Code").fill(portal.last_code())
        holder.get_by_role("button", name="Bevestigen").click()
        holder.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
        holder.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
        holder.get_by_role("button", name="Wachtwoord opslaan").click()
        sync_api.expect(holder.locator("h1")).to_have_text("Uw middel is actief")
        holder.screenshot(path=str(ARTIFACTS / "activation-done.png"), full_page=True)
        assert means_of(portal, "eva@bakkerij-a.nl").status is MeansStatus.ACTIVE

        ad_login(holder, harness, served_ad, "eva@bakkerij-a.nl", NEW_PASSWORD)
        holder.locator("#code").fill(portal.last_code())
        holder.locator("button[name=action][value=verify]").click()
        sync_api.expect(holder.locator("body")).to_have_text("broker")
    finally:
        holder.context.close()
    assert len(acs) == 1
    answer = harness.answer(acs[0])
    assert answer.response.status.is_success and answer.relay_state == "rs-1"
    assert answer.assertion is not None and answer.assertion.authn_statement is not None
    assert answer.assertion.authn_statement.loa is Loa.EH2PLUS
