"""Administrator pages for mandates and chain mandates (issue 8): add mandates (service from
the catalogue, level, branch) for the organisation's people, list, revoke and renew them;
register chain mandates in either direction (including a client eenmanszaak by BSN), approve
or reject the ones an intermediary registered for us, revoke, and see the chain mandates
clients gave us with their status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from werkzeug.wrappers import Response

from idp.portal import chain_mandates
from idp.portal import mandates
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
from idp.portal.tariffs import mandate_price
from metadata.catalogue import ServiceView
from metadata.model import pick_text
from web import i18n


@dataclass(frozen=True, slots=True)
class ServiceOption:
    uuid: str
    name: str
    provider: str
    level: str


def service_options() -> list[ServiceOption]:
    lang = i18n.current_language()
    return [ServiceOption(view.service_uuid.lower(), pick_text(view.service_names, lang),
                          pick_text(view.display_names, lang), view.loa.label)
            for view in ServiceView.all(ctx().catalogue)]


def service_names() -> dict[str, str]:
    return {option.uuid: f"{option.name} ({option.provider})" for option in service_options()}


@blueprint.get("/mandates")
@administrator
def mandate_list() -> Response:
    with ctx().db() as db:
        found = mandates.list_mandates(db, session_required().organisation_id)
    return page("portal/mandates.html", mandates=found, names=service_names(), at=now())


@blueprint.route("/mandates/new", methods=["GET", "POST"])
@administrator
def mandate_new() -> Response:
    session = session_required()
    template = "portal/mandate_new.html"
    options = service_options()
    with ctx().db() as db:
        people = mandates.people(db, session.organisation_id)
        branches = mandates.branches(db, session.organisation_id)
        values: dict[str, Any] = {"people": people, "branches": branches,
                                     "services": options}
        if request.method == "GET":
            return page(template, form={"years": "1", "level": "eH3"}, chosen=[], **values)
        chosen = request.form.getlist("services")
        try:
            form = mandates.parse_mandate(db, session.organisation_id, request.form, chosen,
                                          [o.uuid for o in options])
        except Invalid as exc:
            return form_page(template, exc, chosen=chosen, **values)
    price = mandate_price(svc().tariffs, form.level, form.years)
    if request.form.get("action") != "place":
        return page(template, form=request.form, chosen=chosen, price=price, **values)
    with ctx().db() as db, db.begin():
        mandates.add(db, organisation(), form, session.actor, now(), svc().tariffs)
    return done("portal.mandate_list", "mandate_added")


@blueprint.post("/mandates/<int:mandate_id>/revoke")
@administrator
def mandate_revoke(mandate_id: int) -> Response:
    session = session_required()
    with ctx().db() as db, db.begin():
        mandates.revoke(db, session.organisation_id, mandate_id, session.actor, now())
    return done("portal.mandate_list", "mandate_revoked")


@blueprint.route("/mandates/<int:mandate_id>/renew", methods=["GET", "POST"])
@administrator
def mandate_renew(mandate_id: int) -> Response:
    session = session_required()
    template = "portal/mandate_renew.html"
    with ctx().db() as db:
        mandate = mandates.mandate_of(db, session.organisation_id, mandate_id)
        mandate.person  # noqa: B018
    years_text = request.form.get("years", "1") if request.method == "POST" else "1"
    years = mandates.parse_years_1_to_5(years_text)
    if years is None:
        return form_page(template, Invalid({"years": "portal.mandate.years"}), mandate=mandate)
    price = mandate_price(svc().tariffs, mandate.level, years)
    if request.method == "GET" or request.form.get("action") != "place":
        return page(template, mandate=mandate, form={"years": str(years)}, price=price)
    with ctx().db() as db, db.begin():
        mandates.renew(db, organisation(), mandate_id, years, session.actor, now(),
                       svc().tariffs)
    return done("portal.mandate_list", "mandate_renewed")


@blueprint.get("/chain-mandates")
@administrator
def chain_list() -> Response:
    session = session_required()
    with ctx().db() as db:
        given = chain_mandates.given(db, session.organisation_id)
        received = chain_mandates.received(db, session.organisation_id)
    return page("portal/chain_mandates.html", given=given, received=received,
                names=service_names(), chain_status=chain_mandates.display_status, at=now())


@blueprint.route("/chain-mandates/new", methods=["GET", "POST"])
@administrator
def chain_new() -> Response:
    session = session_required()
    template = "portal/chain_new.html"
    options = service_options()
    if request.method == "GET":
        return page(template, services=options, chosen=[],
                    form={"direction": "give", "years": "1", "level": "eH3"})
    chosen = request.form.getlist("services")
    try:
        form = chain_mandates.parse_chain(request.form, chosen, [o.uuid for o in options])
        with ctx().db() as db, db.begin():
            chain_mandates.register(db, organisation(), form, session.actor, now())
    except Invalid as exc:
        return form_page(template, exc, services=options, chosen=chosen)
    return done("portal.chain_list", "chain_registered")


@blueprint.post("/chain-mandates/<int:chain_id>/<any(approve, reject):decision>")
@administrator
def chain_decide(chain_id: int, decision: str) -> Response:
    session = session_required()
    with ctx().db() as db, db.begin():
        chain_mandates.decide_as_client(db, session.organisation_id, chain_id,
                                        decision == "approve", session.actor, now())
    return done("portal.chain_list",
                "chain_approved" if decision == "approve" else "chain_rejected")


@blueprint.post("/chain-mandates/<int:chain_id>/revoke")
@administrator
def chain_revoke(chain_id: int) -> Response:
    session = session_required()
    with ctx().db() as db, db.begin():
        chain_mandates.revoke(db, session.organisation_id, chain_id, session.actor, now())
    return done("portal.chain_list", "chain_revoked")
