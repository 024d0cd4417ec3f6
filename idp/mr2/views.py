"""The chain-authorisation register's endpoints (``/mr2``), spec §7.

* ``GET|POST /mr2/sso`` (also ``/mr2/sso/1.13``): SAMLart with the HM's chain query (AD and
  MR1 assertions) -> verify both (:func:`idp.mr.inbound.check_content` with ``chain=True``) ->
  :func:`idp.mr2.flow.decide` -> an artifact redirect back to the HM at once: Permit, Deny
  (Response Success with a Deny statement), or Requester/RequestUnsupported for refused
  content. No user interaction.
* ``POST /mr2/ars`` (also ``/mr2/ars/1.13``): our ArtifactResolutionService (SOAP).
"""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request

import web.csrf
from etoegang.errors import ProtocolError
from idp.app import context_of
from idp.ars import answer_artifact_resolve
from idp.mr.answer import deny_statement
from idp.mr.answer import mr2_permit_statement
from idp.mr.errors import QueryUntrusted
from idp.mr.inbound import check_content
from idp.mr.inbound import check_envelope
from idp.mr.pending import Pending
from idp.mr.reply import artifact_redirect
from idp.mr.statement import Addressee
from idp.mr.statement import build_answer
from idp.mr.statement import build_mr_assertion
from idp.mr.views import MAX_RELAY_STATE
from idp.mr.views import chain_policy
from idp.mr.views import refuse_query
from idp.mr.views import signer_for
from idp.mr.views import sso_urls
from idp.mr2.flow import decide
from web.app import render_error
from web.i18n import translate

log = logging.getLogger(__name__)

blueprint = Blueprint("mr2", __name__, url_prefix="/mr2")


@blueprint.route("/sso", methods=["GET", "POST"])
@blueprint.route("/sso/1.13", methods=["GET", "POST"])
def sso() -> Response:
    context = context_of(current_app)
    artifact = request.values.get("SAMLart", "")
    relay_state = request.values.get("RelayState")
    try:
        if relay_state is not None and len(relay_state.encode("utf-8")) > MAX_RELAY_STATE:
            raise QueryUntrusted("RelayState is longer than 80 bytes (spec §4.2)")
        if not artifact:
            raise QueryUntrusted("no SAMLart")
        resolved = context.mr2.client.resolve(artifact)
        envelope = check_envelope(context, resolved, sso_urls(context, "/mr2"))
    except ProtocolError as exc:
        log.warning("mr2 query untrusted: %s (%s)", exc.code, exc.debug)
        return render_error(400, translate("mr.error.untrusted"))
    signer = signer_for(context, "mr2")
    try:
        checked = check_content(context, envelope, me=context.mr2.me, chain=True)
        assert checked.mr1 is not None and checked.mr1_statement is not None
        with context.db() as session:
            confirmation = decide(
                session,
                mr1_statement=checked.mr1_statement,
                ring=context.mr2.me.keys,
                service=checked.service,
                level=checked.level,
                at=context.clock.now(),
                chain_policy=chain_policy(),
            )
        pending = Pending.of(checked, relay_state)
        to = Addressee(
            hm=checked.hm,
            acs_url=checked.acs_url,
            query_id=checked.query.id,
            dv_entity_id=checked.dv_entity_id,
            advice_ids=(checked.ad.assertion.id, checked.mr1.assertion.id),
        )
        if confirmation is None:
            statement = deny_statement(
                pending, checked.service, linked=checked.mr1.signature_value, signer=signer
            )
        else:
            statement = mr2_permit_statement(
                pending,
                checked.service,
                confirmation,
                mr1_signature_value=checked.mr1.signature_value,
                signer=signer,
            )
        assertion = build_mr_assertion(statement, signer=signer, to=to)
    except ProtocolError as exc:
        return refuse_query(context.mr2, signer, envelope, relay_state, exc)
    log.info(
        "mr2 query=%s decision=%s", checked.query.id, "permit" if confirmation else "deny"
    )
    return artifact_redirect(
        context.mr2,
        build_answer(signer=signer, to=to, assertion=assertion),
        hm=checked.hm,
        acs_url=checked.acs_url,
        relay_state=relay_state,
    )


@blueprint.route("/ars", methods=["POST"])
@blueprint.route("/ars/1.13", methods=["POST"])
def ars() -> Response:
    return answer_artifact_resolve(context_of(current_app).mr2)


for _view in (sso, ars):
    web.csrf.exempt(_view)
