"""The AD's protocol endpoints: SSO (the HM's AuthnRequest by artifact), the
ArtifactResolutionService and Single Logout (spec §4.1, §4.6, §4.8, §9).

Both the plain paths (``/ad/sso``) and the versioned ones our metadata lists
(``/ad/sso/1.13``) are served. Requests that cannot be answered safely end on an error page
and never redirect.
"""

from __future__ import annotations

from flask import redirect
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from etoegang.bindings.redirect import check_relay_state
from etoegang.errors import ProtocolError
from etoegang.errors import TransportError
from etoegang.messages.authn_request import parse_authn_request
from idp.ad import pages
from idp.ad.accounts import audit
from idp.ad.accounts import usable_means
from idp.ad.blueprint import blueprint
from idp.ad.complete import complete
from idp.ad.flow import SsoDecision
from idp.ad.flow import sso_decision
from idp.ad.request import MAX_AGE
from idp.ad.request import AdRequest
from idp.ad.request import RefusedRequest
from idp.ad.request import UnsafeRequest
from idp.ad.request import read_request
from idp.ad.session import SSO_COOKIE
from idp.ad.session import TRANSACTION_TTL
from idp.ad.session import TX_COOKIE
from idp.ad.session import Stage
from idp.ars import answer_artifact_resolve
from web import csrf

VERSION = "1.13"


def own_urls(service: str) -> tuple[str, ...]:
    base = pages.ctx().base_url.rstrip("/")
    return (f"{base}/ad/{service}", f"{base}/ad/{service}/{VERSION}")


def _unsafe(reason: str, debug: str = "") -> Response:
    pages.log.warning("ad request refused unanswered: %s %s", reason, debug[:160])
    return pages.error(400, "ad.error.request")


def _read() -> AdRequest | Response:
    context = pages.ctx()
    art = request.values.get("SAMLart", "")
    relay_state = request.values.get("RelayState")
    try:
        check_relay_state(relay_state)
        resolved = context.ad.client.resolve(art)
        if resolved.own_signature is None:
            return _unsafe("the AuthnRequest is not signed")
        parsed = parse_authn_request(resolved.element)
        peer = context.registry.get(resolved.issuer)
        sp = peer.sp
        if sp is None:
            return _unsafe("the issuer has no SP role", resolved.issuer)
        # Only a herkenningsmakelaar asks an AD (spec §4.1, §4.6): an HM publishes both an IdP
        # role (toward DVs) and an SP role (toward ADs); a DV publishes only the SP role.
        is_hm_urn = resolved.issuer.startswith("urn:etoegang:HM:")
        if peer.idp is None or (resolved.issuer.startswith("urn:etoegang:") and not is_hm_urn):
            return _unsafe("only a herkenningsmakelaar may send an AuthnRequest", resolved.issuer)

        def first_use() -> None:
            context.replay.first_use(
                resolved.issuer, parsed.id, valid_until=parsed.issue_instant + MAX_AGE
            )

        # The ID is recorded only once the request is known to be for us and fresh (issue 5:
        # a refused message uses up nothing); a request refused by status is answered once.
        try:
            outcome = read_request(
                parsed,
                signer=resolved.issuer,
                sso_urls=own_urls("sso"),
                hm_sp=sp,
                catalogue=context.catalogue,
                now=context.clock.now(),
                relay_state=relay_state,
            )
        except RefusedRequest:
            first_use()
            raise
        first_use()
        return outcome
    except TransportError as exc:
        pages.log.warning("ad artifact resolution failed: %s", exc.debug)
        return pages.error(502, "ad.error.request")
    except ProtocolError as exc:
        return _unsafe(exc.code, exc.debug)
    except UnsafeRequest as exc:
        return _unsafe(exc.public, exc.debug)


def sso() -> Response:
    outcome = _read()
    if isinstance(outcome, Response):
        return outcome
    context = pages.ctx()
    states = pages.states()
    now = context.clock.now()
    sso_id = pages.current_sso_id()
    session = states.session(sso_id)
    decision = sso_decision(
        session,
        required=outcome.required,
        force_authn=outcome.force_authn,
        hm_entity_id=outcome.channel.hm_entity_id,
        now=now,
    )
    fields = dict(
        request_id=outcome.channel.request_id,
        hm_entity_id=outcome.channel.hm_entity_id,
        acs_url=outcome.channel.acs_url,
        relay_state=outcome.channel.relay_state,
        required=outcome.required,
        force_authn=outcome.force_authn,
        service_uuid=outcome.service.service_uuid,
        service_id=outcome.service.service_id,
        dv_entity_id=outcome.dv_entity_id,
    )
    if decision is SsoDecision.REUSE and session is not None:
        with context.db() as db, db.begin():
            means = usable_means(db, session.means_id, now)
            audit(db, now, "ad.sso", "reused" if means else "means_unusable",
                  means_id=session.means_id)
        if means is not None and means.level.satisfies(outcome.required):
            states.add_service(session, outcome.service.service_uuid)
            tx = states.new_transaction(
                **fields, stage=Stage.CONSENT, means_id=means.id,
                authn_instant=session.authn_instant, session_index=session.session_index,
            )
            pages.log.info("ad request %s: SSO session reused", tx.request_id[:64])
            return complete(tx, means)
        states.end_session(sso_id)
    tx = states.new_transaction(**fields)
    pages.log.info("ad request %s: login started (%s, SSO %s)", tx.request_id[:64],
                   tx.required.label, decision.value)
    response = redirect(url_for("ad.login"), code=303)
    pages.set_cookie(response, TX_COOKIE, tx.id, TRANSACTION_TTL)
    if decision is SsoDecision.END:
        states.end_session(sso_id)
        pages.clear_cookie(response, SSO_COOKIE)
    return response


def sso_guarded() -> Response:
    try:
        return sso()
    except RefusedRequest as exc:
        return pages.refuse(exc.channel, exc.public)


def ars() -> Response:
    return answer_artifact_resolve(pages.ctx().ad)


for _path, _name in (("/sso", "sso"), (f"/sso/{VERSION}", "sso_versioned")):
    blueprint.add_url_rule(
        _path, _name, csrf.exempt(sso_guarded), methods=["GET", "POST"]  # type: ignore[arg-type]
    )
for _path, _name in (("/ars", "ars"), (f"/ars/{VERSION}", "ars_versioned")):
    blueprint.add_url_rule(
        _path, _name, csrf.exempt(ars), methods=["POST"]  # type: ignore[arg-type]
    )
