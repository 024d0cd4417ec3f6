"""Check an HM's XACMLAuthzDecisionQuery and the assertions it carries (spec §4.7, §7).

The query arrives by artifact; :class:`~etoegang.exchange.artifact_client.ArtifactClient`
already verified the ArtifactResponse and the query's own signature with the HM's registered
keys. Here the register checks what it will rely on:

* the query: from a registered HM (metadata with an SP role), signed, addressed to this
  endpoint, fresh, its ID used once;
* the AD assertion inside it: signed by its AD, with the AD's *registered* keys; the AD of
  this same server is usually not in our registry (the idp server loads only the HM's
  metadata), so for exactly our own AD entity ID the keys of our own AD key ring (current and
  next) are trusted, and any other AD must be registered. The assertion must name us among
  its audiences (and the query's IntendedAudience), be within its validity window, name us as
  AuthorizationRegistryID, be for the query's ServiceUUID, carry a level at or above the
  requested one, and be used only once at this register;
* for MR2 also the MR1 assertion: signed by MR1 (registered, or our own MR by the same rule),
  permitting, demanding confirmation from us (RequireConfirmationFromNextMR), linked to the
  AD assertion by its SignatureValue.

Problems with the query itself raise :class:`QueryUntrusted` (error page); problems with what
a verified query carries raise :class:`QueryRefused` (answered to the HM).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from lxml import etree

from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import is_signed
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import decrypt
from etoegang.errors import ProtocolError
from etoegang.exchange.artifact_client import ResolvedMessage
from etoegang.exchange.inbound import issuer_of
from etoegang.exchange.peers import LocalEntity
from etoegang.exchange.replay import ReplayGuard
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.checks import AssertionExpectations
from etoegang.messages.checks import check_assertion
from etoegang.messages.common import NameID
from etoegang.messages.common import parse_name_id
from etoegang.messages.xacml import LEVEL_OF_ASSURANCE
from etoegang.messages.xacml import SERVICE_ID
from etoegang.messages.xacml import SERVICE_UUID
from etoegang.messages.xacml import DecisionQuery
from etoegang.messages.xacml import DecisionStatement
from etoegang.messages.xacml import XacmlAttribute
from etoegang.messages.xacml import find_decision_statement
from etoegang.messages.xacml import parse_decision_query
from idp.context import IdpContext
from idp.mr.errors import QueryRefused
from idp.mr.errors import QueryUntrusted
from keys.ring import KeyRing
from keys.ring import PeerCertificate
from metadata.catalogue import ServiceView
from metadata.identifiers import parse_entity_id
from policies.loa import Loa

log = logging.getLogger(__name__)

ACTING_SUBJECT_ID: Final = "urn:etoegang:core:ActingSubjectID"
AUTHORIZATION_REGISTRY_ID: Final = "urn:etoegang:core:AuthorizationRegistryID"
SERVICE_UUID_ATTRIBUTE: Final = "urn:etoegang:core:ServiceUUID"
#: How old a query may be when it arrives (it travelled through one browser redirect).
ARTIFACT_BINDING: Final = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
MAX_QUERY_AGE: Final = timedelta(minutes=5)
#: The AD assertion's IssueInstant may be this old (observed AD validity: 10 minutes).
MAX_AD_AGE: Final = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class TrustedAssertion:
    """An assertion verified with its issuer's keys, parsed from the verified element."""

    element: etree._Element
    assertion: Assertion
    signature_value: str


@dataclass(frozen=True, slots=True)
class CheckedQuery:
    """Everything a register relies on from one verified query."""

    query: DecisionQuery
    hm: str
    #: The HM's ACS (Artifact binding) the answer goes to, from the HM's metadata.
    acs_url: str
    #: The DV the identifiers are encrypted for (the query's IntendedAudience).
    dv_entity_id: str
    service: ServiceView
    level: Loa
    ad: TrustedAssertion
    #: The AD's ActingSubjectID, decrypted: the register's internal person pseudonym (MR1).
    acting_subject: NameID | None
    #: MR2 only: MR1's verified assertion and its decision statement.
    mr1: TrustedAssertion | None = None
    mr1_statement: DecisionStatement | None = None


