"""The shared runner: every target refuses only with a typed ProtocolError."""

from __future__ import annotations

import sys
from collections.abc import Callable

from etoegang.errors import ProtocolError


def run(target: Callable[[bytes], object]) -> None:
    """Fuzz ``target`` with atheris; any exception but ProtocolError is a finding."""
    try:
        import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - optional extra
        sys.exit("atheris is not installed: pip install atheris (the 'fuzz' extra)")

    def one_input(data: bytes) -> None:
        try:
            target(data)
        except ProtocolError:
            pass

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
