"""``makelaar keys init DIR``: create a development PKI (test root CA, per role signing and
encryption keys with their next keys), private keys written with mode 0600."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from keys.devpki import ROLES
from keys.devpki import init_directory


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("keys", help="key management")
    sub = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    init = sub.add_parser("init", help="create a development PKI in DIR")
    init.add_argument("directory", type=Path, metavar="DIR")
    init.add_argument(
        "--role",
        action="append",
        dest="roles",
        choices=ROLES,
        help="only these roles (default: all)",
    )
    init.add_argument("--force", action="store_true", help="replace an existing PKI")
    init.set_defaults(func=_init)


def _init(args: argparse.Namespace) -> int:
    roles = tuple(args.roles) if args.roles else ROLES
    try:
        written = init_directory(args.directory, roles, force=args.force)
    except FileExistsError as exc:
        print(f"makelaar keys init: {exc}")
        return 1
    keys = sum(1 for p in written if p.suffix == ".key")
    print(
        f"Development PKI in {args.directory}: test root CA and {keys} private keys "
        f"for {', '.join(roles)} (mode 0600). Not for production."
    )
    return 0
