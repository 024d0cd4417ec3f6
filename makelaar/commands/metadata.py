"""``makelaar metadata lint FILE`` and ``makelaar metadata generate``: check a DV's metadata
against what an HM accepts (spec §5.1), and write signed metadata for one of our roles."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.errors import MetadataError
from keys.ring import KeyError_
from keys.ring import load_ring
from metadata.build import generate
from metadata.inputs import AdInput
from metadata.inputs import AnyRoleInput
from metadata.inputs import DvInput
from metadata.inputs import DvService
from metadata.inputs import EbInput
from metadata.inputs import HmInput
from metadata.inputs import Mr2Input
from metadata.inputs import MrInput
from metadata.lint import lint_dv_metadata
from metadata.model import Contact
from metadata.model import ContactType
from metadata.model import LocalizedText
from metadata.model import Organisation

ROLES = ("dv", "hm", "ad", "mr", "mr2", "eb")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("metadata", help="SAML metadata")
    sub = parser.add_subparsers(dest="metadata_command", required=True, metavar="ACTION")
    lint = sub.add_parser("lint", help="check DV metadata against the HM's rules")
    lint.add_argument("file", type=Path, metavar="FILE")
    lint.set_defaults(func=_lint)
    gen = sub.add_parser("generate", help="write signed metadata for one role")
    gen.add_argument("--role", required=True, choices=ROLES)
    gen.add_argument("--keys", required=True, type=Path, metavar="DIR",
                     help="key directory as written by 'makelaar keys init'")
    gen.add_argument("--entity-id", required=True)
    gen.add_argument("--base-url", required=True)
    gen.add_argument("--out", required=True, type=Path, metavar="FILE")
    gen.add_argument("--organisation", default="Makelaar development")
    gen.add_argument("--url", default="https://example.invalid/", help="organisation URL")
    gen.add_argument("--email", default="eherkenning@example.invalid")
    gen.add_argument("--phone", default="+31 00 000 0000")
    gen.add_argument("--oin", help="DV only: the 20-digit OIN for ServiceIDs")
    gen.add_argument("--service", action="append", default=[], metavar="INDEX:NAME",
                     help="DV only: a service; the first one is the default")
    gen.add_argument("--valid-days", type=int, default=28)
    gen.set_defaults(func=_generate)


def _lint(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"{args.file}: cannot read: {exc.strerror}")
        return 2
    violations = lint_dv_metadata(data)
    for violation in violations:
        where = f"{args.file}:{violation.line}:" if violation.line is not None else f"{args.file}:"
        print(f"{where} {violation.rule} {violation.name}: {violation.message}")
    if violations:
        return 1
    print(f"{args.file}: OK")
    return 0


def _services(specs: list[str]) -> tuple[DvService, ...]:
    services = []
    for number, spec in enumerate(specs):
        index, _, name = spec.partition(":")
        if not index.isdigit() or not name:
            raise ValueError(f"--service {spec!r}: expected INDEX:NAME")
        services.append(DvService(int(index), (LocalizedText("nl", name),), is_default=number == 0))
    return tuple(services)


def _input(args: argparse.Namespace) -> AnyRoleInput:
    common: dict[str, Any] = dict(
        entity_id=args.entity_id,
        base_url=args.base_url,
        keys=load_ring(args.keys, args.role),
        organisation=Organisation.single(args.organisation, args.organisation, args.url),
        contacts=(Contact(ContactType.ADMINISTRATIVE, company=args.organisation,
                          emails=(args.email,), phones=(args.phone,)),),
        valid_for=timedelta(days=args.valid_days),
    )
    if args.role == "dv":
        if not args.oin or not args.service:
            raise ValueError("--role dv needs --oin and at least one --service INDEX:NAME")
        return DvInput(oin=args.oin, services=_services(args.service), **common)
    kinds: dict[str, type[HmInput | AdInput | MrInput | Mr2Input | EbInput]] = {
        "hm": HmInput, "ad": AdInput, "mr": MrInput, "mr2": Mr2Input, "eb": EbInput,
    }
    return kinds[args.role](**common)


def _generate(args: argparse.Namespace) -> int:
    try:
        data = generate(_input(args), SystemClock(), RandomIdSource())
    except (ValueError, KeyError_, OSError, MetadataError) as exc:
        print(f"makelaar metadata generate: {exc}")
        return 1
    args.out.write_bytes(data)
    print(f"{args.out}: signed {args.role.upper()} metadata for {args.entity_id}")
    return 0
