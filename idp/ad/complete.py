"""The end of a login: SSO session, consent step, and the signed answer to the HM (spec §3.4,
§4.6, §9)."""

from __future__ import annotations

from flask import redirect
from flask import url_for
from werkzeug.wrappers import Response

from idp.ad import pages
from idp.ad.accounts import MeansFacts
from idp.ad.accounts import audit
from idp.ad.assertion import AdAuthentication
from idp.ad.assertion import success_response
from idp.ad.consent import attribute_values
from idp.ad.consent import consent_items
from idp.ad.session import SSO_COOKIE
from idp.ad.session import TRANSACTION_TTL
from idp.ad.session import TX_COOKIE
from idp.ad.session import LoginTransaction
from idp.ad.session import Stage
from web import i18n


def authenticated(tx: LoginTransaction, means: MeansFacts) -> Response:
    """All factors passed: start an AD session (ending any earlier one), then complete."""
    context = pages.ctx()
    states = pages.states()
    now = context.clock.now()
    states.end_session(pages.current_sso_id())
    session = states.new_session(
        means_id=means.id, level=means.level, authn_instant=now, hm_entity_id=tx.hm_entity_id
    )
    session = states.add_service(session, tx.service_uuid)
    tx = states.update(tx, means_id=means.id, authn_instant=now,
                       session_index=session.session_index)
    response = complete(tx, means)
    lifetime = int((session.expires_at - now).total_seconds())
    pages.set_cookie(response, SSO_COOKIE, session.id, lifetime)
    return response


def complete(tx: LoginTransaction, means: MeansFacts) -> Response:
    """Ask consent when the service requests AD attributes, else answer at once."""
    items = consent_items(
        pages.service_view(tx), attribute_values(means.person).keys(), i18n.current_language()
    )
    if items:
        tx = pages.states().renewed(tx, stage=Stage.CONSENT, means_id=means.id)
        response = redirect(url_for("ad.consent"), code=303)
        pages.set_cookie(response, TX_COOKIE, tx.id, TRANSACTION_TTL)
        return response
    return answer_success(tx, means, ())


def answer_success(
    tx: LoginTransaction, means: MeansFacts, attributes: tuple[tuple[str, str], ...]
) -> Response:
    """The signed AD assertion by artifact; the transaction is taken so it answers once."""
    context = pages.ctx()
    finished = pages.states().finish(tx.id)
    if finished is None or finished.authn_instant is None or finished.session_index is None:
        return pages.error(400, "ad.error.transaction")
    authn = AdAuthentication(
        channel=pages.channel_of(finished),
        dv_entity_id=finished.dv_entity_id,
        service_uuid=finished.service_uuid,
        level=means.level,
        authn_instant=finished.authn_instant,
        session_index=finished.session_index,
        subject=means.subject,
        acting_subject=means.person_pseudonym,
        attributes=attributes,
    )
    message = success_response(authn, pages.signer())
    with context.db() as db, db.begin():
        audit(db, context.clock.now(), "ad.assertion", "issued", means_id=means.id,
              organisation_id=means.organisation_id)
    pages.log.info("ad request %s answered: means %d at %s", finished.request_id[:64],
                   means.id, means.level.label)
    return pages.answer(authn.channel, message)
