"""The login flow of the herkenningsmakelaar, sans-IO (DESIGN §2; spec §4, §7, §9; STYLE §4.3).

DV AuthnRequest -> level and service -> discovery (or Scoping, a remembered choice, or a broker
SSO session) -> AD by artifact -> MR (-> MR2) by artifact -> HM assertion to the DV. Each step
takes plain values (what arrived, the flow id from the cookie or RelayState) and returns an
:mod:`broker.outcomes` value; nothing here knows Flask. The login's state is a typed
:class:`broker.state.FlowState` in the state store, advanced with compare-and-set.

Errors: a :class:`broker.errors.BrokerError` raised before the DV's return channel is known,
or an unrecoverable kind, becomes an error page; a recoverable one once the flow exists is
answered to the DV with a signed Response carrying the kind's SAML status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from broker import legs
from broker.context import BrokerContext
from broker.dv_request import InboundBinding
from broker.dv_request import SsoInput
from broker.dv_request import check_fresh
from broker.dv_request import receive
from broker.dv_request import return_channel
from broker.eidas.ports import InboundPort
from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.faces import ReturnFace
from broker.outcomes import CookieChange
from broker.outcomes import CookieName
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.outcomes import Page
from broker.outcomes import Redirect
from broker.policy import required_loa
from broker.policy import sso_allowed
from broker.state import FlowState
from broker.state import Stage
from broker.state import flow_for_service
from etoegang.errors import CatalogueError
from etoegang.errors import MetadataError
from web import metrics

log = logging.getLogger(__name__)


def error_page(exc: BrokerError, *cookies: CookieChange) -> ErrorPage:
    log.warning("login refused: %s (%s)", exc.kind.value, exc.debug[:200])
    metrics.observe_login(exc.kind.value)
    return ErrorPage(exc.kind, exc.wire.http_status, tuple(cookies))


@dataclass(frozen=True, slots=True)
class DiscoveryInput:
    flow_id: str
    remembered_ad: str | None


@dataclass(frozen=True, slots=True)
class Choice:
    flow_id: str
    ad: str | None
    remember: bool
    cancel: bool


class Broker:
    """The HM's login steps over one :class:`BrokerContext`."""

    def __init__(self, context: BrokerContext, face: ReturnFace | None = None) -> None:
        self.ctx = context
        self.legs = legs.Legs(context, face)
        #: The eIDAS bridge (the EB back, docs/eidas.md), when configured.
        self.eidas: InboundPort | None = None

    # --- DV face -----------------------------------------------------------------------------

    @metrics.timed_leg("dv_request")
    def sso(self, inbound: SsoInput, session_id: str | None) -> Outcome:
        """An AuthnRequest from a DV (POST, Redirect or Artifact)."""
        ctx = self.ctx
        try:
            verified = receive(inbound, ctx.network, ctx.artifacts)
            # The ACS first (a pure check): a refused request leaves no trace in the state.
            channel = return_channel(verified.request, ctx.network)
            check_fresh(
                verified,
                sso_url=ctx.endpoints.sso,
                binding=inbound.binding,
                replay=ctx.replay,
                clock=ctx.clock,
                max_age=ctx.request_max_age,
                skew=ctx.skew,
            )
            request = verified.request
        except BrokerError as exc:
            return error_page(exc)
        now = ctx.clock.now()
        # From here on the DV and its ACS are known: failures are answered to the DV.
        reply = legs.Reply(
            dv_entity_id=request.issuer,
            dv_request_id=request.id,
            relay_state=verified.relay_state,
            acs_url=channel.url,
            binding=channel.binding,
        )
        try:
            if request.is_passive:
                raise BrokerError(ErrorKind.PASSIVE_NOT_POSSIBLE)
            sp = ctx.network.dv(request.issuer)
            try:
                service_id = sp.service_id_for(request.attribute_consuming_service_index)
                service = ctx.network.service(service_id)
            except (MetadataError, CatalogueError) as exc:
                raise BrokerError(ErrorKind.SERVICE_UNKNOWN, debug=exc.public) from exc
            required = required_loa(service.loa, request.requested_authn_context)
            force = bool(request.force_authn)
            preselected = None
            if request.scoping is not None:
                preselected = next(
                    (
                        p
                        for p in request.scoping.provider_ids
                        if ctx.network.is_admitted_ad(p, required)
                    ),
                    None,
                )
            flow = flow_for_service(
                service,
                required=required,
                now=now,
                ttl_seconds=ctx.repo.flow_ttl_seconds,
                dv_entity_id=request.issuer,
                dv_request_id=request.id,
                relay_state=verified.relay_state,
                dv_acs_url=channel.url,
                dv_binding=channel.binding,
                dv_name=ctx.network.dv_name(request.issuer, service),
                force_authn=force,
                sso_allowed=sso_allowed(service.sso_support, required, force),
                preselected_ad=preselected,
            )
        except BrokerError as exc:
            metrics.observe_login(exc.kind.value)
            return self.legs.answer_error(reply, exc)
        log.info(
            "login %s: request %s from %s for %s at %s via %s",
            flow.flow_id[:8],
            request.id[:40],
            request.issuer,
            service.service_id,
            required.label,
            inbound.binding.value,
        )
        if self.eidas is not None and self.eidas.wanted(request):
            return self.eidas.start(flow, service, reply)
        return self.begin(flow, session_id)

    def begin(self, flow: FlowState, session_id: str | None) -> Outcome:
        """Store a new, validated login and take it to discovery (or reuse the broker SSO
        session's AD choice); shared by the SAML and the OIDC face."""
        ctx = self.ctx
        required = flow.required_loa
        preselected = flow.preselected_ad
        session = ctx.repo.session(session_id) if flow.sso_allowed else None
        ctx.repo.new_flow(flow)
        if (
            session is not None
            and session.ad_loa.satisfies(required)
            and preselected in (None, session.ad_entity_id)
            and ctx.network.is_admitted_ad(session.ad_entity_id, required)
        ):
            # Spec §9: SSO lives at the AD. The broker session only skips discovery; the AD is
            # asked again (without ForceAuthn) and answers from its own session with a fresh,
            # signed assertion, so no MR ever sees a stale AD assertion.
            log.info("login %s: broker session reused for the AD choice", flow.flow_id[:8])
            stored, raw = self._loaded(flow.flow_id)
            return self.legs.start_ad(stored, raw, session.ad_entity_id)
        return Redirect(
            ctx.endpoints.discovery,
            (CookieChange(CookieName.FLOW, flow.flow_id, ctx.repo.flow_ttl_seconds),),
        )

    # --- discovery ---------------------------------------------------------------------------

    def _loaded(self, flow_id: str) -> tuple[FlowState, bytes]:
        loaded = self.ctx.repo.flow(flow_id)
        if loaded is None:
            raise BrokerError(ErrorKind.FLOW_MISSING_OR_EXPIRED)
        return loaded

    def discovery(self, data: DiscoveryInput) -> Outcome:
        """Show the AD list, or skip it for Scoping or a remembered choice (spec §9 GUC3)."""
        try:
            flow, raw = self._loaded(data.flow_id)
        except BrokerError as exc:
            return error_page(exc)
        if flow.stage not in (Stage.DISCOVERY, Stage.RETRY, Stage.AD):
            return error_page(BrokerError(ErrorKind.STEP_OUT_OF_ORDER))
        candidates = self.ctx.network.admitted_ads(flow.required_loa)
        if not candidates:
            return self.legs.fail(flow, BrokerError(ErrorKind.NO_MEANS_FOR_LOA))
        ids = {ad.entity_id for ad in candidates}
        if flow.stage is Stage.DISCOVERY:
            if flow.preselected_ad in ids:
                return self.legs.start_ad(flow, raw, flow.preselected_ad or "")
            if not flow.ignore_remembered and data.remembered_ad in ids:
                return self.legs.start_ad(flow, raw, data.remembered_ad or "")
        remembered = None if flow.ignore_remembered else data.remembered_ad
        return Page(
            "broker/discovery.html",
            {
                "flow": flow,
                "candidates": candidates,
                "remembered": remembered if remembered in ids else None,
                "retry": flow.stage is Stage.RETRY,
                "cancelled_at_ad": flow.ignore_remembered and flow.stage is Stage.DISCOVERY,
            },
        )

    def choose(self, choice: Choice) -> Outcome:
        """The discovery form: an AD (optionally remembered), or cancel (-> AuthnFailed)."""
        try:
            flow, raw = self._loaded(choice.flow_id)
        except BrokerError as exc:
            return error_page(exc)
        if flow.stage not in (Stage.DISCOVERY, Stage.RETRY, Stage.AD):
            return error_page(BrokerError(ErrorKind.STEP_OUT_OF_ORDER))
        if choice.cancel:
            return self.legs.fail(flow, BrokerError(ErrorKind.USER_CANCELLED))
        candidates = {ad.entity_id for ad in self.ctx.network.admitted_ads(flow.required_loa)}
        if choice.ad not in candidates:
            return self.discovery(DiscoveryInput(choice.flow_id, None))
        outcome = self.legs.start_ad(flow, raw, choice.ad or "")
        remember = CookieChange(
            CookieName.REMEMBERED_AD,
            choice.ad if choice.remember else None,
            365 * 24 * 3600 if choice.remember else None,
        )
        if isinstance(outcome, Redirect):
            return Redirect(outcome.url, (*outcome.cookies, remember))
        return outcome

    # --- ACS ---------------------------------------------------------------------------------

    def acs(self, flow_id: str, samlart: str) -> Outcome:
        """An artifact from the AD, the MR or MR2; the flow's stage says which."""
        try:
            flow, raw = self._loaded(flow_id)
        except BrokerError as exc:
            return error_page(exc)
        return self.legs.on_answer(flow, raw, samlart)

    # --- SOAP --------------------------------------------------------------------------------

    def artifact_resolve(self, body: bytes, content_type: str) -> tuple[int, str, bytes]:
        answer = self.ctx.service.handle(body, content_type)
        return answer.status, answer.content_type, answer.body


__all__ = ["Broker", "Choice", "DiscoveryInput", "InboundBinding", "SsoInput"]
