"""Signing in to the portal with one's own means (issue 8: "entered with the administrator's
own means at eH3 or higher"): e-mail and password, then an SMS code for eH2+ and higher.

The checks are the AD's own (:func:`idp.ad.accounts.check_password`, the AD's
:class:`~idp.ad.flow.LoginGuard` counters and :class:`~idp.ad.otp.CodeStore` codes), so a means
that cannot log in at the AD cannot log in here. The session's roles come from the register:
administrator of the means' organisation, or operator, each only with a means of eH3 or
higher. Every attempt is audited (means id and outcome only).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect
from flask import request
from flask import url_for
from sqlalchemy import or_
from sqlalchemy import select
from werkzeug.wrappers import Response

from idp.ad.accounts import PasswordOutcome
from idp.ad.accounts import check_password
from idp.ad.accounts import usable_means
from idp.ad.flow import LoginGuard
from idp.ad.flow import needs_code
from idp.ad.otp import CodeOutcome
from idp.ad.otp import mask_number
from idp.db.models import Means
from idp.portal.audit import record
from idp.portal.blueprint import blueprint
from idp.portal.blueprint import clear_cookie
from idp.portal.blueprint import codes
from idp.portal.blueprint import cookie_id
from idp.portal.blueprint import ctx
from idp.portal.blueprint import current_session
from idp.portal.blueprint import now
from idp.portal.blueprint import page
from idp.portal.blueprint import send_code
from idp.portal.blueprint import set_cookie
from idp.portal.blueprint import states
from idp.portal.blueprint import svc
from idp.portal.models import PortalRole
from idp.portal.models import Role
from idp.portal.states import FLOW_COOKIE
from idp.portal.states import FLOW_LIFETIME
from idp.portal.states import SESSION_COOKIE
from idp.portal.states import SESSION_LIFETIME
from policies.loa import Loa

_REFUSED = {
    PasswordOutcome.REVOKED: "portal.login.revoked",
    PasswordOutcome.EXPIRED: "portal.login.expired",
    PasswordOutcome.SUSPENDED: "portal.login.suspended",
    PasswordOutcome.NOT_ACTIVE: "portal.login.not_active",
}


def _audit(outcome: str, means_id: int | None = None, organisation_id: int | None = None
           ) -> None:
    with ctx().db() as db, db.begin():
        record(db, now(), "portal", "portal.login", f"means:{means_id or 'unknown'}",
               organisation_id, outcome=outcome)


def _next() -> str:
    target = request.values.get("next", "")
    # Only our own pages: no scheme, no host, no protocol-relative URL.
    if target.startswith("/portal/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("portal.home")


def _start_session(means_id: int, target: str) -> Response:
    at = now()
    with ctx().db() as db, db.begin():
        means = usable_means(db, means_id, at)
        row = db.get(Means, means_id)
        if means is None or row is None:
            return page("portal/login.html", 403, error="portal.login.not_active")
        roles = set(db.scalars(select(PortalRole.role).where(
            PortalRole.person_id == row.person_id,
            or_(PortalRole.organisation_id == row.organisation_id,
                PortalRole.organisation_id.is_(None)),
        )))
        # The portal's roles need a means of eH3 or higher (issue 8).
        strong = means.level.rank >= Loa.EH3.rank
        session = states().new_session(
            means_id=means.id,
            person_id=row.person_id,
            pseudonym=means.person_pseudonym,
            organisation_id=means.organisation_id,
            level=means.level.label,
            administrator=strong and Role.ADMINISTRATOR in roles,
            operator=strong and Role.OPERATOR in roles,
        )
        record(db, at, session.actor, "portal.login", f"means:{means.id}",
               means.organisation_id, outcome="ok", administrator=session.administrator,
               operator=session.operator)
    response = redirect(target, code=303)
    set_cookie(response, SESSION_COOKIE, session.id, int(SESSION_LIFETIME.total_seconds()))
    clear_cookie(response, FLOW_COOKIE)
    return response


@blueprint.get("/")
def home() -> Response:
    return page("portal/home.html")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response:
    if request.method == "GET":
        return page("portal/login.html", next=_next())
    email = request.form.get("email", "")[:254]
    password = request.form.get("password", "")[:1024]
    errors = {}
    if not email.strip():
        errors["email"] = "portal.login.email_missing"
    if not password:
        errors["password"] = "portal.login.password_missing"  # noqa: S105  (a text key)
    if errors:
        return page("portal/login.html", 400, errors=errors, email=email, next=_next())
    services = svc()
    guard = LoginGuard(ctx().state, services.counter_key, services.login_limits)
    source = request.remote_addr or "unknown"
    if guard.locked(email, source):
        _audit("locked")
        return page("portal/login.html", 429, error="portal.login.locked", email=email,
                    next=_next())
    with ctx().db() as db, db.begin():
        result = check_password(db, services.hasher, email, password, now())
    means = result.means
    if result.outcome is PasswordOutcome.BAD_CREDENTIALS or means is None:
        guard.failed(email, source)
        _audit("bad_credentials")
        return page("portal/login.html", 401, error="portal.login.credentials", email=email,
                    next=_next())
    guard.succeeded(email, source)
    if result.outcome is not PasswordOutcome.OK:
        _audit(result.outcome.value, means.id, means.organisation_id)
        return page("portal/login.html", 403, error=_REFUSED[result.outcome], email=email,
                    next=_next())
    if not needs_code(means.level):
        return _start_session(means.id, _next())
    if means.mobile is None:
        _audit("no_mobile", means.id, means.organisation_id)
        return page("portal/login.html", 403, error="portal.login.no_mobile", email=email,
                    next=_next())
    flow = states().new_flow("login", means_id=means.id, masked=mask_number(means.mobile),
                             extra={"next": _next()})
    sent = send_code(flow, means.mobile, means.id)
    _audit(f"code_{sent}", means.id, means.organisation_id)
    response = redirect(f"{url_for('portal.login_code')}?{urlencode({'notice': sent})}",
                        code=303)
    set_cookie(response, FLOW_COOKIE, flow.id, int(FLOW_LIFETIME.total_seconds()))
    return response


@blueprint.route("/login/code", methods=["GET", "POST"])
def login_code() -> Response:
    flow = states().flow(cookie_id(FLOW_COOKIE), "login")
    if flow is None or flow.means_id is None:
        return page("portal/login.html", 400, error="portal.flow.expired")
    if request.method == "GET":
        return page("portal/code.html", flow=flow, action=url_for("portal.login_code"),
                    notice_code=request.args.get("notice", ""))
    check = codes().check(f"portal:{flow.id}", request.form.get("code", ""))
    with ctx().db() as db:
        means = usable_means(db, flow.means_id, now())
    organisation_id = means.organisation_id if means else None
    if check.outcome is not CodeOutcome.ACCEPTED:
        _audit(f"code_{check.outcome.value}", flow.means_id, organisation_id)
        key = {CodeOutcome.WRONG: "portal.code.wrong", CodeOutcome.LOCKED: "portal.code.locked"
               }.get(check.outcome, "portal.code.expired")
        return page("portal/code.html", 401, flow=flow, action=url_for("portal.login_code"),
                    errors={"code": key}, left=check.tries_left)
    states().finish(flow)
    target = str(flow.extra.get("next", "")) or url_for("portal.home")
    return _start_session(flow.means_id, target)


@blueprint.post("/logout")
def logout() -> Response:
    session = current_session()
    if session is not None:
        states().end_session(session.id)
    response = redirect(url_for("portal.home", done="logged_out"), code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response
