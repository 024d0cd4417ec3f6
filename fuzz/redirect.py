"""atheris target: the HTTP-Redirect binding decoder (DEFLATE, base64, query parsing)."""

from __future__ import annotations

from etoegang.bindings.redirect import decode_redirect
from fuzz._run import run


def target(data: bytes) -> object:
    return decode_redirect(data, trusted=None, require_signature=False)


if __name__ == "__main__":
    run(target)
