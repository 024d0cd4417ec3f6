"""``makelaar catalogue lint FILE`` and ``makelaar catalogue generate``: check a service catalogue
against the rules of spec §6 (one line per violation), or write one DV service's entry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lxml import etree

from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.errors import ProtocolError
from keys.ring import KeyError_
from keys.ring import KeyPair
from keys.ring import PeerCertificate
from keys.ring import load_certificate
from keys.ring import load_private_key
from metadata.catalogue import CatalogueRequestedAttribute
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceRestriction
from metadata.catalogue_build import DvServiceSpec
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_build import build_dv_entry
from metadata.catalogue_build import catalogue_of
from metadata.catalogue_build import sign_catalogue
from metadata.catalogue_lint import lint_catalogue
from metadata.model import LocalizedText
from policies.loa import Loa

#: Short names for --ecta, as DV developers know them (§3.2).
_TYPES: dict[str, IdentifierType] = {
    "kvknr": IdentifierType.KVKNR,
    "rsin": IdentifierType.RSIN,
    "bsn": IdentifierType.BSN,
    "pseudoid": IdentifierType.PSEUDO_ID,
    "pseudo": IdentifierType.PSEUDO,
    "eidaslegalidentifier": IdentifierType.EIDAS_LEGAL_IDENTIFIER,
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "catalogue", help="service catalogue (Dienstencatalogus)"
    )
    sub = parser.add_subparsers(dest="catalogue_command", required=True, metavar="ACTION")
    lint = sub.add_parser("lint", help="check a service catalogue; exit 1 on any violation")
    lint.add_argument("file", type=Path, metavar="FILE")
    lint.set_defaults(func=_lint)
    _add_generate(sub)


def _lint(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}")
        return 1
    violations = lint_catalogue(data)
    for violation in violations:
        print(f"{path}:{violation.line}: {violation}")
    if violations:
        return 1
    print(f"{path}: OK")
    return 0


def _add_generate(sub: Any) -> None:
    gen: argparse.ArgumentParser = sub.add_parser(
        "generate", help="write a catalogue with one DV service entry"
    )
    gen.add_argument("--oin", required=True, help="the DV's 20-digit OIN")
    gen.add_argument("--index", type=int, required=True, help="service index (ACS index)")
    gen.add_argument("--hm-oin", required=True, help="OIN of the HM that owns the entry")
    gen.add_argument("--organisation", nargs=2, required=True, metavar=("NL", "EN"))
    gen.add_argument("--name", nargs=2, required=True, metavar=("NL", "EN"))
    gen.add_argument("--description", nargs=2, required=True, metavar=("NL", "EN"))
    gen.add_argument("--loa", required=True, help="eH2, eH2+, eH3 or eH4")
    gen.add_argument("--ecta", action="append", required=True, metavar="TYPES",
                     help="one set, comma separated (kvknr,rsin,bsn,pseudoid,pseudo,"
                          "eidaslegalidentifier); repeat for more sets")
    gen.add_argument("--vestigingsnr", action="store_true", help="allow the branch restriction")
    gen.add_argument("--attribute", action="append", default=[], nargs=3,
                     metavar=("NAME", "PURPOSE_NL", "PURPOSE_EN"), help="requested attribute")
    gen.add_argument("--service-url", nargs=2, metavar=("NL", "EN"))
    gen.add_argument("--privacy-url", nargs=2, metavar=("NL", "EN"))
    gen.add_argument("--classifier", action="append", default=[], help="e.g. eIDAS-inbound")
    gen.add_argument("--service-cert", type=Path, required=True,
                     help="the DV encryption certificate (PEM or DER)")
    gen.add_argument("--sign-key", type=Path, help="private key to sign with (mode 0600)")
    gen.add_argument("--sign-cert", type=Path, help="certificate of --sign-key")
    gen.add_argument("--version", dest="catalogue_version",
                     default="urn:etoegang:1.13:service-catalogue:T:1")
    gen.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    gen.set_defaults(func=_generate)


def _pair(texts: list[str] | None) -> tuple[LocalizedText, ...]:
    return () if not texts else (LocalizedText("nl", texts[0]), LocalizedText("en", texts[1]))


def _spec(args: argparse.Namespace) -> DvServiceSpec:
    sets = tuple(
        tuple(_TYPES[name.strip().lower()] for name in value.split(",") if name.strip())
        for value in args.ecta
    )
    return DvServiceSpec(
        oin=args.oin,
        service_index=args.index,
        organisation_names=_pair(args.organisation),
        service_names=_pair(args.name),
        service_descriptions=_pair(args.description),
        loa=Loa.from_label(args.loa),
        ecta_sets=sets,
        service_certificate=PeerCertificate(load_certificate(args.service_cert)),
        herkenningsmakelaar_id=args.hm_oin,
        service_urls=_pair(args.service_url),
        privacy_policy_urls=_pair(args.privacy_url),
        restrictions=(ServiceRestriction.VESTIGINGSNR,) if args.vestigingsnr else (),
        requested_attributes=tuple(
            CatalogueRequestedAttribute(name, True, _pair([nl, en]))
            for name, nl, en in args.attribute
        ),
        classifiers=tuple(args.classifier),
    )


def _generate(args: argparse.Namespace) -> int:
    try:
        spec = _spec(args)
        signer = None
        if args.sign_key or args.sign_cert:
            if not (args.sign_key and args.sign_cert):
                raise ValueError("--sign-key and --sign-cert go together")
            signer = KeyPair(load_private_key(args.sign_key), load_certificate(args.sign_cert))
        catalogue = catalogue_of([build_dv_entry(spec)], version=args.catalogue_version,
                                 clock=SystemClock(), ids=RandomIdSource())
    except KeyError as exc:
        print(f"makelaar catalogue generate: unknown identifying type {exc}")
        return 2
    except (ValueError, KeyError_, OSError, ProtocolError) as exc:
        print(f"makelaar catalogue generate: {exc}")
        return 2
    root = build_catalogue(catalogue)
    etree.indent(root)
    if signer is not None:
        sign_catalogue(root, signer)
    data = etree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        args.output.write_bytes(data)
        print(f"{args.output}: catalogue entry for service {args.index} of {args.oin}"
              + (" (signed)" if signer else " (unsigned)"))
    return 0
