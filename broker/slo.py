"""Single Logout through the broker (spec §9 "Single Log-out ... MUST be supported by all ADs
and HMs"): DV -> HM LogoutRequest -> the HM ends its session and forwards a LogoutRequest to
the AD -> the AD's LogoutResponse -> the HM answers the DV with a LogoutResponse (Success).

The DV's LogoutRequest must be signed (Redirect: detached; POST: enveloped) with keys from its
registered metadata, addressed to our SLO endpoint, and new (replay cache). Without a broker
session for that DV, or an AD without a logout endpoint, the HM shows the spec's
"Uitloggen is momenteel niet mogelijk..." page. Other DV sessions are not ended (§9).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from broker.context import BrokerContext
from broker.dv_request import SsoInput
from broker.dv_request import receive_element
from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.outcomes import CookieChange
from broker.outcomes import CookieName
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.outcomes import Page
from broker.outcomes import PostPage
from broker.outcomes import Redirect
from broker.state import LogoutState
from broker.state import new_token
from etoegang.bindings.redirect import decode_redirect
from etoegang.bindings.redirect import encode_redirect
from etoegang.crypto.xmldsig import sign
from etoegang.errors import ProtocolError
from etoegang.errors import ReplayError
from etoegang.exchange.inbound import issuer_of
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.logout import REASON_USER
from etoegang.messages.logout import LogoutRequest
from etoegang.messages.logout import LogoutResponse
from etoegang.messages.logout import build_logout_request
from etoegang.messages.logout import build_logout_response
from etoegang.messages.logout import parse_logout_request
from etoegang.messages.logout import parse_logout_response
from etoegang.messages.status import SUCCESS
from etoegang.xml.parser import serialize
from metadata.model import Binding

log = logging.getLogger(__name__)

_UNAVAILABLE = "broker/logout_unavailable.html"


def _error(exc: BrokerError) -> ErrorPage:
    log.warning("logout refused: %s (%s)", exc.kind.value, exc.debug[:200])
    return ErrorPage(exc.kind, exc.wire.http_status)


@dataclass(frozen=True, slots=True)
class SingleLogout:
    ctx: BrokerContext

    def from_dv(self, inbound: SsoInput, session_id: str | None) -> Outcome:
        ctx = self.ctx
        try:
            element, relay_state = receive_element(inbound, ctx.network, ctx.artifacts)
            request = parse_logout_request(element)
        except BrokerError as exc:
            return _error(exc)
        except ProtocolError as exc:
            return _error(BrokerError(ErrorKind.UNDECODABLE, debug=exc.public))
        if request.destination is not None and request.destination != ctx.endpoints.slo:
            return _error(BrokerError(ErrorKind.BAD_DESTINATION))
        try:
            ctx.replay.first_use(request.issuer, request.id, request.not_on_or_after)
        except ReplayError:
            return _error(BrokerError(ErrorKind.REPLAY))
        session = ctx.repo.session(session_id)
        unavailable = Page(_UNAVAILABLE, {}, 200, (CookieChange(CookieName.SESSION, None),))
        if session is None or request.issuer not in session.dv_entity_ids:
            log.info("logout from %s: no broker session", request.issuer)
            return unavailable
        ctx.repo.end_session(session.session_id)
        ad_slo = ctx.network.slo_url(session.ad_entity_id)
        if ad_slo is None:
            return unavailable
        fmt = None
        if session.ad_name_id_format:
            try:
                fmt = NameIDFormat(session.ad_name_id_format)
            except ValueError:
                fmt = None
        now = ctx.clock.now()
        forward = build_logout_request(
            LogoutRequest(
                id=ctx.ids.new_id(),
                issue_instant=now,
                issuer=ctx.entity_id,
                name_id=NameID(session.ad_name_id, fmt),
                destination=ad_slo,
                session_indexes=(session.ad_session_index,) if session.ad_session_index else (),
                not_on_or_after=now + timedelta(minutes=5),
                reason=REASON_USER,
            )
        )
        logout = LogoutState(
            logout_id=new_token(),
            dv_entity_id=request.issuer,
            dv_request_id=request.id,
            dv_relay_state=relay_state,
            ad_entity_id=session.ad_entity_id,
            ad_request_id=forward.get("ID") or "",
        )
        ctx.repo.put_logout(logout)
        log.info("logout from %s: forwarded to %s", request.issuer, session.ad_entity_id)
        url = encode_redirect(
            ad_slo,
            forward,
            kind="SAMLRequest",
            relay_state=logout.logout_id,
            key=ctx.keys.signing,
        )
        return Redirect(url, (CookieChange(CookieName.SESSION, None),))

    def from_ad(self, query_string: bytes) -> Outcome:
        """The AD's LogoutResponse (Redirect, detached signature): answer the DV."""
        ctx = self.ctx
        try:
            first = decode_redirect(query_string, trusted=None, require_signature=False)
            logout = ctx.repo.take_logout(first.relay_state)
            if logout is None:
                raise BrokerError(ErrorKind.FLOW_MISSING_OR_EXPIRED)
            if issuer_of(first.element) != logout.ad_entity_id:
                raise BrokerError(ErrorKind.BAD_SIGNATURE, debug="not the AD we asked")
            trusted = ctx.artifacts.directory.signing_certificates(logout.ad_entity_id)
            checked = decode_redirect(query_string, trusted=trusted, require_signature=True)
            answer = parse_logout_response(checked.element)
        except BrokerError as exc:
            return _error(exc)
        except ProtocolError as exc:
            return _error(BrokerError(ErrorKind.BAD_SIGNATURE, debug=exc.public))
        if answer.in_response_to != logout.ad_request_id:
            return _error(BrokerError(ErrorKind.STEP_OUT_OF_ORDER, debug="InResponseTo"))
        target = ctx.network.dv_slo(logout.dv_entity_id)
        if target is None:
            return Page(_UNAVAILABLE)
        url, binding = target
        response = build_logout_response(
            LogoutResponse(
                id=ctx.ids.new_id(),
                issue_instant=ctx.clock.now(),
                status=SUCCESS,
                issuer=ctx.entity_id,
                in_response_to=logout.dv_request_id,
                destination=url,
            )
        )
        log.info("logout of %s done at %s", logout.dv_entity_id, logout.ad_entity_id)
        if binding is Binding.HTTP_REDIRECT:
            return Redirect(
                encode_redirect(
                    url,
                    response,
                    kind="SAMLResponse",
                    relay_state=logout.dv_relay_state,
                    key=ctx.keys.signing,
                )
            )
        sign(response, ctx.keys.signing)
        return PostPage(url, "SAMLResponse", serialize(response), logout.dv_relay_state)
