"""A headless Chromium clicks through the demo as a user would: the DV's button, discovery,
e-mail and password, the SMS code, the mandate choice, and the DV page showing the company.

The browser is Debian's ``chromium`` driven by Playwright (never a downloaded browser); each
step's screenshot is kept in ``test-artifacts/browser/NN-step.png``. The SAML POST-binding
pages submit themselves by script (with the CSP nonce), so this also shows that the pages work
under the Content-Security-Policy in a real browser.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from makelaar.network import AD_ENTITY
from tests.e2e.servers import RunningNetwork

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--headless=new",
    "--disable-gpu",
    "--no-first-run",
]
STEP_TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt install chromium)"),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)


@pytest.fixture()
def page(tmp_path: Path) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            locale="nl-NL",
            viewport={"width": 1000, "height": 800},
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()


class Steps:
    """Numbered screenshots of one run."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.number = 0
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True)

    def shot(self, name: str) -> Path:
        self.number += 1
        path = ARTIFACTS / f"{self.number:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _sms_code(outbox: Path, after: int) -> str:
    for line in reversed(outbox.read_text(encoding="utf-8").splitlines()[after:]):
        found = re.search(r"\b(\d{5,8})\b", json.loads(line)["text"])
        if found:
            return found.group(1)
    raise AssertionError(f"no SMS code in {outbox}")


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def test_a_user_logs_in_at_the_demo_dv_with_chromium(
    browser_network: RunningNetwork, page: Any
) -> None:
    from idp import seed

    # Carla has two mandates, so the mandate choice shows; she acts for the bakery.
    email, password = "carla@klusbedrijfjansen.example", seed.DEMO_PASSWORD
    urls = browser_network.urls
    outbox = browser_network.network.sms_outbox
    steps = Steps(page)

    page.goto(urls["dv"] + "/")
    steps.shot("dv-home")
    page.get_by_role("button", name="Inloggen met eHerkenning voor Subsidie aanvragen").click()

    # Each page is known by where its form posts (the AD and MR show theirs at their SSO URL).
    page.wait_for_selector("form[action$='/broker/discovery']")
    steps.shot("discovery")
    page.locator(f"input[name=ad][value='{AD_ENTITY}']").check()
    page.locator("button[name=action][value=choose]").click()

    page.wait_for_selector("form[action$='/ad/login']")
    page.locator("form[action$='/ad/login'] input[name=email]").fill(email)
    page.locator("form[action$='/ad/login'] input[name=password]").fill(password)
    steps.shot("ad-login")
    mark = _lines(outbox)
    page.locator("form[action$='/ad/login'] button[type=submit]").click()

    page.wait_for_selector("form[action$='/ad/code'] input[name=code]")
    page.locator("input[name=code]").fill(_sms_code(outbox, mark))
    steps.shot("sms-code")
    page.locator("form[action$='/ad/code'] button[value=verify]").click()

    page.wait_for_selector("form[action$='/mr/choose']")
    steps.shot("mandate-choice")
    page.locator("form[action$='/mr/choose'] label", has_text="Gouden Korst").click()
    page.locator("form[action$='/mr/choose'] button[type=submit]").click()
    page.wait_for_selector("form[action$='/mr/consent'], #company")
    if page.locator("form[action$='/mr/consent']").count():
        steps.shot("consent")
        page.locator("form[action$='/mr/consent'] button[type=submit]").click()

    page.wait_for_url(re.compile(r"^" + re.escape(urls["dv"]) + r"/result"))
    company = page.locator("#company").inner_text().strip()
    steps.shot("dv-result")
    assert company == seed.BAKERY_KVK
    assert page.locator("#loa").inner_text().strip() == "eH3"  # her bakery mandate's level
    assert sorted(p.name for p in ARTIFACTS.glob("*.png"))[0] == "01-dv-home.png"
