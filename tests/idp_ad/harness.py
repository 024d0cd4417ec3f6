"""A fake HM and a means-issuer app for the AD flow tests.

The fake HM signs AuthnRequests with the HM key, issues them by artifact from its own
ArtifactResolutionService (which the AD reaches through a direct transport), and resolves the
AD's answers at the AD's ``/ad/ars`` through a WSGI transport, as the broker would.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from pathlib import Path
from typing import Any
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
from etoegang.exchange.artifact_client import ArtifactClient
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.stores import StateOneTimeStore
from etoegang.exchange.transport import HttpAnswer
from etoegang.exchange.transport import WsgiTransport
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import RequestedAuthnContext
from etoegang.messages.authn_request import build_authn_request
from etoegang.messages.response import Response
from etoegang.messages.response import parse_response
from etoegang.state.memory import InMemoryStateStore
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from idp.ad.services import AdServices
from idp.ad.services import derive
from idp.app import context_of
from idp.app import create_app
from idp.db.passwords import Argon2Parameters
from idp.db.passwords import PasswordHasher
from idp.settings import IdpSettings
from idp.settings import load_settings
from idp.sms.outbox import OutboxGateway
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import Network
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import ServiceView
from metadata.directory import RegistryDirectory
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from policies.loa import Loa
from web import csrf

CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=64, parallelism=1)
PASSWORD = "correct horse 1"  # noqa: S105  (test credential)
IDP_BASE = "http://127.0.0.1:8802"


class RecordingStore(InMemoryStateStore):
    """The in-process store, remembering every key and value written (artifacts, codes)."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__(clock)
        self.writes: list[tuple[str, bytes]] = []

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self.writes.append((key, value))
        super().put(key, value, ttl_seconds)

    def put_new(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        self.writes.append((key, value))
        return super().put_new(key, value, ttl_seconds)

    def __bool__(self) -> bool:
        # idp.app.create_app tests ``state or ...``; an empty store has len() 0 (reported).
        return True

    @property
    def artifacts_issued(self) -> int:
        return sum(1 for key, _ in self.writes if key.startswith("artifact:"))


@dataclass
class DirectTransport:
    """The AD's back channel to the fake HM's ArtifactResolutionService."""

    service: ArtifactService

    def post(self, url: str, body: bytes, content_type: str) -> HttpAnswer:
        answer = self.service.handle(body, content_type)
        return HttpAnswer(answer.status, answer.content_type, answer.body)


@dataclass(frozen=True)
class AdArsDirectory:
    """The HM's view of the peers, with the AD's ARS at the URL the idp app answers on.

    The AD metadata lists ``/ad/ars/1.13`` while ``idp.app`` gives the AD entity
    ``/ad/ars`` as its ArtifactResolutionService URL (reported to the lead)."""

    inner: RegistryDirectory
    ad_ars: str

    def signing_certificates(self, entity_id: str) -> Any:
        return self.inner.signing_certificates(entity_id)

    def artifact_resolution_url(self, entity_id: str) -> str:
        if entity_id == AD_ENTITY:
            return self.ad_ars
        return self.inner.artifact_resolution_url(entity_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self.inner)


@dataclass
class Answer:
    response: Response
    assertion: Assertion | None
    assertion_element: etree._Element | None
    relay_state: str | None


@dataclass
class Harness:
    network: Network
    rings: dict[str, KeyRing]
    app: Flask
    client: FlaskClient
    clock: FixedClock
    store: RecordingStore
    outbox: Path
    directory: RegistryDirectory
    hm_issuer: ArtifactIssuer
    hm_client: ArtifactClient
    sent_ids: list[str] = field(default_factory=list)

    # -- the HM's part ------------------------------------------------------------------

    def service(self, index: int) -> ServiceView:
        catalogue: ServiceCatalogue = context_of(self.app).catalogue
        return ServiceView.by_service_id(
            catalogue, f"urn:etoegang:DV:00000099000000000003:services:{index}"
        )

    def request(self, *, index: int = 1, loa: Loa | None = None, force: bool = False,
                destination: str | None = None, issue_offset: int = 0,
                extensions: bool = True, comparison: AuthnContextComparison =
                AuthnContextComparison.MINIMUM, signer: str = "hm") -> etree._Element:
        view = self.service(index)
        attributes = []
        if extensions:
            for name, value in (
                ("urn:etoegang:core:ServiceID", view.service_id),
                ("urn:etoegang:core:ServiceUUID", view.service_uuid),
                ("urn:etoegang:core:IntendedAudience", DV_ENTITY),
            ):
                attribute = etree.Element(qname(SAML, "Attribute"), nsmap={"saml": SAML})
                attribute.set("Name", name)
                etree.SubElement(attribute, qname(SAML, "AttributeValue")).text = value
                attributes.append(attribute)
        request_id = RandomIdSource().new_id()
        self.sent_ids.append(request_id)
        element = build_authn_request(
            AuthnRequest(
                id=request_id,
                issue_instant=self.clock.now() + timedelta(seconds=issue_offset),
                issuer=HM_ENTITY,
                destination=destination or f"{IDP_BASE}/ad/sso/1.13",
                force_authn=True if force else None,
                assertion_consumer_service_index=1,
                requested_authn_context=RequestedAuthnContext(
                    ((loa or view.loa).urn,), comparison
                ),
                other_extensions=tuple(attributes),
            )
        )
        sign(element, self.rings[signer].signing)
        return element

    def start(self, relay_state: str | None = "rs-1", element: etree._Element | None = None,
              **kwargs: Any) -> Any:
        """The browser arrives at the AD's SSO endpoint with the HM's artifact."""
        message = element if element is not None else self.request(**kwargs)
        artifact = self.hm_issuer.issue(message, recipient=AD_ENTITY).encode()
        query: dict[str, str] = {"SAMLart": artifact}
        if relay_state is not None:
            query["RelayState"] = relay_state
        return self.client.get("/ad/sso/1.13", query_string=query)

    def answer(self, location: str) -> Answer:
        """Resolve the AD's answer artifact as the HM does."""
        parts = urlsplit(location)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
            "http://127.0.0.1:8801/broker/acs/1.13"
        )
        query = parse_qs(parts.query)
        resolved = self.hm_client.resolve(query["SAMLart"][0], expected_issuer=AD_ENTITY)
        assert resolved.own_signature is not None  # the AD signs its Response
        response = parse_response(resolved.element)
        relay = query.get("RelayState", [None])[0]
        if not response.assertions:
            return Answer(response, None, None, relay)
        element = response.assertion_elements[0]
        policy = VerifyPolicy(trusted=self.directory.signing_certificates(AD_ENTITY))
        verified = verify(element, policy)
        return Answer(response, parse_assertion(verified.element), verified.element, relay)

    # -- the browser's part ---------------------------------------------------------------

    def token(self, path: str = "/ad/login") -> str:
        """This browser's CSRF token (web.csrf: HMAC of its browser-id cookie)."""
        cookie = self.client.get_cookie(csrf.COOKIE)
        if cookie is None:
            self.client.get(path)
            cookie = self.client.get_cookie(csrf.COOKIE)
        assert cookie is not None
        secret = context_settings(self.app).secret_key()
        return hmac.new(secret, cookie.value.encode(), hashlib.sha256).hexdigest()

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        return self.client.post(path, data={csrf.FIELD: self.token(path), **data}, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.post("/ad/login", {"email": email, "password": password})

    def cancel(self) -> Any:
        return self.client.post(
            "/ad/cancel", data={csrf.FIELD: self.token("/ad/login"), "action": "cancel"}
        )

    def last_code(self) -> str:
        lines = self.outbox.read_text().splitlines()
        match = re.search(r"\b(\d{6})\b", lines[-1])
        assert match
        return match.group(1)

    def sms_count(self) -> int:
        return len(self.outbox.read_text().splitlines()) if self.outbox.exists() else 0

    def code(self, code: str) -> Any:
        return self.client.post(
            "/ad/code", data={csrf.FIELD: self.token("/ad/code"), "code": code,
                              "action": "verify"}
        )


def context_settings(app: Flask) -> IdpSettings:
    settings: IdpSettings = app.extensions["idp_settings"]
    return settings


def make_harness(network: Network, rings: dict[str, KeyRing], template_db: Path,
                 tmp: Path, clock: FixedClock) -> Harness:
    shutil.copy(template_db, tmp / "idp.sqlite")
    settings = dataclasses.replace(
        load_settings(network.settings_file("idp")),
        db_url=f"sqlite:///{tmp / 'idp.sqlite'}",
        sms_outbox=tmp / "sms.jsonl",
    )
    trust = trust_from_files([network.ca_file])
    registry = load_registry(sorted((network.directory / "metadata").glob("*.xml")), trust, clock)
    directory = RegistryDirectory(registry)
    ids = RandomIdSource()
    hm_store = StateOneTimeStore(InMemoryStateStore(clock))
    hm = LocalEntity(HM_ENTITY, rings["hm"], directory.artifact_resolution_url(HM_ENTITY))
    hm_service = ArtifactService(hm, directory, ArtifactResolver(HM_ENTITY, hm_store, clock, ids))
    store = RecordingStore(clock)
    app = create_app(settings, clock=clock, ids=ids, transport=DirectTransport(hm_service),
                     state=store, migrate=False)
    app.config["TESTING"] = True
    secret = settings.secret_key()
    app.extensions["idp.ad"] = AdServices(
        hasher=PasswordHasher(CHEAP),
        gateway=OutboxGateway(settings.sms_outbox, clock),
        cookie_key=derive(secret, "cookie"),
        code_key=derive(secret, "otp"),
        counter_key=derive(secret, "counter"),
    )
    hm_client = ArtifactClient(
        hm,
        AdArsDirectory(directory, context_of(app).ad.me.artifact_resolution_url),
        WsgiTransport({IDP_BASE: app}),
        clock,
        ids,
    )
    return Harness(
        network=network,
        rings=rings,
        app=app,
        client=app.test_client(),
        clock=clock,
        store=store,
        outbox=settings.sms_outbox,
        directory=directory,
        hm_issuer=ArtifactIssuer(HM_ENTITY, hm_store),
        hm_client=hm_client,
    )
