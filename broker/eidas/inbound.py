"""Inbound: a foreign person logs in to a Dutch DV through eIDAS (spec §8.1, §8.2, §4.8).

The DV asks for eIDAS by naming the EB EntityID in Scoping/IDPList. The broker then plays the
EB and the Dutch eIDAS connector: the service must be classified ``eIDAS-inbound`` in the
catalogue (otherwise a non-recoverable error page, §4.8), the broker POSTs a signed eIDAS
AuthnRequest to the node at the mapped level, checks the node's POSTed answer
(:mod:`broker.eidas.node_answer`), maps level and identity (:mod:`broker.eidas.mapping`,
:mod:`broker.eidas.identity`) and answers the DV with an HM assertion whose authenticating
authority is the EB (:mod:`broker.eidas.answer`), by the DV's ACS binding as any other login.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from broker.compose import SUCCESS
from broker.compose import dv_response
from broker.context import BrokerContext
from broker.eidas.answer import EidasOutcome
from broker.eidas.answer import eidas_hm_assertion
from broker.eidas.context import EidasContext
from broker.eidas.identity import IdentityRefused
from broker.eidas.identity import map_identity
from broker.eidas.mapping import LevelRefused
from broker.eidas.mapping import asserted_level
from broker.eidas.mapping import requested_eidas_level
from broker.eidas.messages import EidasAttributeRequest
from broker.eidas.messages import attribute_values
from broker.eidas.messages import build_eidas_request
from broker.eidas.node_answer import NodeCancelled
from broker.eidas.node_answer import NodeExpectations
from broker.eidas.node_answer import check_node_answer
from broker.eidas.records import InboundRecord
from broker.eidas.vocab import EIDAS_INBOUND
from broker.eidas.vocab import LEGAL_MINIMUM
from broker.eidas.vocab import NATURAL_MINIMUM
from broker.eidas.vocab import IdentifierKind
from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.legs import Legs
from broker.legs import Reply
from broker.legs import reply_of
from broker.outcomes import CookieChange
from broker.outcomes import CookieName
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.outcomes import Page
from broker.outcomes import PostPage
from broker.state import FlowState
from broker.state import Stage
from broker.state import new_token
from etoegang.bindings.post import decode_post
from etoegang.errors import ProtocolError
from etoegang.messages.authn_request import AuthnRequest
from etoegang.xml.parser import serialize
from metadata.catalogue import ServiceView
from metadata.model import Binding
from web import metrics

log = logging.getLogger(__name__)

_FLOW_GONE = CookieChange(CookieName.FLOW, None)


def _wanted(service: ServiceView) -> tuple[EidasAttributeRequest, ...]:
    """The natural-person minimum data set (required); the legal-person one (optional) when
    the service accepts a foreign legal person (ECTA eIDASLegalIdentifier)."""
    wanted = [EidasAttributeRequest(a.value, a.friendly_name, True) for a in NATURAL_MINIMUM]
    kinds = {kind for ecta in service.ecta_sets for kind in ecta.types}
    if IdentifierKind.EIDAS_LEGAL.value in kinds:
        wanted += [EidasAttributeRequest(a.value, a.friendly_name, False) for a in LEGAL_MINIMUM]
    return tuple(wanted)


class InboundBridge:
    """The EB/connector back of the broker (in the place of AD + MR)."""

    def __init__(self, context: BrokerContext, legs: Legs, eidas: EidasContext) -> None:
        self.ctx = context
        self.legs = legs
        self.eidas = eidas

    def wanted(self, request: AuthnRequest) -> bool:
        """Whether the DV asked for eIDAS: its Scoping/IDPList names the EB (spec §8.1)."""
        scoping = request.scoping
        return scoping is not None and self.eidas.settings.eb_entity_id in scoping.provider_ids

    def start(self, flow: FlowState, service: ServiceView, reply: Reply) -> Outcome:
        ctx, eidas = self.ctx, self.eidas
        if EIDAS_INBOUND not in service.classifiers:
            # §4.8 [AS-HMEB]: a service instance not classified eIDAS-inbound is a
            # non-recoverable error: a page, nothing sent to the DV or the node.
            log.warning("login refused: %s is not classified %s", service.service_id,
                        EIDAS_INBOUND)
            return Page("broker_eidas/not_inbound.html", {"service": flow.service_name_nl,
                                                           "service_en": flow.service_name_en},
                        status=400)
        try:
            level = requested_eidas_level(flow.required_loa)
            node = eidas.settings.node_entity_id
            entity = eidas.nodes.get(node)
            if entity.idp is None:
                raise BrokerError(ErrorKind.INTERNAL, debug="node has no IdP role")
            url = entity.idp.sso(Binding.HTTP_POST).location
        except LevelRefused as exc:
            return self.legs.answer_error(reply, BrokerError(ErrorKind.LOA_UNSUPPORTED,
                                                             debug=str(exc)))
        except (ProtocolError, BrokerError) as exc:
            error = exc if isinstance(exc, BrokerError) else BrokerError(
                ErrorKind.INTERNAL, debug=exc.public)
            return self.legs.answer_error(reply, error)
        request = build_eidas_request(
            issuer=eidas.settings.connector_entity_id,
            destination=url,
            level=level,
            sp_type=eidas.settings.sp_type,
            wanted=_wanted(service),
            provider_name=flow.dv_name[:100],
            key=eidas.keys.signing,
            clock=ctx.clock,
            ids=ctx.ids,
        )
        request_id = request.get("ID") or ""
        stored = flow.advanced(stage=Stage.EIDAS)
        ctx.repo.new_flow(stored)
        eidas.records.put(InboundRecord(flow.flow_id, request_id, node, level.value))
        log.info("login %s: eIDAS AuthnRequest %s to %s at %s", flow.flow_id[:8],
                 request_id[:40], node, level.name)
        cookie = CookieChange(CookieName.FLOW, flow.flow_id, ctx.repo.flow_ttl_seconds)
        # The flow id travels as RelayState: the node answers by a cross-site POST.
        return PostPage(url, "SAMLRequest", serialize(request), flow.flow_id, (cookie,))

    def on_response(self, form: Mapping[str, str], cookie_flow: str | None) -> Outcome:
        """The node's answer at our connector ACS (HTTP-POST)."""
        ctx, eidas = self.ctx, self.eidas
        try:
            posted = decode_post(form, kind="SAMLResponse")
        except ProtocolError as exc:
            log.warning("eidas acs: undecodable answer: %s", exc.code)
            return ErrorPage(ErrorKind.UNDECODABLE, 400)
        flow_id = posted.relay_state or ""
        if cookie_flow is not None and flow_id and cookie_flow != flow_id:
            return ErrorPage(ErrorKind.FLOW_MISSING_OR_EXPIRED, 400)
        loaded = ctx.repo.flow(flow_id or cookie_flow or "")
        if loaded is None:
            return ErrorPage(ErrorKind.FLOW_MISSING_OR_EXPIRED, 400)
        flow, raw = loaded
        record = eidas.records.get(InboundRecord, flow.flow_id)
        if flow.stage is not Stage.EIDAS or record is None:
            return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
        try:
            assertion = check_node_answer(
                posted.element,
                NodeExpectations(record.node_entity_id, eidas.settings.connector_entity_id,
                                 eidas.endpoints.acs, record.request_id, ctx.skew),
                eidas.nodes.signing_certificates(record.node_entity_id),
                eidas.keys,
                ctx.replay,
                ctx.clock,
            )
            statement = assertion.authn_statement
            achieved = asserted_level(flow.required_loa,
                                      statement.class_ref if statement else None)
            service = ctx.network.service(flow.service_id)
            if service.encryption_certificate is None:
                raise BrokerError(ErrorKind.INTERNAL, debug="service has no ServiceCertificate")
            identity = map_identity(attribute_values(assertion), service,
                                    eidas.pseudonym_secret, eidas.settings.country)
        except NodeCancelled:
            return self._end(flow, BrokerError(ErrorKind.USER_CANCELLED))
        except LevelRefused as exc:
            return self._end(flow, BrokerError(ErrorKind.LOA_NOT_MET, debug=str(exc)))
        except IdentityRefused as exc:
            return self._end(flow, BrokerError(ErrorKind.UPSTREAM_INVALID, debug=str(exc)))
        except ProtocolError as exc:
            return self._end(flow, BrokerError(ErrorKind.INTERNAL, debug=exc.public))
        except BrokerError as exc:
            if not exc.recoverable:
                log.warning("login %s: eIDAS answer refused: %s (%s)", flow.flow_id[:8],
                            exc.kind.value, exc.debug[:120])
                return ErrorPage(exc.kind, exc.wire.http_status)
            return self._end(flow, exc)
        done = flow.advanced(stage=Stage.DONE)
        if not ctx.repo.advance(raw, done):
            return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
        hm_assertion = eidas_hm_assertion(
            EidasOutcome(
                dv_entity_id=flow.dv_entity_id,
                dv_acs_url=flow.dv_acs_url,
                dv_request_id=flow.dv_request_id,
                eb_entity_id=eidas.settings.eb_entity_id,
                service_id=flow.service_id,
                service_uuid=flow.service_uuid,
                achieved=achieved,
                authn_instant=statement.authn_instant if statement else ctx.clock.now(),
                session_index=new_token(),
                identity=identity,
                service_certificate=service.encryption_certificate,
            ),
            issuer=ctx.entity_id,
            key=ctx.keys.signing,
            clock=ctx.clock,
            ids=ctx.ids,
        )
        response = dv_response(
            issuer=ctx.entity_id, destination=flow.dv_acs_url, in_response_to=flow.dv_request_id,
            status=SUCCESS, assertion=hm_assertion, key=ctx.keys.signing, clock=ctx.clock,
            ids=ctx.ids,
        )
        ctx.repo.end_flow(flow.flow_id)
        eidas.records.delete(InboundRecord, flow.flow_id)
        log.info("login %s: eIDAS login answered to %s at %s", flow.flow_id[:8],
                 flow.dv_entity_id, achieved.label)
        metrics.observe_login("success", achieved, eidas.settings.eb_entity_id, flow.service_id)
        return self.legs.deliver(reply_of(flow), response, _FLOW_GONE)

    def _end(self, flow: FlowState, exc: BrokerError) -> Outcome:
        log.info("login %s: eIDAS login failed: %s (%s)", flow.flow_id[:8], exc.kind.value,
                 exc.debug[:120])
        self.eidas.records.delete(InboundRecord, flow.flow_id)
        return self.legs.fail(flow, exc)
