"""Two empty WSGI applications: what serving one HTTP request costs before any broker code.

The login benchmark runs them under the same gunicorn settings as the roles and drives the same
kind of requests (small form POSTs on kept-alive connections) to measure the CPU a request
costs in gunicorn alone (:data:`raw`) and in gunicorn plus Flask (:data:`flask_app`). Times the
number of requests the broker serves per login, that is a floor no broker code can go under
with this server and framework, next to the RSA floor the issue sets.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask import request


def raw(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Reads the body and answers two bytes: gunicorn's own cost per request."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


flask_app = Flask(__name__)


@flask_app.route("/floor", methods=["GET", "POST"])
def _floor() -> str:
    """Reads the form, as every broker POST does, and answers two bytes."""
    return "ok" if request.form is not None else "no"
