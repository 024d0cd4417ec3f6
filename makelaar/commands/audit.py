"""``makelaar audit verify|head --settings FILE``: check the means issuer's audit trail.

``verify`` walks the hash chain of :mod:`idp.db.audit_chain` and recomputes every link; it prints
one line and exits 0 when the chain is intact, or names the first broken link (the event, the
expected and the found value) and exits 1. ``--expect-head HEX`` is a head printed earlier by
``head`` and kept outside the database (a log, a ticket): the chain must still contain it, which
also catches events cut off the end together with the head record. Exit status 2: the trail
could not be read (settings, connection, an unmigrated database). ``--json`` prints the same as
one JSON object, for a monitoring job.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from typing import TypeVar

import yaml
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from idp.db.audit_chain import Verification
from idp.db.audit_chain import is_hex_digest
from idp.db.audit_chain import read_head
from idp.db.audit_chain import verify_stored
from idp.db.session import make_engine
from idp.settings import SettingsError
from idp.settings import load_settings

_T = TypeVar("_T")

#: Exit status when the trail could not be read at all (1 means: read, and broken).
UNREADABLE = 2


def register(subparsers: Any) -> None:
    parent = subparsers.add_parser("audit", help="the means issuer's audit trail")
    actions = parent.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="recompute the hash chain; exit 1 when broken")
    head = actions.add_parser("head", help="print the chain's head, to anchor it elsewhere")
    for parser in (verify, head):
        parser.add_argument("--settings", required=True, type=Path, metavar="FILE",
                            help="the means issuer's settings (idp.yaml) naming db_url")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
    verify.add_argument("--expect-head", type=_head_hash, metavar="HEX",
                        help="a head hash recorded earlier; the chain must still contain it")
    verify.set_defaults(func=_verify)
    head.set_defaults(func=_head)


def _head_hash(value: str) -> str:
    digest = value.strip().lower()
    if not is_hex_digest(digest):
        raise argparse.ArgumentTypeError("a head hash is 64 hexadecimal characters")
    return digest


class _Unreadable(Exception):
    """The trail could not be read; the reason has been printed."""


def _verify(args: argparse.Namespace) -> int:
    expect_head: str | None = args.expect_head
    try:
        outcome = _with_database(args, lambda c: verify_stored(c, expect_head))
    except _Unreadable:
        return UNREADABLE
    print(json.dumps(_verification_json(outcome)) if args.json else _verification_text(outcome))
    return 0 if outcome.intact else 1


def _head(args: argparse.Namespace) -> int:
    try:
        head = _with_database(args, read_head)
    except _Unreadable:
        return UNREADABLE
    if head is None:
        _say_unreadable(args, "the chain head record (table audit_chain_head) is missing")
        return UNREADABLE
    if args.json:
        print(json.dumps({"seq": head.seq, "hash": head.hash}))
    else:
        print(f"audit chain head: seq {head.seq} hash {head.hash}")
    return 0


def _with_database(args: argparse.Namespace, read: Callable[[Connection], _T]) -> _T:
    """``read`` run on the database named in ``args.settings``.

    :raises _Unreadable: after printing why, when the settings or the database fail.
    """
    try:
        engine = make_engine(load_settings(args.settings).db_url)
    except (OSError, yaml.YAMLError, SettingsError, SQLAlchemyError) as exc:
        _say_unreadable(args, f"cannot use the settings file: {exc}")
        raise _Unreadable from exc
    try:
        with engine.connect() as connection:
            return read(connection)
    except SQLAlchemyError as exc:
        # The driver's first line says what failed; the SQL and parameters after it are noise.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _say_unreadable(args, f"cannot read the audit trail ({reason}); is the database migrated?")
        raise _Unreadable from exc
    finally:
        engine.dispose()


def _say_unreadable(args: argparse.Namespace, message: str) -> None:
    if args.json:
        print(json.dumps({"error": message}))
    else:
        print(f"makelaar audit {args.audit_command}: {message}", file=sys.stderr)


def _verification_text(outcome: Verification) -> str:
    if outcome.first_break is None:
        return (
            f"audit trail intact: {outcome.rows_checked} events checked; "
            f"head seq {outcome.last_seq} hash {outcome.last_hash}"
        )
    return f"audit trail BROKEN at {outcome.first_break.describe()}"


def _verification_json(outcome: Verification) -> dict[str, object]:
    problem = outcome.first_break
    return {
        "intact": outcome.intact,
        "rows_checked": outcome.rows_checked,
        # The last link that held: the head when intact, the link before the break otherwise.
        "last_seq": outcome.last_seq,
        "last_hash": outcome.last_hash,
        "break": None if problem is None else {
            "kind": problem.kind.value,
            "seq": problem.seq,
            "event_id": problem.event_id,
            "expected": problem.expected,
            "found": problem.found,
            "meaning": problem.kind.meaning,
        },
    }

