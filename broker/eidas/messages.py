"""eIDAS-profile SAML messages the bridge builds and reads (spec §8.2): the connector's signed
AuthnRequest with ``eidas:SPType`` and ``eidas:RequestedAttributes``, the eIDAS attributes of a
verified assertion, and the proxy service's signed, AES-GCM encrypted Response.

XML is built with lxml on the protocol core's message models; signatures are RSASSA-PSS
SHA-256 (our eIDAS key is RSA) and verification accepts only the eIDAS methods
(``algorithms.EIDAS_METHODS``: RSASSA-PSS or ECDSA, never PKCS#1 v1.5 or SHA-1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from lxml import etree

from broker.eidas.vocab import ATTRNAME_URI
from broker.eidas.vocab import SpType
from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.crypto.algorithms import EIDAS_DIGESTS
from etoegang.crypto.algorithms import EIDAS_METHODS
from etoegang.crypto.xmldsig import DigestMethod
from etoegang.crypto.xmldsig import SignatureMethod
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmlenc import encrypt_assertion
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import Attribute
from etoegang.messages.assertion import AttributeValue
from etoegang.messages.assertion import AuthnStatement
from etoegang.messages.assertion import SubjectConfirmation
from etoegang.messages.assertion import build_assertion
from etoegang.messages.authn_request import AuthnContextComparison
from etoegang.messages.authn_request import AuthnRequest
from etoegang.messages.authn_request import NameIDPolicy
from etoegang.messages.authn_request import RequestedAuthnContext
from etoegang.messages.authn_request import build_authn_request
from etoegang.messages.common import Conditions
from etoegang.messages.common import NameID
from etoegang.messages.common import NameIDFormat
from etoegang.messages.response import Response
from etoegang.messages.response import build_response
from etoegang.messages.status import SUCCESS
from etoegang.messages.status import Status
from etoegang.xml.ns import EIDAS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XS
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from keys.ring import KeyPair
from keys.ring import PeerCertificate
from policies.loa import EidasLoa

ENTITY_FORMAT: Final = NameIDFormat.ENTITY.value
_SP_TYPE: Final = qname(EIDAS, "SPType")
_REQUESTED_ATTRIBUTES: Final = qname(EIDAS, "RequestedAttributes")
_REQUESTED_ATTRIBUTE: Final = qname(EIDAS, "RequestedAttribute")
_ISSUER: Final = qname(SAML, "Issuer")
_XS_STRING: Final = qname(XS, "string")
#: What the bridge signs with (its eIDAS key is RSA) and what it accepts from eIDAS peers.
SIGN_METHOD: Final = SignatureMethod.RSA_PSS_SHA256
EIDAS_POLICY_METHODS: Final = EIDAS_METHODS
VALIDITY: Final = timedelta(minutes=5)


def eidas_policy(trusted: tuple[PeerCertificate, ...]) -> VerifyPolicy:
    """Verification of an eIDAS peer: its registered keys, RSASSA-PSS or ECDSA only (§8.2)."""
    return VerifyPolicy(trusted=trusted, allowed_methods=EIDAS_METHODS,
                        allowed_digests=EIDAS_DIGESTS)


def sign_eidas(element: etree._Element, key: KeyPair, prefixes: Sequence[str] = ()) -> None:
    sign(element, key, method=SIGN_METHOD, digest=DigestMethod.SHA256,
         inclusive_prefixes=prefixes)


@dataclass(frozen=True, slots=True)
class EidasAttributeRequest:
    name: str
    friendly_name: str
    required: bool


def _extensions(sp_type: SpType, wanted: Sequence[EidasAttributeRequest]) -> tuple[etree._Element,
                                                                                    ...]:
    sp = etree.Element(_SP_TYPE, nsmap={"eidas": EIDAS})
    sp.text = sp_type.value
    holder = etree.Element(_REQUESTED_ATTRIBUTES, nsmap={"eidas": EIDAS})
    for item in wanted:
        etree.SubElement(
            holder, _REQUESTED_ATTRIBUTE, FriendlyName=item.friendly_name, Name=item.name,
            NameFormat=ATTRNAME_URI, isRequired="true" if item.required else "false",
        )
    return sp, holder


def build_eidas_request(
    *,
    issuer: str,
    destination: str,
    level: EidasLoa,
    sp_type: SpType,
    wanted: Sequence[EidasAttributeRequest],
    provider_name: str,
    key: KeyPair,
    clock: Clock,
    ids: IdSource,
) -> etree._Element:
    """The signed eIDAS AuthnRequest (§8.2: ForceAuthn true, IsPassive false, NameIDPolicy
    persistent with AllowCreate, one level with Comparison minimum, SPType, attributes)."""
    element = build_authn_request(
        AuthnRequest(
            id=ids.new_id(),
            issue_instant=clock.now(),
            issuer=issuer,
            destination=destination,
            force_authn=True,
            is_passive=False,
            provider_name=provider_name,
            name_id_policy=NameIDPolicy(NameIDFormat.PERSISTENT, allow_create=True),
            requested_authn_context=RequestedAuthnContext(
                (level.value,), AuthnContextComparison.MINIMUM
            ),
            other_extensions=_extensions(sp_type, wanted),
        )
    )
    issuer_element = element.find(_ISSUER)
    assert issuer_element is not None  # build_authn_request wrote it
    issuer_element.set("Format", ENTITY_FORMAT)
    sign_eidas(element, key)
    return element


def read_request_extensions(
    request: AuthnRequest,
) -> tuple[SpType | None, tuple[EidasAttributeRequest, ...]]:
    """SPType and the requested attributes of a (verified) eIDAS AuthnRequest."""
    sp_type: SpType | None = None
    wanted: list[EidasAttributeRequest] = []
    for extension in request.other_extensions:
        if extension.tag == _SP_TYPE:
            sp_type = SpType(text_of(extension))
        elif extension.tag == _REQUESTED_ATTRIBUTES:
            for item in extension:
                if item.tag != _REQUESTED_ATTRIBUTE:
                    continue
                wanted.append(
                    EidasAttributeRequest(
                        name=(item.get("Name") or "").strip(),
                        friendly_name=item.get("FriendlyName") or "",
                        required=(item.get("isRequired") or "").strip() in ("true", "1"),
                    )
                )
    return sp_type, tuple(wanted)


def attribute_values(assertion: Assertion) -> dict[str, str]:
    """eIDAS attribute name -> its first text value (values are plain strings, §8.2; the
    complex CurrentAddress is base64 text as well)."""
    found: dict[str, str] = {}
    for attribute in assertion.attributes:
        if attribute.texts and attribute.name not in found:
            found[attribute.name] = attribute.texts[0].strip()
    return found


@dataclass(frozen=True, slots=True)
class EidasAnswer:
    """What the proxy service answers a foreign connector (outbound)."""

    issuer: str
    connector_entity_id: str
    acs_url: str
    request_id: str
    level: EidasLoa
    attributes: tuple[tuple[str, str], ...]


def build_eidas_response(
    answer: EidasAnswer,
    *,
    key: KeyPair,
    recipient_cert: PeerCertificate,
    clock: Clock,
    ids: IdSource,
) -> etree._Element:
    """A signed Response holding the signed assertion AES-256-GCM encrypted for the connector."""
    now = clock.now()
    until = now + VALIDITY
    assertion = build_assertion(
        Assertion(
            id=ids.new_id(),
            issue_instant=now,
            issuer=answer.issuer,
            subject=NameID(ids.new_id(), NameIDFormat.TRANSIENT),
            subject_confirmations=(
                SubjectConfirmation(recipient=answer.acs_url, in_response_to=answer.request_id,
                                    not_on_or_after=until),
            ),
            conditions=Conditions(not_before=now - timedelta(seconds=5), not_on_or_after=until,
                                  audience_restrictions=((answer.connector_entity_id,),)),
            attributes=tuple(
                Attribute(name, (AttributeValue(value, _XS_STRING),), name_format=ATTRNAME_URI,
                          friendly_name=name.rsplit("/", 1)[1])
                for name, value in answer.attributes
            ),
            authn_statements=(AuthnStatement(authn_instant=now, class_ref=answer.level.value),),
        )
    )
    sign_eidas(assertion, key, ("xs",))
    encrypted = encrypt_assertion(assertion, recipient_cert, recipient=answer.connector_entity_id,
                                  ids=ids)
    return _signed_response(answer.issuer, answer.acs_url, answer.request_id, None, key, clock,
                            ids, encrypted)


def build_eidas_error(
    *, issuer: str, acs_url: str, request_id: str, status: Status, key: KeyPair, clock: Clock,
    ids: IdSource,
) -> etree._Element:
    return _signed_response(issuer, acs_url, request_id, status, key, clock, ids, None)


def _signed_response(
    issuer: str, acs_url: str, request_id: str, status: Status | None, key: KeyPair,
    clock: Clock, ids: IdSource, encrypted: etree._Element | None,
) -> etree._Element:
    element = build_response(
        Response(
            id=ids.new_id(), issue_instant=clock.now(), status=status or SUCCESS, issuer=issuer,
            in_response_to=request_id, destination=acs_url,
            encrypted_assertions=(encrypted,) if encrypted is not None else (),
        )
    )
    issuer_element = element.find(_ISSUER)
    assert issuer_element is not None
    issuer_element.set("Format", ENTITY_FORMAT)
    sign_eidas(element, key)
    return element

