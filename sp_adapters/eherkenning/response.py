"""Turn the HM's resolved Response into an :class:`EHerkenningLogin` (spec §4.5), or raise.

No web framework here: the caller hands in the message its artifact resolved to (the
ArtifactResponse was verified with the HM's registered keys by
:class:`etoegang.exchange.ArtifactClient`) and the pending login it belongs to. In order:

1. the Response: Issuer = HM, Destination = our ACS, InResponseTo = our request, Status
   (a non-Success status raises its typed :class:`StatusError`);
2. exactly one assertion, signed by the HM with a key from the HM's metadata (an unsigned
   assertion is refused even though the ArtifactResponse is signed: §4.3 "MUST NOT process
   unsigned parts" and our metadata says WantAssertionsSigned);
3. :func:`etoegang.messages.checks.check_assertion`: issuer, audience = our EntityID, bearer
   Recipient = our ACS, InResponseTo, validity window; then the replay guard on its ID;
4. the service (ServiceID of the pending request) and the level (at least what was required);
5. the Advice chain (:mod:`sp_adapters.eherkenning.advice`);
6. the EncryptedIDs, decrypted with our key ring (current and next keys), each checked against
   the ciphertext an MR vouched for.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from lxml import etree

from etoegang.clock import Clock
from etoegang.crypto.xmlenc import decrypt
from etoegang.crypto.xmlenc import key_names
from etoegang.crypto.xmlenc import recipients
from etoegang.errors import AssertionRefused
from etoegang.errors import DecryptionError
from etoegang.errors import MalformedIdentifier
from etoegang.errors import MessageMalformed
from etoegang.errors import SignatureMissing
from etoegang.exchange.artifact_client import ResolvedMessage
from etoegang.exchange.inbound import verify_from_peer
from etoegang.exchange.replay import ReplayGuard
from etoegang.messages.assertion import Assertion
from etoegang.messages.assertion import Attribute
from etoegang.messages.assertion import parse_assertion
from etoegang.messages.checks import AssertionExpectations
from etoegang.messages.checks import check_assertion
from etoegang.messages.checks import check_response
from etoegang.messages.common import ENCRYPTED_ID
from etoegang.messages.common import parse_name_id
from etoegang.messages.response import parse_response
from etoegang.messages.xacml import ACTING_SUBJECT_ID
from etoegang.messages.xacml import LEGAL_SUBJECT_ID
from etoegang.messages.xacml import SERVICE_ID
from etoegang.messages.xacml import SERVICE_UUID
from etoegang.messages.xacml import VESTIGINGSNR
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import text_of
from metadata.identifiers import parse_service_id
from policies.loa import Loa
from sp_adapters.eherkenning.advice import check_advice
from sp_adapters.eherkenning.advice import check_vouched
from sp_adapters.eherkenning.config import SpConfig
from sp_adapters.eherkenning.request import PendingLogin
from sp_adapters.eherkenning.result import CompanyIdType
from sp_adapters.eherkenning.result import EHerkenningLogin

log = logging.getLogger(__name__)

_INTERMEDIARY_KVK = re.compile(r"^urn:etoegang:[\d.]+:IntermediateEntityID:KvK(nr)?$")
_INTERMEDIARY_NAME = re.compile(r"^urn:etoegang:[\d.]+:attribute-intermediate:CompanyName$")
_HANDLED = (LEGAL_SUBJECT_ID, ACTING_SUBJECT_ID, SERVICE_ID, SERVICE_UUID, VESTIGINGSNR)
_ATTRIBUTE = qname(SAML, "Attribute")
_ATTRIBUTE_VALUE = qname(SAML, "AttributeValue")


@dataclass(frozen=True, slots=True)
class _Identifier:
    value: str
    qualifier: str | None


def _decrypt_id(name: str, wrapper: etree._Element, config: SpConfig) -> _Identifier:
    short = name.rsplit(":", 1)[-1]
    try:
        plain = decrypt(wrapper, config.keys)
    except DecryptionError as exc:
        ours = ", ".join(k.key_name[:16] for k in config.keys.decryption_keys())
        raise DecryptionError(
            f"the {short} is not encrypted for this DV's keys: check that the service "
            "catalogue's ServiceCertificate is this DV's current or next encryption certificate",
            debug=f"recipients={recipients(wrapper)} key_names="
            f"{[n[:16] for n in key_names(wrapper)]} ours=[{ours}] ({exc.debug})",
        ) from exc
    name_id = parse_name_id(plain, short)
    return _Identifier(name_id.value, name_id.name_qualifier)


def _single(attribute: Attribute) -> str | etree._Element:
    if len(attribute.values) != 1:
        raise MessageMalformed(f"attribute {attribute.name} must have exactly one value")
    value = attribute.values[0]
    return value.element if value.element is not None else value.text.strip()


def _text_or_decrypted(attribute: Attribute, config: SpConfig) -> str:
    value = _single(attribute)
    if isinstance(value, str):
        return value
    if value.tag == ENCRYPTED_ID:
        return _decrypt_id(attribute.name, value, config).value
    raise MessageMalformed(f"attribute {attribute.name} holds an unexpected element")


def _encrypted_attributes(
    assertion: Assertion, config: SpConfig
) -> list[tuple[str, tuple[str, ...]]]:
    found: list[tuple[str, tuple[str, ...]]] = []
    for wrapper in assertion.encrypted_attributes:
        plain = decrypt(wrapper, config.keys)
        if plain.tag != _ATTRIBUTE or not plain.get("Name"):
            raise MessageMalformed("an EncryptedAttribute holds no named Attribute")
        values = tuple(
            text_of(v, strip=False) for v in plain if v.tag == _ATTRIBUTE_VALUE
        )
        found.append((plain.get("Name", ""), values))
    return found


def _same_service(a: str, b: str) -> bool:
    try:
        return parse_service_id(a) == parse_service_id(b)
    except MalformedIdentifier:
        return False


def verify_login(
    config: SpConfig,
    resolved: ResolvedMessage,
    pending: PendingLogin,
    *,
    clock: Clock,
    replay: ReplayGuard,
) -> EHerkenningLogin:
    """Everything a DV must check before trusting a login; see the module docstring.

    :raises StatusError: the HM answered with an error status (a cancel is AuthnFailed).
    :raises ProtocolError: (a subclass) any check failed.
    """
    hm = config.hm.entity_id
    # spec §4.3: every message is signed by its sender, also inside a signed ArtifactResponse
    # (issue 5: a signed assertion in an unsigned Response is refused).
    if resolved.own_signature is None:
        raise SignatureMissing("the HM Response is not signed")
    response = parse_response(resolved.element)
    check_response(
        response, destination=config.acs_url, in_response_to=pending.request_id, issuer=hm
    )
    if response.encrypted_assertions or len(response.assertion_elements) != 1:
        raise AssertionRefused("the HM response must carry exactly one (plain) assertion")
    verified = verify_from_peer(response.assertion_elements[0], config.directory,
                                expected_issuer=hm)
    assertion = parse_assertion(verified.element)
    check_assertion(
        assertion,
        AssertionExpectations(
            issuer=hm,
            audience=config.entity_id,
            recipient=config.acs_url,
            in_response_to=pending.request_id,
        ),
        clock,
    )
    conditions = assertion.conditions
    replay.first_use(hm, assertion.id, conditions.not_on_or_after if conditions else None)

    service = config.service(pending.service_index)
    service_attr = assertion.attribute(SERVICE_ID)
    service_id = _single(service_attr) if service_attr is not None else None
    if not isinstance(service_id, str) or not _same_service(service_id, service.service_id):
        raise AssertionRefused(
            f"the assertion is not for the service that was requested ({service.service_id})"
        )
    uuid_attr = assertion.attribute(SERVICE_UUID)
    service_uuid = _single(uuid_attr) if uuid_attr is not None else None
    if service_uuid is not None and not isinstance(service_uuid, str):
        raise MessageMalformed("ServiceUUID must be text")
    if service_uuid is not None and service_uuid.lower() != service.service_uuid.lower():
        raise AssertionRefused("the assertion's ServiceUUID is not this service's")

    statement = assertion.authn_statement
    loa = statement.loa if statement is not None else None
    required = Loa(pending.required_loa)
    if loa is None or not loa.satisfies(required):
        got = loa.label if loa is not None else "none"
        raise AssertionRefused(f"the login is at level {got}; this service needs {required.label}")
    authority = (
        statement.authenticating_authorities[0]
        if statement is not None and statement.authenticating_authorities
        else None
    )

    chain = check_advice(
        assertion,
        audience=config.entity_id,
        directory=config.directory,
        trust=config.advice_trust,
        authenticating_authority=authority,
        service_uuid=service_uuid,
    )

    legal_attr = assertion.attribute(LEGAL_SUBJECT_ID)
    if legal_attr is None:
        raise AssertionRefused("the assertion carries no LegalSubjectID")
    legal = _single(legal_attr)
    if isinstance(legal, str) or legal.tag != ENCRYPTED_ID:
        raise AssertionRefused("the LegalSubjectID must be an EncryptedID (spec §3.3)")
    check_vouched(LEGAL_SUBJECT_ID, legal, chain)
    company = _decrypt_id(LEGAL_SUBJECT_ID, legal, config)
    try:
        company_type = CompanyIdType(company.qualifier)
    except ValueError as exc:
        raise AssertionRefused(
            "the LegalSubjectID has an unknown identifier type",
            debug=str(company.qualifier)[:120],
        ) from exc

    acting: str | None = None
    acting_attr = assertion.attribute(ACTING_SUBJECT_ID)
    if acting_attr is not None:
        value = _single(acting_attr)
        if isinstance(value, str) or value.tag != ENCRYPTED_ID:
            raise AssertionRefused("the ActingSubjectID must be an EncryptedID (spec §3.3)")
        check_vouched(ACTING_SUBJECT_ID, value, chain)
        acting = _decrypt_id(ACTING_SUBJECT_ID, value, config).value

    branch_attr = assertion.attribute(VESTIGINGSNR)
    branch = _text_or_decrypted(branch_attr, config) if branch_attr is not None else None
    intermediary_kvk: str | None = None
    intermediary_name: str | None = None
    others: list[tuple[str, tuple[str, ...]]] = []
    for attribute in assertion.attributes:
        if attribute.name in _HANDLED:
            continue
        if _INTERMEDIARY_KVK.match(attribute.name):
            intermediary_kvk = _text_or_decrypted(attribute, config)
        elif _INTERMEDIARY_NAME.match(attribute.name):
            intermediary_name = _text_or_decrypted(attribute, config)
        else:
            others.append((attribute.name, attribute.texts))
    for name, values in _encrypted_attributes(assertion, config):
        if _INTERMEDIARY_NAME.match(name) and values:
            intermediary_name = values[0]
        else:
            others.append((name, values))
    if chain.is_chain_authorisation and intermediary_kvk is None:
        log.warning("chain authorisation without intermediary KvK number in the HM assertion")

    name_id = assertion.name_id
    if name_id is None:
        raise AssertionRefused("the assertion's Subject has no NameID")
    log.info(
        "login verified: assertion %s service %s loa %s chain %s, signed by HM key %s",
        assertion.id, service.index, loa.label, chain.is_chain_authorisation,
        verified.verified.signer.key_name[:16],
    )
    return EHerkenningLogin(
        company_id=company.value,
        company_id_type=company_type,
        acting_pseudonym=acting,
        loa=loa,
        branch=branch,
        intermediary_kvk=intermediary_kvk,
        intermediary_name=intermediary_name,
        service_id=service.service_id,
        service_uuid=service_uuid,
        authenticating_authority=authority,
        session_index=statement.session_index if statement is not None else None,
        name_id=name_id.value,
        name_id_format=name_id.format.value if name_id.format is not None else None,
        name_id_qualifier=name_id.name_qualifier,
        attributes=tuple(others),
        relay_state=pending.relay_state,
        hm_key_name=verified.verified.signer.key_name,
    )
