"""A tiny WSGI app for the gunicorn access-log test: answers 200 and echoes a correlation id."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(
        "200 OK",
        [("Content-Type", "text/plain"), ("Content-Length", "2"), ("X-Request-ID", "c0ffee12")],
    )
    return [b"ok"]
