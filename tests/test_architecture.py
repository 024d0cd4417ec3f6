"""The import rules of shared/DESIGN.md §6, and the lint gate, as tests.

* ``lint-imports`` checks the contracts in ``.importlinter``: the roles never import each other;
  the core, keys, metadata and policies import no role and no web framework; only
  ``etoegang.crypto`` (and ``keys``) import xmlsec.
* ``ruff check .`` is clean.
* Only ``etoegang/xml/parser.py`` calls an XML parse function: a scan of the source tree with
  comments and strings blanked out, so a docstring that names a function is no violation.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SOURCE_PACKAGES = (
    "etoegang",
    "keys",
    "metadata",
    "policies",
    "broker",
    "idp",
    "sp_adapters",
    "makelaar",
)
PARSER_MODULE = ROOT / "etoegang" / "xml" / "parser.py"

#: Calls that parse XML (or HTML), by lxml or the standard library, outside the hardened parser.
PARSE_PATTERNS = (
    re.compile(r"\betree\s*\.\s*(fromstring|fromstringlist|parse|XML|XMLID|iterparse|iterwalk)\b"),
    re.compile(r"\betree\s*\.\s*(XMLParser|XMLPullParser|HTMLParser|ETCompatXMLParser)\b"),
    re.compile(r"\b(XMLParser|XMLPullParser|ETCompatXMLParser)\s*\("),
    re.compile(r"\biterparse\b"),
    re.compile(r"\bobjectify\b"),
    re.compile(
        r"\bhtml\s*\.\s*(fromstring|parse|document_fromstring|fragment_fromstring"
        r"|fragments_fromstring)\b"
    ),
    re.compile(r"^\s*from\s+lxml(\.\w+)?\s+import\s+[^#\n]*\b(fromstring|parse|XML)\b", re.M),
    re.compile(r"^\s*(from|import)\s+xml\.(etree|dom|sax)\b", re.M),
)


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = BIN / tool
    if not executable.exists():
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} is not installed")
        executable = Path(found)
    return subprocess.run(
        [str(executable), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_import_contracts_are_kept() -> None:
    result = _run("lint-imports", "--no-cache", "--no-logo")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", "--no-cache", "--output-format=concise", ".")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def code_only(source: str) -> str:
    """``source`` with every comment and string literal blanked, line structure kept."""
    lines = source.splitlines(keepends=True)
    blanked = [list(line) for line in lines]
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type not in (tokenize.COMMENT, tokenize.STRING):
            continue
        (start_row, start_col), (end_row, end_col) = token.start, token.end
        for row in range(start_row, end_row + 1):
            line = blanked[row - 1]
            first = start_col if row == start_row else 0
            last = end_col if row == end_row else len(line)
            for col in range(first, last):
                if line[col] != "\n":
                    line[col] = " "
    return "".join("".join(line) for line in blanked)


def parse_calls(source: str) -> list[str]:
    """The parse-function uses in ``source`` (code only), as ``line: text`` strings."""
    code = code_only(source)
    found: list[str] = []
    for pattern in PARSE_PATTERNS:
        for match in pattern.finditer(code):
            line_number = code.count("\n", 0, match.start()) + 1
            found.append(f"{line_number}: {source.splitlines()[line_number - 1].strip()}")
    return found


def test_scanner_finds_parse_calls_in_code_but_not_in_docs() -> None:
    bad = (
        '"""Never call etree.fromstring here."""\n'
        "from lxml import etree\n"
        "# etree.parse( is mentioned in a comment\n"
        "root = etree.fromstring(data)\n"
        "parser = etree.XMLParser(resolve_entities=True)\n"
        "from lxml.etree import XML\n"
        "from lxml import objectify\n"
        "import xml.etree.ElementTree as ET\n"
    )
    lines = {int(entry.split(":")[0]) for entry in parse_calls(bad)}
    assert lines == {4, 5, 6, 7, 8}
    assert parse_calls('"""etree.fromstring, objectify, iterparse."""\nx = 1  # XMLParser(\n') == []


def _source_files() -> list[Path]:
    files: list[Path] = []
    for package in SOURCE_PACKAGES:
        directory = ROOT / package
        if directory.is_dir():
            files.extend(sorted(directory.rglob("*.py")))
    return files


def test_only_the_hardened_parser_parses_xml() -> None:
    files = _source_files()
    assert PARSER_MODULE in files
    violations = [
        f"{path.relative_to(ROOT)}:{hit}"
        for path in files
        if path != PARSER_MODULE
        for hit in parse_calls(path.read_text(encoding="utf-8"))
    ]
    assert violations == [], "parse only through etoegang.xml.parser:\n" + "\n".join(violations)


def test_the_hardened_parser_is_where_parsing_happens() -> None:
    # Keeps the scan honest: it must see the one call that is allowed.
    assert parse_calls(PARSER_MODULE.read_text(encoding="utf-8"))
