"""``makelaar keys init DIR``: create a development PKI (test root CA, per role signing and
encryption keys with their next keys), private keys written with mode 0600.

``makelaar keys status DIR``: each certificate's KeyName, not-after and days left; exit status
1 when one expires within the warning window (``--warn-days``), so a cron job or CI step can
alert before a key rollover is due (issue 9 Key rollover)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from keys.devpki import ROLES
from keys.devpki import init_directory
from keys.ring import KeyError_
from keys.ring import PeerCertificate
from keys.ring import load_certificate


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
    status = sub.add_parser("status", help="certificates in DIR: KeyName, not-after, days left")
    status.add_argument("directory", type=Path, metavar="DIR")
    status.add_argument("--warn-days", type=int, default=30, metavar="N",
                        help="exit 1 when a certificate expires within N days (default 30)")
    status.set_defaults(func=_status)


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


@dataclass(frozen=True, slots=True)
class CertificateStatus:
    """One certificate file and how long it has left."""

    file: str
    key_name: str
    not_after: datetime
    days_left: float

    def expires_within(self, days: int) -> bool:
        return self.days_left < days


def certificate_statuses(directory: Path, clock: Clock) -> list[CertificateStatus]:
    """Every ``*.crt`` in ``directory`` (name order), with its KeyName and days left."""
    now = clock.now()
    found: list[CertificateStatus] = []
    for path in sorted(directory.glob("*.crt")):
        certificate = load_certificate(path)
        not_after = certificate.not_valid_after_utc
        found.append(
            CertificateStatus(
                path.name,
                PeerCertificate(certificate).key_name,
                not_after,
                (not_after - now).total_seconds() / 86400,
            )
        )
    return found


def _status(args: argparse.Namespace, clock: Clock | None = None) -> int:
    if not args.directory.is_dir():
        print(f"makelaar keys status: {args.directory} is not a directory")
        return 2
    try:
        statuses = certificate_statuses(args.directory, clock or SystemClock())
    except KeyError_ as exc:
        print(f"makelaar keys status: {exc}")
        return 2
    if not statuses:
        print(f"makelaar keys status: no certificates (*.crt) in {args.directory}")
        return 2
    width = max(len(s.file) for s in statuses)
    print(f"{'FILE':<{width}}  {'KEYNAME':<64}  {'NOT AFTER':<20}  DAYS LEFT")
    due = 0
    for s in statuses:
        flag = ""
        if s.expires_within(args.warn_days):
            due += 1
            flag = "  EXPIRED" if s.days_left <= 0 else "  RENEW"
        print(f"{s.file:<{width}}  {s.key_name:<64}  "
              f"{s.not_after.strftime('%Y-%m-%dT%H:%M:%SZ'):<20}  {s.days_left:9.1f}{flag}")
    if due:
        print(f"{due} certificate(s) expire within {args.warn_days} days")
        return 1
    return 0
