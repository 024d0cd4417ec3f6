"""atheris target: the hardened parser (etoegang.xml.parser.parse_xml)."""

from __future__ import annotations

from etoegang.xml.parser import parse_xml
from fuzz._run import run

if __name__ == "__main__":
    run(parse_xml)
