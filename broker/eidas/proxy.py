"""Outbound: the proxy-service face for foreign eIDAS connectors (spec §8.2, §2; docs/eidas.md).

A connector registered by signed metadata POSTs a signed eIDAS AuthnRequest; the broker checks
it (signature by the connector's registered keys, eIDAS methods only; Destination; freshness;
replay; the ACS from the connector's metadata) and runs the normal eHerkenning login
(discovery, AD, MR) at the mapped level under the catalogue service of the broker's own proxy
"DV" (:class:`EidasSettings.proxy_service_id`), whose ServiceCertificate is our eIDAS
encryption certificate: the MR encrypts the identifiers for the proxy service, which is the
DV of this login, so the broker decrypts only what was meant for it. The login ends here
(:class:`ProxyService` is the return face of :attr:`DvProtocol.EIDAS`) with a signed Response
whose assertion, AES-256-GCM encrypted for the connector, carries LegalPersonIdentifier
``NL/<connector country>/<KvK number>``, LegalName (the MR's CompanyName, when delivered) and,
when asked, the representative's PersonIdentifier ``NL/<country>/<acting pseudonym>``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Mapping

from lxml import etree

from broker.context import BrokerContext
from broker.eidas.context import EidasContext
from broker.eidas.mapping import LevelRefused
from broker.eidas.mapping import answered_eidas_level
from broker.eidas.mapping import outbound_level
from broker.eidas.messages import EidasAnswer
from broker.eidas.messages import build_eidas_error
from broker.eidas.messages import build_eidas_response
from broker.eidas.messages import eidas_policy
from broker.eidas.messages import read_request_extensions
from broker.eidas.records import ProxyRecord
from broker.eidas.vocab import Etoegang
from broker.eidas.vocab import IdentifierKind
from broker.eidas.vocab import LegalPerson
from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.errors import status_for
from broker.faces import LoginFacts
from broker.outcomes import CookieChange
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.outcomes import PostPage
from broker.state import DvBinding
from broker.state import DvProtocol
from broker.state import FlowState
from broker.state import flow_for_service
from broker.state import new_token
from etoegang.bindings.post import decode_post
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import decrypt
from etoegang.errors import MetadataError
from etoegang.errors import ProtocolError
from etoegang.errors import ReplayError
from etoegang.errors import SignatureError
from etoegang.exchange.inbound import issuer_of
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.attributes import parse_attribute
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import parse_authn_request
from etoegang.messages.common import parse_name_id
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from metadata.model import Binding
from policies.loa import EidasLoa

log = logging.getLogger(__name__)

#: eIDAS v1.2 representative of a legal person (a natural person acting for it).
REPRESENTATIVE_ID = "http://eidas.europa.eu/attributes/naturalperson/representative/PersonIdentifier"

Begin = Callable[[FlowState, str | None], Outcome]


class ProxyService:
    """The proxy-service face: front for foreign connectors, and their return face."""

    def __init__(self, context: BrokerContext, eidas: EidasContext, begin: Begin) -> None:
        self.ctx = context
        self.eidas = eidas
        self.begin = begin

    # --- the connector's request ------------------------------------------------------------

    def _verified(self, form: Mapping[str, str]) -> tuple[AuthnRequest, str | None]:
        """Decode and verify; every failure is unrecoverable (no return channel yet)."""
        connectors = self.eidas.connectors
        try:
            posted = decode_post(form, kind="SAMLRequest")
            issuer = issuer_of(posted.element)
        except ProtocolError as exc:
            raise BrokerError(ErrorKind.UNDECODABLE, debug=exc.code) from exc
        if issuer not in connectors or connectors.get(issuer).sp is None:
            raise BrokerError(ErrorKind.UNKNOWN_REQUESTER, debug=issuer[:120])
        if issuer not in self.eidas.settings.connector_countries:
            raise BrokerError(ErrorKind.UNKNOWN_REQUESTER, debug="no country for connector")
        try:
            verified = verify(posted.element, eidas_policy(connectors.signing_certificates(issuer)))
            request = parse_authn_request(verified.element)
        except SignatureError as exc:
            raise BrokerError(ErrorKind.BAD_SIGNATURE, debug=exc.code) from exc
        except ProtocolError as exc:
            raise BrokerError(ErrorKind.UNDECODABLE, debug=exc.code) from exc
        ctx = self.ctx
        if request.destination != self.eidas.endpoints.proxy_sso:
            raise BrokerError(ErrorKind.BAD_DESTINATION, debug=str(request.destination)[:120])
        now, max_age = ctx.clock.now(), ctx.request_max_age
        issued = request.issue_instant
        if issued > now + ctx.skew or issued + max_age + ctx.skew < now:
            raise BrokerError(ErrorKind.MESSAGE_EXPIRED, debug=request.id[:64])
        try:
            ctx.replay.first_use(issuer, request.id, request.issue_instant + max_age + ctx.skew)
        except ReplayError as exc:
            raise BrokerError(ErrorKind.REPLAY, debug=request.id[:64]) from exc
        return request, posted.relay_state

    def _acs(self, request: AuthnRequest) -> str:
        sp = self.eidas.connectors.get(request.issuer).sp
        assert sp is not None  # checked in _verified
        try:
            if request.assertion_consumer_service_url is not None:
                return sp.acs_by_url(request.assertion_consumer_service_url,
                                     Binding.HTTP_POST).location
            for endpoint in sp.assertion_consumers:
                if endpoint.binding is Binding.HTTP_POST:
                    return endpoint.location
        except MetadataError as exc:
            raise BrokerError(ErrorKind.BAD_RETURN_CHANNEL, debug=exc.public) from exc
        raise BrokerError(ErrorKind.BAD_RETURN_CHANNEL, debug="no POST ACS")

    def sso(self, form: Mapping[str, str]) -> Outcome:
        ctx, settings = self.ctx, self.eidas.settings
        try:
            request, relay_state = self._verified(form)
            acs = self._acs(request)
        except BrokerError as exc:
            log.warning("eidas proxy: request refused: %s (%s)", exc.kind.value, exc.debug[:120])
            return ErrorPage(exc.kind, exc.wire.http_status)
        country = settings.connector_countries[request.issuer]
        record = ProxyRecord(new_token(), request.issuer, request.id, acs, relay_state, "",
                             country, ())
        try:
            if request.is_passive:
                raise BrokerError(ErrorKind.PASSIVE_NOT_POSSIBLE)
            context = request.requested_authn_context
            levels = []
            for ref in context.class_refs if context is not None else ():
                try:
                    levels.append(EidasLoa(ref))
                except ValueError:
                    continue
            if not levels:
                raise BrokerError(ErrorKind.LOA_UNSUPPORTED, debug="no notified eIDAS level")
            level = min(levels, key=lambda loa: loa.rank)
            _, wanted = read_request_extensions(request)
            service = ctx.network.service(settings.proxy_service_id)
            required = outbound_level(level)
            if required > service.loa:
                raise BrokerError(ErrorKind.LOA_UNSUPPORTED, debug="above the proxy service")
        except BrokerError as exc:
            return self._error(record, exc, ())
        except (ProtocolError, ValueError) as exc:
            return self._error(record, BrokerError(ErrorKind.REQUEST_INVALID,
                                                   debug=str(exc)[:120]), ())
        now = ctx.clock.now()
        flow = flow_for_service(
            service,
            required=required,
            now=now,
            ttl_seconds=ctx.repo.flow_ttl_seconds,
            flow_id=record.flow_id,
            dv_entity_id=settings.proxy_dv_entity_id,
            dv_request_id=request.id,
            relay_state=relay_state,
            dv_acs_url=acs,
            dv_binding=DvBinding.POST,
            dv_name=request.provider_name or request.issuer,
            # eIDAS nodes require ForceAuthn; no broker SSO session serves a foreign service.
            force_authn=True,
            sso_allowed=False,
            protocol=DvProtocol.EIDAS,
        )
        self.eidas.records.put(ProxyRecord(flow.flow_id, request.issuer, request.id, acs,
                                           relay_state, level.value, country,
                                           tuple(w.name for w in wanted)))
        log.info("eidas proxy %s: request %s from %s at %s -> %s", flow.flow_id[:8],
                 request.id[:40], request.issuer, level.name, required.label)
        return self.begin(flow, None)

    # --- the return face (broker.faces.ReturnFace) ------------------------------------------

    def _error(self, record: ProxyRecord, exc: BrokerError,
               cookies: tuple[CookieChange, ...]) -> Outcome:
        if not exc.recoverable:
            return ErrorPage(exc.kind, exc.wire.http_status, cookies)
        log.info("eidas proxy %s: answering %s with %s", record.flow_id[:8],
                 record.connector_entity_id, exc.kind.value)
        ctx = self.ctx
        element = build_eidas_error(
            issuer=self.eidas.settings.proxy_entity_id, acs_url=record.acs_url,
            request_id=record.request_id, status=status_for(exc.kind), key=self.eidas.keys.signing,
            clock=ctx.clock, ids=ctx.ids,
        )
        return PostPage(record.acs_url, "SAMLResponse", serialize(element), record.relay_state,
                        cookies)

    def refuse(self, flow: FlowState, exc: BrokerError,
               cookies: tuple[CookieChange, ...]) -> Outcome:
        record = self.eidas.records.get(ProxyRecord, flow.flow_id)
        if record is None:
            return ErrorPage(ErrorKind.FLOW_MISSING_OR_EXPIRED, 400, cookies)
        self.eidas.records.delete(ProxyRecord, flow.flow_id)
        return self._error(record, exc, cookies)

    def _kvk(self, encrypted: etree._Element | None) -> str:
        if encrypted is None:
            raise BrokerError(ErrorKind.NOT_AUTHORISED, debug="no LegalSubjectID")
        try:
            name_id = parse_name_id(decrypt(encrypted, self.eidas.keys), "LegalSubjectID")
        except ProtocolError as exc:
            raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug=exc.code) from exc
        if name_id.name_qualifier != IdentifierKind.KVKNR.value:
            raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="LegalSubjectID is not a KvK nr")
        return name_id.value

    def _company_name(self, flow: FlowState) -> str | None:
        """The MR's CompanyName, when it delivered one (EncryptedAttribute for the proxy)."""
        if flow.mr_assertion is None:
            return None
        try:
            assertion = parse_assertion(parse_xml(flow.mr_assertion.encode()))
            for encrypted in assertion.encrypted_attributes:
                attribute = parse_attribute(decrypt(encrypted, self.eidas.keys), "MR")
                if attribute.name == Etoegang.COMPANY_NAME.value and attribute.texts:
                    return attribute.texts[0].strip()
        except ProtocolError:
            return None
        return None

    def succeed(self, facts: LoginFacts, cookies: tuple[CookieChange, ...]) -> Outcome:
        flow, ctx, eidas = facts.flow, self.ctx, self.eidas
        record = eidas.records.get(ProxyRecord, flow.flow_id)
        if record is None:
            return ErrorPage(ErrorKind.FLOW_MISSING_OR_EXPIRED, 400, cookies)
        eidas.records.delete(ProxyRecord, flow.flow_id)
        try:
            achieved = answered_eidas_level(facts.achieved)
            if achieved.rank < EidasLoa(record.level).rank:
                raise BrokerError(ErrorKind.LOA_NOT_MET)
            kvk = self._kvk(facts.legal_subject_id)
            cert = eidas.connectors.encryption_certificate(
                record.connector_entity_id, ctx.clock.now()
            )
        except LevelRefused as exc:
            return self._error(record, BrokerError(ErrorKind.LOA_NOT_MET, debug=str(exc)), cookies)
        except BrokerError as exc:
            return self._error(record, exc, cookies)
        except ProtocolError as exc:
            return self._error(record, BrokerError(ErrorKind.INTERNAL, debug=exc.code), cookies)
        attributes = [(LegalPerson.LEGAL_PERSON_IDENTIFIER.value, f"NL/{record.country}/{kvk}")]
        name = self._company_name(flow)
        if name:
            attributes.append((LegalPerson.LEGAL_NAME.value, name))
        if REPRESENTATIVE_ID in record.requested and facts.acting_entity_id:
            attributes.append((REPRESENTATIVE_ID, f"NL/{record.country}/{facts.acting_entity_id}"))
        element = build_eidas_response(
            EidasAnswer(
                issuer=eidas.settings.proxy_entity_id,
                connector_entity_id=record.connector_entity_id,
                acs_url=record.acs_url,
                request_id=record.request_id,
                level=achieved,
                attributes=tuple(attributes),
            ),
            key=eidas.keys.signing,
            recipient_cert=cert,
            clock=ctx.clock,
            ids=ctx.ids,
        )
        log.info("eidas proxy %s: answered %s at %s", flow.flow_id[:8],
                 record.connector_entity_id, achieved.name)
        return PostPage(record.acs_url, "SAMLResponse", serialize(element), record.relay_state,
                        cookies)
