"""Install the shared web behaviour on a role's Flask application."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import g
from flask import render_template
from flask import request
from markupsafe import Markup

from web import csrf
from web import i18n

log = logging.getLogger(__name__)

blueprint = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)

#: Spec §4.2: browser responses must not be cached; the rest is ordinary hardening.
SECURITY_HEADERS: dict[str, str] = {
    "Cache-Control": "no-cache, no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _csp(nonce: str) -> str:
    # form-action allows other origins: SAML POST and artifact redirects cross origins.
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"script-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


def render_error(status: int, message: str, *, reference: str | None = None) -> Response:
    """An HTML error page that never redirects (unrecoverable protocol errors end here)."""
    body = render_template("web/error.html", message=message, reference=reference)
    return Response(body, status=status, mimetype="text/html")


def install(app: Flask, *, secret: bytes, role_name: str) -> None:
    """Language, CSRF, headers, base template and error pages for ``app``."""
    app.register_blueprint(blueprint)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)

    @app.before_request
    def _before() -> Response | None:
        g.lang = i18n.choose_language()
        g.csp_nonce = secrets.token_urlsafe(16)
        if request.method == "POST" and not csrf.is_exempt(app) and not csrf.valid(secret):
            log.warning("csrf refused on %s", request.path)
            return render_error(400, i18n.translate("csrf"))
        return None

    @app.after_request
    def _after(response: Response) -> Response:
        # One pass over the names already set: werkzeug's setdefault raises (and builds) an
        # HTTP exception object for every absent header, which cost more than the headers.
        present = {name.lower() for name, _ in response.headers}
        for name, value in SECURITY_HEADERS.items():
            if name.lower() not in present:
                response.headers.add(name, value)
        if response.mimetype == "text/html" and "content-security-policy" not in present:
            response.headers.add("Content-Security-Policy", _csp(g.get("csp_nonce", "")))
        asked = request.args.get("lang", "")
        if asked in i18n.LANGUAGES:
            response.set_cookie(i18n.COOKIE, asked, samesite="Lax", httponly=True, path="/")
        csrf.set_cookie_if_new(response)
        return response

    @app.context_processor
    def _context() -> dict[str, object]:
        def csrf_field() -> Markup:
            template = Markup('<input type="hidden" name="{}" value="{}">')
            return template.format(csrf.FIELD, csrf.token(secret))

        def other_language_url() -> str:
            other = "en" if i18n.current_language() == "nl" else "nl"
            args = request.args.to_dict()
            args["lang"] = other
            from urllib.parse import urlencode

            return f"{request.path}?{urlencode(args)}"

        return {
            "_": i18n.translate,
            "lang": i18n.current_language(),
            "csrf_field": csrf_field,
            "csp_nonce": g.get("csp_nonce", ""),
            "role_name": role_name,
            "other_language_url": other_language_url,
        }

    @app.errorhandler(404)
    def _not_found(_exc: Exception) -> Response:
        return render_error(404, "404")

    @app.errorhandler(413)
    def _too_large(_exc: Exception) -> Response:
        return render_error(413, "413")
