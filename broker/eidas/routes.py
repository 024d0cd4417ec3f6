"""The eIDAS bridge's HTTP endpoints (spec §8.2: eIDAS nodes use HTTP-POST):

* ``POST /broker/eidas/acs``: the node's answer to our connector (cross-site: CSRF-exempt).
* ``POST /broker/eidas/proxy/sso``: a foreign connector's AuthnRequest to our proxy service.
* ``GET /broker/eidas/connector/metadata`` and ``GET /broker/eidas/proxy/metadata``: our signed
  eIDAS metadata (the entity IDs are these URLs, as eIDAS nodes expect).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from flask import Response
from flask import request

from broker.eidas.inbound import InboundBridge
from broker.eidas.proxy import ProxyService
from broker.outcomes import CookieName
from broker.outcomes import Outcome
from broker.routes import Cookies
from broker.routes import _render  # the broker's one Outcome -> HTTP mapping, reused
from web import csrf


def eidas_blueprint(
    inbound: InboundBridge,
    proxy: ProxyService,
    cookies: Cookies,
    connector_metadata: bytes,
    proxy_metadata: bytes,
) -> Blueprint:
    bp = Blueprint("broker_eidas", __name__, template_folder="templates")

    def respond(outcome: Outcome) -> Response:
        return cookies.apply(_render(outcome), outcome)

    def protocol(view: Callable[[], Response]) -> Callable[[], Response]:
        csrf.exempt(view)
        return view

    @bp.route("/broker/eidas/acs", methods=["POST"])
    @protocol
    def acs() -> Response:
        return respond(inbound.on_response(request.form, cookies.read(CookieName.FLOW)))

    @bp.route("/broker/eidas/proxy/sso", methods=["POST"])
    @protocol
    def proxy_sso() -> Response:
        return respond(proxy.sso(request.form))

    @bp.route("/broker/eidas/connector/metadata", methods=["GET"])
    def connector() -> Response:
        return Response(connector_metadata, content_type="application/samlmetadata+xml")

    @bp.route("/broker/eidas/proxy/metadata", methods=["GET"])
    def proxy_service() -> Response:
        return Response(proxy_metadata, content_type="application/samlmetadata+xml")

    return bp
