"""``makelaar metadata lint``: one line per broken rule, exit 1; ``FILE: OK``, exit 0."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etoegang.clock import FixedClock
from keys.devpki import write_ring
from keys.ring import KeyRing
from makelaar.cli import main
from metadata.lint import RULES
from metadata.lint import lint_dv_metadata
from tests.unit.test_metadata_fixtures import DATA
from tests.unit.test_metadata_fixtures import FIXTURE_INSTANT
from tests.unit.test_metadata_fixtures import dv_good_bytes

GOOD = DATA / "dv-good.xml"
BAD = DATA / "dv-bad.xml"


def test_good_dv_metadata_passes_with_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metadata", "lint", str(GOOD)]) == 0
    assert capsys.readouterr().out == f"{GOOD}: OK\n"


def test_bad_dv_metadata_gives_one_line_per_violation_and_exit_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["metadata", "lint", str(BAD)]) == 1
    expected = [
        "32: MD02 no-sha1: DigestMethod uses SHA-1 (http://www.w3.org/2000/09/xmldsig#sha1); "
        "use SHA-256",
        '8: MD03 authn-requests-signed: set AuthnRequestsSigned="true" on the SPSSODescriptor',
        '8: MD04 want-assertions-signed: set WantAssertionsSigned="true" on the SPSSODescriptor',
        "9: MD05 keyname-present: signing KeyDescriptor without ds:KeyName",
        "28: MD06 key-size: RSA key of 1024 bits; at least 2048",
        "37: MD07 forbidden-element: NameIDFormat is not allowed in DV metadata; brokers "
        "refuse it",
        '46: MD08 one-default-acs-service: 2 AttributeConsumingServices have isDefault="true"; '
        "exactly one must",
        "48: MD09 serviceid-requested-attribute: ServiceID index 7 differs from "
        "AttributeConsumingService index 2",
        "44: MD10 no-identifier-attributes: urn:etoegang:1.9:EntityConcernedID:KvKnr is an "
        "identifier: identifiers come from the service catalogue's "
        "EntityConcernedTypesAllowed, not RequestedAttribute",
        "8: MD11 artifact-acs: no AssertionConsumerService with the HTTP-Artifact binding",
        "2: MD12 entity-id: EntityID is not urn:etoegang:<ROLE>:<20-digit OIN>:entities:<0-9999>",
    ]
    assert capsys.readouterr().out.splitlines() == [f"{BAD}:{line}" for line in expected]


def test_malformed_file_is_one_md00_violation_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(b"<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata'>")
    assert main(["metadata", "lint", str(path)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{path}: MD00 well-formed: XML is not well-formed")


def test_unsigned_and_tampered_files_break_md01_only() -> None:
    good = GOOD.read_bytes()
    clock = FixedClock(FIXTURE_INSTANT)
    unsigned = re.sub(rb"<ds:Signature>.*?</ds:Signature>", b"", good, flags=re.DOTALL)
    assert unsigned != good
    # Only MD01: nothing else about the document changed.
    assert [v.rule for v in lint_dv_metadata(unsigned, clock)] == ["MD01"]
    tampered = good.replace(b"Vergunning aanvragen", b"Vergunning aanvrager")
    (violation,) = lint_dv_metadata(tampered, clock)
    assert violation.rule == "MD01" and "does not verify" in violation.message


@pytest.mark.parametrize(
    ("where", "element"),
    [
        (b"<md:SPSSODescriptor", b"<md:Extensions><x:Any xmlns:x='urn:x'/></md:Extensions>"),
        (b"<md:KeyDescriptor", b"<md:NameIDFormat>urn:x</md:NameIDFormat>"),
    ],
    ids=["extensions-in-entity", "nameidformat-in-sp"],
)
def test_an_unlisted_element_breaks_md07(where: bytes, element: bytes) -> None:
    """Spec 5.1: elements the table does not list MUST NOT appear (an allow-list)."""
    good = re.sub(rb"<ds:Signature>.*?</ds:Signature>", b"", GOOD.read_bytes(), flags=re.DOTALL)
    changed = good.replace(where, element + where, 1)
    assert changed != good
    rules = [v.rule for v in lint_dv_metadata(changed, FixedClock(FIXTURE_INSTANT))]
    assert rules == ["MD01", "MD07"]


def test_expired_valid_until_and_certificates_are_reported() -> None:
    clock = FixedClock(FIXTURE_INSTANT.replace(year=2100))
    rules = [v.rule for v in lint_dv_metadata(dv_good_bytes(), clock)]
    assert rules == ["MD06", "MD06", "MD15"]


def test_wrong_root_is_reported_as_md13() -> None:
    data = b'<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>'
    assert [(v.rule, v.line) for v in lint_dv_metadata(data)] == [("MD13", 1)]


def test_every_rule_has_a_stable_id_and_name() -> None:
    assert list(RULES) == [f"MD{n:02d}" for n in range(16)]
    assert len({rule.name for rule in RULES.values()}) == len(RULES)


def test_generate_command_writes_metadata_that_lints_clean(
    tmp_path: Path, rings: dict[str, KeyRing], capsys: pytest.CaptureFixture[str]
) -> None:
    write_ring(tmp_path, "dv", rings["dv"])
    out = tmp_path / "dv.xml"
    status = main(["metadata", "generate", "--role", "dv", "--keys", str(tmp_path),
                   "--entity-id", "urn:etoegang:DV:00000001234567890000:entities:9001",
                   "--base-url", "https://dv.example.nl", "--oin", "00000001234567890000",
                   "--service", "1:Vergunning", "--service", "2:Subsidie", "--out", str(out)])
    assert status == 0
    capsys.readouterr()
    assert main(["metadata", "lint", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: OK\n"