def own_entities(context: IdpContext) -> dict[str, KeyRing]:
    """Our own entities on this server, whose keys we hold (see the module docstring)."""
    return {
        context.ad.me.entity_id: context.ad.me.keys,
        context.mr.me.entity_id: context.mr.me.keys,
        context.mr2.me.entity_id: context.mr2.me.keys,
    }


def _ring_certificates(ring: KeyRing) -> tuple[PeerCertificate, ...]:
    # Every published key: after a rollover the replaced key still verifies what it signed.
    return tuple(pair.as_peer() for pair in ring.published_signing())


def signers_of(context: IdpContext, entity_id: str) -> tuple[PeerCertificate, ...]:
    """The certificates that may sign for ``entity_id``: registered first, else our own."""
    if entity_id in context.registry:
        return context.registry.signing_certificates(entity_id)
    own = own_entities(context).get(entity_id)
    if own is None:
        raise QueryRefused("the assertion comes from an unknown party", debug=entity_id[:120])
    return _ring_certificates(own)


def encryption_certificate(context: IdpContext, entity_id: str) -> PeerCertificate:
    """Where to encrypt for one of our own registers (MR2): registered first, else our ring."""
    if entity_id in context.registry:
        return context.registry.encryption_certificate(entity_id, context.clock.now())
    own = own_entities(context).get(entity_id)
    if own is None:
        raise QueryRefused("no encryption key for the next register", debug=entity_id[:120])
    return own.encryption.as_peer()


def _resource(query: DecisionQuery, attribute_id: str) -> str:
    found = [a for a in query.resource_attributes if a.attribute_id == attribute_id]
    if len(found) != 1:
        raise QueryRefused("the query lacks a required resource attribute", debug=attribute_id)
    return found[0].text


def _attribute_text(assertion: Assertion, name: str) -> str | None:
    attribute = assertion.attribute(name)
    if attribute is None or not attribute.texts:
        return None
    return attribute.texts[0].strip()


def verify_carried(
    context: IdpContext, element: etree._Element, what: str
) -> TrustedAssertion:
    """Verify an assertion carried in the query with its issuer's keys (module docstring)."""
    if not is_signed(element):
        raise QueryRefused(f"the {what} assertion in the query is not signed")
    try:
        issuer = issuer_of(element)
        verified = verify(element, VerifyPolicy(trusted=signers_of(context, issuer)))
        assertion = parse_assertion(verified.element)
    except QueryRefused:
        raise
    except ProtocolError as exc:
        raise QueryRefused(
            f"the {what} assertion in the query does not verify: {exc.public}", debug=exc.debug
        ) from exc
    return TrustedAssertion(verified.element, assertion, verified.signature_value)


def _check_query_envelope(
    context: IdpContext, resolved: ResolvedMessage, sso_urls: frozenset[str]
) -> tuple[DecisionQuery, str]:
    hm = resolved.issuer
    try:
        entity = context.registry.get(hm)
        if entity.sp is None or not hm.startswith("urn:etoegang:HM:"):
            raise QueryUntrusted("the query does not come from a registered HM", debug=hm[:120])
        if resolved.own_signature is None:
            raise QueryUntrusted("the query is not signed by the HM (spec §4.3)")
        query = parse_decision_query(resolved.element)
    except QueryUntrusted:
        raise
    except ProtocolError as exc:
        raise QueryUntrusted(exc.public, debug=exc.debug) from exc
    if query.issuer != hm:
        raise QueryUntrusted("the query's Issuer is not the party that sent it")
    if query.destination not in sso_urls:
        raise QueryUntrusted(
            "the query is addressed to another endpoint", debug=str(query.destination)[:120]
        )
    now = context.clock.now()
    skew = timedelta(minutes=1)
    if query.issue_instant > now + skew or query.issue_instant + MAX_QUERY_AGE < now:
        raise QueryUntrusted("the query is too old or from the future")
    try:
        context.replay.first_use(hm, query.id)
    except ProtocolError as exc:
        raise QueryUntrusted(exc.public, debug=exc.debug) from exc
    return query, hm


