"""The authorisation register's endpoints (``/mr``), spec §4.7, §3.4, §4.8.

* ``GET|POST /mr/sso`` (also ``/mr/sso/1.13``, the URL in our metadata): SAMLart from the HM ->
  resolve -> check (:mod:`idp.mr.inbound`) -> options (:mod:`idp.mr.flow`): none -> Deny page,
  one -> consent or answer, several -> choice page.
* ``POST /mr/choose``, ``POST /mr/consent``: the user's choice and consent (CSRF-checked).
* ``POST /mr/deny``: the Deny page's continue button: Response Success with a Deny statement.
* ``POST /mr/cancel``: Responder/AuthnFailed "The user cancelled." (or, after a declined
  required attribute, "A required attribute was not released.").
* ``POST /mr/ars`` (also ``/mr/ars/1.13``): our ArtifactResolutionService (SOAP).

Untrusted queries end on an error page (no redirect); refused content of a trusted query is
answered to the HM with Requester/RequestUnsupported. Settings the server file does not carry
yet are read from ``app.extensions``: ``idp_chain_policy`` (a :class:`policies.chain.ChainPolicy`)
and ``idp_pseudonym_secret`` (bytes); without them chains are allowed at eH2 and above and the
pseudonym key is derived from the server secret (:func:`idp.mr.pseudonym.derive_secret`).
"""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from lxml import etree

import web.csrf
from etoegang.errors import ProtocolError
from etoegang.messages.status import Status
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from idp.app import context_of
from idp.ars import answer_artifact_resolve
from idp.context import EntityKit
from idp.context import IdpContext
from idp.db.repositories import append_audit_event
from idp.mr import pending as flows
from idp.mr.answer import deny_statement
from idp.mr.answer import dv_certificate
from idp.mr.answer import permit_statement
from idp.mr.consent import AttributeRequest
from idp.mr.consent import ConsentRefused
from idp.mr.consent import released
from idp.mr.consent import requests_for
from idp.mr.errors import QueryUntrusted
from idp.mr.flow import Diagnosis
from idp.mr.flow import MandateOption
from idp.mr.flow import Options
from idp.mr.flow import find_person
from idp.mr.flow import mandate_options
from idp.mr.inbound import Envelope
from idp.mr.inbound import check_content
from idp.mr.inbound import check_envelope
from idp.mr.inbound import encryption_certificate
from idp.mr.pending import Pending
from idp.mr.pseudonym import PseudonymInput
from idp.mr.pseudonym import derive_secret
from idp.mr.pseudonym import specific_pseudonym
from idp.mr.reply import artifact_redirect
from idp.mr.statement import Addressee
from idp.mr.statement import Signer
from idp.mr.statement import build_answer
from idp.mr.statement import build_mr_assertion
from idp.mr.statement import encrypted_string_attribute
from idp.mr.texts import TEXTS
from metadata.catalogue import ServiceView
from metadata.model import LocalizedText
from policies.chain import ChainPolicy
from web.app import render_error
from web.i18n import current_language
from web.i18n import register
from web.i18n import translate

log = logging.getLogger(__name__)

blueprint = Blueprint("mr", __name__, url_prefix="/mr", template_folder="templates")
register(TEXTS)

CANCELLED = "The user cancelled."
CONSENT_STOPPED = "A required attribute was not released."
MAX_RELAY_STATE = 80


# --- helpers ----------------------------------------------------------------------------------


def _context() -> IdpContext:
    return context_of(current_app)


def _server_secret() -> bytes:
    secret: bytes = current_app.extensions["idp_settings"].secret_key()
    return secret


def chain_policy() -> ChainPolicy:
    policy = current_app.extensions.get("idp_chain_policy")
    return policy if isinstance(policy, ChainPolicy) else ChainPolicy()


def _pseudonym_secret() -> bytes:
    secret = current_app.extensions.get("idp_pseudonym_secret")
    return secret if isinstance(secret, bytes) else derive_secret(_server_secret())


def sso_urls(context: IdpContext, prefix: str) -> frozenset[str]:
    base = context.base_url.rstrip("/")
    return frozenset({f"{base}{prefix}/sso", f"{base}{prefix}/sso/1.13"})


def signer_for(context: IdpContext, role: str) -> Signer:
    kit = context.mr if role == "mr" else context.mr2
    return Signer(kit.me.entity_id, kit.me.keys.signing, context.clock, context.ids)


def addressee(pending: Pending, extra_audiences: tuple[str, ...] = ()) -> Addressee:
    return Addressee(
        hm=pending.hm,
        acs_url=pending.acs_url,
        query_id=pending.query_id,
        dv_entity_id=pending.dv_entity_id,
        advice_ids=(pending.ad_assertion_id,),
        extra_audiences=extra_audiences,
    )


def _localised(texts: tuple[LocalizedText, ...], fallback: str) -> str:
    lang = current_language()
    for item in texts:
        if item.lang == lang:
            return item.text
    return texts[0].text if texts else fallback


def _service_name(service: ServiceView) -> str:
    return _localised(service.service_names, service.service_id)


