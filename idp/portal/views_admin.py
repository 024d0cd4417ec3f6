"""Administrator pages for the organisation itself (issue 8): its audit trail, its users' login
history, its orders, and the operator form for a change of registered company data."""

from __future__ import annotations

from flask import request
from sqlalchemy import select
from werkzeug.wrappers import Response

from idp.db.models import Person
from idp.portal import audit_view
from idp.portal import operator_cases
from idp.portal.blueprint import administrator
from idp.portal.blueprint import blueprint
from idp.portal.blueprint import ctx
from idp.portal.blueprint import done
from idp.portal.blueprint import form_page
from idp.portal.blueprint import now
from idp.portal.blueprint import organisation
from idp.portal.blueprint import page
from idp.portal.blueprint import session_required
from idp.portal.blueprint import svc
from idp.portal.errors import Invalid
from idp.portal.models import Order
from idp.portal.tariffs import data_change_price


def _page_number() -> int:
    text = request.args.get("page", "0")
    return min(int(text), 10_000) if text.isdigit() else 0


@blueprint.get("/audit")
@administrator
def audit_trail() -> Response:
    number = _page_number()
    with ctx().db() as db:
        lines = audit_view.trail(db, session_required().organisation_id, number)
    return page("portal/audit.html", lines=lines, number=number, kind="audit",
                more=len(lines) == audit_view.PAGE_SIZE)


@blueprint.get("/logins")
@administrator
def login_history() -> Response:
    number = _page_number()
    with ctx().db() as db:
        lines = audit_view.login_history(db, session_required().organisation_id, number)
    return page("portal/audit.html", lines=lines, number=number, kind="logins",
                more=len(lines) == audit_view.PAGE_SIZE)


@blueprint.get("/orders")
@administrator
def orders() -> Response:
    with ctx().db() as db:
        found = db.scalars(select(Order).where(
            Order.organisation_id == session_required().organisation_id)
            .order_by(Order.created_at.desc(), Order.id.desc()).limit(500)).all()
    return page("portal/orders.html", orders=found)


@blueprint.route("/company", methods=["GET", "POST"])
@administrator
def company_data() -> Response:
    template = "portal/company.html"
    org = organisation()
    price = data_change_price(svc().tariffs)
    if request.method == "GET":
        return page(template, organisation=org, price=price, form={})
    session = session_required()
    try:
        with ctx().db() as db, db.begin():
            person = db.scalars(select(Person).where(Person.id == session.person_id)).one()
            operator_cases.submit_company_data(db, org, request.form, person.email,
                                               session.actor, now(), svc().tariffs)
    except Invalid as exc:
        return form_page(template, exc, organisation=org, price=price)
    return done("portal.home", "case_submitted")
