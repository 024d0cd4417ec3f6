"""The password policy, the tariff table and the texts (every key used exists in Dutch and
English)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from idp.portal import password_policy
from idp.portal.errors import Invalid
from idp.portal.tariffs import TariffError
from idp.portal.tariffs import Tariffs
from idp.portal.tariffs import format_euros
from idp.portal.tariffs import load_tariffs
from idp.portal.tariffs import means_price
from idp.portal.texts import TEXTS
from policies.loa import Loa

PORTAL = Path(__file__).resolve().parents[2] / "idp" / "portal"


@pytest.mark.parametrize("password", [
    "password1234", "Welkom2024!", "WACHTWOORD2025", "P@ssw0rd2024", "zomer2025zomer",
    "aaaaaaaaaaaaaa", "abcabcabcabc", "qwertyuiopas", "12345678901234", "ikhouvanjou!!",
    "feyenoord1908!",
])
def test_common_passwords_are_refused(password: str) -> None:
    assert password_policy.is_common(password)


@pytest.mark.parametrize("password", [
    "paard batterij nietje correct", "De kat zat op de mat, 3x!", "Tr0ub4dor&3 in de winter",
])
def test_uncommon_passwords_pass(password: str) -> None:
    password_policy.check_password(password, email="jan@example.nl")


def test_length_rules() -> None:
    with pytest.raises(Invalid) as short:
        password_policy.check_password("kort1!")
    assert short.value.errors == {"password": "portal.password.too_short"}
    with pytest.raises(Invalid) as long:
        password_policy.check_password("x" * 1025)
    assert long.value.errors == {"password": "portal.password.too_long"}


def test_the_list_has_hundreds_of_entries_in_lower_case() -> None:
    listed = password_policy.common_passwords()
    assert len(listed) >= 500
    assert all(entry == entry.lower() for entry in listed)


def test_default_tariffs_and_prices() -> None:
    tariffs = Tariffs()
    assert means_price(tariffs, Loa.EH2, 1).total_cents == 1000
    assert means_price(tariffs, Loa.EH4, 5).total_cents == 5 * 3000 + 1500
    assert format_euros(123456, "nl") == "€ 1.234,56"
    assert format_euros(123456, "en") == "€1,234.56"


def test_tariff_file_is_read_and_every_problem_reported(tmp_path: Path) -> None:
    good = tmp_path / "tariffs.yaml"
    good.write_text(
        "means_per_year: {eH2: '11.00', eH2+: '12.00', eH3: '16.50', eH4: '31'}\n"
        "identification_once: {eH2: 0, eH2+: 0, eH3: '10', eH4: '15'}\n"
        "mandate_per_year: {eH2: 10, eH2+: 10, eH3: 15, eH4: 30}\n"
        "data_change: '12.50'\n")
    loaded = load_tariffs(good)
    assert loaded.means_per_year[Loa.EH3] == 1650 and loaded.data_change == 1250
    bad = tmp_path / "bad.yaml"
    bad.write_text("means_per_year: {eH2: '-1'}\nextra: 1\ndata_change: 'veel'\n")
    with pytest.raises(TariffError) as problems:
        load_tariffs(bad)
    text = str(problems.value)
    for expected in ("unknown key 'extra'", "means_per_year.eH2", "missing level eH4",
                     "'identification_once' must be a mapping", "data_change"):
        assert expected in text


def _used_keys() -> set[str]:
    found: set[str] = set()
    for path in [*PORTAL.glob("*.py"), *PORTAL.glob("templates/portal/*.html")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"[\"'](portal\.(?:[a-z_]+\.)+[a-z_]+)[\"']", text))
    # Endpoint names and files, not texts.
    return {key for key in found if not key.endswith((".html", ".css"))
            and key.split(".")[1] not in _ENDPOINTS}


_ENDPOINTS = {"static"}


def test_every_text_exists_in_both_languages() -> None:
    for key, (dutch, english) in TEXTS.items():
        assert dutch.strip() and english.strip(), key
        assert set(re.findall(r"{(\w+)}", dutch)) == set(re.findall(r"{(\w+)}", english)), key


def test_every_text_key_used_is_defined() -> None:
    # Audit action names (portal.request.placed) have their text under portal.action.*.
    missing = {key for key in _used_keys()
               if key not in TEXTS and f"portal.action.{key}" not in TEXTS}
    assert missing == set()


def test_every_status_has_a_text() -> None:
    from idp.db.models import ChainMandateStatus
    from idp.db.models import MandateStatus
    from idp.db.models import MeansStatus
    from idp.portal.models import OrderItem
    from idp.portal.models import RequestKind
    from idp.portal.models import RequestStatus

    for prefix, vocabulary in (("portal.status.", RequestStatus),
                               ("portal.means_status.", MeansStatus),
                               ("portal.mandate_status.", MandateStatus),
                               ("portal.chain_status.", ChainMandateStatus),
                               ("portal.kind.", RequestKind), ("portal.order.", OrderItem)):
        for member in vocabulary:
            assert prefix + member.value in TEXTS
    assert "portal.chain_status.expired" in TEXTS
