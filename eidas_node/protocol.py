"""The simulator's eIDAS messages (spec §8.2): reading the connector's signed AuthnRequest and
answering it with a signed Response holding a signed, AES-256-GCM encrypted assertion; and, as
a foreign connector, sending a signed AuthnRequest to the Dutch proxy service and reading its
encrypted answer. Signatures are ECDSA-SHA256 or RSASSA-PSS-SHA256 and only those (and their
SHA-512 siblings) are accepted from the broker."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from eidas_node import vocab
from eidas_node.vocab import Level
from eidas_node.vocab import Signing
from etoegang.bindings.post import decode_post
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.algorithms import EIDAS_DIGESTS
from etoegang.crypto.algorithms import EIDAS_METHODS
from etoegang.crypto.xmldsig import DigestMethod
from etoegang.crypto.xmldsig import SignatureMethod
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import DEFAULT_PROFILE
from etoegang.crypto.xmlenc import EncryptionProfile
from etoegang.crypto.xmlenc import decrypt
from etoegang.crypto.xmlenc import encrypt_assertion
from etoegang.errors import MessageMalformed
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import AuthnStatement
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import build_assertion
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import NameIDPolicy
from etoegang.messages.authn_request import RequestedAuthnContext
from etoegang.messages.authn_request import build_authn_request
from etoegang.messages.authn_request import parse_authn_request
from etoegang.messages.checks import AssertionExpectations
from etoegang.messages.checks import check_assertion
from etoegang.messages.checks import check_response
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.response import Response
from etoegang.messages.response import build_response
from etoegang.messages.response import parse_response
from etoegang.messages.status import SUCCESS
from etoegang.messages.status import Status
from etoegang.xml.ns import EIDAS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XSI
from etoegang.xml.ns import qname
from keys.ring import KeyPair
from keys.ring import KeyRing
from keys.ring import PeerCertificate

_METHOD: Final = {Signing.ECDSA: SignatureMethod.ECDSA_SHA256,
                  Signing.RSA_PSS: SignatureMethod.RSA_PSS_SHA256}
_ISSUER: Final = qname(SAML, "Issuer")
_ENTITY: Final = NameIDFormat.ENTITY.value


def policy(trusted: tuple[PeerCertificate, ...]) -> VerifyPolicy:
    return VerifyPolicy(trusted=trusted, allowed_methods=EIDAS_METHODS,
                        allowed_digests=EIDAS_DIGESTS)


def signer(ring: KeyRing, signing: Signing) -> KeyPair:
    """Our EC key for ECDSA, our RSA signing key for RSASSA-PSS (both published)."""
    want_ec = signing is Signing.ECDSA
    for pair in ring.published_signing():
        if isinstance(pair.private_key, ec.EllipticCurvePrivateKey) == want_ec:
            return pair
    raise ValueError(f"no {signing.value} signing key in the ring")


def sign_as(element: etree._Element, ring: KeyRing, signing: Signing,
            method: SignatureMethod | None = None) -> None:
    sign(element, signer(ring, signing), method=method or _METHOD[signing],
         digest=DigestMethod.SHA256)


def _entity_issuer(element: etree._Element) -> None:
    issuer = element.find(_ISSUER)
    if issuer is not None:
        issuer.set("Format", _ENTITY)


# --- proxy-service side: a Dutch connector asks for a foreign person ----------------------


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    request_id: str
    issuer: str
    level: Level
    relay_state: str | None
    requested: tuple[str, ...]


def receive_request(
    form: Mapping[str, str], trusted: tuple[PeerCertificate, ...], sso_url: str, issuer: str
) -> IncomingRequest:
    """A verified eIDAS AuthnRequest by POST; raises a ProtocolError subclass when refused."""
    posted = decode_post(form, kind="SAMLRequest")
    verified = verify(posted.element, policy(trusted))
    request = parse_authn_request(verified.element)
    if request.issuer != issuer:
        raise MessageMalformed("AuthnRequest from an unknown connector")
    if request.destination != sso_url:
        raise MessageMalformed("AuthnRequest is not addressed to this proxy service")
    if request.force_authn is not True or request.is_passive:
        raise MessageMalformed("eIDAS requires ForceAuthn true and IsPassive false")
    context = request.requested_authn_context
    if context is None or context.comparison is not AuthnContextComparison.MINIMUM:
        raise MessageMalformed("eIDAS requires one level with Comparison minimum")
    levels = [Level(ref) for ref in context.class_refs]
    if len(levels) != 1:
        raise MessageMalformed("eIDAS requires exactly one level")
    requested = tuple(
        (item.get("Name") or "")
        for extension in request.other_extensions
        if extension.tag == qname(EIDAS, "RequestedAttributes")
        for item in extension
    )
    return IncomingRequest(request.id, request.issuer, levels[0], posted.relay_state, requested)


@dataclass(frozen=True, slots=True)
class Answer:
    issuer: str
    destination: str
    audience: str
    request_id: str
    level: Level
    attributes: tuple[tuple[str, str], ...]


def _attribute_statement(parent: etree._Element, attributes: Sequence[tuple[str, str]]) -> None:
    statement = etree.SubElement(parent, qname(SAML, "AttributeStatement"))
    for name, value in attributes:
        attribute = etree.SubElement(statement, qname(SAML, "Attribute"), Name=name,
                                     NameFormat=vocab.ATTRNAME_URI,
                                     FriendlyName=name.rsplit("/", 1)[1])
        namespace, type_name = vocab.VALUE_TYPES.get(name, (EIDAS, "string"))
        holder = etree.SubElement(attribute, qname(SAML, "AttributeValue"),
                                  nsmap={"xsi": XSI, "eidas-value": namespace})
        holder.set(qname(XSI, "type"), f"eidas-value:{type_name}")
        holder.text = value


def build_answer(
    answer: Answer,
    *,
    ring: KeyRing,
    signing: Signing,
    recipient: PeerCertificate,
    clock: Clock,
    ids: IdSource,
    method: SignatureMethod | None = None,
    profile: EncryptionProfile = DEFAULT_PROFILE,
    sign_response: bool = True,
) -> etree._Element:
    """The signed Response with the signed assertion encrypted for the connector.

    ``method``, ``profile`` and ``sign_response`` exist so tests can make the wrong answers a
    node could send (PKCS#1 v1.5, AES-CBC, unsigned); the simulator itself always uses the
    profile's algorithms.
    """
    now = clock.now()
    until = now + timedelta(minutes=5)
    element = build_assertion(
        Assertion(
            id=ids.new_id(),
            issue_instant=now,
            issuer=answer.issuer,
            subject=NameID(ids.new_id(), NameIDFormat.TRANSIENT),
            subject_confirmations=(SubjectConfirmation(
                recipient=answer.destination, in_response_to=answer.request_id,
                not_on_or_after=until),),
            conditions=Conditions(not_before=now - timedelta(seconds=5), not_on_or_after=until,
                                  audience_restrictions=((answer.audience,),)),
            authn_statements=(AuthnStatement(authn_instant=now, class_ref=answer.level.value),),
        )
    )
    # The AttributeStatement goes before the AuthnStatement (schema order).
    authn = element.find(qname(SAML, "AuthnStatement"))
    assert authn is not None
    holder = etree.Element("holder")
    _attribute_statement(holder, answer.attributes)
    authn.addprevious(holder[0])
    _entity_issuer(element)
    sign_as(element, ring, signing, method)
    encrypted = encrypt_assertion(element, recipient, recipient=answer.audience, ids=ids,
                                  profile=profile)
    return _response(answer.issuer, answer.destination, answer.request_id, SUCCESS, encrypted,
                     ring, signing, clock, ids, method, sign_response)


def build_failure(answer: Answer, status: Status, *, ring: KeyRing, signing: Signing,
                  clock: Clock, ids: IdSource) -> etree._Element:
    return _response(answer.issuer, answer.destination, answer.request_id, status, None, ring,
                     signing, clock, ids, None, True)


def _response(issuer: str, destination: str, request_id: str, status: Status,
              encrypted: etree._Element | None, ring: KeyRing, signing: Signing, clock: Clock,
              ids: IdSource, method: SignatureMethod | None, signed: bool) -> etree._Element:
    element = build_response(Response(
        id=ids.new_id(), issue_instant=clock.now(), status=status, issuer=issuer,
        in_response_to=request_id, destination=destination,
        encrypted_assertions=(encrypted,) if encrypted is not None else ()))
    _entity_issuer(element)
    if signed:
        sign_as(element, ring, signing, method)
    return element


# --- connector side: a Dutch business logs in to a service of ours -------------------------


def build_connector_request(
    *, issuer: str, destination: str, level: Level, requested: Sequence[tuple[str, bool]],
    ring: KeyRing, signing: Signing, clock: Clock, ids: IdSource,
) -> etree._Element:
    sp_type = etree.Element(qname(EIDAS, "SPType"), nsmap={"eidas": EIDAS})
    sp_type.text = "public"
    attributes = etree.Element(qname(EIDAS, "RequestedAttributes"), nsmap={"eidas": EIDAS})
    for name, required in requested:
        etree.SubElement(attributes, qname(EIDAS, "RequestedAttribute"),
                         FriendlyName=name.rsplit("/", 1)[1], Name=name,
                         NameFormat=vocab.ATTRNAME_URI, isRequired="true" if required else "false")
    element = build_authn_request(AuthnRequest(
        id=ids.new_id(), issue_instant=clock.now(), issuer=issuer, destination=destination,
        force_authn=True, is_passive=False, provider_name="eIDAS node simulator (foreign SP)",
        name_id_policy=NameIDPolicy(NameIDFormat.UNSPECIFIED, allow_create=True),
        requested_authn_context=RequestedAuthnContext((level.value,),
                                                      AuthnContextComparison.MINIMUM),
        other_extensions=(sp_type, attributes)))
    _entity_issuer(element)
    sign_as(element, ring, signing)
    return element


@dataclass(frozen=True, slots=True)
class ConnectorResult:
    status: Status
    level: str | None
    attributes: tuple[tuple[str, str], ...]
    #: The algorithm of the assertion's encryption (shown on the result page).
    encryption: str | None


def read_answer(
    form: Mapping[str, str], *, trusted: tuple[PeerCertificate, ...], ring: KeyRing,
    issuer: str, acs_url: str, audience: str, request_id: str | None, clock: Clock,
) -> tuple[ConnectorResult, str | None]:
    """The proxy service's answer, verified and decrypted; (result, RelayState)."""
    posted = decode_post(form, kind="SAMLResponse")
    verified = verify(posted.element, policy(trusted))
    response = parse_response(verified.element, allow_extensions=True)
    if not response.status.is_success:
        return ConnectorResult(response.status, None, (), None), posted.relay_state
    check_response(response, destination=acs_url, in_response_to=request_id, issuer=issuer)
    if response.assertions or len(response.encrypted_assertions) != 1:
        raise MessageMalformed("expected one EncryptedAssertion")
    encrypted = response.encrypted_assertions[0]
    method = encrypted.find(f"{qname('http://www.w3.org/2001/04/xmlenc#', 'EncryptedData')}/"
                            f"{qname('http://www.w3.org/2001/04/xmlenc#', 'EncryptionMethod')}")
    plain = decrypt(encrypted, ring)
    assertion = parse_assertion(verify(plain, policy(trusted)).element)
    check_assertion(assertion, AssertionExpectations(
        issuer=issuer, audience=audience, recipient=acs_url, in_response_to=request_id), clock)
    statement = assertion.authn_statement
    values = tuple((a.name, a.texts[0]) for a in assertion.attributes if a.texts)
    return (ConnectorResult(response.status, statement.class_ref if statement else None, values,
                            method.get("Algorithm") if method is not None else None),
            posted.relay_state)
