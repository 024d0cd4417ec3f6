"""The broker's outbound legs and the answer to the DV (spec §4.1, §4.5-§4.8, §7, §9).

Every leg is: build the message, sign it, advance the flow (compare-and-set, so nothing is
issued when another step got there first), issue it by artifact for that one peer, redirect
the browser with ``SAMLart`` and the flow id as RelayState. Every answer is resolved at the
peer's ArtifactResolutionService (the ArtifactResponse verified with its registered keys) and
checked by :mod:`broker.ad_leg` or :mod:`broker.mr_leg`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import replace
from datetime import timedelta

from lxml import etree

from broker.ad_leg import AdCancelled
from broker.ad_leg import AdExpectations
from broker.ad_leg import AdRequestInput
from broker.ad_leg import build_ad_request
from broker.ad_leg import check_ad_answer
from broker.compose import INCLUSIVE_PREFIXES
from broker.compose import SUCCESS
from broker.compose import Outcome as Asserted
from broker.compose import dv_response
from broker.compose import hm_assertion
from broker.context import BrokerContext
from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.errors import status_for
from broker.faces import LoginFacts
from broker.faces import ReturnFace
from broker.mr_leg import MrExpectations
from broker.mr_leg import MrRefused
from broker.mr_leg import check_mr_answer
from broker.outcomes import CookieChange
from broker.outcomes import CookieName
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.outcomes import PostPage
from broker.outcomes import Redirect
from broker.outcomes import with_query
from broker.policy import achieved_loa
from broker.state import BrokerSession
from broker.state import DvBinding
from broker.state import DvProtocol
from broker.state import FlowState
from broker.state import Stage
from broker.state import new_token
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import signature_value
from etoegang.errors import ArtifactError
from etoegang.errors import ProtocolError
from etoegang.errors import SignatureError
from etoegang.errors import TransportError
from etoegang.errors import UnexpectedIssuer
from etoegang.messages.artifact import copy_unchanged
from etoegang.messages.xacml import DecisionStatement
from etoegang.messages.xacml import build_decision_query
from etoegang.messages.xacml import find_decision_statement
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from web import metrics

log = logging.getLogger(__name__)

_INTERMEDIATE_NAME = "urn:etoegang:1.13:attribute-intermediate:CompanyName"


@dataclass(frozen=True, slots=True)
class Reply:
    """Where and how a DV gets its answer: known once its request and ACS are validated."""

    dv_entity_id: str
    dv_request_id: str
    relay_state: str | None
    acs_url: str
    binding: DvBinding


def reply_of(flow: FlowState) -> Reply:
    return Reply(
        flow.dv_entity_id, flow.dv_request_id, flow.relay_state, flow.dv_acs_url, flow.dv_binding
    )


def _stored(element: etree._Element) -> str:
    """An assertion as kept in the flow: a standalone copy with every namespace in scope."""
    return etree.tostring(copy_unchanged(element)).decode("utf-8")


def _element(text: str | None) -> etree._Element:
    if text is None:
        raise BrokerError(ErrorKind.INTERNAL, debug="flow lacks a stored assertion")
    return parse_xml(text.encode("utf-8"))


_FLOW_GONE = CookieChange(CookieName.FLOW, None)


class Legs:
    def __init__(self, context: BrokerContext, face: ReturnFace | None = None) -> None:
        self.ctx = context
        #: How logins that came in by OIDC end (None: this broker has no OIDC face).
        self.face = face

    # --- answering the DV --------------------------------------------------------------------

    def deliver(self, reply: Reply, response: etree._Element, *cookies: CookieChange) -> Outcome:
        """By Artifact (spec §4.1: always offered), or POST when the DV's ACS asks for it."""
        if reply.binding is DvBinding.ARTIFACT:
            artifact = self.ctx.issuer.issue(response, recipient=reply.dv_entity_id)
            url = with_query(
                reply.acs_url, {"SAMLart": artifact.encode(), "RelayState": reply.relay_state}
            )
            return Redirect(url, cookies)
        return PostPage(reply.acs_url, "SAMLResponse", serialize(response), reply.relay_state,
                        cookies)

    def answer_error(self, reply: Reply, exc: BrokerError, *cookies: CookieChange) -> Outcome:
        if not exc.recoverable:
            log.warning("login refused: %s (%s)", exc.kind.value, exc.debug[:200])
            return ErrorPage(exc.kind, exc.wire.http_status, cookies)
        log.info("answering %s with %s (%s)", reply.dv_entity_id, exc.kind.value, exc.debug[:200])
        ctx = self.ctx
        response = dv_response(
            issuer=ctx.entity_id,
            destination=reply.acs_url,
            in_response_to=reply.dv_request_id,
            status=status_for(exc.kind),
            assertion=None,
            key=ctx.keys.signing,
            clock=ctx.clock,
            ids=ctx.ids,
        )
        return self.deliver(reply, response, *cookies)

    def fail(self, flow: FlowState, exc: BrokerError) -> Outcome:
        """End the login and answer the DV (or show a page for an unrecoverable kind)."""
        if exc.recoverable:
            self.ctx.repo.end_flow(flow.flow_id)
            return self.answer_flow(flow, exc, _FLOW_GONE)
        return ErrorPage(exc.kind, exc.wire.http_status)

    def answer_flow(self, flow: FlowState, exc: BrokerError, *cookies: CookieChange) -> Outcome:
        """A recoverable failure, answered by the protocol the login came in by."""
        metrics.observe_login(exc.kind.value, flow.required_loa, flow.chosen_ad, flow.service_id)
        if flow.protocol is DvProtocol.SAML:
            return self.answer_error(reply_of(flow), exc, *cookies)
        if self.face is None or not exc.recoverable:
            return ErrorPage(exc.kind, exc.wire.http_status, cookies)
        return self.face.refuse(flow, exc, cookies)

    def _advance(self, raw: bytes | None, flow: FlowState) -> bool:
        if raw is None:
            self.ctx.repo.new_flow(flow)
            return True
        return self.ctx.repo.advance(raw, flow)

    def _send(self, flow: FlowState, message: etree._Element, peer: str, url: str) -> Redirect:
        artifact = self.ctx.issuer.issue(message, recipient=peer)
        target = with_query(url, {"SAMLart": artifact.encode(), "RelayState": flow.flow_id})
        cookie = CookieChange(CookieName.FLOW, flow.flow_id, self.ctx.repo.flow_ttl_seconds)
        return Redirect(target, (cookie,))

    # --- AD ----------------------------------------------------------------------------------

    def start_ad(self, flow: FlowState, raw: bytes, ad: str) -> Outcome:
        ctx = self.ctx
        try:
            url = ctx.network.sso_url(ad)
            service = ctx.network.service(flow.service_id)
        except ProtocolError as exc:
            return self.fail(flow, BrokerError(ErrorKind.INTERNAL, debug=exc.public))
        request = build_ad_request(
            AdRequestInput(
                issuer=ctx.entity_id,
                destination=url,
                acs_index=ctx.endpoints.acs_index,
                required=flow.required_loa,
                force_authn=flow.force_authn,
                service=service,
                dv_entity_id=flow.dv_entity_id,
            ),
            ctx.clock,
            ctx.ids,
        )
        sign(request, ctx.keys.signing, inclusive_prefixes=("xs",))
        new = flow.advanced(stage=Stage.AD, chosen_ad=ad, ad_request_id=request.get("ID"))
        if not self._advance(raw, new):
            return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
        log.info("login %s: AuthnRequest to %s", flow.flow_id[:8], ad)
        return self._send(new, request, ad, url)

    # --- MR and MR2 --------------------------------------------------------------------------

    def start_mr(self, flow: FlowState, raw: bytes | None, *, chain: bool = False) -> Outcome:
        ctx = self.ctx
        peer = flow.mr2_entity_id if chain else flow.mr_entity_id
        try:
            if peer is None or not ctx.network.is_mr(peer):
                raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="MR not registered")
            url = ctx.network.sso_url(peer)
            query = build_decision_query(
                issuer=ctx.entity_id,
                destination=url,
                ad_assertion=_element(flow.ad_assertion),
                acs_index=ctx.endpoints.acs_index,
                intended_audience=flow.dv_entity_id,
                service_id=flow.service_id,
                service_uuid=flow.service_uuid,
                level_of_assurance=flow.required_loa,
                clock=ctx.clock,
                ids=ctx.ids,
                mr1_assertion=_element(flow.mr_assertion) if chain else None,
            )
        except BrokerError as exc:
            if raw is None:
                return self.answer_flow(flow, exc)
            return self.fail(flow, exc)
        except (ProtocolError, ValueError) as exc:
            error = BrokerError(ErrorKind.INTERNAL, debug=str(exc)[:200])
            return self.answer_flow(flow, error) if raw is None else self.fail(flow, error)
        sign(query, ctx.keys.signing, inclusive_prefixes=INCLUSIVE_PREFIXES)
        request_id = query.get("ID")
        if chain:
            new = flow.advanced(stage=Stage.MR2, mr2_request_id=request_id)
        else:
            new = flow.advanced(stage=Stage.MR, mr_request_id=request_id)
        if not self._advance(raw, new):
            return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
        log.info("login %s: XACML query to %s", flow.flow_id[:8], peer)
        return self._send(new, query, peer, url)

    # --- answers at the ACS ------------------------------------------------------------------

    @metrics.timed_leg(lambda _legs, flow, *_args: str(flow.stage.value))
    def on_answer(self, flow: FlowState, raw: bytes, samlart: str) -> Outcome:
        ctx = self.ctx
        expected = {
            Stage.AD: flow.chosen_ad,
            Stage.MR: flow.mr_entity_id,
            Stage.MR2: flow.mr2_entity_id,
        }.get(flow.stage)
        if expected is None:
            return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
        try:
            resolved = ctx.artifacts.resolve(samlart, expected_issuer=expected)
        except TransportError as exc:
            return self.fail(flow, BrokerError(ErrorKind.UPSTREAM_UNAVAILABLE, debug=exc.debug))
        except UnexpectedIssuer:
            log.warning("login %s: answer from an unexpected peer refused", flow.flow_id[:8])
            return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
        except SignatureError as exc:
            # A forged answer is an attack on this browser's login: a page, the login kept.
            log.warning("login %s: answer refused: %s", flow.flow_id[:8], exc.code)
            return ErrorPage(ErrorKind.BAD_SIGNATURE, 403)
        except (ArtifactError, ProtocolError) as exc:
            log.warning("login %s: artifact refused: %s", flow.flow_id[:8], exc.code)
            return ErrorPage(ErrorKind.UNDECODABLE, 400)
        if resolved.own_signature is None:
            # spec §4.3: every message is signed by its sender, also inside a signed
            # ArtifactResponse (issue 5: a signed assertion in an unsigned Response).
            log.warning("login %s: answer refused: unsigned Response", flow.flow_id[:8])
            return ErrorPage(ErrorKind.BAD_SIGNATURE, 403)
        if flow.stage is Stage.AD:
            return self._on_ad(flow, raw, resolved.element)
        return self._on_mr(flow, raw, resolved.element, chain=flow.stage is Stage.MR2)

    def _refused(self, flow: FlowState, exc: BrokerError) -> Outcome:
        log.warning("login %s: answer refused: %s (%s)", flow.flow_id[:8], exc.kind.value,
                    exc.debug[:120])
        # A replayed or forged assertion, or one answering another request, is an attack on
        # this browser's login, not the DV's failure: show a page and leave the login as it was.
        if not exc.recoverable:
            return ErrorPage(exc.kind, exc.wire.http_status)
        return self.fail(flow, exc)

    def _on_ad(self, flow: FlowState, raw: bytes, message: etree._Element) -> Outcome:
        ctx = self.ctx
        try:
            result = check_ad_answer(
                message,
                AdExpectations(
                    ad_entity_id=flow.chosen_ad or "",
                    hm_entity_id=ctx.entity_id,
                    acs_url=ctx.endpoints.acs,
                    request_id=flow.ad_request_id or "",
                    required=flow.required_loa,
                    service_uuid=flow.service_uuid,
                    skew=ctx.skew,
                    dv_entity_id=flow.dv_entity_id,
                ),
                ctx.artifacts.directory,
                ctx.replay,
                ctx.clock,
            )
        except AdCancelled:
            # spec §4.8: a cancel at the AD sends the user back to discovery, and the stored
            # choice is ignored from now on.
            back = flow.advanced(
                stage=Stage.DISCOVERY,
                ignore_remembered=True,
                preselected_ad=None,
                chosen_ad=None,
                ad_request_id=None,
            )
            if not ctx.repo.advance(raw, back):
                return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
            log.info("login %s: cancelled at the AD", flow.flow_id[:8])
            return Redirect(ctx.endpoints.discovery)
        except BrokerError as exc:
            return self._refused(flow, exc)
        if not ctx.network.is_mr(result.mr_entity_id):
            return self.fail(flow, BrokerError(ErrorKind.UPSTREAM_INVALID, debug="unknown MR"))
        name_id = result.assertion.name_id
        statement = result.assertion.authn_statement
        with_ad = flow.advanced(
            ad_assertion=_stored(result.verified.element),
            ad_signature_value=result.verified.signature_value,
            ad_loa=result.loa,
            ad_authn_instant=result.authn_instant,
            ad_name_id=name_id.value if name_id else None,
            ad_name_id_format=name_id.format.value if name_id and name_id.format else None,
            ad_session_index=statement.session_index if statement else None,
            mr_entity_id=result.mr_entity_id,
        )
        log.info("login %s: AD assertion accepted at %s", flow.flow_id[:8], result.loa.label)
        return self.start_mr(with_ad, raw)

    def _on_mr(
        self, flow: FlowState, raw: bytes, message: etree._Element, *, chain: bool
    ) -> Outcome:
        ctx = self.ctx
        ad = _element(flow.ad_assertion)
        linkable = [(ad.get("ID") or "", flow.ad_signature_value or "")]
        if chain:
            mr1 = _element(flow.mr_assertion)
            linkable.append((mr1.get("ID") or "", signature_value(mr1)))
        peer = (flow.mr2_entity_id if chain else flow.mr_entity_id) or ""
        try:
            result = check_mr_answer(
                message,
                MrExpectations(
                    mr_entity_id=peer,
                    hm_entity_id=ctx.entity_id,
                    acs_url=ctx.endpoints.acs,
                    request_id=(flow.mr2_request_id if chain else flow.mr_request_id) or "",
                    required=flow.required_loa,
                    service_id=flow.service_id,
                    service_uuid=flow.service_uuid,
                    linkable=tuple(linkable),
                    skew=ctx.skew,
                    dv_entity_id=flow.dv_entity_id,
                ),
                ctx.artifacts.directory,
                ctx.replay,
                ctx.clock,
            )
        except MrRefused as exc:
            # spec §4.8: after a cancel (or no mandate) at the MR the user may choose an AD
            # again or cancel.
            retry = flow.advanced(stage=Stage.RETRY, ignore_remembered=True, session_id=None)
            if not ctx.repo.advance(raw, retry):
                return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
            log.info("login %s: MR refused (%s)", flow.flow_id[:8], str(exc)[:40])
            return Redirect(ctx.endpoints.discovery)
        except BrokerError as exc:
            return self._refused(flow, exc)
        stored = _stored(result.verified.element)
        if chain and result.next_mr is not None:
            # spec §7: a chain has one MR2; a further obligation leaves the mandate unconfirmed.
            return self._refused(flow, BrokerError(ErrorKind.UPSTREAM_INVALID, debug="MR3 asked"))
        if not chain and result.next_mr is not None:
            if result.next_mr == peer or not ctx.network.is_mr(result.next_mr):
                return self._refused(flow, BrokerError(ErrorKind.UPSTREAM_INVALID, debug="bad MR2"))
            with_mr = flow.advanced(mr_assertion=stored, mr2_entity_id=result.next_mr)
            return self.start_mr(with_mr, raw, chain=True)
        statements: tuple[DecisionStatement, ...]
        if chain:
            done = flow.advanced(stage=Stage.DONE, mr2_assertion=stored)
            statements = (find_decision_statement(_element(flow.mr_assertion)), result.statement)
        else:
            done = flow.advanced(stage=Stage.DONE, mr_assertion=stored)
            statements = (result.statement,)
        if not ctx.repo.advance(raw, done):
            return ErrorPage(ErrorKind.STEP_OUT_OF_ORDER, 400)
        return self.finish(done, statements)

    # --- the HM assertion --------------------------------------------------------------------

    def _session(self, flow: FlowState) -> BrokerSession | None:
        """Create or extend the broker SSO session (spec §9), when this service allows it."""
        ctx = self.ctx
        if not flow.sso_allowed:
            return None
        existing = ctx.repo.session(flow.session_id) if flow.session_id else None
        now = ctx.clock.now()
        if existing is not None:
            session = replace(
                existing,
                dv_entity_ids=tuple(dict.fromkeys((*existing.dv_entity_ids, flow.dv_entity_id))),
            )
        else:
            session = BrokerSession(
                session_id=new_token(),
                created_at=now,
                # spec §9: at most 2 hours from the authentication, never extended by reuse.
                expires_at=now + timedelta(seconds=ctx.session_seconds),
                ad_entity_id=flow.chosen_ad or "",
                ad_loa=flow.ad_loa or flow.required_loa,
                ad_assertion=flow.ad_assertion or "",
                ad_signature_value=flow.ad_signature_value or "",
                ad_authn_instant=flow.ad_authn_instant or now,
                ad_name_id=flow.ad_name_id or "",
                ad_name_id_format=flow.ad_name_id_format,
                ad_session_index=flow.ad_session_index,
                mr_entity_id=flow.mr_entity_id or "",
                session_index=new_token(),
                dv_entity_ids=(flow.dv_entity_id,),
            )
        remaining = int((session.expires_at - now).total_seconds())
        if remaining <= 0:
            return None
        ctx.repo.put_session(session, remaining)
        return session

    def finish(self, flow: FlowState, statements: tuple[DecisionStatement, ...]) -> Outcome:
        ctx = self.ctx
        last = statements[-1]
        used = min(s.level_of_assurance_used or flow.required_loa for s in statements)
        kvk_attr = next(
            (s.intermediate_entity_id for s in reversed(statements) if s.intermediate_entity_id),
            None,
        )
        name = next(
            (
                a.text
                for s in reversed(statements)
                for a in (*s.subject_attributes, *s.resource_attributes)
                if a.attribute_id == _INTERMEDIATE_NAME
            ),
            None,
        )
        kvk: etree._Element | str | None = None
        if kvk_attr is not None:
            value = kvk_attr.values[0] if kvk_attr.values else None
            kvk = value if isinstance(value, str) or value is None else value
        session = self._session(flow)
        advice = [_element(flow.ad_assertion), _element(flow.mr_assertion)]
        if flow.mr2_assertion is not None:
            advice.append(_element(flow.mr2_assertion))
        acting = last.acting_subject_id
        if acting is None:
            acting = next((s.acting_subject_id for s in statements if s.acting_subject_id), None)
        if flow.protocol is not DvProtocol.SAML:
            return self._finish_by_face(
                LoginFacts(
                    flow=flow,
                    achieved=achieved_loa(flow.ad_loa or flow.required_loa, used),
                    authn_instant=flow.ad_authn_instant or ctx.clock.now(),
                    session=session,
                    acting_entity_id=last.acting_entity_id
                    or next((s.acting_entity_id for s in statements if s.acting_entity_id), None),
                    acting_subject_id=acting,
                    legal_subject_id=last.legal_subject_id,
                    vestigingsnr=last.vestigingsnr,
                    intermediate_kvk=kvk,
                    intermediate_name=name,
                )
            )
        asserted = Asserted(
            dv_entity_id=flow.dv_entity_id,
            dv_acs_url=flow.dv_acs_url,
            dv_request_id=flow.dv_request_id,
            ad_entity_id=flow.chosen_ad or "",
            service_id=flow.service_id,
            service_uuid=flow.service_uuid,
            achieved=achieved_loa(flow.ad_loa or flow.required_loa, used),
            authn_instant=flow.ad_authn_instant or ctx.clock.now(),
            session_index=session.session_index if session else new_token(),
            advice=tuple(advice),
            acting_subject_id=acting,
            legal_subject_id=last.legal_subject_id,
            vestigingsnr=last.vestigingsnr,
            intermediate_kvk=kvk,
            intermediate_name=name,
        )
        assertion = hm_assertion(
            asserted, issuer=ctx.entity_id, key=ctx.keys.signing, clock=ctx.clock, ids=ctx.ids
        )
        response = dv_response(
            issuer=ctx.entity_id,
            destination=flow.dv_acs_url,
            in_response_to=flow.dv_request_id,
            status=SUCCESS,
            assertion=assertion,
            key=ctx.keys.signing,
            clock=ctx.clock,
            ids=ctx.ids,
        )
        ctx.repo.end_flow(flow.flow_id)
        cookies = [_FLOW_GONE]
        if session is not None:
            remaining = int((session.expires_at - ctx.clock.now()).total_seconds())
            cookies.append(CookieChange(CookieName.SESSION, session.session_id, remaining))
        log.info(
            "login %s: answered %s at %s", flow.flow_id[:8], flow.dv_entity_id,
            asserted.achieved.label,
        )
        metrics.observe_login("success", asserted.achieved, flow.chosen_ad, flow.service_id)
        return self.deliver(reply_of(flow), response, *cookies)

    def _finish_by_face(self, facts: LoginFacts) -> Outcome:
        """End a login that came in by another protocol than SAML (:mod:`broker.faces`)."""
        ctx = self.ctx
        flow = facts.flow
        ctx.repo.end_flow(flow.flow_id)
        cookies = [_FLOW_GONE]
        if facts.session is not None:
            remaining = int((facts.session.expires_at - ctx.clock.now()).total_seconds())
            cookies.append(CookieChange(CookieName.SESSION, facts.session.session_id, remaining))
        if self.face is None:
            return ErrorPage(ErrorKind.INTERNAL, 500, tuple(cookies))
        log.info("login %s: answered %s (%s) at %s", flow.flow_id[:8], flow.dv_entity_id,
                 flow.protocol.value, facts.achieved.label)
        metrics.observe_login("success", facts.achieved, flow.chosen_ad, flow.service_id)
        return self.face.succeed(facts, tuple(cookies))


__all__ = ["Legs", "Reply", "reply_of"]
