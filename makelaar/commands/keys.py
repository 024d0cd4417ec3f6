"""``makelaar keys init DIR``: create a development PKI (test root CA, per role signing and
encryption keys with their next keys), private keys written with mode 0600.

``makelaar keys status DIR``: each certificate's KeyName, not-after and days left, and each
scheduled activation; exit status 1 when a certificate expires within the warning window
(``--warn-days``), so a cron job or CI step can alert before a key rollover is due (issue 9 Key
rollover).

``makelaar keys schedule DIR --role hm --slot signing --at 2026-12-01T00:00:00Z``: from that
instant the role's next key is the one in use (:mod:`keys.rollover`; docs/operations.md "Key
rollover"). ``--clear`` removes a schedule."""

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
from keys.ring import load_ring
from keys.rollover import SLOTS
from keys.rollover import ActivationError
from keys.rollover import activation_path
from keys.rollover import clear_activation
from keys.rollover import format_activation
from keys.rollover import parse_activation
from keys.rollover import write_activation


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
    schedule = sub.add_parser(
        "schedule", help="schedule the instant from which a role's next key is in use"
    )
    schedule.add_argument("directory", type=Path, metavar="DIR")
    schedule.add_argument("--role", required=True, help="key file prefix (hm, ad, mr, ...)")
    schedule.add_argument("--slot", choices=SLOTS, default="signing",
                          help="which next key (default signing)")
    when = schedule.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", metavar="INSTANT",
                      help="ISO-8601 instant with offset, e.g. 2026-12-01T00:00:00Z")
    when.add_argument("--clear", action="store_true", help="remove the schedule")
    schedule.set_defaults(func=_schedule)


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


@dataclass(frozen=True, slots=True)
class ActivationStatus:
    """One ``*.activation`` file: which next key takes over when."""

    file: str
    at: datetime
    days_left: float


def activation_statuses(directory: Path, clock: Clock) -> list[ActivationStatus]:
    """Every scheduled activation in ``directory`` (name order).

    :raises ActivationError: a file does not hold an instant (named in the message).
    """
    now = clock.now()
    found: list[ActivationStatus] = []
    for path in sorted(directory.glob("*.activation")):
        at = parse_activation(path.read_text(encoding="utf-8"), where=path.name)
        found.append(ActivationStatus(path.name, at, (at - now).total_seconds() / 86400))
    return found


def _print_activations(activations: list[ActivationStatus]) -> None:
    for a in activations:
        key = a.file.removesuffix(".activation")
        if a.days_left > 0:
            print(f"{key} takes over at {format_activation(a.at)} (in {a.days_left:.1f} days)")
        else:
            print(f"{key} in use since {format_activation(a.at)}: once every peer has the new "
                  f"metadata, move {key}.* to the current files and delete {a.file}")


def _status(args: argparse.Namespace, clock: Clock | None = None) -> int:
    if not args.directory.is_dir():
        print(f"makelaar keys status: {args.directory} is not a directory")
        return 2
    clock = clock or SystemClock()
    try:
        statuses = certificate_statuses(args.directory, clock)
        activations = activation_statuses(args.directory, clock)
    except (KeyError_, ActivationError) as exc:
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
    _print_activations(activations)
    if due:
        print(f"{due} certificate(s) expire within {args.warn_days} days")
        return 1
    return 0


def _schedule(args: argparse.Namespace, clock: Clock | None = None) -> int:
    """Write (or clear) an activation after checking that the ring will load with it: the next
    key exists and its certificate is valid at the instant, which lies in the future."""
    directory: Path = args.directory
    name = f"{args.role}-{args.slot}-next"
    if args.clear:
        removed = clear_activation(directory, args.role, args.slot)
        print(f"{name}: schedule removed" if removed else f"{name}: nothing was scheduled")
        return 0
    now = (clock or SystemClock()).now()
    try:
        at = parse_activation(args.at, where="--at")
        if at <= now:
            raise ActivationError(f"--at {format_activation(at)} is not in the future")
        if not (directory / f"{name}.key").exists():
            raise ActivationError(f"no next key {directory / name}.key to schedule")
        path = activation_path(directory, args.role, args.slot)
        before = path.read_text(encoding="utf-8") if path.exists() else None
        write_activation(directory, args.role, args.slot, at)
        try:
            ring = load_ring(directory, args.role)
        except KeyError_:
            if before is None:
                path.unlink()
            else:
                path.write_text(before, encoding="utf-8")
            raise
    except (ActivationError, KeyError_, OSError) as exc:
        print(f"makelaar keys schedule: {exc}")
        return 2
    pair = ring.signing_next if args.slot == "signing" else ring.encryption_next
    key_name = pair.key_name if pair is not None else "?"
    print(f"{name} ({key_name}) takes over at {format_activation(at)}.\n"
          "Publish metadata that carries the schedule, then restart the instances one by one "
          "so that each loads it; they switch at the instant by themselves.")
    return 0
