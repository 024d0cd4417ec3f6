"""A fake HM for the register tests: it builds the AD assertion the way the AD does, sends the
XACML query by artifact (served by an in-test ArtifactResolutionService reached through a
direct transport), and resolves the register's answer at /mr/ars or /mr2/ars."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.bindings.artifact import ArtifactResolver
from etoegang.clock import FixedClock
from etoegang.clock import RandomIdSource
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import decrypt
from etoegang.crypto.xmlenc import encrypt_id
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.stores import StateOneTimeStore
from etoegang.exchange.transport import HttpAnswer
from etoegang.exchange.transport import WsgiTransport
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import Attribute
from etoegang.messages.assertion import AttributeValue
from etoegang.messages.assertion import AuthnStatement
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import build_assertion
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.common import parse_name_id
from etoegang.messages.response import Response
from etoegang.messages.response import parse_response
from etoegang.messages.xacml import DecisionStatement
from etoegang.messages.xacml import build_decision_query
from etoegang.messages.xacml import find_decision_statement
from etoegang.state.memory import InMemoryStateStore
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from idp.app import context_of
from idp.mr.statement import name_id_element
from keys.ring import KeyPair
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import MR2_ENTITY
from makelaar.network import MR_ENTITY
from makelaar.network import MU_OIN
from makelaar.network import Network
from metadata.directory import RegistryDirectory
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from policies.loa import Loa

IDP = "http://idp.test"
HM_ACS = "http://hm.test/broker/acs/1.13"


@dataclass
class DirectTransport:
    """Hands SOAP requests straight to the fake HM's ArtifactResolutionService."""

    service: ArtifactService

    def post(self, url: str, body: bytes, content_type: str) -> HttpAnswer:
        answer = self.service.handle(body, content_type)
        return HttpAnswer(answer.status, answer.content_type, answer.body)


@dataclass(frozen=True, slots=True)
class Answer:
    """The register's Response, resolved and verified like the HM does."""

    response: Response
    element: etree._Element
    assertion: Assertion | None
    assertion_element: etree._Element | None
    statement: DecisionStatement | None
    relay_state: str | None


