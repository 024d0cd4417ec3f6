"""The user's own pages (issue 8 "User self-service"): their means (level, validity) and
mandates, a password change, and a change of mobile number verified by an SMS code sent to the
new number."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from idp.ad.otp import CodeOutcome
from idp.ad.otp import mask_number
from idp.portal import means_admin
from idp.portal import self_service
from idp.portal.blueprint import blueprint
from idp.portal.blueprint import codes
from idp.portal.blueprint import cookie_id
from idp.portal.blueprint import ctx
from idp.portal.blueprint import done
from idp.portal.blueprint import form_page
from idp.portal.blueprint import now
from idp.portal.blueprint import page
from idp.portal.blueprint import send_code
from idp.portal.blueprint import session_required
from idp.portal.blueprint import set_cookie
from idp.portal.blueprint import signed_in
from idp.portal.blueprint import states
from idp.portal.blueprint import svc
from idp.portal.errors import Invalid
from idp.portal.forms import mobile_or_none
from idp.portal.states import FLOW_COOKIE
from idp.portal.states import FLOW_LIFETIME
from idp.portal.views_mandates import service_names


@blueprint.get("/me")
@signed_in
def me() -> Response:
    session = session_required()
    with ctx().db() as db:
        means = self_service.my_means(db, session.person_id)
        mandates = self_service.my_mandates(db, session.person_id)
    return page("portal/me.html", means=means, mandates=mandates, names=service_names(),
                at=now())


@blueprint.route("/me/password", methods=["GET", "POST"])
@signed_in
def me_password() -> Response:
    template = "portal/me_password.html"
    if request.method == "GET":
        return page(template)
    session = session_required()
    try:
        with ctx().db() as db, db.begin():
            self_service.change_password(
                db, svc().hasher, session.means_id, request.form.get("current", "")[:1100],
                request.form.get("password", "")[:1100], request.form.get("repeat", "")[:1100],
                now())
    except Invalid as exc:
        return form_page(template, exc)
    return done("portal.me", "password_changed")


@blueprint.route("/me/mobile", methods=["GET", "POST"])
@signed_in
def me_mobile() -> Response:
    template = "portal/me_mobile.html"
    if request.method == "GET":
        return page(template, form={})
    mobile = mobile_or_none(request.form.get("mobile", "")[:40])
    if mobile is None:
        return form_page(template, Invalid({"mobile": "portal.field.mobile"}))
    session = session_required()
    flow = states().new_flow("self_mobile", means_id=session.means_id, mobile=mobile,
                             masked=mask_number(mobile))
    sent = send_code(flow, mobile, session.means_id)
    response = redirect(f"{url_for('portal.me_mobile_code')}?{urlencode({'notice': sent})}",
                        code=303)
    set_cookie(response, FLOW_COOKIE, flow.id, int(FLOW_LIFETIME.total_seconds()))
    return response


@blueprint.route("/me/mobile/code", methods=["GET", "POST"])
@signed_in
def me_mobile_code() -> Response:
    session = session_required()
    flow = states().flow(cookie_id(FLOW_COOKIE), "self_mobile")
    if flow is None or flow.means_id != session.means_id or flow.mobile is None:
        return page("portal/error.html", 400, message="portal.flow.expired")
    action = url_for("portal.me_mobile_code")
    if request.method == "GET":
        return page("portal/code.html", flow=flow, action=action,
                    notice_code=request.args.get("notice", ""))
    check = codes().check(f"portal:{flow.id}", request.form.get("code", ""))
    if check.outcome is not CodeOutcome.ACCEPTED:
        key = {CodeOutcome.WRONG: "portal.code.wrong", CodeOutcome.LOCKED: "portal.code.locked"
               }.get(check.outcome, "portal.code.expired")
        return page("portal/code.html", 401, flow=flow, action=action, errors={"code": key},
                    left=check.tries_left)
    with ctx().db() as db, db.begin():
        means_admin.apply_mobile(db, session.means_id, flow.mobile, session.actor, now())
    states().finish(flow)
    return done("portal.me", "mobile_changed")