def _relay_state() -> str | None:
    relay = request.values.get("RelayState")
    if relay is not None and len(relay.encode("utf-8")) > MAX_RELAY_STATE:
        raise QueryUntrusted("RelayState is longer than 80 bytes (spec §4.2)")
    return relay


def _send(context: IdpContext, pending: Pending, response: etree._Element) -> Response:
    return artifact_redirect(
        context.mr,
        response,
        hm=pending.hm,
        acs_url=pending.acs_url,
        relay_state=pending.relay_state,
    )


def refuse_query(
    kit: EntityKit,
    signer: Signer,
    envelope: Envelope,
    relay_state: str | None,
    exc: ProtocolError,
) -> Response:
    """Answer a trusted query whose content we refuse: Requester/RequestUnsupported (§4.8)."""
    log.warning("%s query refused: %s (%s)", kit.me.entity_id, exc.public, exc.debug)
    to = Addressee(envelope.hm, envelope.acs_url, envelope.query.id, "", ())
    status = Status(StatusCode.REQUESTER, SubStatusCode.REQUEST_UNSUPPORTED, exc.public[:200])
    return artifact_redirect(
        kit,
        build_answer(signer=signer, to=to, status=status),
        hm=envelope.hm,
        acs_url=envelope.acs_url,
        relay_state=relay_state,
    )


def _with_cookie(response: Response, pending: Pending) -> Response:
    response.set_cookie(
        flows.COOKIE,
        flows.cookie_value(_server_secret(), pending.flow_id),
        max_age=flows.TTL_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/mr",
    )
    return response


def _current_flow_id() -> str | None:
    value = request.cookies.get(flows.COOKIE, "")
    return flows.flow_id_from_cookie(_server_secret(), value) if value else None


def _expired() -> Response:
    return render_error(400, translate("mr.error.expired"))


# --- pages ------------------------------------------------------------------------------------


def _options(context: IdpContext, pending: Pending, service: ServiceView) -> Options:
    with context.db() as session:
        person = find_person(session, pending.person)
        if person is None:
            return Options((), Diagnosis())
        return mandate_options(
            session,
            person=person,
            service=service,
            minimum=pending.level,
            at=context.clock.now(),
            chain_policy=chain_policy(),
        )


def _deny_page(service: ServiceView, pending: Pending, diagnosis: Diagnosis) -> Response:
    body = render_template(
        "mr/deny.html",
        service_name=_service_name(service),
        level=pending.level.label,
        diagnosis=diagnosis,
        lower_levels=", ".join(level.label for level in diagnosis.lower_levels),
    )
    return Response(body, status=200, mimetype="text/html")


def _choose_page(
    service: ServiceView, options: Options, problem: str | None = None, status: int = 200
) -> Response:
    body = render_template(
        "mr/choose.html",
        service_name=_service_name(service),
        provider_name=_localised(service.display_names, service.dv_oin),
        options=options.options,
        problem=problem,
    )
    return Response(body, status=status, mimetype="text/html")


def _consent_page(
    service: ServiceView, option: MandateOption, requests: tuple[AttributeRequest, ...]
) -> Response:
    body = render_template(
        "mr/consent.html",
        service_name=_service_name(service),
        company=option.represented.name,
        requests=requests,
    )
    return Response(body, mimetype="text/html")


# --- answers ----------------------------------------------------------------------------------


def _permit(
    context: IdpContext,
    pending: Pending,
    service: ServiceView,
    option: MandateOption,
    attributes: tuple[tuple[str, str], ...],
) -> Response:
    signer = signer_for(context, "mr")
    mr2 = context.mr2.me.entity_id
    intermediary = option.intermediary.reference if option.intermediary else None
    pseudonym = specific_pseudonym(
        _pseudonym_secret(),
        PseudonymInput(pending.person, option.represented.reference, service.dv_oin, intermediary),
    )
    statement = permit_statement(
        pending,
        service,
        option,
        pseudonym=pseudonym,
        signer=signer,
        mr2_entity_id=mr2,
        mr2_certificate=encryption_certificate(context, mr2),
    )
    encrypted = tuple(
        encrypted_string_attribute(
            name, value, dv_certificate(service), pending.dv_entity_id, context.ids
        )
        for name, value in attributes
    )
    chain = option.intermediary is not None
    assertion = build_mr_assertion(
        statement,
        signer=signer,
        to=addressee(pending, (mr2,) if chain else ()),
        encrypted_attributes=encrypted,
    )
    with context.db() as session:
        append_audit_event(
            session,
            at=context.clock.now(),
            actor=f"person:{pending.person}",
            action="mr.permit",
            object_ref=f"mandate:{option.mandate_id}",
            organisation_id=option.represented.organisation_id,
            details={"kind": option.kind.value, "level": option.level.label,
                     "attributes": len(encrypted)},
        )
        session.commit()
    log.info(
        "mr permit query=%s kind=%s level=%s attributes=%d",
        pending.query_id, option.kind.value, option.level.label, len(encrypted),
    )
    response = build_answer(signer=signer, to=addressee(pending), assertion=assertion)
    return _send(context, pending, response)


