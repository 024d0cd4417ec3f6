"""gunicorn's own logs as JSON lines, like the application's (issue 9 Logs).

Use with ``gunicorn --logger-class web.gunicorn_logging.JsonLogger --access-logfile -``; the
role name comes from ``MAKELAAR_ROLE``, else from the application gunicorn serves
(``broker.wsgi:app`` is the broker). gunicorn's default access line is Apache's combined
format with the full request URI; on a broker that URI carries SAML artifacts, SAMLRequests and
RelayStates, which are bearer values and must not sit in logs. Each access line here has the
method, the path without its query string, the status, the bytes sent, the duration and the
correlation id the application echoed in ``X-Request-ID`` (:mod:`web.ops`), so a request line
joins the login's application log lines. gunicorn's error log goes through the same formatter
and personal-data filter.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]

from web.logging_json import JsonFormatter
from web.logging_json import PersonalDataFilter


class JsonLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's logger with JSON access and error lines."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        role = os.environ.get("MAKELAAR_ROLE") or role_of(str(cfg.default_proc_name or ""))
        formatter = JsonFormatter(role)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)
                handler.addFilter(PersonalDataFilter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.cfg.accesslog:
            return
        self.access_log.info("request", extra=access_fields(resp, environ, request_time))


#: The first package of the served application, and the role it is.
_ROLES = {"broker": "broker", "idp": "idp", "sp_adapters": "dv", "eidas_node": "eidas-node"}


def role_of(app_uri: str) -> str:
    """``broker.wsgi:app`` -> ``broker``; ``makelaar`` for anything else."""
    return _ROLES.get(app_uri.split(".", 1)[0].split(":", 1)[0], "makelaar")


def access_fields(resp: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
    """What one access line says: never the query string, never a header value but one."""
    status = str(getattr(resp, "status", "") or "")
    headers = getattr(resp, "headers", None) or []
    correlation = next(
        (str(value) for name, value in headers if str(name).lower() == "x-request-id"), None
    )
    fields: dict[str, Any] = {
        "method": str(environ.get("REQUEST_METHOD", "")),
        "path": str(environ.get("PATH_INFO", ""))[:200],
        "status": int(status.split(" ", 1)[0]) if status[:3].isdigit() else None,
        "bytes": int(getattr(resp, "sent", 0) or 0),
        "duration_ms": round(request_time.total_seconds() * 1000, 1),
    }
    if correlation:
        fields["correlation_id"] = correlation[:64]
    return fields


__all__ = ["JsonLogger", "access_fields", "role_of"]
