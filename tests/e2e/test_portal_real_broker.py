"""The portal's activation path and revocation, with the logins through the real broker (issue 8,
"What it must show"), in headless Chromium.

Broker, means issuer (AD, MR, portal and the development mail outbox) and demo DV run as
processes of their own on free ports, as ``makelaar demo`` starts them. The bakery's
administrator requests an eH2+ means for a new colleague and gives the colleague a mandate for
the DV's eH2+ service; the colleague activates the means (e-mail link, SMS code, password) and
logs in at the demo DV through the broker's discovery, the AD and the MR. Then the administrator
revokes the means and the colleague's next login through the broker is refused at the AD.
Screenshots go to ``test-artifacts/portal-e2e/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from idp.mail.views import OUTBOX_NAME
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from tests.e2e.servers import RunningNetwork
from tests.e2e.servers import running_network

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal-e2e"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--headless=new"]
ADMIN = "anna@goudenkorst.example"
ADMIN_PASSWORD = "Demo-wachtwoord-2026!"  # noqa: S105 - the seeded demo password
COLLEAGUE = "fenna.nieuw@goudenkorst.example"
COLLEAGUE_MOBILE = "06 41234567"
COLLEAGUE_PASSWORD = "Fenna-bakt-brood-2026"  # noqa: S105 - set by the test itself
STEP_TIMEOUT_MS = 20_000

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium"),
]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing],
        dev_ca: DevCa) -> Iterator[RunningNetwork]:
    with running_network(tmp_path_factory.mktemp("portal-e2e"), rings=rings,
                         ca=dev_ca) as running:
        yield running


@pytest.fixture()
def chromium() -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any) -> Any:
    context = browser.new_context(locale="nl-NL")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    return context.new_page()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def sms_after(outbox: Path, mark: int, to: str) -> str:
    """The code in the first SMS to ``to`` written after line ``mark`` of the outbox."""
    for line in outbox.read_text(encoding="utf-8").splitlines()[mark:]:
        message = json.loads(line)
        found = re.search(r"\b(\d{5,8})\b", message["text"])
        if message["to"] == to and found:
            return found.group(1)
    raise AssertionError(f"no SMS code to {to} in {outbox}")


def mail_link(outbox: Path, to: str) -> str:
    """The path of the portal link in the last mail to ``to``."""
    mails = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    found = [m for m in mails if m["to"] == to]
    assert found, f"no mail to {to} in {outbox}"
    match = re.search(r"https?://[^/\s]+(/portal/\S+)", found[-1]["body"])
    assert match, found[-1]["body"]
    return match.group(1)


def portal_login(page: Any, idp: str, sms: Path) -> None:
    page.goto(f"{idp}/portal/login")
    page.get_by_label("E-mailadres").fill(ADMIN)
    page.get_by_label("Wachtwoord").fill(ADMIN_PASSWORD)
    mark = lines(sms)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(last_code(sms, mark))
    page.get_by_role("button", name="Bevestigen").click()


def last_code(outbox: Path, mark: int) -> str:
    """The code in the last SMS written after line ``mark`` of the outbox."""
    written = outbox.read_text(encoding="utf-8").splitlines()[mark:]
    assert written, "no SMS sent"
    found = re.search(r"\b(\d{5,8})\b", json.loads(written[-1])["text"])
    assert found
    return found.group(1)


def broker_login(page: Any, urls: dict[str, str], email: str, password: str) -> None:
    """From the demo DV's button through the broker's discovery to the AD's password form."""
    page.goto(urls["dv"] + "/")
    page.get_by_role("button", name="Inloggen met eHerkenning voor Subsidie aanvragen").click()
    page.wait_for_selector("form[action$='/broker/discovery']")
    page.locator(f"input[name=ad][value='{AD_ENTITY}']").check()
    page.locator("button[name=action][value=choose]").click()
    page.wait_for_selector("form[action$='/ad/login']")
    page.locator("form[action$='/ad/login'] input[name=email]").fill(email)
    page.locator("form[action$='/ad/login'] input[name=password]").fill(password)
    page.locator("form[action$='/ad/login'] button[type=submit]").click()


