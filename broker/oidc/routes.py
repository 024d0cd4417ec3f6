"""The OIDC face's Flask blueprint: HTTP in, :mod:`broker.oidc.authorize` and authlib's server
out (STYLE §4.1: the spec logic never sees a Flask request; authlib's Flask integration reads
the request for the token, userinfo and logout endpoints).

Every endpoint is a protocol endpoint (cross-site GETs and back-channel POSTs) and exempt
from CSRF; the browser state is the broker's own signed cookies (:class:`broker.routes.Cookies`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749 import OAuth2Error  # type: ignore[import-untyped]
from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request

from broker.oidc.authorize import Authorizer
from broker.oidc.authorize import OidcErrorPage
from broker.oidc.wiring import OidcParts
from broker.outcomes import CookieName
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.outcomes import Page
from broker.outcomes import Redirect
from broker.routes import Cookies
from web import csrf
from web import i18n
from web.app import render_error

log = logging.getLogger(__name__)


def _render(outcome: Outcome | OidcErrorPage) -> Response:
    if isinstance(outcome, OidcErrorPage):
        # RFC 6749 §4.1.2.1: no redirect; the code is shown so the user can report it.
        return render_error(outcome.status, i18n.translate("oidc.error"), reference=outcome.error)
    if isinstance(outcome, Redirect):
        return Response(status=302, headers={"Location": outcome.url})
    if isinstance(outcome, ErrorPage):
        return render_error(outcome.status, i18n.translate(f"broker.error.{outcome.kind.value}"),
                            reference=outcome.kind.value)
    if isinstance(outcome, Page):
        body = render_template(outcome.template, **outcome.context)
        return Response(body, status=outcome.status, mimetype="text/html")
    log.error("oidc: unexpected outcome %s", type(outcome).__name__)
    return render_error(500, i18n.translate("broker.error.internal"), reference="internal")


def _json(status: int, body: object) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def oidc_blueprint(parts: OidcParts, authorizer: Authorizer, cookies: Cookies) -> Blueprint:
    bp = Blueprint("oidc", __name__, template_folder="templates")
    server = parts.server

    def protocol(view: Callable[[], Response]) -> Callable[[], Response]:
        csrf.exempt(view)
        return view

    @bp.get("/oidc/.well-known/openid-configuration")
    def discovery() -> Response:
        return _json(200, parts.discovery())

    @bp.get("/oidc/jwks")
    def jwks() -> Response:
        return _json(200, parts.keys.jwks())

    @bp.route("/oidc/authorize", methods=["GET", "POST"])
    @protocol
    def authorize() -> Response:
        values = request.args if request.method == "GET" else request.form
        query = {key: values.getlist(key) for key in values}
        outcome = authorizer.authorize(query, cookies.read(CookieName.SESSION))
        if isinstance(outcome, OidcErrorPage):
            return _render(outcome)
        return cookies.apply(_render(outcome), outcome)

    @bp.post("/oidc/token")
    @protocol
    def token() -> Response:
        response: Response = server.create_token_response()
        return response

    @bp.route("/oidc/userinfo", methods=["GET", "POST"])
    @protocol
    def userinfo() -> Response:
        response: Response = server.create_endpoint_response("userinfo")
        return response

    @bp.post("/oidc/par")
    @protocol
    def par() -> Response:
        answer = authorizer.push(FlaskOAuth2Request(request))
        return _json(answer.status, dict(answer.body))

    @bp.route("/oidc/logout", methods=["GET", "POST"])
    @protocol
    def logout() -> Response:
        try:
            validated = server.validate_endpoint_request("end_session")
        except OAuth2Error as error:
            return _render(OidcErrorPage(error.error, error.description or ""))
        answer = server.create_endpoint_response("end_session", validated)
        if answer is None:
            body = render_template("oidc/logged_out.html")
            answer = Response(body, status=200, mimetype="text/html")
        if validated.id_token_claims is not None:
            answer.delete_cookie(CookieName.SESSION.value, path="/")
        return answer  # type: ignore[no-any-return]

    return bp


__all__ = ["oidc_blueprint"]
