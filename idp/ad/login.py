"""The AD's pages: e-mail and password, the SMS code, consent, and cancel (issue 3 item 2;
spec §3.4, §4.8 [GUC3.3]: the AD shows why a login failed and always offers cancel).

Every attempt is written to the audit log (means id and outcome only). A refusal changes
nothing but counters and the audit log: no artifact is issued until the login succeeds, the
user cancels, or consent for a required attribute is refused.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from idp.ad import pages
from idp.ad.accounts import MeansFacts
from idp.ad.accounts import PasswordOutcome
from idp.ad.accounts import audit
from idp.ad.accounts import check_password
from idp.ad.accounts import usable_means
from idp.ad.assertion import CANCELLED
from idp.ad.blueprint import blueprint
from idp.ad.complete import answer_success
from idp.ad.complete import authenticated
from idp.ad.consent import attribute_values
from idp.ad.consent import consent_items
from idp.ad.consent import decide
from idp.ad.flow import LoginGuard
from idp.ad.flow import needs_code
from idp.ad.otp import CodeOutcome
from idp.ad.otp import CodeStore
from idp.ad.otp import mask_number
from idp.ad.session import TRANSACTION_TTL
from idp.ad.session import TX_COOKIE
from idp.ad.session import LoginTransaction
from idp.ad.session import Stage
from idp.sms.gateway import SmsError
from idp.sms.gateway import SmsMessage
from idp.sms.ratelimit import RateLimited
from idp.sms.ratelimit import SmsRateLimiter
from web import i18n
from web import metrics

_INACTIVE = {
    PasswordOutcome.REVOKED: "ad.error.revoked",
    PasswordOutcome.EXPIRED: "ad.error.expired",
    PasswordOutcome.SUSPENDED: "ad.error.suspended",
    PasswordOutcome.NOT_ACTIVE: "ad.error.not_active",
}


def _tx(stage: Stage) -> LoginTransaction | Response:
    tx = pages.current_tx()
    if tx is None or tx.stage is not stage:
        return pages.error(400, "ad.error.transaction")
    return tx


def _audit(action: str, outcome: str, means: MeansFacts | None = None) -> None:
    context = pages.ctx()
    with context.db() as db, db.begin():
        audit(db, context.clock.now(), action, outcome,
              means_id=means.id if means else None,
              organisation_id=means.organisation_id if means else None)


def _codes() -> CodeStore:
    context = pages.ctx()
    return CodeStore(context.state, context.clock, pages.svc().code_key)


def _send_code(tx: LoginTransaction, means: MeansFacts) -> dict[str, str]:
    """Send a fresh code (rate-limited); the notice for the code page."""
    context = pages.ctx()
    services = pages.svc()
    assert means.mobile is not None
    limiter = SmsRateLimiter(context.state, services.counter_key, services.sms_limits)
    try:
        limiter.check_and_count(number=means.mobile, means_id=means.id, source=pages.source())
    except RateLimited as exc:
        # Issue 5 (SMS pumping): a security event; the scope only, never the number.
        pages.log.warning("ad sms refused: rate limit per %s", exc.scope)
        _audit("ad.sms", f"rate_limited_{exc.scope}", means)
        return {"notice": "rate", "seconds": str(exc.retry_after)}
    codes = _codes()
    code = codes.issue(tx.id)
    text = i18n.translate("ad.sms.text", code=code)
    message = SmsMessage(means.mobile, text, context.ids.new_id())
    try:
        services.gateway.send(message)
    except SmsError as exc:
        pages.log.error("ad sms %s not sent: %s", message.reference, type(exc).__name__)
        metrics.observe_sms(sent=False)
        codes.discard(tx.id)
        _audit("ad.sms", "unavailable", means)
        return {"notice": "unavailable"}
    metrics.observe_sms(sent=True)
    _audit("ad.sms", "sent", means)
    return {"notice": "sent"}


def _code_url(params: dict[str, str]) -> str:
    return f"{url_for('ad.code')}?{urlencode(params)}"


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response:
    tx = _tx(Stage.PASSWORD)
    if isinstance(tx, Response):
        return tx
    if request.method == "GET":
        return pages.page("ad/login.html", tx)
    email = request.form.get("email", "")[:254]
    password = request.form.get("password", "")[:1024]
    if not email.strip() or not password:
        return pages.page("ad/login.html", tx, 400, error="ad.error.missing", email=email)
    context = pages.ctx()
    services = pages.svc()
    guard = LoginGuard(context.state, services.counter_key, services.login_limits)
    if guard.locked(email, pages.source()):
        # Issue 5 (password guessing): a security event; never the address itself.
        pages.log.warning("ad password refused: too many failed attempts")
        _audit("ad.password", "locked")
        return pages.page("ad/login.html", tx, 429, error="ad.error.locked", email=email)
    now = context.clock.now()
    with context.db() as db, db.begin():
        result = check_password(db, services.hasher, email, password, now)
    means = result.means
    if result.outcome is PasswordOutcome.BAD_CREDENTIALS or means is None:
        guard.failed(email, pages.source())
        _audit("ad.password", "bad_credentials")
        return pages.page("ad/login.html", tx, 401, error="ad.error.credentials", email=email)
    guard.succeeded(email, pages.source())
    if result.outcome is not PasswordOutcome.OK:
        _audit("ad.password", result.outcome.value, means)
        return pages.page("ad/login.html", tx, 403, error=_INACTIVE[result.outcome], email=email)
    if not means.level.satisfies(tx.required):
        _audit("ad.password", "level_too_low", means)
        return pages.page("ad/level.html", tx, 403, level=means.level.label)
    if not needs_code(means.level):
        _audit("ad.password", "ok", means)
        return authenticated(tx, means)
    if means.mobile is None:
        _audit("ad.password", "no_mobile", means)
        return pages.page("ad/login.html", tx, 403, error="ad.error.no_mobile", email=email)
    _audit("ad.password", "ok", means)
    tx = pages.states().renewed(
        tx, stage=Stage.CODE, means_id=means.id, masked_number=mask_number(means.mobile)
    )
    response = redirect(_code_url(_send_code(tx, means)), code=303)
    pages.set_cookie(response, TX_COOKIE, tx.id, TRANSACTION_TTL)
    return response


def _code_means(tx: LoginTransaction) -> MeansFacts | None:
    context = pages.ctx()
    if tx.means_id is None:
        return None
    with context.db() as db:
        return usable_means(db, tx.means_id, context.clock.now())


@blueprint.route("/code", methods=["GET", "POST"])
def code() -> Response:
    tx = _tx(Stage.CODE)
    if isinstance(tx, Response):
        return tx
    if request.method == "GET":
        return pages.page("ad/code.html", tx, notice=request.args.get("notice", ""),
                          seconds=request.args.get("seconds", "")[:6])
    means = _code_means(tx)
    if means is None or means.mobile is None:
        return pages.error(400, "ad.error.transaction")
    if request.form.get("action") == "resend":
        return redirect(_code_url({**_send_code(tx, means), "resent": "1"}), code=303)
    check = _codes().check(tx.id, request.form.get("code", ""))
    if check.outcome is CodeOutcome.ACCEPTED:
        _audit("ad.code", "ok", means)
        return authenticated(tx, means)
    _audit("ad.code", check.outcome.value, means)
    if check.outcome is CodeOutcome.WRONG:
        return pages.page("ad/code.html", tx, 401, error="ad.code.wrong", left=check.tries_left)
    if check.outcome is CodeOutcome.LOCKED:
        # Issue 5 (code brute force): a security event, logged with the request id only.
        pages.log.warning("ad code refused: tries used up (request %s)", tx.request_id[:64])
        return pages.page("ad/code.html", tx, 429, error="ad.code.locked")
    return pages.page("ad/code.html", tx, 401, error="ad.code.expired")


def _consent_state(tx: LoginTransaction) -> tuple[MeansFacts, dict[str, str]] | None:
    context = pages.ctx()
    if tx.means_id is None:
        return None
    with context.db() as db:
        means = usable_means(db, tx.means_id, context.clock.now())
    if means is None:
        return None
    return means, attribute_values(means.person)


@blueprint.route("/consent", methods=["GET", "POST"])
def consent() -> Response:
    tx = _tx(Stage.CONSENT)
    if isinstance(tx, Response):
        return tx
    found = _consent_state(tx)
    if found is None:
        return pages.error(400, "ad.error.transaction")
    means, values = found
    items = consent_items(pages.service_view(tx), values.keys(), i18n.current_language())
    if request.method == "GET":
        return pages.page("ad/consent.html", tx, items=items)
    decision = decide(items, request.form.getlist("consent"))
    if decision.stops:
        finished = pages.states().finish(tx.id)
        if finished is None:
            return pages.error(400, "ad.error.transaction")
        _audit("ad.consent", "required_declined", means)
        message = pages.authn_failed(pages.channel_of(finished), "Required attribute not released.")
        url = pages.artifact_url(pages.channel_of(finished), message)
        names = ", ".join(i18n.translate(f"attr.{i.local}") for i in items
                          if i.name in decision.blocking)
        return pages.page("ad/stopped.html", finished, 403, back_url=url, names=names)
    _audit("ad.consent", f"released_{len(decision.released)}", means)
    by_name = {item.name: item.local for item in items}
    released = tuple((name, values[by_name[name]]) for name in decision.released)
    return answer_success(tx, means, released)


@blueprint.route("/cancel", methods=["POST"])
def cancel() -> Response:
    tx = pages.current_tx()
    finished = pages.states().finish(tx.id) if tx is not None else None
    if finished is None:
        return pages.error(400, "ad.error.transaction")
    _audit("ad.cancel", "cancelled")
    pages.log.info("ad request %s cancelled by the user", finished.request_id[:64])
    channel = pages.channel_of(finished)
    return pages.answer(channel, pages.authn_failed(channel, CANCELLED))

