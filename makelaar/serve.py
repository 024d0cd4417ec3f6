"""Run one role's WSGI application on host:port: ``python -m makelaar.serve ROLE --settings FILE``.

The demo and the end-to-end tests start each role (broker, means issuer, demo DV) as a process
of its own, exactly as they would run apart in production: each reads only its own settings
file and talks to the others over HTTP. This is the only module that knows where each role's
``load_settings`` and ``create_app`` live; it imports them by name so that the roles stay
independent of each other (DESIGN §6).

The server is werkzeug's threaded development server: fine for the demo and the tests, not for
production (use a WSGI server there). It logs one line per request to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from typing import cast

from werkzeug.serving import make_server

log = logging.getLogger("makelaar.serve")


@dataclass(frozen=True, slots=True)
class RoleEntry:
    """Where one role's settings loader and application factory live."""

    settings_module: str
    #: Modules to look in for ``create_app``, first match wins.
    app_modules: tuple[str, ...]
    #: A path that answers once the application is up (used for readiness checks).
    ready_path: str


ROLES: dict[str, RoleEntry] = {
    "broker": RoleEntry("broker.settings", ("broker.app",), "/broker/metadata"),
    "idp": RoleEntry("idp.settings", ("idp.app",), "/ad/metadata"),
    "dv": RoleEntry(
        "sp_adapters.settings",
        ("sp_adapters.demo.app", "sp_adapters.demo"),
        "/saml/metadata",
    ),
    # The eIDAS node simulator (docs/eidas.md).
    "eidas-node": RoleEntry(
        "eidas_node.settings", ("eidas_node.app",), "/eidas-node/proxy/metadata"
    ),
}


class RoleNotAvailable(RuntimeError):
    """The role's code is not (yet) in this checkout."""


def _import_attr(modules: Sequence[str], attr: str) -> Callable[..., Any]:
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # this candidate module does not exist
            raise
        found = getattr(module, attr, None)
        if callable(found):
            return cast(Callable[..., Any], found)
    raise RoleNotAvailable(f"no {attr}() in any of {', '.join(modules)}")


def build_app(role: str, settings_file: Path) -> Callable[..., Any]:
    """Load ``role``'s settings from ``settings_file`` and build its WSGI application."""
    entry = ROLES[role]
    load_settings = _import_attr((entry.settings_module,), "load_settings")
    create_app = _import_attr(entry.app_modules, "create_app")
    settings = load_settings(settings_file)
    app: Callable[..., Any] = create_app(settings)
    return app


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM (from the demo or a test fixture) ends the server like Ctrl-C does.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m makelaar.serve", description=__doc__)
    parser.add_argument("role", choices=sorted(ROLES))
    parser.add_argument("--settings", type=Path, required=True, help="the role's YAML file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format=f"%(asctime)s {args.role:<6} %(levelname)s %(name)s: %(message)s",
    )
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in background
    try:
        app = build_app(args.role, args.settings)
    except RoleNotAvailable as exc:
        log.error("cannot start %s: %s", args.role, exc)
        return 3
    except KeyboardInterrupt:
        return 0
    server = make_server(args.host, args.port, app, threaded=True)
    log.info("%s listening on http://%s:%d", args.role, args.host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("%s stopping", args.role)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
