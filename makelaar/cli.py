"""The ``makelaar`` console command: one sub-command module per job.

Each module in :mod:`makelaar.commands` exposes ``register(subparsers)`` and sets
``func`` on its parser; ``main`` returns that function's exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Sub-command modules, in the order ``makelaar --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "makelaar.commands.keys",
    "makelaar.commands.metadata",
    "makelaar.commands.metadata_refresh",
    "makelaar.commands.catalogue",
    "makelaar.commands.dv",
    "makelaar.commands.ad",
    "makelaar.commands.idp",
    "makelaar.commands.db",
    "makelaar.commands.audit",
    "makelaar.commands.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="makelaar", description="Makelaar: an eHerkenning broker and means issuer"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # not built yet in this checkout
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