@dataclass(frozen=True, slots=True)
class Envelope:
    """A query whose sender, signature, Destination, freshness and ID were checked."""

    query: DecisionQuery
    hm: str
    #: The HM's ACS (Artifact binding) for the query's index, from the HM's metadata.
    acs_url: str


def check_envelope(
    context: IdpContext, resolved: ResolvedMessage, sso_urls: frozenset[str]
) -> Envelope:
    """Check the query itself; :class:`QueryUntrusted` when it cannot be answered safely."""
    query, hm = _check_query_envelope(context, resolved, sso_urls)
    hm_sp = context.registry.get(hm).sp
    assert hm_sp is not None  # checked in _check_query_envelope
    try:
        acs = hm_sp.acs_by_index(query.acs_index)
    except ProtocolError as exc:
        raise QueryUntrusted("the query names an unknown ACS index", debug=exc.debug) from exc
    if acs.binding.value != ARTIFACT_BINDING:
        raise QueryUntrusted("the HM's ACS for this index does not take artifacts")
    return Envelope(query, hm, acs.location)


def check_content(
    context: IdpContext, envelope: Envelope, *, me: LocalEntity, chain: bool = False
) -> CheckedQuery:
    """Check what a trusted query carries, for the register ``me`` (MR; MR2 with ``chain``).

    The AD assertion must name ``me`` as AuthorizationRegistryID for MR1, and MR1's issuer
    for MR2. Refusals raise :class:`QueryRefused` (answered to the HM).
    """
    query = envelope.query
    try:
        service = ServiceView.by_service_uuid(context.catalogue, _resource(query, SERVICE_UUID))
        if ServiceView.by_service_id(context.catalogue, _resource(query, SERVICE_ID)) != service:
            raise QueryRefused("ServiceID and ServiceUUID name different services")
        level = Loa(_resource(query, LEVEL_OF_ASSURANCE))
    except QueryRefused:
        raise
    except (ProtocolError, ValueError) as exc:
        raise QueryRefused("the query names an unknown service or level") from exc
    dv = query.intended_audience
    try:
        dv_oin = parse_entity_id(dv).oin
    except (ProtocolError, ValueError) as exc:
        raise QueryRefused("IntendedAudience is not an eHerkenning EntityID") from exc
    if dv_oin != service.dv_oin:
        # EntityID and ServiceID are n:n (spec §1), but both belong to one DV organisation.
        raise QueryRefused("IntendedAudience is not a party of the service's provider")
    if len(query.assertions) != (2 if chain else 1):
        raise QueryRefused("the query must carry the AD assertion (and for MR2 the MR1 one)")
    ad = verify_carried(context, query.assertions[0], "AD")
    mr1: TrustedAssertion | None = None
    mr1_statement: DecisionStatement | None = None
    registry_id = me.entity_id
    if chain:
        mr1 = verify_carried(context, query.assertions[1], "MR1")
        mr1_statement = _check_mr1(context, mr1, ad, me, service)
        registry_id = mr1.assertion.issuer
    _check_ad(context, ad, me, dv, service, level, registry_id)
    # MR2 cannot read the ActingSubjectID (it is encrypted for MR1) and does not need it.
    acting = None if chain else _acting_subject(ad.assertion, me)
    return CheckedQuery(
        query=query,
        hm=envelope.hm,
        acs_url=envelope.acs_url,
        dv_entity_id=dv,
        service=service,
        level=level,
        ad=ad,
        acting_subject=acting,
        mr1=mr1,
        mr1_statement=mr1_statement,
    )


