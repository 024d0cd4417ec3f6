"""Administrator pages for the organisation's means (issue 8): list and details, upgrade with
the steps each level needs, revoke (opzeggen), renew for 1, 3 or 5 years, and a change of the
holder's e-mail address or mobile number that takes effect only once verified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from werkzeug.wrappers import Response

from idp.db.columns import ISSUABLE_LEVELS
from idp.portal import means_admin
from idp.portal.blueprint import administrator
from idp.portal.blueprint import blueprint
from idp.portal.blueprint import ctx
from idp.portal.blueprint import done
from idp.portal.blueprint import form_page
from idp.portal.blueprint import now
from idp.portal.blueprint import organisation
from idp.portal.blueprint import page
from idp.portal.blueprint import send_mail
from idp.portal.blueprint import session_required
from idp.portal.blueprint import svc
from idp.portal.errors import Invalid
from idp.portal.forms import parse_flag
from idp.portal.forms import parse_level
from idp.portal.forms import parse_years
from idp.portal.tariffs import renewal_price


@blueprint.get("/means")
@administrator
def means_list() -> Response:
    with ctx().db() as db:
        found = means_admin.list_means(db, session_required().organisation_id)
    return page("portal/means_list.html", means=found, at=now())


@blueprint.get("/means/<int:means_id>")
@administrator
def means_detail(means_id: int) -> Response:
    with ctx().db() as db:
        means = means_admin.means_of(db, session_required().organisation_id, means_id)
        means.person  # noqa: B018  (load for the page)
        means.credential  # noqa: B018
    return page("portal/means_detail.html", means=means, at=now())


@blueprint.post("/means/<int:means_id>/revoke")
@administrator
def means_revoke(means_id: int) -> Response:
    session = session_required()
    if parse_flag(request.form.get("confirm", "")) is not True:
        with ctx().db() as db:
            means = means_admin.means_of(db, session.organisation_id, means_id)
            means.person  # noqa: B018
            means.credential  # noqa: B018
        return page("portal/means_detail.html", 400, means=means, at=now(),
                    errors={"confirm": "portal.means.confirm_revoke"})
    with ctx().db() as db, db.begin():
        means_admin.revoke(db, session.organisation_id, means_id, session.actor, now())
    return done("portal.means_list", "means_revoked")


def _upgrade_targets(current: str) -> list[str]:
    level = parse_level(current)
    assert level is not None
    return [lv.label for lv in ISSUABLE_LEVELS if lv.rank > level.rank]


@blueprint.route("/means/<int:means_id>/upgrade", methods=["GET", "POST"])
@administrator
def means_upgrade(means_id: int) -> Response:
    session = session_required()
    template = "portal/means_upgrade.html"
    with ctx().db() as db:
        means = means_admin.means_of(db, session.organisation_id, means_id)
        means.person  # noqa: B018
        targets = _upgrade_targets(means.level.label)
        if request.method == "GET":
            return page(template, means=means, targets=targets, form={})
        target = parse_level(request.form.get("level", ""))
        if target is None or target.label not in targets:
            return form_page(template, Invalid({"level": "portal.upgrade.higher"}), means=means,
                             targets=targets)
        price = means_admin.upgrade_quote(svc().tariffs, means, target, now())
    if request.form.get("action") != "place":
        return page(template, means=means, targets=targets, form=request.form, price=price)
    confirmed = parse_flag(request.form.get("identity_confirmed", "")) is True
    with ctx().db() as db, db.begin():
        outcome = means_admin.upgrade(db, organisation(), means_id, target, confirmed,
                                      session.actor, now(), svc().tariffs)
    if outcome.mail is not None:
        send_mail(outcome.mail)
    return done("portal.means_detail", "upgraded" if outcome.completed else "upgrade_waits",
                means_id=means_id)


@blueprint.route("/means/<int:means_id>/renew", methods=["GET", "POST"])
@administrator
def means_renew(means_id: int) -> Response:
    session = session_required()
    template = "portal/means_renew.html"
    with ctx().db() as db:
        means = means_admin.means_of(db, session.organisation_id, means_id)
        means.person  # noqa: B018
    if request.method == "GET":
        years = str(means_admin.period_years(means))
        return page(template, means=means, form={"years": years},
                    price=renewal_price(svc().tariffs, means.level, int(years)))
    years_value = parse_years(request.form.get("years", ""))
    if years_value is None:
        return form_page(template, Invalid({"years": "portal.field.years"}), means=means)
    price = renewal_price(svc().tariffs, means.level, years_value)
    if request.form.get("action") != "place":
        return page(template, means=means, form=request.form, price=price)
    with ctx().db() as db, db.begin():
        means_admin.renew(db, organisation(), means_id, years_value, session.actor, now(),
                          svc().tariffs)
    return done("portal.means_detail", "renewed", means_id=means_id)


def _contact_change(
    means_id: int, kind: str, max_length: int, start: Callable[..., Any]
) -> Response:
    """Change a user's e-mail address or mobile number: the new one is verified first (a link
    or an SMS code), so the change takes effect only once the user proves it is theirs."""
    session = session_required()
    template = "portal/means_contact.html"
    with ctx().db() as db:
        means = means_admin.means_of(db, session.organisation_id, means_id)
        means.person  # noqa: B018
    if request.method == "GET":
        return page(template, means=means, kind=kind, form={})
    try:
        with ctx().db() as db, db.begin():
            mail = start(db, session.organisation_id, means_id,
                         request.form.get(kind, "")[:max_length],
                         session.actor, now(), ctx().base_url)
    except Invalid as exc:
        return form_page(template, exc, means=means, kind=kind)
    send_mail(mail)
    return done("portal.means_detail", f"{kind}_link_sent", means_id=means_id)


@blueprint.route("/means/<int:means_id>/email", methods=["GET", "POST"])
@administrator
def means_email(means_id: int) -> Response:
    return _contact_change(means_id, "email", 254, means_admin.start_email_change)


@blueprint.route("/means/<int:means_id>/mobile", methods=["GET", "POST"])
@administrator
def means_mobile(means_id: int) -> Response:
    return _contact_change(means_id, "mobile", 40, means_admin.start_mobile_change)