def _after_choice(
    context: IdpContext, pending: Pending, service: ServiceView, option: MandateOption
) -> Response:
    requests = requests_for(service, option.represented)
    if requests:
        flows.save(context.state, pending.choose(option.key))
        return _with_cookie(_consent_page(service, option, requests), pending)
    finished = flows.take(context.state, pending.flow_id)
    if finished is None:
        return _expired()
    return _permit(context, finished, service, option, ())


# --- endpoints --------------------------------------------------------------------------------


@blueprint.route("/sso", methods=["GET", "POST"])
@blueprint.route("/sso/1.13", methods=["GET", "POST"])
def sso() -> Response:
    context = _context()
    artifact = request.values.get("SAMLart", "")
    try:
        relay_state = _relay_state()
        if not artifact:
            raise QueryUntrusted("no SAMLart")
        resolved = context.mr.client.resolve(artifact)
        envelope = check_envelope(context, resolved, sso_urls(context, "/mr"))
    except ProtocolError as exc:
        log.warning("mr query untrusted: %s (%s)", exc.code, exc.debug)
        return render_error(400, translate("mr.error.untrusted"))
    try:
        checked = check_content(context, envelope, me=context.mr.me)
    except ProtocolError as exc:
        return refuse_query(context.mr, signer_for(context, "mr"), envelope, relay_state, exc)
    pending = Pending.of(checked, relay_state)
    options = _options(context, pending, checked.service)
    flows.save(context.state, pending)
    log.info("mr query=%s options=%d", pending.query_id, len(options.options))
    if not options.options:
        return _with_cookie(_deny_page(checked.service, pending, options.diagnosis), pending)
    if len(options.options) == 1:
        return _after_choice(context, pending, checked.service, options.options[0])
    return _with_cookie(_choose_page(checked.service, options), pending)


def _pending_and_service() -> tuple[Pending, ServiceView] | None:
    flow_id = _current_flow_id()
    if flow_id is None:
        return None
    pending = flows.load(_context().state, flow_id)
    if pending is None:
        return None
    return pending, ServiceView.by_service_uuid(_context().catalogue, pending.service_uuid)


@blueprint.route("/choose", methods=["POST"])
def choose() -> Response:
    context = _context()
    found = _pending_and_service()
    if found is None:
        return _expired()
    pending, service = found
    options = _options(context, pending, service)
    if not options.options:
        return _with_cookie(_deny_page(service, pending, options.diagnosis), pending)
    option = options.by_key(request.form.get("option", ""))
    if option is None:
        return _choose_page(service, options, translate("mr.choose.missing"), status=400)
    return _after_choice(context, pending, service, option)


@blueprint.route("/consent", methods=["POST"])
def consent() -> Response:
    context = _context()
    found = _pending_and_service()
    if found is None or found[0].chosen is None:
        return _expired()
    pending, service = found
    option = _options(context, pending, service).by_key(pending.chosen or "")
    if option is None:
        return _expired()
    requests = requests_for(service, option.represented)
    try:
        attributes = released(requests, frozenset(request.form.getlist("consent")))
    except ConsentRefused as exc:
        log.info("mr consent refused query=%s attribute=%s", pending.query_id,
                 exc.attribute.short_name)
        body = render_template(
            "mr/stopped.html",
            attribute=translate(exc.attribute.short_name),
            service_name=_service_name(service),
        )
        return Response(body, mimetype="text/html")
    finished = flows.take(context.state, pending.flow_id)
    if finished is None:
        return _expired()
    return _permit(context, finished, service, option, attributes)


@blueprint.route("/deny", methods=["POST"])
def deny() -> Response:
    context = _context()
    flow_id = _current_flow_id()
    pending = flows.take(context.state, flow_id) if flow_id else None
    if pending is None:
        return _expired()
    service = ServiceView.by_service_uuid(context.catalogue, pending.service_uuid)
    signer = signer_for(context, "mr")
    statement = deny_statement(pending, service, linked=pending.ad_signature_value, signer=signer)
    assertion = build_mr_assertion(statement, signer=signer, to=addressee(pending))
    log.info("mr deny query=%s", pending.query_id)
    return _send(
        context, pending, build_answer(signer=signer, to=addressee(pending), assertion=assertion)
    )


@blueprint.route("/cancel", methods=["POST"])
def cancel() -> Response:
    context = _context()
    flow_id = _current_flow_id()
    pending = flows.take(context.state, flow_id) if flow_id else None
    if pending is None:
        return _expired()
    message = CONSENT_STOPPED if request.form.get("reason") == "consent" else CANCELLED
    status = Status(StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED, message)
    log.info("mr cancel query=%s", pending.query_id)
    signer = signer_for(context, "mr")
    return _send(context, pending, build_answer(signer=signer, to=addressee(pending),
                                                status=status))


@blueprint.route("/ars", methods=["POST"])
@blueprint.route("/ars/1.13", methods=["POST"])
def ars() -> Response:
    return answer_artifact_resolve(_context().mr)


for _view in (sso, ars):
    web.csrf.exempt(_view)
