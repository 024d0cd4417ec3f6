"""The walkthrough reads pages as a browser would: forms with their controls, labels and
buttons, the SAML POST-binding form, and the DV's result list (no servers needed)."""

from __future__ import annotations

from makelaar.walkthrough import Form
from makelaar.walkthrough import parse_page

DISCOVERY = """<!doctype html><html><body><h1>Kies uw inlogmiddel</h1>
<form method="post" action="/broker/discovery">
  <input type="hidden" name="csrf_token" value="t0k">
  <label><input type="radio" name="ad" value="urn:ad:1"> Makelaar Middelen</label>
  <input type="radio" id="ad2" name="ad" value="urn:ad:2"><label for="ad2">Ander middel</label>
  <input type="checkbox" name="remember" value="1">
  <button type="submit" name="action" value="go">Verder</button>
  <button type="submit" name="action" value="cancel">Annuleren</button>
</form><script>document.forms[0].submit()</script></body></html>"""

AUTOPOST = """<html><body onload="x"><form method="post" action="http://127.0.0.1:1/broker/sso/1.13">
<input type="hidden" name="SAMLRequest" value="PHNhbWw+"><input type="hidden" name="RelayState"
value="r&amp;1"><noscript><button type="submit">Doorgaan</button></noscript></form></body></html>"""

RESULT = """<html><body><h1>Ingelogd</h1><dl><dt>Bedrijf</dt><dd>KvK 12345678</dd>
<dt>Niveau</dt><dd> eH2+ </dd></dl><table><tr><th>Vestigingsnr</th><td>000012345678</td></tr>
</table></body></html>"""


def test_discovery_form_has_radio_choices_with_labels_and_named_buttons() -> None:
    page = parse_page("http://127.0.0.1:1/broker/discovery", 200, DISCOVERY)
    [form] = page.forms
    assert form.action == "http://127.0.0.1:1/broker/discovery"
    assert form.method == "post"
    assert [(c.value, c.label) for c in form.choices("ad")] == [
        ("urn:ad:1", "Makelaar Middelen"),
        ("urn:ad:2", "Ander middel"),
    ]
    assert [(b.value, b.label) for b in form.buttons] == [("go", "Verder"), ("cancel", "Annuleren")]
    assert "document.forms" not in page.text
    assert "Kies uw inlogmiddel" in page.text


def test_post_binding_form_is_recognised_with_entities_decoded() -> None:
    page = parse_page("http://127.0.0.1:2/saml/login", 200, AUTOPOST)
    form = page.form_with(Form.is_saml_post)
    assert form is not None
    assert {c.name: c.value for c in form.controls if c.kind == "hidden"} == {
        "SAMLRequest": "PHNhbWw+",
        "RelayState": "r&1",
    }


def test_result_pairs_come_from_definition_lists_and_table_rows() -> None:
    page = parse_page("http://127.0.0.1:3/result", 200, RESULT)
    assert dict(page.pairs) == {
        "Bedrijf": "KvK 12345678",
        "Niveau": "eH2+",
        "Vestigingsnr": "000012345678",
    }
    assert page.form_with(Form.is_saml_post) is None


def test_cells_with_an_id_are_read_by_id() -> None:
    html = '<table><tr><th>Organisatie</th><td id="company">12345678</td></tr></table>'
    page = parse_page("http://127.0.0.1:3/result", 200, html)
    assert dict(page.by_id) == {"company": "12345678"}
