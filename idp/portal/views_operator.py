"""The operator's pages (issue 8): identity-document validations waiting for a decision,
operator cases (company data, revocation of a means whose holder left), and chain mandates
pending at clients without an administrator here. Outcomes are mailed."""

from __future__ import annotations

from werkzeug.wrappers import Response

from idp.portal import activation
from idp.portal import chain_mandates
from idp.portal import operator_cases
from idp.portal.blueprint import blueprint
from idp.portal.blueprint import ctx
from idp.portal.blueprint import done
from idp.portal.blueprint import now
from idp.portal.blueprint import operator
from idp.portal.blueprint import page
from idp.portal.blueprint import send_mail
from idp.portal.blueprint import session_required
from idp.portal.views_mandates import service_names


@blueprint.get("/operator")
@operator
def operator_home() -> Response:
    with ctx().db() as db:
        validations = activation.awaiting_validation(db)
        cases = operator_cases.open_cases(db)
        chains = chain_mandates.pending_without_administrator(db)
        for chain in chains:
            chain.client  # noqa: B018  (load for the page)
    return page("portal/operator.html", validations=validations, cases=cases, chains=chains,
                names=service_names())


@blueprint.post("/operator/validations/<int:request_id>/<any(approve, reject):decision>")
@operator
def operator_validation(request_id: int, decision: str) -> Response:
    actor = session_required().actor
    with ctx().db() as db, db.begin():
        if decision == "approve":
            mail = activation.approve(db, request_id, actor, now())
        else:
            mail = activation.reject(db, request_id, actor, now())
    send_mail(mail)
    return done("portal.operator_home", "validation_decided")


@blueprint.post("/operator/cases/<int:case_id>/<any(approve, reject):decision>")
@operator
def operator_case(case_id: int, decision: str) -> Response:
    actor = session_required().actor
    with ctx().db() as db, db.begin():
        mail = operator_cases.decide(db, case_id, decision == "approve", actor, now())
    send_mail(mail)
    return done("portal.operator_home", "case_decided")


@blueprint.post("/operator/chain-mandates/<int:chain_id>/<any(approve, reject):decision>")
@operator
def operator_chain(chain_id: int, decision: str) -> Response:
    actor = session_required().actor
    with ctx().db() as db, db.begin():
        chain_mandates.decide_as_operator(db, chain_id, decision == "approve", actor, now())
    return done("portal.operator_home", "chain_decided")