def test_activation_then_a_login_through_the_broker_and_after_revocation_a_refusal(
        net: RunningNetwork, chromium: Any) -> None:
    urls = net.urls
    idp = urls["idp"]
    sms = net.network.sms_outbox
    mail = sms.with_name(OUTBOX_NAME)

    admin = new_page(chromium)
    portal_login(admin, idp, sms)
    # The administrator requests an eH2+ means for a new colleague (an employee).
    admin.get_by_role("link", name="Middel aanvragen").first.click()
    admin.get_by_label("Voornamen").fill("Fenna")
    admin.get_by_label("Achternaam", exact=True).fill("Nieuw")
    admin.get_by_label("E-mailadres").fill(COLLEAGUE)
    admin.get_by_label("Mobiel nummer").fill(COLLEAGUE_MOBILE)
    admin.get_by_label("Betrouwbaarheidsniveau").select_option("eH2+")
    admin.get_by_label("3 jaar").check()
    admin.locator("input[name=employee][value=ja]").check()
    admin.get_by_role("button", name="Bekijk de prijs").click()
    admin.get_by_role("button", name="Aanvraag plaatsen").click()
    shot(admin, "01-means-requested")

    # ... and a mandate for the DV's eH2+ service, so the MR lets the colleague act.
    admin.get_by_role("link", name="Machtigingen", exact=True).first.click()
    admin.get_by_role("link", name="Machtiging toevoegen").click()
    person = admin.locator("select#person option", has_text="Fenna").get_attribute("value")
    assert person
    admin.locator("select#person").select_option(person)
    admin.locator("#services label", has_text="Subsidie aanvragen").click()
    admin.locator("select#level").select_option("eH2+")
    admin.locator("select#years").select_option("1")
    admin.locator("button[name=action][value=quote]").click()
    admin.locator("button[name=action][value=place]").click()
    assert "Subsidie aanvragen" in admin.locator("tr", has_text="Fenna").inner_text()
    shot(admin, "02-mandate-added")

    holder = new_page(chromium)
    try:
        # Activation: the mail's link, the SMS code, a password.
        holder.goto(idp + mail_link(mail, COLLEAGUE))
        mark = lines(sms)
        holder.get_by_role("button", name="Doorgaan").click()
        holder.get_by_label("Code").fill(sms_after(sms, mark, "+31641234567"))
        holder.get_by_role("button", name="Bevestigen").click()
        holder.get_by_label("Nieuw wachtwoord").fill(COLLEAGUE_PASSWORD)
        holder.get_by_label("Herhaal het nieuwe wachtwoord").fill(COLLEAGUE_PASSWORD)
        holder.get_by_role("button", name="Wachtwoord opslaan").click()
        sync_api.expect(holder.locator("h1")).to_have_text("Uw middel is actief")
        shot(holder, "03-activated")
    finally:
        holder.context.close()

    # The first login, in a fresh browser, through the real broker.
    holder = new_page(chromium)
    try:
        mark = lines(sms)
        broker_login(holder, urls, COLLEAGUE, COLLEAGUE_PASSWORD)
        holder.wait_for_selector("form[action$='/ad/code'] input[name=code]")
        holder.locator("input[name=code]").fill(sms_after(sms, mark, "+31641234567"))
        holder.locator("form[action$='/ad/code'] button[value=verify]").click()
        holder.wait_for_selector(
            "form[action$='/mr/choose'], form[action$='/mr/consent'], #company")
        if holder.locator("form[action$='/mr/choose']").count():
            holder.locator("form[action$='/mr/choose'] label", has_text="Gouden Korst").click()
            holder.locator("form[action$='/mr/choose'] button[type=submit]").click()
            holder.wait_for_selector("form[action$='/mr/consent'], #company")
        if holder.locator("form[action$='/mr/consent']").count():
            holder.locator("form[action$='/mr/consent'] button[type=submit]").click()
        holder.wait_for_url(re.compile(r"^" + re.escape(urls["dv"]) + r"/result"))
        assert "U bent ingelogd" in holder.content()
        assert holder.locator("#loa").inner_text().strip() == "eH2+"
        shot(holder, "04-dv-result")
    finally:
        holder.context.close()

    # The administrator revokes the means.
    admin.get_by_role("link", name="Middelen", exact=True).first.click()
    admin.get_by_role("link", name=re.compile("^Fenna")).click()
    admin.locator("input[name=confirm]").check()
    admin.get_by_role("button", name="Middel opzeggen").click()
    assert "Opgezegd" in admin.locator("tr", has_text=COLLEAGUE).inner_text()
    shot(admin, "05-means-revoked")
    admin.context.close()

    # Its next login through the broker is refused at the AD, before any SMS.
    holder = new_page(chromium)
    try:
        mark = lines(sms)
        broker_login(holder, urls, COLLEAGUE, COLLEAGUE_PASSWORD)
        sync_api.expect(holder.locator("body")).to_contain_text(
            "Uw eHerkenningsmiddel is ingetrokken.")
        assert holder.locator("input[name=code]").count() == 0
        assert lines(sms) == mark
        shot(holder, "06-login-refused")
    finally:
        holder.context.close()