def _check_ad(
    context: IdpContext,
    ad: TrustedAssertion,
    me: LocalEntity,
    dv: str,
    service: ServiceView,
    level: Loa,
    registry_id: str,
) -> None:
    assertion = ad.assertion
    try:
        check_assertion(
            assertion,
            AssertionExpectations(
                issuer=assertion.issuer,
                # The AD addresses the register it names (MR1); MR2 only sees it in a chain.
                audience=registry_id,
                # The AD's bearer confirmation is for the HM's ACS and request, which the
                # register does not know; the HM checked it. The window still applies.
                require_bearer=False,
                max_lifetime=MAX_AD_AGE,
            ),
            context.clock,
        )
    except ProtocolError as exc:
        raise QueryRefused(f"the AD assertion is refused: {exc.public}", debug=exc.debug) from exc
    conditions = assertion.conditions
    if conditions is None or dv not in conditions.audiences:
        raise QueryRefused("the AD assertion is not meant for the query's IntendedAudience")
    if _attribute_text(assertion, AUTHORIZATION_REGISTRY_ID) != registry_id:
        raise QueryRefused("the AD assertion names another authorisation register")
    service_uuid = _attribute_text(assertion, SERVICE_UUID_ATTRIBUTE)
    if service_uuid is not None and service_uuid.lower() != service.service_uuid.lower():
        raise QueryRefused("the AD assertion is for another service")
    authn = assertion.authn_statement
    if authn is None or authn.loa is None or not authn.loa.satisfies(level):
        raise QueryRefused("the AD authenticated below the requested level")
    guard = ReplayGuard(context.state, context.clock, namespace=f"ad-assertion:{me.entity_id}")
    try:
        guard.first_use(
            assertion.issuer, assertion.id, conditions.not_on_or_after if conditions else None
        )
    except ProtocolError as exc:
        raise QueryRefused("the AD assertion was used before", debug=exc.debug) from exc


def _acting_subject(assertion: Assertion, me: LocalEntity) -> NameID:
    attribute = assertion.attribute(ACTING_SUBJECT_ID)
    values = [v.element for v in attribute.values if v.is_encrypted_id] if attribute else []
    if len(values) != 1 or values[0] is None:
        raise QueryRefused("the AD assertion carries no encrypted ActingSubjectID")
    try:
        name_id = decrypt(values[0], me.keys)
        return parse_name_id(name_id, "ActingSubjectID")
    except ProtocolError as exc:
        raise QueryRefused("the ActingSubjectID is not for this register", debug=exc.debug) from exc


def _check_mr1(
    context: IdpContext,
    mr1: TrustedAssertion,
    ad: TrustedAssertion,
    me: LocalEntity,
    service: ServiceView,
) -> DecisionStatement:
    try:
        check_assertion(
            mr1.assertion,
            AssertionExpectations(
                issuer=mr1.assertion.issuer,
                audience=me.entity_id,
                require_bearer=False,
                require_authn_statement=False,
            ),
            context.clock,
        )
        statement = find_decision_statement(mr1.element)
    except ProtocolError as exc:
        raise QueryRefused(f"the MR1 assertion is refused: {exc.public}", debug=exc.debug) from exc
    if not statement.permitted or statement.next_mr != me.entity_id:
        raise QueryRefused("the MR1 assertion does not ask this register to confirm a chain")
    if statement.linked_signature_value != ad.signature_value:
        raise QueryRefused("the MR1 assertion is not linked to the AD assertion")
    advice = mr1.assertion.advice
    if advice is None or ad.assertion.id not in advice.assertion_id_refs:
        raise QueryRefused("the MR1 assertion does not refer to the AD assertion")
    if (statement.service_uuid or "").lower() != service.service_uuid.lower():
        raise QueryRefused("the MR1 assertion is for another service")
    guard = ReplayGuard(context.state, context.clock, namespace=f"mr1-assertion:{me.entity_id}")
    try:
        guard.first_use(mr1.assertion.issuer, mr1.assertion.id)
    except ProtocolError as exc:
        raise QueryRefused("the MR1 assertion was used before", debug=exc.debug) from exc
    return statement


def text_attribute(attributes: tuple[XacmlAttribute, ...], attribute_id: str) -> str | None:
    """The single text value of an attribute in a statement part, or None."""
    found = [a for a in attributes if a.attribute_id == attribute_id]
    return found[0].text if len(found) == 1 else None
