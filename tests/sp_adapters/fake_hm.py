"""A small fake HM for the DV adapter's tests, made from the protocol core only.

It takes the DV's AuthnRequest, and answers by artifact with a signed Response whose HM
assertion carries a signed AD assertion and a signed MR assertion (and, for a chain, an MR2
assertion) in Advice, with EncryptedIDs made by ``encrypt_id`` for the DV's encryption key and
copied into the HM assertion with fresh Ids (wave-2 decision). ``Scenario`` switches on the
faults each test needs. The DV resolves the artifact over ``FakeHm.post`` (a Transport).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from lxml import etree

from etoegang.bindings.artifact import ArtifactIssuer
from etoegang.bindings.artifact import ArtifactResolver
from etoegang.clock import FixedClock
from etoegang.clock import RandomIdSource
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import signature_value
from etoegang.crypto.xmlenc import encrypt_id
from etoegang.exchange.artifact_service import ArtifactService
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.stores import StateOneTimeStore
from etoegang.exchange.transport import HttpAnswer
from etoegang.messages import xacml as x
from etoegang.messages.assertion import Advice
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import Attribute
from etoegang.messages.assertion import AttributeValue
from etoegang.messages.assertion import AuthnStatement
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import build_assertion
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.common import build_name_id
from etoegang.messages.response import Response
from etoegang.messages.response import build_response
from etoegang.messages.status import SUCCESS
from etoegang.messages.status import Status
from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from etoegang.state.memory import InMemoryStateStore
from etoegang.xml import ns
from keys.ring import KeyPair
from keys.ring import KeyRing
from makelaar.network import AD_ENTITY
from makelaar.network import DV_ENTITY
from makelaar.network import HM_ENTITY
from makelaar.network import MR2_ENTITY
from makelaar.network import MR_ENTITY
from makelaar.network import MU_OIN
from metadata.directory import RegistryDirectory
from metadata.loading import load_registry
from metadata.loading import trust_from_files
from policies.loa import Loa

KVK = "12345678"
PSEUDONYM = "a" * 64 + "@" + "b" * 32
BRANCH = "000012345678"
INTERMEDIARY_KVK = "87654321"
INTERMEDIARY_NAME = "Accountants B.V."
KVK_TYPE = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
PSEUDO_TYPE = "urn:etoegang:1.13:EntityConcernedID:Pseudo"


@dataclass
class Scenario:
    """What the fake HM answers; the defaults make a correct eH3 login for service 1."""

    loa: Loa = Loa.EH3
    branch: str | None = None
    chain: bool = False
    cancel: bool = False
    audience: str = DV_ENTITY
    in_response_to: str | None = None  # None: the request's ID
    issued_at: datetime | None = None  # None: now
    sign_assertion: bool = True
    tamper_assertion: bool = False
    bad_ad_signature: bool = False
    linked_mismatch: bool = False
    #: Encrypt the identifiers for another key than the DV's.
    encrypt_for: KeyPair | None = None
    service_id: str | None = None
    extra_attributes: tuple[Attribute, ...] = field(default=())


def _fresh_ids(encrypted_id: etree._Element, suffix: str) -> etree._Element:
    """A copy of an EncryptedID with new Ids, references rewritten consistently."""
    copy_ = copy.deepcopy(encrypted_id)
    renames: dict[str, str] = {}
    for element in copy_.iter():
        old = element.get("Id")
        if old:
            renames[old] = f"{old}-{suffix}"
            element.set("Id", renames[old])
    for element in copy_.iter():
        uri = element.get("URI")
        if uri and uri.startswith("#") and uri[1:] in renames:
            element.set("URI", "#" + renames[uri[1:]])
    return copy_


def _name_id(value: str, qualifier: str) -> etree._Element:
    holder = etree.Element("holder")
    return build_name_id(holder, NameID(value, NameIDFormat.PERSISTENT, qualifier))


class FakeHm:
    def __init__(self, network_dir: Path, rings: dict[str, KeyRing], clock: FixedClock) -> None:
        self.rings = rings
        self.clock = clock
        self.ids = RandomIdSource()
        trust = trust_from_files([network_dir / "keys" / "ca.crt"])
        registry = load_registry(sorted((network_dir / "metadata").glob("*.xml")), trust, clock)
        self.directory = RegistryDirectory(registry)
        store = StateOneTimeStore(InMemoryStateStore(clock))
        me = LocalEntity(HM_ENTITY, rings["hm"], self.directory.artifact_resolution_url(HM_ENTITY))
        self.service = ArtifactService(
            me, self.directory, ArtifactResolver(HM_ENTITY, store, clock, self.ids)
        )
        self.issuer = ArtifactIssuer(HM_ENTITY, store)
        self.resolutions = 0

    # Transport for the DV's ArtifactClient.
    def post(self, url: str, body: bytes, content_type: str) -> HttpAnswer:
        self.resolutions += 1
        answer = self.service.handle(body, content_type)
        return HttpAnswer(answer.status, answer.content_type, answer.body)

    def _enc(self, value: str, qualifier: str, scenario: Scenario) -> etree._Element:
        target = scenario.encrypt_for or self.rings["dv"].encryption
        return encrypt_id(
            _name_id(value, qualifier), target.as_peer(), recipient=DV_ENTITY, ids=self.ids
        )

    def _ad_assertion(self, now: datetime, scenario: Scenario) -> etree._Element:
        assertion = Assertion(
            id=self.ids.new_id(),
            issue_instant=now,
            issuer=AD_ENTITY,
            subject=NameID("ad-internal-1", NameIDFormat.TRANSIENT),
            conditions=Conditions(
                now - timedelta(minutes=10),
                now + timedelta(minutes=10),
                ((HM_ENTITY, DV_ENTITY, MR_ENTITY),),
            ),
            authn_statements=(AuthnStatement(now, scenario.loa.urn,
                                             authenticating_authorities=(MU_OIN,)),),
        )
        element = build_assertion(assertion)
        key = self.rings["mr"].signing if scenario.bad_ad_signature else self.rings["ad"].signing
        sign(element, key)
        return element

    def _mr_assertion(
        self,
        now: datetime,
        issuer: str,
        key: KeyPair,
        linked: str,
        legal: etree._Element,
        acting: etree._Element,
        service_id: str,
        service_uuid: str,
        scenario: Scenario,
        next_mr: str | None = None,
    ) -> etree._Element:
        subject = [
            x.XacmlAttribute.string(x.ACTING_ENTITY_ID, "pseudo-mr", issuer),
            x.XacmlAttribute(x.ACTING_SUBJECT_ID, x.SAML_ENCRYPTED_ID, (acting,), issuer),
            x.XacmlAttribute(x.LINKED_SIGNATURE, x.XS_BASE64, (linked,), issuer),
            x.XacmlAttribute(x.LEGAL_SUBJECT_ID, x.SAML_ENCRYPTED_ID, (legal,), issuer),
        ]
        resource = [
            x.XacmlAttribute.string(x.SERVICE_ID, service_id),
            x.XacmlAttribute.string(x.SERVICE_UUID, service_uuid),
            x.XacmlAttribute.string(x.LEVEL_OF_ASSURANCE_USED, scenario.loa.urn, issuer),
        ]
        statement = x.DecisionStatement(
            x.Decision.PERMIT,
            obligations=(x.next_mr_obligation(next_mr),) if next_mr else (),
            subject_attributes=tuple(subject),
            resource_attributes=tuple(resource),
        )
        element = build_assertion(
            Assertion(
                id=self.ids.new_id(),
                issue_instant=now,
                issuer=issuer,
                subject=NameID("mr-1", NameIDFormat.TRANSIENT, issuer),
                conditions=Conditions(now, now + timedelta(minutes=2),
                                      ((HM_ENTITY, DV_ENTITY),)),
                other_statements=(x.build_decision_statement(statement),),
            )
        )
        sign(element, key, inclusive_prefixes=("xacml-saml",))
        return element

    def answer(
        self, request: etree._Element, service_uuid: str, scenario: Scenario | None = None
    ) -> str:
        """Answer the DV's AuthnRequest: the SAMLart the browser would bring to the DV's ACS."""
        scenario = scenario or Scenario()
        now = scenario.issued_at or self.clock.now()
        request_id = request.get("ID", "")
        in_response_to = scenario.in_response_to or request_id
        acs = "http://127.0.0.1:8803/saml/acs"
        index = request.get("AttributeConsumingServiceIndex", "1")
        service_id = scenario.service_id or f"urn:etoegang:DV:00000099000000000003:services:{index}"
        if scenario.cancel:
            status = Status(StatusCode.RESPONDER, SubStatusCode.AUTHN_FAILED, "The user cancelled.")
            response = build_response(
                Response(self.ids.new_id(), now, status, HM_ENTITY, in_response_to, acs)
            )
            sign(response, self.rings["hm"].signing)
            return self.issuer.issue(response, recipient=DV_ENTITY).encode()

        ad = self._ad_assertion(now, scenario)
        ad_value = signature_value(ad)
        legal = self._enc(KVK, KVK_TYPE, scenario)
        acting = self._enc(PSEUDONYM, PSEUDO_TYPE, scenario)
        linked = "bm90LXRoZS1hZC1zaWduYXR1cmU=" if scenario.linked_mismatch else ad_value
        advice: list[etree._Element] = [ad]
        if scenario.chain:
            mr1 = self._mr_assertion(
                now, MR_ENTITY, self.rings["mr"].signing, linked,
                self._enc(KVK, KVK_TYPE, scenario), self._enc(PSEUDONYM, PSEUDO_TYPE, scenario),
                service_id, service_uuid,
                scenario, next_mr=MR2_ENTITY,
            )
            mr2 = self._mr_assertion(
                now, MR2_ENTITY, self.rings["mr2"].signing, signature_value(mr1), legal,
                acting, service_id, service_uuid, scenario,
            )
            advice += [mr1, mr2]
        else:
            advice.append(
                self._mr_assertion(
                    now, MR_ENTITY, self.rings["mr"].signing, linked, legal, acting,
                    service_id, service_uuid, scenario,
                )
            )
        attributes = [
            Attribute(x.ACTING_SUBJECT_ID, (AttributeValue(element=_fresh_ids(acting, "hm")),)),
            Attribute(x.LEGAL_SUBJECT_ID, (AttributeValue(element=_fresh_ids(legal, "hm")),)),
            Attribute(x.SERVICE_ID, (AttributeValue(service_id),)),
            Attribute(x.SERVICE_UUID, (AttributeValue(service_uuid),)),
        ]
        if scenario.branch:
            attributes.append(Attribute(x.VESTIGINGSNR, (AttributeValue(scenario.branch),)))
        if scenario.chain:
            attributes.append(Attribute("urn:etoegang:1.9:IntermediateEntityID:KvKnr",
                                        (AttributeValue(INTERMEDIARY_KVK),)))
            attributes.append(Attribute("urn:etoegang:1.13:attribute-intermediate:CompanyName",
                                        (AttributeValue(INTERMEDIARY_NAME),)))
        attributes.extend(scenario.extra_attributes)
        hm_assertion = build_assertion(
            Assertion(
                id=self.ids.new_id(),
                issue_instant=now,
                issuer=HM_ENTITY,
                subject=NameID("hm-transient-1", NameIDFormat.TRANSIENT, AD_ENTITY),
                subject_confirmations=(
                    SubjectConfirmation(
                        recipient=acs,
                        in_response_to=in_response_to,
                        not_on_or_after=now + timedelta(minutes=2),
                    ),
                ),
                conditions=Conditions(
                    now - timedelta(seconds=5), now + timedelta(minutes=2),
                    ((scenario.audience,),),
                ),
                advice=Advice(assertions=tuple(advice)),
                attributes=tuple(attributes),
                authn_statements=(
                    AuthnStatement(now, scenario.loa.urn, session_index="session-1",
                                   authenticating_authorities=(AD_ENTITY,)),
                ),
            )
        )
        if scenario.sign_assertion:
            sign(hm_assertion, self.rings["hm"].signing)
        if scenario.tamper_assertion:
            value = hm_assertion.find(f".//{{{ns.SAML}}}Attribute[@Name='{x.SERVICE_UUID}']/"
                                      f"{{{ns.SAML}}}AttributeValue")
            assert value is not None
            value.text = service_uuid.upper()  # same meaning, different bytes
        response = build_response(
            Response(self.ids.new_id(), now, SUCCESS, HM_ENTITY, in_response_to, acs,
                     assertions=(hm_assertion,))
        )
        sign(response, self.rings["hm"].signing)
        return self.issuer.issue(response, recipient=DV_ENTITY).encode()
