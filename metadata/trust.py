"""Importing metadata: signature required and checked against trust anchors (spec §5, §4.3).

A metadata document is accepted only when the signature on its root (EntitiesDescriptor or
EntityDescriptor) verifies with a certificate that is either pinned or issued by one of the
trust CAs (PKIoverheid in production; the development root CA of :mod:`keys.devpki` in tests),
and that is valid now. Everything is then read from the verified element only.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from lxml import etree

from etoegang.clock import Clock
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import is_signed
from etoegang.crypto.xmldsig import verify
from etoegang.errors import MalformedIdentifier
from etoegang.errors import MetadataExpired
from etoegang.errors import MetadataMalformed
from etoegang.errors import MetadataMissingKeys
from etoegang.errors import MetadataSignatureInvalid
from etoegang.errors import MetadataSignatureMissing
from etoegang.errors import MetadataUntrustedSigner
from etoegang.errors import SignatureError
from etoegang.errors import SignatureMissing
from etoegang.errors import XmlError
from etoegang.xml.ns import DS
from etoegang.xml.ns import qname
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import text_of
from keys.ring import PeerCertificate
from metadata.identifiers import is_etoegang_urn
from metadata.identifiers import parse_entity_id
from metadata.model import EntityMetadata
from metadata.parse import ENTITIES_DESCRIPTOR
from metadata.parse import ENTITY_DESCRIPTOR
from metadata.parse import parse_document
from metadata.parse import with_refresh


@dataclass(frozen=True, slots=True)
class MetadataTrust:
    """Whose metadata signatures are accepted, and how strictly the content is checked."""

    #: Signer certificates accepted as they are (still only while valid).
    pinned: tuple[PeerCertificate, ...] = ()
    #: CA certificates whose directly issued, currently valid certificates may sign metadata.
    authorities: tuple[x509.Certificate, ...] = ()
    #: Refuse entityIDs that look like etoegang URNs but do not have the spec §1 format.
    strict_entity_ids: bool = True
    #: Read the document WITHOUT checking its signature. Only for inspecting third-party
    #: example files in tests; no configuration sets it.
    skip_signature_check: bool = False


def _valid_at(certificate: x509.Certificate, now: datetime) -> bool:
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


def _issued_by(certificate: x509.Certificate, authority: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(authority)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def signature_certificate(root: etree._Element) -> x509.Certificate | None:
    """The X509Certificate in the root signature's KeyInfo, if any (not yet trusted)."""
    path = "/".join(
        qname(DS, local) for local in ("Signature", "KeyInfo", "X509Data", "X509Certificate")
    )
    element = root.find(path)
    if element is None:
        return None
    try:
        der = base64.b64decode("".join(text_of(element).split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        raise MetadataSignatureInvalid("malformed certificate in the metadata signature") from exc


def accepted_signers(
    root: etree._Element, trust: MetadataTrust, now: datetime
) -> tuple[PeerCertificate, ...]:
    """The certificates the root signature may be verified with.

    :raises MetadataUntrustedSigner: the signature's certificate is neither pinned nor issued
        by a trust CA, or it (or its CA) is not valid now.
    """
    pinned = tuple(p for p in trust.pinned if _valid_at(p.certificate, now))
    certificate = signature_certificate(root)
    if certificate is None:
        # KeyName-only or no KeyInfo (observed at iWelcome): only pinned certificates apply.
        if not pinned:
            raise MetadataUntrustedSigner("metadata signature names no trusted certificate")
        return pinned
    peer = PeerCertificate(certificate)
    if peer in trust.pinned:
        if peer not in pinned:
            raise MetadataUntrustedSigner("the pinned metadata signer certificate is not valid now")
        return (peer,)
    if not _valid_at(certificate, now):
        raise MetadataUntrustedSigner(
            "the metadata signer certificate is not valid now",
            debug=certificate.subject.rfc4514_string()[:120],
        )
    for authority in trust.authorities:
        if _valid_at(authority, now) and _issued_by(certificate, authority):
            return (peer,)
    raise MetadataUntrustedSigner(
        "the metadata signer certificate is not issued by a trusted CA",
        debug=certificate.issuer.rfc4514_string()[:120],
    )


def _verified_root(root: etree._Element, trust: MetadataTrust, now: datetime) -> etree._Element:
    if not is_signed(root):
        raise MetadataSignatureMissing("metadata must be signed on its root element")
    signers = accepted_signers(root, trust, now)
    try:
        verified = verify(root, VerifyPolicy(trusted=signers))
    except SignatureMissing as exc:
        raise MetadataSignatureMissing(exc.public, debug=exc.debug) from exc
    except SignatureError as exc:
        raise MetadataSignatureInvalid(
            f"metadata signature refused: {exc.public}", debug=exc.debug
        ) from exc
    return verified.element


def _check_entity(entity: EntityMetadata, trust: MetadataTrust, now: datetime) -> None:
    if entity.valid_until is not None and entity.valid_until <= now:
        raise MetadataExpired(
            f"metadata for {entity.entity_id} expired", debug=entity.valid_until.isoformat()
        )
    if trust.strict_entity_ids and is_etoegang_urn(entity.entity_id):
        try:
            parse_entity_id(entity.entity_id)
        except MalformedIdentifier as exc:
            raise MalformedIdentifier(exc.public, debug=entity.entity_id[:120]) from exc
    for role in entity.roles():
        if not role.keys.signing:
            raise MetadataMissingKeys(f"{entity.entity_id} publishes no signing certificate")
    if entity.idp is None and not entity.encryption_certificates():
        # A DV must publish an encryption key: the HM encrypts identifiers for it (§5.1).
        raise MetadataMissingKeys(f"{entity.entity_id} publishes no encryption certificate")


def load_metadata(
    data: bytes, trust: MetadataTrust, clock: Clock
) -> tuple[EntityMetadata, ...]:
    """Parse, verify and check a metadata document; return its entities.

    :raises MetadataError: (a subclass) unsigned, bad or untrusted signature, expired,
        malformed, a malformed etoegang entityID (when strict), or a role without keys.
    """
    try:
        root = parse_xml(data, DOCUMENT_LIMITS)
    except XmlError as exc:
        raise MetadataMalformed(f"metadata refused: {exc.public}", debug=exc.debug) from exc
    if root.tag not in (ENTITY_DESCRIPTOR, ENTITIES_DESCRIPTOR):
        raise MetadataMalformed("root is not EntityDescriptor or EntitiesDescriptor")
    now = clock.now()
    element = root if trust.skip_signature_check else _verified_root(root, trust, now)
    entities = parse_document(element)
    for entity in entities:
        _check_entity(entity, trust, now)
    return tuple(with_refresh(entity, now) for entity in entities)
