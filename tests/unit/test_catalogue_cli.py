"""``makelaar catalogue generate`` writes an entry that lints clean once it is signed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from makelaar.cli import main
from metadata.catalogue import ServiceView
from metadata.catalogue import parse_catalogue
from metadata.catalogue_lint import Rule
from metadata.catalogue_lint import lint_catalogue
from policies.loa import Loa
from tests.unit.test_catalogue_common import DV_OIN
from tests.unit.test_catalogue_common import HM_OIN
from tests.unit.test_catalogue_common import INSTANT
from tests.unit.test_catalogue_common import KEYS
from tests.unit.test_catalogue_common import signing_pair


def _args(out: Path) -> list[str]:
    return [
        "catalogue", "generate", "--oin", DV_OIN, "--index", "7", "--hm-oin", HM_OIN,
        "--organisation", "Gemeente", "Municipality", "--name", "Dienst", "Service",
        "--description", "Omschrijving", "Description", "--loa", "eH3",
        "--ecta", "kvknr,rsin", "--ecta", "kvknr", "--vestigingsnr",
        "--attribute", "urn:etoegang:1.11:attribute-represented:CompanyName", "Naam", "Name",
        "--service-url", "https://dv.example.nl/", "https://dv.example.nl/en",
        "--privacy-url", "https://dv.example.nl/p", "https://dv.example.nl/en/p",
        "--service-cert", str(KEYS / "service.crt"), "-o", str(out),
    ]


def test_generated_signed_entry_lints_clean_and_parses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "signing.key"
    shutil.copy(KEYS / "signing.key", key)
    key.chmod(0o600)
    out = tmp_path / "entry.xml"
    args = _args(out) + ["--sign-key", str(key), "--sign-cert", str(KEYS / "signing.crt")]
    assert main(args) == 0
    assert "(signed)" in capsys.readouterr().out
    assert main(["catalogue", "lint", str(out)]) == 0
    catalogue = parse_catalogue(out.read_bytes(), trust=(signing_pair().as_peer(),),
                                clock=FixedClock(INSTANT.replace(year=2100)))
    view = ServiceView.by_service_id(catalogue, f"urn:etoegang:DV:{DV_OIN}:services:7")
    assert view.loa is Loa.EH3 and view.allows_vestigingsnr


def test_generated_unsigned_entry_only_lacks_a_signature(tmp_path: Path) -> None:
    out = tmp_path / "entry.xml"
    assert main(_args(out)) == 0
    assert [v.rule for v in lint_catalogue(out.read_bytes())] == [Rule.SIGNED]


def test_generate_refuses_an_unknown_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(tmp_path / "x.xml")
    args[args.index("kvknr,rsin")] = "kvknr,iban"
    assert main(args) == 2
    assert "unknown identifying type" in capsys.readouterr().out