class FakeHm:
    """Plays the broker toward the register."""

    def __init__(self, network: Network, rings: dict[str, KeyRing], clock: FixedClock) -> None:
        self.rings = rings
        self.clock = clock
        self.ids = RandomIdSource()
        trust = trust_from_files([network.ca_file])
        registry = load_registry(sorted((network.directory / "metadata").glob("*.xml")), trust,
                                 clock)
        self.directory = RegistryDirectory(registry)
        self.me = LocalEntity(HM_ENTITY, rings["hm"], self.directory.artifact_resolution_url(
            HM_ENTITY))
        store = StateOneTimeStore(InMemoryStateStore(clock))
        self.issuer = ArtifactIssuer(HM_ENTITY, store)
        self.service = ArtifactService(
            self.me, self.directory, ArtifactResolver(HM_ENTITY, store, clock, self.ids)
        )
        self.transport = DirectTransport(self.service)

    # --- the AD assertion ---------------------------------------------------------------------

    def ad_assertion(
        self,
        person_pseudonym: str,
        service_uuid: str,
        *,
        level: Loa = Loa.EH3,
        key: KeyPair | None = None,
        signed: bool = True,
        registry: str = MR_ENTITY,
        audiences: tuple[str, ...] = (HM_ENTITY, DV_ENTITY, MR_ENTITY),
    ) -> etree._Element:
        """An AD assertion as the AD makes it (ActingSubjectID encrypted for the MR)."""
        now = self.clock.now()
        acting = encrypt_id(
            name_id_element(person_pseudonym, "urn:etoegang:core:internal-pseudonym"),
            self.rings["mr"].encryption.as_peer(),
            recipient=MR_ENTITY,
            ids=self.ids,
        )
        string = qname(XS, "string")
        assertion = Assertion(
            id=self.ids.new_id(),
            issue_instant=now,
            issuer=AD_ENTITY,
            subject=NameID(secrets.token_hex(16), NameIDFormat.TRANSIENT),
            subject_confirmations=(
                SubjectConfirmation(recipient=HM_ACS, in_response_to="_hm-authn-request",
                                    not_on_or_after=now + timedelta(minutes=10)),
            ),
            conditions=Conditions(
                not_before=now - timedelta(minutes=1),
                not_on_or_after=now + timedelta(minutes=10),
                audience_restrictions=(audiences,),
            ),
            attributes=(
                Attribute("urn:etoegang:core:Representation",
                          (AttributeValue("true", qname(XS, "boolean")),)),
                Attribute("urn:etoegang:core:ServiceUUID",
                          (AttributeValue(service_uuid, string),)),
                Attribute("urn:etoegang:core:AuthorizationRegistryID",
                          (AttributeValue(registry, string),)),
                Attribute("urn:etoegang:core:ActingSubjectID",
                          (AttributeValue(element=acting),)),
            ),
            authn_statements=(
                AuthnStatement(now, level.urn, authenticating_authorities=(MU_OIN,)),
            ),
        )
        element = build_assertion(assertion)
        if signed:
            sign(element, key or self.rings["ad"].signing, inclusive_prefixes=("xs",))
        return element

    # --- the query ----------------------------------------------------------------------------

    def query_artifact(
        self,
        ad: etree._Element,
        *,
        service_id: str,
        service_uuid: str,
        level: Loa,
        register: str = MR_ENTITY,
        mr1: etree._Element | None = None,
        destination: str | None = None,
    ) -> str:
        path = "/mr" if register == MR_ENTITY else "/mr2"
        query = build_decision_query(
            issuer=HM_ENTITY,
            destination=destination or f"{IDP}{path}/sso/1.13",
            ad_assertion=ad,
            acs_index=1,
            intended_audience=DV_ENTITY,
            service_id=service_id,
            service_uuid=service_uuid,
            level_of_assurance=level,
            clock=self.clock,
            ids=self.ids,
            mr1_assertion=mr1,
        )
        sign(query, self.rings["hm"].signing)
        return self.issuer.issue(query, recipient=register).encode()

    # --- the answer ---------------------------------------------------------------------------

    def answer(self, app: Flask, location: str, issuer: str = MR_ENTITY) -> Answer:
        parts = urlsplit(location)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == HM_ACS
        query = parse_qs(parts.query)
        client = ArtifactClient(
            self.me, self.directory, WsgiTransport({IDP: app.wsgi_app}), self.clock, self.ids
        )
        resolved = client.resolve(query["SAMLart"][0], expected_issuer=issuer)
        response = parse_response(resolved.element)
        assertion = None
        element = None
        statement = None
        if response.assertion_elements:
            element = response.assertion_elements[0]
            certs = (self.rings["mr" if issuer == MR_ENTITY else "mr2"].signing.as_peer(),)
            verified = verify(element, VerifyPolicy(trusted=certs))
            assertion = parse_assertion(verified.element)
            statement = find_decision_statement(verified.element)
        relay = query.get("RelayState", [None])[0]
        return Answer(response, resolved.element, assertion, element, statement, relay)


def decrypt_name_id(element: etree._Element | None, ring: KeyRing) -> NameID:
    assert element is not None
    return parse_name_id(decrypt(element, ring), "test")


def csrf_token(client: FlaskClient, app: Flask) -> str:
    """The CSRF token for this test client's browser cookie (as the form would carry it)."""
    import hashlib
    import hmac

    cookie = client.get_cookie("mk_browser")
    assert cookie is not None
    secret = app.extensions["idp_settings"].secret_key()
    return hmac.new(secret, cookie.value.encode(), hashlib.sha256).hexdigest()


def fix_artifact_urls(app: Flask) -> None:
    """Point our entities' ArtifactResolutionService URLs at what their metadata publishes.

    ``idp.app`` builds them as ``/mr/ars`` while the metadata says ``/mr/ars/1.13``; the HM
    sends the metadata URL as Destination. Until the app takes them from the metadata this
    keeps the tests honest about what a real HM sends.
    """
    context = context_of(app)
    kits = {}
    for role in ("ad", "mr", "mr2"):
        kit = getattr(context, role)
        url = f"{IDP}/{role}/ars/1.13"
        if kit.me.artifact_resolution_url != url:
            me = dataclasses.replace(kit.me, artifact_resolution_url=url)
            service = dataclasses.replace(kit.service, me=me)
            kits[role] = dataclasses.replace(kit, me=me, service=service)
    if kits:
        app.extensions["idp"] = dataclasses.replace(context, **kits)


def db_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'idp.sqlite'}"


__all__ = ["MR2_ENTITY", "Answer", "FakeHm", "csrf_token", "decrypt_name_id"]
