"""Pages reached without signing in (issue 8): activation of a requested means (e-mail link,
SMS code, own password), confirming a new e-mail address, confirming a new mobile number by
SMS code, resetting a forgotten password, and the operator form to revoke the means of a holder
who has left.

A link opens a page with a button: only the POST uses the token, so a mail scanner that fetches
links does not spend it. Each multi-step flow keeps its state in the state store under a signed
cookie; a step reached out of order is refused.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from idp.ad.otp import CodeOutcome
from idp.ad.otp import mask_number
from idp.portal import activation
from idp.portal import means_admin
from idp.portal import operator_cases
from idp.portal import self_service
from idp.portal import tokens
from idp.portal.blueprint import blueprint
from idp.portal.blueprint import codes
from idp.portal.blueprint import cookie_id
from idp.portal.blueprint import ctx
from idp.portal.blueprint import error_page
from idp.portal.blueprint import form_page
from idp.portal.blueprint import now
from idp.portal.blueprint import page
from idp.portal.blueprint import send_code
from idp.portal.blueprint import send_mail
from idp.portal.blueprint import set_cookie
from idp.portal.blueprint import states
from idp.portal.blueprint import svc
from idp.portal.errors import Invalid
from idp.portal.errors import TokenInvalid
from idp.portal.models import RequestStatus
from idp.portal.models import TokenPurpose
from idp.portal.password_policy import check_password
from idp.portal.states import FLOW_COOKIE
from idp.portal.states import FLOW_LIFETIME
from idp.portal.states import Flow


def _with_flow(target: str, flow: Flow, notice: str | None = None) -> Response:
    url = url_for(target)
    if notice:
        url += "?" + urlencode({"notice": notice})
    response = redirect(url, code=303)
    set_cookie(response, FLOW_COOKIE, flow.id, int(FLOW_LIFETIME.total_seconds()))
    return response


def _link_page(raw: str, purpose: TokenPurpose, endpoint: str) -> Response:
    with ctx().db() as db:
        tokens.peek(db, raw, purpose, now())
    return page("portal/link.html", purpose=purpose.value,
                action=url_for(endpoint, token=raw))


def _code_step(flow: Flow, endpoint: str, on_accept: str) -> Response | None:
    """Handle a code page POST; None when the code was accepted."""
    if request.form.get("action") == "resend":
        assert flow.mobile is not None
        sent = send_code(flow, flow.mobile, flow.means_id or 0)
        return redirect(f"{url_for(endpoint)}?{urlencode({'notice': sent})}", code=303)
    check = codes().check(f"portal:{flow.id}", request.form.get("code", ""))
    if check.outcome is CodeOutcome.ACCEPTED:
        return None
    key = {CodeOutcome.WRONG: "portal.code.wrong", CodeOutcome.LOCKED: "portal.code.locked"
           }.get(check.outcome, "portal.code.expired")
    return page("portal/code.html", 401, flow=flow, action=url_for(endpoint),
                errors={"code": key}, left=check.tries_left)


def _password_fields() -> tuple[str, str]:
    return request.form.get("password", "")[:1100], request.form.get("repeat", "")[:1100]


# -- activation ---------------------------------------------------------------------------


@blueprint.route("/activate/<token>", methods=["GET", "POST"])
def activate(token: str) -> Response:
    if request.method == "GET":
        return _link_page(token, TokenPurpose.ACTIVATE, "portal.activate")
    with ctx().db() as db, db.begin():
        request_id = activation.open_link(db, token, now())
        found = activation.for_step(db, request_id, RequestStatus.AWAITING_CODE)
        mobile, means_id = found.mobile_e164, found.means_id
    assert mobile is not None
    flow = states().new_flow("activate", request_id=request_id, means_id=means_id,
                             mobile=mobile, masked=mask_number(mobile))
    return _with_flow("portal.activate_code", flow, send_code(flow, mobile, means_id))


@blueprint.route("/activate/code", methods=["GET", "POST"])
def activate_code() -> Response:
    flow = states().flow(cookie_id(FLOW_COOKIE), "activate")
    if flow is None or flow.request_id is None or flow.stage != "code":
        return error_page(400, "portal.flow.expired")
    if request.method == "GET":
        return page("portal/code.html", flow=flow, action=url_for("portal.activate_code"),
                    notice_code=request.args.get("notice", ""))
    refused = _code_step(flow, "portal.activate_code", "portal.activate_password")
    if refused is not None:
        return refused
    with ctx().db() as db, db.begin():
        activation.code_confirmed(db, flow.request_id, now())
    flow = states().update(flow, stage="password")
    return _with_flow("portal.activate_password", flow)


@blueprint.route("/activate/password", methods=["GET", "POST"])
def activate_password() -> Response:
    flow = states().flow(cookie_id(FLOW_COOKIE), "activate")
    if flow is None or flow.request_id is None or flow.stage != "password":
        return error_page(400, "portal.flow.expired")
    template = "portal/password_set.html"
    if request.method == "GET":
        return page(template, action=url_for("portal.activate_password"))
    password, repeat = _password_fields()
    with ctx().db() as db:
        found = activation.for_step(db, flow.request_id, RequestStatus.AWAITING_PASSWORD)
        email = found.person.email
    try:
        if password != repeat:
            raise Invalid({"repeat": "portal.password.mismatch"})
        check_password(password, email=email)
    except Invalid as exc:
        return form_page(template, exc, action=url_for("portal.activate_password"))
    hashed = svc().hasher.hash(password)
    with ctx().db() as db, db.begin():
        status, mail = activation.set_password(db, flow.request_id, hashed, now())
    states().finish(flow)
    send_mail(mail)
    state = "active" if status is RequestStatus.COMPLETED else "waiting"
    return redirect(url_for("portal.activate_done", state=state), code=303)


@blueprint.get("/activate/done")
def activate_done() -> Response:
    state = "waiting" if request.args.get("state") == "waiting" else "active"
    return page("portal/activate_done.html", state=state)


# -- e-mail and mobile changes ------------------------------------------------------------


@blueprint.route("/verify-email/<token>", methods=["GET", "POST"])
def verify_email(token: str) -> Response:
    if request.method == "GET":
        return _link_page(token, TokenPurpose.EMAIL_CHANGE, "portal.verify_email")
    with ctx().db() as db, db.begin():
        means_admin.confirm_email_change(db, token, now())
    return page("portal/message.html", message="portal.done.email_changed")


@blueprint.route("/mobile/<token>", methods=["GET", "POST"])
def mobile_link(token: str) -> Response:
    if request.method == "GET":
        return _link_page(token, TokenPurpose.MOBILE_CHANGE, "portal.mobile_link")
    with ctx().db() as db, db.begin():
        means_id, mobile = means_admin.open_mobile_change(db, token, now())
    flow = states().new_flow("mobile", means_id=means_id, mobile=mobile,
                             masked=mask_number(mobile))
    return _with_flow("portal.mobile_code", flow, send_code(flow, mobile, means_id))


@blueprint.route("/mobile/code", methods=["GET", "POST"])
def mobile_code() -> Response:
    flow = states().flow(cookie_id(FLOW_COOKIE), "mobile")
    if flow is None or flow.means_id is None or flow.mobile is None:
        return error_page(400, "portal.flow.expired")
    if request.method == "GET":
        return page("portal/code.html", flow=flow, action=url_for("portal.mobile_code"),
                    notice_code=request.args.get("notice", ""))
    refused = _code_step(flow, "portal.mobile_code", "")
    if refused is not None:
        return refused
    with ctx().db() as db, db.begin():
        means_admin.apply_mobile(db, flow.means_id, flow.mobile, None, now())
    states().finish(flow)
    return page("portal/message.html", message="portal.done.mobile_changed")


# -- forgotten password -------------------------------------------------------------------


@blueprint.route("/reset", methods=["GET", "POST"])
def reset_start() -> Response:
    template = "portal/reset.html"
    if request.method == "GET":
        return page(template, form={})
    try:
        with ctx().db() as db, db.begin():
            mail = self_service.start_reset(db, request.form.get("email", "")[:254], now(),
                                            ctx().base_url)
    except Invalid as exc:
        return form_page(template, exc)
    if mail is not None:
        send_mail(mail)
    # The same answer whether or not the address is known (no account enumeration).
    return page("portal/message.html", message="portal.done.reset_sent")


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset_link(token: str) -> Response:
    if request.method == "GET":
        return _link_page(token, TokenPurpose.PASSWORD_RESET, "portal.reset_link")
    with ctx().db() as db, db.begin():
        person_id = self_service.open_reset(db, token, now())
        target = self_service.reset_mobile(db, person_id)
    if target is None:
        flow = states().new_flow("reset", person_id=person_id, stage="password")
        return _with_flow("portal.reset_password", flow)
    means_id, mobile = target
    flow = states().new_flow("reset", person_id=person_id, means_id=means_id, mobile=mobile,
                             masked=mask_number(mobile))
    return _with_flow("portal.reset_code", flow, send_code(flow, mobile, means_id))


@blueprint.route("/reset/code", methods=["GET", "POST"])
def reset_code() -> Response:
    flow = states().flow(cookie_id(FLOW_COOKIE), "reset")
    if flow is None or flow.stage != "code" or flow.mobile is None:
        return error_page(400, "portal.flow.expired")
    if request.method == "GET":
        return page("portal/code.html", flow=flow, action=url_for("portal.reset_code"),
                    notice_code=request.args.get("notice", ""))
    refused = _code_step(flow, "portal.reset_code", "")
    if refused is not None:
        return refused
    flow = states().update(flow, stage="password")
    return _with_flow("portal.reset_password", flow)


@blueprint.route("/reset/password", methods=["GET", "POST"])
def reset_password() -> Response:
    flow = states().flow(cookie_id(FLOW_COOKIE), "reset")
    if flow is None or flow.stage != "password" or flow.person_id is None:
        return error_page(400, "portal.flow.expired")
    template = "portal/password_set.html"
    if request.method == "GET":
        return page(template, action=url_for("portal.reset_password"))
    password, repeat = _password_fields()
    try:
        with ctx().db() as db, db.begin():
            self_service.finish_reset(db, svc().hasher, flow.person_id, password, repeat, now())
    except Invalid as exc:
        return form_page(template, exc, action=url_for("portal.reset_password"))
    states().finish(flow)
    return page("portal/message.html", message="portal.done.password_reset")


# -- operator form without login ----------------------------------------------------------


@blueprint.route("/revoke-left", methods=["GET", "POST"])
def revoke_left() -> Response:
    template = "portal/revoke_left.html"
    if request.method == "GET":
        return page(template, form={})
    try:
        with ctx().db() as db, db.begin():
            operator_cases.submit_revoke_left(db, request.form, now())
    except Invalid as exc:
        return form_page(template, exc)
    return page("portal/message.html", message="portal.done.case_received")


@blueprint.errorhandler(TokenInvalid)
def _link_refused(exc: TokenInvalid) -> Response:
    return page("portal/error.html", 410, message=exc.key)
