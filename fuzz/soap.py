"""atheris target: the SOAP envelope reader (etoegang.bindings.soap.unwrap)."""

from __future__ import annotations

from etoegang.bindings import soap
from fuzz._run import run


def target(data: bytes) -> object:
    return soap.unwrap(data, soap.content_type())


if __name__ == "__main__":
    run(target)
