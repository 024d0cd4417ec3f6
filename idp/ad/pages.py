"""Web helpers of the AD views: context, cookies, pages that show the DV and service, and the
artifact answers to the HM (spec §4.1: every answer by artifact; §9: the AD shows the DV's
name from the catalogue on every page)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from lxml import etree
from werkzeug.wrappers import Response

from etoegang.messages.status import SubStatusCode
from idp.ad.assertion import Signer
from idp.ad.assertion import failure_response
from idp.ad.request import ReturnChannel
from idp.ad.services import AdServices
from idp.ad.services import services_of
from idp.ad.session import SSO_COOKIE
from idp.ad.session import TX_COOKIE
from idp.ad.session import AdStates
from idp.ad.session import LoginTransaction
from idp.ad.session import sign_token
from idp.ad.session import unsign_token
from idp.app import context_of
from idp.context import IdpContext
from metadata.catalogue import ServiceView
from metadata.model import pick_text
from web import i18n
from web.app import render_error

log = logging.getLogger("idp.ad")


def ctx() -> IdpContext:
    return context_of(current_app)


def svc() -> AdServices:
    return services_of(current_app)


def states() -> AdStates:
    context = ctx()
    return AdStates(context.state, context.clock)


def signer() -> Signer:
    context = ctx()
    return Signer(
        ad_entity_id=context.ad.me.entity_id,
        signing=context.ad.me.keys.signing,
        mr_entity_id=context.mr.me.entity_id,
        # Our MR is on this server: its current encryption certificate (spec §3.3).
        mr_certificate=context.mr.me.keys.encryption.as_peer(),
        clock=context.clock,
        ids=context.ids,
    )


def service_view(tx: LoginTransaction) -> ServiceView:
    return ServiceView.by_service_uuid(ctx().catalogue, tx.service_uuid)


def page(template: str, tx: LoginTransaction, status: int = 200, **values: Any) -> Response:
    """A page of the login, with the DV's and the service's names from the catalogue."""
    view = service_view(tx)
    body = render_template(
        template,
        tx=tx,
        dv=pick_text(view.display_names, i18n.current_language()),
        service=pick_text(view.service_names, i18n.current_language()),
        required=tx.required.label,
        **values,
    )
    return Response(body, status=status, mimetype="text/html")


def error(status: int, key: str) -> Response:
    return render_error(status, i18n.translate(key))


def current_tx() -> LoginTransaction | None:
    tx_id = unsign_token(svc().cookie_key, request.cookies.get(TX_COOKIE))
    return states().transaction(tx_id)


def current_sso_id() -> str | None:
    return unsign_token(svc().cookie_key, request.cookies.get(SSO_COOKIE))


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        sign_token(svc().cookie_key, value),
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/ad",
    )


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/ad", httponly=True, samesite="Lax")


def source() -> str:
    return request.remote_addr or "unknown"


def channel_of(tx: LoginTransaction) -> ReturnChannel:
    return ReturnChannel(tx.hm_entity_id, tx.request_id, tx.acs_url, tx.relay_state)


def artifact_url(channel: ReturnChannel, message: etree._Element) -> str:
    """Store the signed ``message`` for the HM and return the ACS URL that carries it."""
    artifact = ctx().ad.issuer.issue(message, recipient=channel.hm_entity_id)
    params = {"SAMLart": artifact.encode()}
    if channel.relay_state is not None:
        params["RelayState"] = channel.relay_state
    glue = "&" if "?" in channel.acs_url else "?"
    return f"{channel.acs_url}{glue}{urlencode(params)}"


def answer(channel: ReturnChannel, message: etree._Element) -> Response:
    """303 to the HM's ACS with the artifact; the login transaction cookie is dropped."""
    response = redirect(artifact_url(channel, message), code=303)
    clear_cookie(response, TX_COOKIE)
    return response


def refuse(channel: ReturnChannel, message: str) -> Response:
    """Requester/RequestUnsupported: the HM asked for something we do not support."""
    log.info("ad request %s refused: %s", channel.request_id[:64], message)
    return answer(
        channel,
        failure_response(
            channel, signer(), requester=True, second=SubStatusCode.REQUEST_UNSUPPORTED,
            message=message,
        ),
    )


def authn_failed(channel: ReturnChannel, message: str) -> etree._Element:
    """Responder/AuthnFailed (spec §4.8: wrong credentials, cancel, refused consent)."""
    return failure_response(
        channel, signer(), requester=False, second=SubStatusCode.AUTHN_FAILED, message=message
    )
