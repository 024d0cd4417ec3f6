"""The broker's Flask layer: HTTP in, framework-free values to :mod:`broker.engine`, outcomes
back to HTTP (STYLE §4.1: the flow code never sees a request object).

Protocol endpoints that receive cross-site POSTs (SSO, ACS, SOAP ArtifactResolve, SLO) are
exempt from CSRF by design; the discovery form is not. Cookies hold only random ids, signed
with the broker's secret (itsdangerous), HttpOnly and SameSite=Lax.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint
from flask import Response
from flask import g
from flask import render_template
from flask import request
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from broker.auc8 import Auc8
from broker.dv_request import InboundBinding
from broker.dv_request import SsoInput
from broker.engine import Broker
from broker.engine import Choice
from broker.engine import DiscoveryInput
from broker.errors import ErrorKind
from broker.outcomes import CookieName
from broker.outcomes import Document
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.outcomes import Page
from broker.outcomes import PostPage
from broker.outcomes import Redirect
from broker.slo import SingleLogout
from etoegang.bindings.post import post_form
from web import csrf
from web import i18n
from web.app import render_error

log = logging.getLogger(__name__)


class Cookies:
    """Signed cookies holding opaque ids only."""

    def __init__(self, secret: bytes, secure: bool) -> None:
        self._secure = secure
        # One serializer per cookie, made once: each derives its key from the secret and salt.
        self._serializers = {
            name: URLSafeSerializer(secret, salt=f"makelaar-broker-{name.value}")
            for name in CookieName
        }

    def _serializer(self, name: CookieName) -> URLSafeSerializer:
        return self._serializers[name]

    def read(self, name: CookieName) -> str | None:
        """The cookie's id if its signature holds; checked once per request (the correlation id
        and the view both ask for the flow cookie)."""
        checked: dict[CookieName, str | None] = g.setdefault("broker_cookies", {})
        if name not in checked:
            checked[name] = self._check(name)
        return checked[name]

    def _check(self, name: CookieName) -> str | None:
        raw = request.cookies.get(name.value)
        if not raw:
            return None
        try:
            value = self._serializer(name).loads(raw)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def apply(self, response: Response, outcome: Outcome) -> Response:
        for change in getattr(outcome, "cookies", ()):
            if change.value is None:
                response.delete_cookie(change.name.value, path="/")
                continue
            response.set_cookie(
                change.name.value,
                str(self._serializer(change.name).dumps(change.value)),
                max_age=change.max_age,
                httponly=True,
                samesite="Lax",
                secure=self._secure,
                path="/",
            )
        return response


def _render(outcome: Outcome) -> Response:
    if isinstance(outcome, Redirect):
        return Response(status=302, headers={"Location": outcome.url})
    if isinstance(outcome, PostPage):
        page = post_form(
            outcome.url,
            kind="SAMLResponse" if outcome.kind == "SAMLResponse" else "SAMLRequest",
            message=outcome.message,
            relay_state=outcome.relay_state,
            nonce=g.csp_nonce,
            lang=i18n.current_language(),
        )
        return Response(page, status=200, mimetype="text/html")
    if isinstance(outcome, Page):
        body = render_template(outcome.template, **outcome.context)
        return Response(body, status=outcome.status, mimetype="text/html")
    if isinstance(outcome, ErrorPage):
        return render_error(
            outcome.status,
            i18n.translate(f"broker.error.{outcome.kind.value}"),
            reference=outcome.kind.value,
        )
    assert isinstance(outcome, Document)
    return Response(outcome.body, status=outcome.status, content_type=outcome.content_type)


def _form() -> dict[str, str]:
    # Single values only; decode_post refuses repeated SAML fields itself.
    return {key: request.form.get(key, "") for key in request.form}


def _relay_state() -> str | None:
    value = request.values.get("RelayState")
    return value if value is not None else None


def blueprint(
    broker: Broker, slo: SingleLogout, auc8: Auc8, cookies: Cookies, metadata: bytes
) -> Blueprint:
    bp = Blueprint("broker", __name__, template_folder="templates")

    def respond(outcome: Outcome) -> Response:
        return cookies.apply(_render(outcome), outcome)

    def protocol(view: Callable[[], Response]) -> Callable[[], Response]:
        csrf.exempt(view)
        return view

    @bp.route("/broker/sso/1.13", methods=["GET", "POST"])
    @protocol
    def sso() -> Response:
        samlart = request.values.get("SAMLart")
        if samlart is not None:
            inbound = SsoInput(InboundBinding.ARTIFACT, {}, samlart=samlart,
                               relay_state=_relay_state())
        elif request.method == "POST":
            inbound = SsoInput(InboundBinding.POST, request.form)
        else:
            inbound = SsoInput(InboundBinding.REDIRECT, {}, query_string=request.query_string)
        return respond(broker.sso(inbound, cookies.read(CookieName.SESSION)))

    @bp.route("/broker/discovery", methods=["GET", "POST"])
    def discovery() -> Response:
        flow_id = cookies.read(CookieName.FLOW) or ""
        if request.method == "POST":
            choice = Choice(
                flow_id=flow_id,
                ad=request.form.get("ad"),
                remember=request.form.get("remember") == "1",
                cancel=request.form.get("action") == "cancel",
            )
            return respond(broker.choose(choice))
        remembered = cookies.read(CookieName.REMEMBERED_AD)
        return respond(broker.discovery(DiscoveryInput(flow_id, remembered)))

    @bp.route("/broker/acs/1.13", methods=["GET", "POST"])
    @protocol
    def acs() -> Response:
        samlart = request.values.get("SAMLart", "")
        relay = _relay_state()
        cookie = cookies.read(CookieName.FLOW)
        # The flow id travels as RelayState (a cross-site POST carries no Lax cookie); when
        # the cookie is there too it must name the same login.
        if relay is not None and cookie is not None and relay != cookie:
            log.warning("acs: RelayState does not name this browser's login")
            return respond(ErrorPage(ErrorKind.FLOW_MISSING_OR_EXPIRED, 400))
        return respond(broker.acs(relay or cookie or "", samlart))

    @bp.route("/broker/ars/1.13", methods=["POST"])
    @protocol
    def ars() -> Response:
        status, content_type, body = broker.artifact_resolve(
            request.get_data(cache=False), request.content_type or ""
        )
        return Response(body, status=status, content_type=content_type)

    @bp.route("/broker/slo/1.13", methods=["GET", "POST"])
    @protocol
    def single_logout() -> Response:
        if "SAMLResponse" in request.args:
            return respond(slo.from_ad(request.query_string))
        if request.method == "POST":
            inbound = SsoInput(InboundBinding.POST, request.form)
        else:
            inbound = SsoInput(InboundBinding.REDIRECT, {}, query_string=request.query_string)
        return respond(slo.from_dv(inbound, cookies.read(CookieName.SESSION)))

    @bp.route("/broker/services/<service_uuid>/ads", methods=["GET"])
    def ads(service_uuid: str) -> Response:
        return respond(auc8.document(service_uuid))

    @bp.route("/broker/metadata", methods=["GET"])
    def own_metadata() -> Response:
        return Response(metadata, content_type="application/samlmetadata+xml")

    return bp
