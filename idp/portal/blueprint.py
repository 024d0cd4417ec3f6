"""The portal's Flask blueprint and the helpers its views share: the signed-in session and
role guards, pages with form errors, mail and SMS sending, and the error page of a refused
action (403 for another organisation's object, 404, 409, 410 for a used link)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from typing import ParamSpec
from urllib.parse import urlencode

from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from etoegang.clock import Clock
from idp.ad.otp import CodeStore
from idp.ad.session import sign_token
from idp.ad.session import unsign_token
from idp.app import context_of
from idp.context import IdpContext
from idp.db.models import Organisation
from idp.mail.gateway import MailError
from idp.mail.gateway import MailMessage
from idp.portal import texts
from idp.portal.errors import Invalid
from idp.portal.errors import PortalError
from idp.portal.mails import Outgoing
from idp.portal.services import PortalServices
from idp.portal.services import services_of
from idp.portal.states import SESSION_COOKIE
from idp.portal.states import Flow
from idp.portal.states import PortalSession
from idp.portal.states import PortalStates
from idp.portal.tariffs import Price
from idp.portal.tariffs import format_euros
from idp.sms.gateway import SmsError
from idp.sms.gateway import SmsMessage
from idp.sms.ratelimit import RateLimited
from idp.sms.ratelimit import SmsRateLimiter
from web import i18n

log = logging.getLogger("idp.portal")
blueprint = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates",
                      static_folder="static", static_url_path="/static")
texts.register()
P = ParamSpec("P")


def ctx() -> IdpContext:
    return context_of(current_app)


def svc() -> PortalServices:
    return services_of(current_app)


def clock() -> Clock:
    return ctx().clock


def now() -> datetime:
    return ctx().clock.now()


def states() -> PortalStates:
    return PortalStates(ctx().state, ctx().clock)


def current_session() -> PortalSession | None:
    if "portal_session" not in g:
        session_id = unsign_token(svc().cookie_key, request.cookies.get(SESSION_COOKIE))
        g.portal_session = states().session(session_id)
    found: PortalSession | None = g.portal_session
    return found


def session_required() -> PortalSession:
    session = current_session()
    assert session is not None  # guarded by @signed_in
    return session


def organisation() -> Organisation:
    with ctx().db() as db:
        found = db.get(Organisation, session_required().organisation_id)
    assert found is not None
    return found


def _login_redirect() -> Response:
    target = request.full_path if request.method == "GET" else request.path
    return redirect(f"{url_for('portal.login')}?{urlencode({'next': target.rstrip('?')})}",
                    code=303)


def signed_in(view: Callable[P, Response]) -> Callable[P, Response]:
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        if current_session() is None:
            return _login_redirect()
        return view(*args, **kwargs)

    return wrapper


def administrator(view: Callable[P, Response]) -> Callable[P, Response]:
    """Only an administrator of the session's organisation, logged in at eH3 or higher."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        session = current_session()
        if session is None:
            return _login_redirect()
        if not session.administrator:
            return error_page(403, "portal.error.admin_only")
        return view(*args, **kwargs)

    return wrapper


def operator(view: Callable[P, Response]) -> Callable[P, Response]:
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        session = current_session()
        if session is None:
            return _login_redirect()
        if not session.operator:
            return error_page(403, "portal.error.operator_only")
        return view(*args, **kwargs)

    return wrapper


def page(template: str, status: int = 200, **values: Any) -> Response:
    values.setdefault("errors", {})
    body = render_template(template, session=current_session(), **values)
    return Response(body, status=status, mimetype="text/html")


def form_page(template: str, exc: Invalid, **values: Any) -> Response:
    return page(template, 400, errors=exc.errors, form=request.form, **values)


def error_page(status: int, key: str) -> Response:
    return page("portal/error.html", status, message=key)


@blueprint.errorhandler(PortalError)
def _refused(exc: PortalError) -> Response:
    return error_page(exc.status, exc.key)


def done(endpoint: str, key: str, **values: Any) -> Response:
    """303 to ``endpoint`` with a notice (``portal.done.*``) shown once on that page."""
    return redirect(url_for(endpoint, done=key.removeprefix("portal.done."), **values), code=303)


def notice() -> str | None:
    key = request.args.get("done", "")
    full = f"portal.done.{key}"
    return full if key.replace("_", "").isalnum() and texts.known(full) else None


def send_mail(outgoing: Outgoing) -> bool:
    """Hand a mail to the gateway (after commit); a failure is logged, never raised."""
    reference = ctx().ids.new_id()
    try:
        svc().mail.send(MailMessage(outgoing.to, outgoing.subject, outgoing.body, reference))
    except MailError as exc:
        log.error("portal mail %s not sent: %s", reference, exc)
        return False
    return True


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, sign_token(svc().cookie_key, value), max_age=max_age,
                        httponly=True, samesite="Lax", secure=request.is_secure, path="/portal")


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/portal", httponly=True, samesite="Lax")


def cookie_id(name: str) -> str | None:
    return unsign_token(svc().cookie_key, request.cookies.get(name))


def codes() -> CodeStore:
    return CodeStore(ctx().state, ctx().clock, svc().code_key)


def send_code(flow: Flow, number: str, means_id: int) -> str:
    """Send a fresh code for ``flow`` to ``number`` (rate-limited); the notice for the page."""
    services = svc()
    limiter = SmsRateLimiter(ctx().state, services.counter_key, services.sms_limits)
    try:
        limiter.check_and_count(number=number, means_id=means_id,
                                source=request.remote_addr or "unknown")
    except RateLimited:
        return "rate"
    code = codes().issue(f"portal:{flow.id}")
    message = SmsMessage(number, i18n.translate("portal.sms.text", code=code), ctx().ids.new_id())
    try:
        services.sms.send(message)
    except SmsError as exc:
        log.error("portal sms %s not sent: %s", message.reference, type(exc).__name__)
        codes().discard(f"portal:{flow.id}")
        return "unavailable"
    return "sent"


def price_lines(price: Price) -> list[tuple[str, str]]:
    lang = i18n.current_language()
    return [
        (i18n.translate(line.key, level=line.level, years=line.years),
         format_euros(line.amount_cents, lang))
        for line in price.lines
    ]


@blueprint.context_processor
def _helpers() -> dict[str, object]:
    lang = i18n.current_language()
    return {
        "euros": lambda cents: format_euros(int(cents), lang),
        "day": lambda at: at.strftime("%d-%m-%Y") if lang == "nl" else at.strftime("%Y-%m-%d"),
        "moment": lambda at: at.strftime("%d-%m-%Y %H:%M") if lang == "nl"
        else at.strftime("%Y-%m-%d %H:%M"),
        "price_lines": price_lines,
        "label": lambda prefix, value: i18n.translate(prefix + value)
        if texts.known(prefix + value) else value,
        "notice": notice(),
    }
