"""``makelaar metadata refresh``: fetch peers' signed metadata, check it, keep the last good copy.

For a Kubernetes CronJob or a cron line: each ``--source`` (URL or path) is fetched and checked
exactly as at start-up (signature against ``--ca``, validUntil, keys present); an accepted
document is written to ``--out`` (a directory a role lists in its ``metadata`` setting), a
refused one leaves the copy there untouched. Exit status 1 when any source failed. With
``--loop`` it keeps running and refreshes each source when its cacheDuration says so.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

from etoegang.clock import SystemClock
from metadata.loading import trust_from_files
from metadata.refresh import MetadataRefresher
from metadata.registry import MetadataRegistry


def _actions_of(parser: argparse.ArgumentParser) -> Any:
    """The sub-command action of the ``metadata`` parser (made by makelaar.commands.metadata)."""
    for action in parser._actions:  # argparse offers no public way to extend sub-commands
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="metadata_command", required=True, metavar="ACTION")


def register(subparsers: Any) -> None:
    parent = subparsers.choices.get("metadata")
    if parent is None:
        parent = subparsers.add_parser("metadata", help="SAML metadata")
    refresh = _actions_of(parent).add_parser(
        "refresh", help="fetch and check peers' metadata; keep the last good copy"
    )
    refresh.add_argument("--source", action="append", required=True, metavar="URL|FILE",
                         help="a signed metadata document (repeatable)")
    refresh.add_argument("--ca", action="append", required=True, type=Path, metavar="FILE",
                         help="a trust anchor for metadata signatures (repeatable)")
    refresh.add_argument("--out", required=True, type=Path, metavar="DIR",
                         help="where the last good copy of each source is kept")
    refresh.add_argument("--loop", action="store_true",
                         help="keep running, refreshing as cacheDuration/validUntil say")
    refresh.set_defaults(func=_refresh)


def _refresh(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    clock = SystemClock()
    refresher = MetadataRefresher(
        args.source, trust_from_files(args.ca), MetadataRegistry(), clock, cache_dir=args.out
    )
    results = refresher.refresh_all()
    for result in results:
        state = "ok" if result.ok else f"FAILED ({result.error})"
        print(f"{result.source}: {state}; {len(result.entity_ids)} entities; "
              f"next refresh {result.next_refresh.isoformat()}")
    if not args.loop:
        return 0 if all(r.ok for r in results) else 1
    while True:  # pragma: no cover - a long-running service, stopped by a signal
        time.sleep(max(1.0, (refresher.next_due() - clock.now()).total_seconds()))
        refresher.refresh_due()
