"""Single logout at the AD (spec §9 [AS-SLO]): the HM's LogoutRequest by HTTP-Redirect ends
the AD session and is answered with a signed LogoutResponse by Redirect to the HM's
SingleLogoutService; without a message (or without a return endpoint) the user sees "you are
logged out at [DV] and [AD]"."""

from __future__ import annotations

from flask import redirect
from flask import render_template
from flask import request
from werkzeug.wrappers import Response

from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.clock import saml_instant
from etoegang.errors import CatalogueError
from etoegang.errors import ProtocolError
from etoegang.exchange.inbound import issuer_of
from etoegang.messages.logout import LogoutResponse
from etoegang.messages.logout import build_logout_response
from etoegang.messages.logout import parse_logout_request
from etoegang.messages.status import SUCCESS
from idp.ad import pages
from idp.ad.blueprint import blueprint
from idp.ad.protocol import VERSION
from idp.ad.protocol import own_urls
from idp.ad.request import MAX_AGE
from idp.ad.request import SKEW
from idp.ad.session import SSO_COOKIE
from idp.ad.session import AdSession
from metadata.catalogue import ServiceView
from metadata.model import Binding
from metadata.model import pick_text
from web import csrf
from web import i18n


def _hm_slo(hm_entity_id: str) -> str | None:
    entity = pages.ctx().registry.get(hm_entity_id)
    for role in entity.roles():
        for endpoint in role.single_logout:
            if endpoint.binding is Binding.HTTP_REDIRECT:
                return endpoint.location
    return None


def _logged_out(session: AdSession | None) -> Response:
    names: list[str] = []
    for service_uuid in session.services if session else ():
        try:
            view = ServiceView.by_service_uuid(pages.ctx().catalogue, service_uuid)
        except CatalogueError:
            continue
        name = pick_text(view.display_names, i18n.current_language())
        if name not in names:
            names.append(name)
    response = Response(render_template("ad/logged_out.html", dv=", ".join(names)),
                        mimetype="text/html")
    pages.clear_cookie(response, SSO_COOKIE)
    return response


def slo() -> Response:
    context = pages.ctx()
    states = pages.states()
    if request.method != "GET" or b"SAMLRequest" not in request.query_string:
        if request.method != "GET":
            # Only HTTP-Redirect is published for SLO: a POSTed message is refused, and seen.
            pages.log.warning("ad logout refused: %s binding", request.method)
            return pages.error(400, "ad.error.request")
        return _logged_out(states.end_session(pages.current_sso_id()))
    raw = request.query_string
    try:
        first = decode_redirect(raw, trusted=None, require_signature=False)
        issuer = issuer_of(first.element)
        message = decode_redirect(
            raw, trusted=context.directory.signing_certificates(issuer), require_signature=True
        )
        logout = parse_logout_request(message.element)
        if logout.issuer != issuer or logout.destination not in own_urls("slo"):
            raise ProtocolError("LogoutRequest not from its signer or not for us")
        # A signed LogoutRequest URL outlives the replay guard's memory (browser history,
        # logs): outside its window it must not end a later session (issue 5).
        now = context.clock.now()
        if logout.issue_instant < now - MAX_AGE or logout.issue_instant > now + SKEW:
            raise ProtocolError("LogoutRequest expired or from the future",
                                debug=saml_instant(logout.issue_instant))
        context.replay.first_use(issuer, logout.id, valid_until=logout.issue_instant + MAX_AGE)
    except ProtocolError as exc:
        pages.log.warning("ad logout refused: %s %s", exc.code, exc.debug[:160])
        return pages.error(400, "ad.error.request")
    session = states.end_session(pages.current_sso_id())
    for index in logout.session_indexes:
        session = states.end_session_by_index(index) or session
    pages.log.info("ad logout %s from %s: session %s", logout.id[:64], issuer[:120],
                   "ended" if session else "none")
    location = _hm_slo(issuer)
    if location is None:
        return _logged_out(session)
    answer = LogoutResponse(
        id=context.ids.new_id(),
        issue_instant=context.clock.now(),
        status=SUCCESS,
        issuer=context.ad.me.entity_id,
        in_response_to=logout.id,
        destination=location,
    )
    url = encode_redirect(
        location,
        build_logout_response(answer),
        kind="SAMLResponse",
        relay_state=message.relay_state,
        key=context.ad.me.keys.signing,
    )
    response = redirect(url, code=303)
    pages.clear_cookie(response, SSO_COOKIE)
    return response


for _path, _name in (("/slo", "slo"), (f"/slo/{VERSION}", "slo_versioned")):
    blueprint.add_url_rule(
        _path, _name, csrf.exempt(slo), methods=["GET", "POST"]  # type: ignore[arg-type]
    )
