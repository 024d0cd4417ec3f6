"""Requests for many colleagues by CSV (issue 8): a preview with one message per bad row,
processing in batches with progress, and a second upload that creates nothing twice."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from idp.app import context_of
from idp.portal.models import ImportBatch
from idp.portal.models import MeansRequest
from idp.portal.services import EXTENSION
from tests.portal.harness import ADMIN_A
from tests.portal.harness import Portal

HEADER = "voornamen;tussenvoegsel;achternaam;email;mobiel;niveau;jaren;medewerker\n"
GOOD_AND_BAD = HEADER + (
    "Eva;;Eik;eva@bakkerij-a.nl;06 12345671;eH3;3;ja\n"        # line 2: good
    "Fred;;Fok;fred@;06 12345672;eH3;3;ja\n"                   # line 3: e-mail
    "Gert;;Gans;gert@bakkerij-a.nl;020 1234567;eH2;1;ja\n"     # line 4: mobile
    "Hans;;Hek;hans@bakkerij-a.nl;06 12345674;eH5;1;nee\n"     # line 5: level
    "Ilse;;Ink;EVA@bakkerij-a.nl;06 12345675;eH2+;5;nee\n"     # line 6: duplicate of line 2
    "\n"
    "Joop;;Jas;joop@bakkerij-a.nl;+31 6 12345676;eH2+;5;nee\n"  # line 8: good
    ";;;kees@bakkerij-a.nl;06 12345677;eH2;2;misschien\n"       # line 9: four problems
)


def upload(portal: Portal, content: str, name: str = "collega's.csv") -> Any:
    return portal.client.post(
        "/portal/import",
        data={"csrf_token": portal.token(), "file": (io.BytesIO(content.encode()), name)},
        content_type="multipart/form-data",
    )


def count_requests(portal: Portal) -> int:
    with context_of(portal.app).db() as db:
        return int(db.scalar(select(func.count()).select_from(MeansRequest)) or 0)


def bad_rows(html: str) -> dict[int, list[str]]:
    table = html.split('id="bad-rows"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for line, cell in re.findall(r"<tr><td>(\d+)</td>.*?<ul>(.*?)</ul>", table, re.S):
        rows[int(line)] = re.findall(r"<li>(.*?)</li>", cell)
    return rows


def run_to_the_end(portal: Portal, location: str) -> tuple[Any, int]:
    loads = 0
    page = portal.get(location)
    while "Refresh" in page.headers:
        loads += 1
        assert loads < 100
        page = portal.get(location)
    return page, loads


def test_preview_shows_each_bad_row_with_an_exact_message(portal: Portal) -> None:
    portal.login(ADMIN_A)
    answer = upload(portal, GOOD_AND_BAD)
    assert answer.status_code == 303
    preview = portal.get(answer.headers["Location"])
    assert preview.status_code == 200
    assert bad_rows(preview.text) == {
        3: ["Vul een geldig e-mailadres in, zoals naam@bedrijf.nl."],
        4: ["Vul een Nederlands mobiel nummer in dat begint met 06, zoals 06 12345678."],
        5: ["Kies niveau eH2, eH2+, eH3 of eH4."],
        6: ["Dit e-mailadres staat al op regel 2 van het bestand."],
        9: ["Vul de voornamen in.", "Vul de achternaam in.",
            "Kies een geldigheid van 1, 3 of 5 jaar.",
            "Geef aan of de persoon medewerker is (ja of nee)."],
    }
    assert '<dd id="valid-rows">2</dd>' in preview.text
    # eH3 3 years (EUR 55.00) + eH2+ 5 years (EUR 50.00).
    assert '<strong id="total-price">€ 105,00</strong>' in preview.text
    assert count_requests(portal) == 0  # nothing is placed by the preview
    english = portal.get(answer.headers["Location"] + "&lang=en")
    assert "This e-mail address is already on line 2 of the file." in english.text


def test_starting_the_batch_places_only_the_good_rows(portal: Portal) -> None:
    portal.login(ADMIN_A)
    location = upload(portal, GOOD_AND_BAD).headers["Location"]
    batch_id = int(re.search(r"/import/(\d+)", location).group(1))  # type: ignore[union-attr]
    started = portal.post(f"/portal/import/{batch_id}/start")
    assert started.status_code == 303
    page, _ = run_to_the_end(portal, f"/portal/import/{batch_id}")
    assert '<dd id="created-rows">2</dd>' in page.text
    assert count_requests(portal) == 2
    assert {m["to"] for m in portal.mails()} == {"eva@bakkerij-a.nl", "joop@bakkerij-a.nl"}


def test_a_file_of_2000_rows_is_processed_in_batches_with_progress(portal: Portal) -> None:
    portal.app.extensions[EXTENSION] = __import__("dataclasses").replace(
        portal.app.extensions[EXTENSION], batch_size=250)
    portal.login(ADMIN_A)
    rows = "".join(f"Naam{i};;Achter{i};p{i}@groot.nl;06 {20000000 + i};eH2+;1;ja\n"
                   for i in range(2000))
    location = upload(portal, HEADER + rows).headers["Location"]
    batch_id = int(re.search(r"/import/(\d+)", location).group(1))  # type: ignore[union-attr]
    preview = portal.get(location)
    assert '<dd id="valid-rows">2000</dd>' in preview.text
    portal.post(f"/portal/import/{batch_id}/start")
    first = portal.get(f"/portal/import/{batch_id}")
    assert first.headers["Refresh"].startswith("1; url=/portal/import/")
    assert 'value="250"' in first.text and "Voortgang: 250 van 2000" in first.text
    assert count_requests(portal) == 250
    page, loads = run_to_the_end(portal, f"/portal/import/{batch_id}")
    assert loads == 6  # 8 loads in all: the first above, the first of the loop, 6 more
    assert '<dd id="created-rows">2000</dd>' in page.text
    assert count_requests(portal) == 2000
    assert len(portal.mails()) == 2000


def test_the_same_file_again_creates_nothing_twice(portal: Portal) -> None:
    portal.login(ADMIN_A)
    first = upload(portal, GOOD_AND_BAD).headers["Location"]
    batch_id = int(re.search(r"/import/(\d+)", first).group(1))  # type: ignore[union-attr]
    portal.post(f"/portal/import/{batch_id}/start")
    run_to_the_end(portal, f"/portal/import/{batch_id}")
    second = upload(portal, GOOD_AND_BAD)
    assert "done=uploaded_before" in second.headers["Location"]
    assert f"/portal/import/{batch_id}" in second.headers["Location"]
    assert "al eerder geüpload" in portal.get(second.headers["Location"]).text
    portal.post(f"/portal/import/{batch_id}/start")
    run_to_the_end(portal, f"/portal/import/{batch_id}")
    # Another file with the same rows: the rows are recognised by their key.
    renamed = upload(portal, GOOD_AND_BAD + "\n", name="nog-een-keer.csv")
    other_id = int(re.search(r"/import/(\d+)", renamed.headers["Location"]).group(1))  # type: ignore[union-attr]
    assert other_id != batch_id
    preview = portal.get(renamed.headers["Location"])
    assert bad_rows(preview.text)[2] == [
        "Voor dit e-mailadres is dit niveau al aangevraagd of al actief."]
    assert count_requests(portal) == 2
    with context_of(portal.app).db() as db:
        assert db.scalar(select(func.count()).select_from(ImportBatch)) == 2


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(portal: Portal) -> None:
    portal.login(ADMIN_A)
    answer = upload(portal, "naam,email\nJan,jan@a.nl\n")
    assert answer.status_code == 400
    assert "De kopregel mist kolommen" in answer.text
    assert 'href="#file"' in answer.text
    empty = upload(portal, "")
    assert empty.status_code == 400


def test_english_headers_and_commas_are_accepted(portal: Portal) -> None:
    portal.login(ADMIN_A)
    content = ("given_names,surname,email,mobile,level,years,employee\n"
               "Lia,Lam,lia@bakkerij-a.nl,0612345678,eh2plus,3,yes\n")
    preview = portal.get(upload(portal, content).headers["Location"])
    assert '<dd id="valid-rows">1</dd>' in preview.text
