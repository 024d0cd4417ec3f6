"""The CSV upload through the real pages in headless Chromium (Debian's ``chromium`` driven by
Playwright, never a downloaded browser): log in as administrator with password and SMS code,
upload a file with good and bad rows, and keep a screenshot of the preview in
``test-artifacts/portal/``. The app is served by werkzeug on a free port of 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.portal.harness import ADMIN_A
from tests.portal.harness import PASSWORD
from tests.portal.harness import Portal

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--headless=new"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
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


def test_csv_upload_preview_in_chromium(portal: Portal, served: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "collegas.csv"
    rows = ["voornamen;tussenvoegsel;achternaam;email;mobiel;niveau;jaren;medewerker"]
    rows += [f"Naam{i};;Test;n{i}@bakkerij-a.nl;06 {30000000 + i};eH3;3;ja" for i in range(20)]
    rows += ["Fout;;Adres;geen-adres;06 12345678;eH3;3;ja",
             "Fout;;Nummer;nummer@bakkerij-a.nl;020 1234567;eH3;3;ja",
             "Fout;;Niveau;niveau@bakkerij-a.nl;06 12345679;eH9;3;ja"]
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    portal.tick()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="nl-NL")
            page.goto(f"{served}/portal/login")
            page.get_by_label("E-mailadres").fill(ADMIN_A)
            page.get_by_label("Wachtwoord").fill(PASSWORD)
            page.get_by_role("button", name="Inloggen").click()
            page.get_by_label("Code").fill(portal.last_code())
            page.get_by_role("button", name="Bevestigen").click()
            page.get_by_role("link", name="Bestand importeren").first.click()
            page.get_by_label("CSV-bestand").set_input_files(str(csv_file))
            page.get_by_role("button", name="Uploaden en controleren").click()
            page.wait_for_selector("#bad-rows")
            assert page.locator("#valid-rows").inner_text() == "20"
            bad = page.locator("#bad-rows tbody tr")
            assert bad.count() == 3
            assert "Kies niveau eH2, eH2+, eH3 of eH4." in bad.nth(2).inner_text()
            page.screenshot(path=str(ARTIFACTS / "csv-preview.png"), full_page=True)
            page.get_by_role("button", name="Start 20 aanvragen").click()
            page.wait_for_selector("#created-rows")
            page.screenshot(path=str(ARTIFACTS / "csv-done.png"), full_page=True)
            assert page.locator("#created-rows").inner_text() == "20"
        finally:
            browser.close()
    assert (ARTIFACTS / "csv-preview.png").stat().st_size > 10_000
