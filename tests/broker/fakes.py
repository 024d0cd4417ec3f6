"""Small fake peers of the broker, built from the protocol core only: a DV, an AD, an MR and an
MR2. Each resolves the broker's artifacts at its ArtifactResolutionService and answers with
signed messages by artifact, with keys from the session ``rings`` fixture, exactly as the real
roles would over HTTP (here through WsgiTransport, in process)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

from lxml import etree

from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.bindings.artifact import ArtifactResolver
from etoegang.bindings.artifact import InMemoryOneTimeStore
from etoegang.clock import Clock
from etoegang.clock import RandomIdSource
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import signature_value
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import encrypt_id
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.transport import Transport
from etoegang.messages.artifact import graft
from etoegang.messages.artifact import placeholder
from etoegang.messages.assertion import Advice
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import Attribute
from etoegang.messages.assertion import AttributeValue
from etoegang.messages.assertion import AuthnStatement
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import build_assertion
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import RequestedAuthnContext
from etoegang.messages.authn_request import Scoping
from etoegang.messages.authn_request import build_authn_request
from etoegang.messages.authn_request import parse_authn_request
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.response import Response
from etoegang.messages.response import build_response
from etoegang.messages.status import SUCCESS
from etoegang.messages.status import Status
from etoegang.messages.xacml import ACTING_ENTITY_ID
from etoegang.messages.xacml import ACTING_SUBJECT_ID
from etoegang.messages.xacml import LEGAL_SUBJECT_ID
from etoegang.messages.xacml import LEVEL_OF_ASSURANCE
from etoegang.messages.xacml import LEVEL_OF_ASSURANCE_USED
from etoegang.messages.xacml import LINKED_SIGNATURE
from etoegang.messages.xacml import SAML_ENCRYPTED_ID
from etoegang.messages.xacml import SERVICE_ID
from etoegang.messages.xacml import SERVICE_UUID
from etoegang.messages.xacml import VESTIGINGSNR
from etoegang.messages.xacml import XS_BASE64
from etoegang.messages.xacml import XS_STRING
from etoegang.messages.xacml import Decision
from etoegang.messages.xacml import DecisionQuery
from etoegang.messages.xacml import DecisionStatement
from etoegang.messages.xacml import XacmlAttribute
from etoegang.messages.xacml import build_decision_statement
from etoegang.messages.xacml import next_mr_obligation
from etoegang.messages.xacml import parse_decision_query
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from keys.ring import KeyRing
from metadata.directory import RegistryDirectory
from policies.loa import Loa

XS_STRING_TYPE = qname(XS, "string")
INTERMEDIATE_KVK_ID = "urn:etoegang:1.9:IntermediateEntityID:KvKnr"
INTERMEDIATE_NAME_ID = "urn:etoegang:1.13:attribute-intermediate:CompanyName"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def name_id_element(value: str, qualifier: str) -> etree._Element:
    element = etree.Element(qname(SAML, "NameID"), nsmap={"saml": SAML})
    element.set("NameQualifier", qualifier)
    element.set("Format", NameIDFormat.PERSISTENT.value)
    element.text = value
    return element


@dataclass
class FakePeer:
    """One entity with an artifact store, an ArtifactResolutionService and a client."""

    entity_id: str
    ring: KeyRing
    directory: RegistryDirectory
    clock: Clock
    transport: Transport
    ars_url: str
    hm_entity_id: str
    ids: RandomIdSource = field(default_factory=RandomIdSource)

    def __post_init__(self) -> None:
        self.store = InMemoryOneTimeStore(self.clock)
        me = LocalEntity(self.entity_id, self.ring, self.ars_url)
        resolver = ArtifactResolver(self.entity_id, self.store, self.clock, self.ids)
        self.service = ArtifactService(me, self.directory, resolver)
        self.issuer = ArtifactIssuer(self.entity_id, self.store)
        self.client = ArtifactClient(me, self.directory, self.transport, self.clock, self.ids)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        answer = self.service.handle(body, environ.get("CONTENT_TYPE", ""))
        start_response(f"{answer.status} X", [("Content-Type", answer.content_type)])
        return [answer.body]

    def resolve(self, url: str) -> tuple[etree._Element, str | None]:
        """Resolve the SAMLart in a redirect URL from the broker; (message, RelayState)."""
        params = query_of(url)
        resolved = self.client.resolve(params["SAMLart"], expected_issuer=self.hm_entity_id)
        return resolved.element, params.get("RelayState")

    def artifact_url(self, target: str, message: etree._Element, relay: str | None) -> str:
        artifact = self.issuer.issue(message, recipient=self.hm_entity_id)
        params = {"SAMLart": artifact.encode()}
        if relay is not None:
            params["RelayState"] = relay
        return f"{target}?{urlencode(params)}"

    def response(
        self,
        *,
        destination: str,
        in_response_to: str,
        assertion: etree._Element | None,
        status: Status = SUCCESS,
    ) -> etree._Element:
        element = build_response(
            Response(
                id=self.ids.new_id(),
                issue_instant=self.clock.now(),
                status=status,
                issuer=self.entity_id,
                in_response_to=in_response_to,
                destination=destination,
            )
        )
        if assertion is not None:
            placeholder(element)
            element = graft(element, [assertion])
        sign(element, self.ring.signing, inclusive_prefixes=("xs", "xacml-saml"))
        return element


@dataclass
class FakeAd(FakePeer):
    acs_url: str = ""
    mr_entity_id: str = ""
    mr_encryption: Any = None
    dv_entity_id: str = ""

    def receive(self, url: str) -> tuple[AuthnRequest, str | None]:
        element, relay = self.resolve(url)
        return parse_authn_request(element), relay

    def assertion(
        self,
        request: AuthnRequest,
        *,
        loa: Loa,
        service_uuid: str,
        mr: str | None = None,
        recipient: str | None = None,
        audiences: tuple[str, ...] | None = None,
    ) -> etree._Element:
        now = self.clock.now()
        acting = encrypt_id(
            name_id_element("ad-internal-pseudonym-1", "urn:etoegang:1.9:EntityConcernedID:Pseudo"),
            self.mr_encryption,
            recipient=mr or self.mr_entity_id,
            ids=self.ids,
        )
        assertion = Assertion(
            id=self.ids.new_id(),
            issue_instant=now,
            issuer=self.entity_id,
            subject=NameID("ad-session-subject-1", NameIDFormat.TRANSIENT),
            subject_confirmations=(
                SubjectConfirmation(
                    recipient=recipient or self.acs_url,
                    in_response_to=request.id,
                    not_on_or_after=now + timedelta(minutes=5),
                ),
            ),
            conditions=Conditions(
                not_before=now - timedelta(minutes=1),
                not_on_or_after=now + timedelta(minutes=10),
                audience_restrictions=(
                    audiences or (self.hm_entity_id, self.dv_entity_id, mr or self.mr_entity_id),
                ),
            ),
            attributes=(
                Attribute("urn:etoegang:core:Representation",
                          (AttributeValue("true", XS_STRING_TYPE),)),
                Attribute(SERVICE_UUID, (AttributeValue(service_uuid, XS_STRING_TYPE),)),
                Attribute("urn:etoegang:core:AuthorizationRegistryID",
                          (AttributeValue(mr or self.mr_entity_id, XS_STRING_TYPE),)),
                Attribute(ACTING_SUBJECT_ID, (AttributeValue(element=acting),)),
            ),
            authn_statements=(
                AuthnStatement(
                    authn_instant=now,
                    class_ref=loa.urn,
                    session_index="ad-session-1",
                    authenticating_authorities=("00000099000000000002",),
                ),
            ),
        )
        element = build_assertion(assertion)
        sign(element, self.ring.signing, inclusive_prefixes=("xs",))
        return element

    def answer(
        self,
        request: AuthnRequest,
        relay: str | None,
        *,
        loa: Loa = Loa.EH3,
        service_uuid: str = "",
        status: Status = SUCCESS,
        **kwargs: Any,
    ) -> str:
        assertion = None
        if status.is_success:
            assertion = self.assertion(request, loa=loa, service_uuid=service_uuid, **kwargs)
        response = self.response(
            destination=self.acs_url, in_response_to=request.id, assertion=assertion, status=status
        )
        return self.artifact_url(self.acs_url, response, relay)


@dataclass
class FakeMr(FakePeer):
    acs_url: str = ""
    dv_entity_id: str = ""
    dv_encryption: Any = None

    def receive(self, url: str) -> tuple[DecisionQuery, str | None]:
        element, relay = self.resolve(url)
        return parse_decision_query(element), relay

    def answer(
        self,
        query: DecisionQuery,
        relay: str | None,
        *,
        decision: Decision = Decision.PERMIT,
        used: Loa = Loa.EH3,
        linked: str | None = None,
        advice_ref: str | None = None,
        service_id: str | None = None,
        next_mr: str | None = None,
        vestigingsnr: str | None = "000012345678",
        intermediary: bool = False,
        legal_kvk: str = "12345678",
        status: Status = SUCCESS,
    ) -> str:
        now = self.clock.now()
        ad = query.assertions[0]
        last = query.assertions[-1]
        resource = {a.attribute_id: a.text for a in query.resource_attributes}
        legal = encrypt_id(
            name_id_element(legal_kvk, "urn:etoegang:1.9:EntityConcernedID:KvKnr"),
            self.dv_encryption,
            recipient=self.dv_entity_id,
            ids=self.ids,
        )
        acting = encrypt_id(
            name_id_element("a" * 64, "urn:etoegang:1.13:EntityConcernedID:Pseudo"),
            self.dv_encryption,
            recipient=self.dv_entity_id,
            ids=self.ids,
        )
        subject = [
            XacmlAttribute.string(ACTING_ENTITY_ID, "a" * 64, issuer=self.entity_id),
            XacmlAttribute(ACTING_SUBJECT_ID, SAML_ENCRYPTED_ID, (acting,), self.entity_id),
            XacmlAttribute(
                LINKED_SIGNATURE,
                XS_BASE64,
                (linked if linked is not None else signature_value(last),),
                self.entity_id,
            ),
            XacmlAttribute(LEGAL_SUBJECT_ID, SAML_ENCRYPTED_ID, (legal,), self.entity_id),
        ]
        resources = [
            XacmlAttribute.string(SERVICE_ID, service_id or resource[SERVICE_ID]),
            XacmlAttribute.string(SERVICE_UUID, resource[SERVICE_UUID]),
            XacmlAttribute.string(LEVEL_OF_ASSURANCE, resource[LEVEL_OF_ASSURANCE]),
            XacmlAttribute.string(LEVEL_OF_ASSURANCE_USED, used.urn, issuer=self.entity_id),
        ]
        if vestigingsnr is not None:
            resources.append(XacmlAttribute.string(VESTIGINGSNR, vestigingsnr, self.entity_id))
        if intermediary:
            resources.append(XacmlAttribute.string(INTERMEDIATE_KVK_ID, "87654321", self.entity_id))
            resources.append(
                XacmlAttribute.string(INTERMEDIATE_NAME_ID, "Accountants B.V.", self.entity_id)
            )
        statement = build_decision_statement(
            DecisionStatement(
                decision=decision,
                obligations=(next_mr_obligation(next_mr),) if next_mr else (),
                subject_attributes=tuple(subject),
                resource_attributes=tuple(resources),
                action=(XacmlAttribute(
                    "urn:oasis:names:tc:xacml:1.0:action:action-id", XS_STRING, ("Authenticate",)
                ),),
            )
        )
        assertion = build_assertion(
            Assertion(
                id=self.ids.new_id(),
                issue_instant=now,
                issuer=self.entity_id,
                subject=NameID(
                    "mr-subject-1", NameIDFormat.TRANSIENT, name_qualifier=self.entity_id
                ),
                conditions=Conditions(
                    not_before=now - timedelta(seconds=5),
                    not_on_or_after=now + timedelta(minutes=2),
                    audience_restrictions=((self.hm_entity_id, self.dv_entity_id),),
                ),
                advice=Advice(assertion_id_refs=(advice_ref or last.get("ID") or "",)),
            )
        )
        placeholder(assertion)
        assertion = graft(assertion, [statement])
        sign(assertion, self.ring.signing, inclusive_prefixes=("xs", "xacml-saml"))
        del ad
        response = self.response(
            destination=self.acs_url,
            in_response_to=query.id,
            assertion=assertion if status.is_success else None,
            status=status,
        )
        return self.artifact_url(self.acs_url, response, relay)


@dataclass
class FakeDv(FakePeer):
    sso_url: str = ""
    acs_url: str = ""

    def request(
        self,
        *,
        service_index: int | None = 1,
        acs_index: int | None = None,
        acs_url: str | None = None,
        force_authn: bool | None = None,
        requested: tuple[Loa, ...] = (),
        scoping: Scoping | None = None,
        destination: str | None = "",
        request_id: str | None = None,
        key: Any = None,
    ) -> etree._Element:
        element = build_authn_request(
            AuthnRequest(
                id=request_id or self.ids.new_id(),
                issue_instant=self.clock.now(),
                issuer=self.entity_id,
                destination=self.sso_url if destination == "" else destination,
                force_authn=force_authn,
                assertion_consumer_service_index=acs_index,
                assertion_consumer_service_url=acs_url,
                protocol_binding=(
                    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" if acs_url else None
                ),
                attribute_consuming_service_index=service_index,
                requested_authn_context=(
                    RequestedAuthnContext(tuple(loa.urn for loa in requested))
                    if requested
                    else None
                ),
                scoping=scoping,
            )
        )
        sign(element, key or self.ring.signing)
        return element

    def hm_response(self, url: str, hm_certs: Any) -> etree._Element:
        """Resolve the broker's artifact and verify the Response with the HM's keys."""
        element, _ = self.resolve(url)
        verify(element, VerifyPolicy(trusted=hm_certs))
        return element
