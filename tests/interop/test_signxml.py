"""Makelaar's XML signatures against signxml's (an independent XML-DSig implementation)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import CanonicalizationMethod
from signxml.algorithms import DigestAlgorithm
from signxml.algorithms import SignatureConstructionMethod
from signxml.algorithms import SignatureMethod as XmlSignatureMethod
from signxml.exceptions import InvalidSignature
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration
from signxml.verifier import VerifyResult
from signxml.verifier import XMLVerifier

from etoegang.crypto.xmldsig import DigestMethod
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import SignatureMethod
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import SignatureError
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from keys.devpki import DevCa
from keys.devpki import issue_ec
from keys.ring import KeyPair
from keys.ring import KeyRing

pytestmark = pytest.mark.interop

CASES = [
    (SignatureMethod.RSA_SHA256, DigestMethod.SHA256, "rsa"),
    (SignatureMethod.RSA_PSS_SHA256, DigestMethod.SHA256, "rsa"),
    (SignatureMethod.RSA_PSS_SHA512, DigestMethod.SHA512, "rsa"),
    (SignatureMethod.ECDSA_SHA256, DigestMethod.SHA256, "ec"),
    (SignatureMethod.ECDSA_SHA512, DigestMethod.SHA512, "ec"),
]


@pytest.fixture(scope="module")
def ec_pair(dev_ca: DevCa) -> KeyPair:
    return issue_ec(dev_ca, "Makelaar eIDAS TEST signing")


def _key(kind: str, rings: dict[str, KeyRing], ec_pair: KeyPair) -> KeyPair:
    return ec_pair if kind == "ec" else rings["hm"].signing


def _assertion() -> etree._Element:
    assertion = etree.Element(
        qname(SAML, "Assertion"), nsmap={"saml": SAML}, ID="_a1", Version="2.0"
    )
    etree.SubElement(
        assertion, qname(SAML, "Issuer")
    ).text = "urn:etoegang:HM:00000003244440010000:entities:9632"
    subject = etree.SubElement(assertion, qname(SAML, "Subject"))
    etree.SubElement(
        subject, qname(SAML, "NameID")
    ).text = "urn:etoegang:1.9:EntityConcernedID:KvKnr:12345678"
    return assertion


def _pem(pair: KeyPair) -> str:
    return pair.certificate.public_bytes(Encoding.PEM).decode("ascii")


def _signxml_config(method: SignatureMethod, digest: DigestMethod) -> SignatureConfiguration:
    return SignatureConfiguration(
        location="./",
        expect_references=1,
        signature_methods=frozenset({XmlSignatureMethod(method.value)}),
        digest_algorithms=frozenset({DigestAlgorithm(digest.value)}),
    )


@pytest.mark.parametrize(("method", "digest", "kind"), CASES, ids=[c[0].name for c in CASES])
@pytest.mark.parametrize("style", list(KeyInfoStyle), ids=lambda s: s.name)
def test_makelaar_signature_verifies_with_signxml(
    rings: dict[str, KeyRing],
    ec_pair: KeyPair,
    method: SignatureMethod,
    digest: DigestMethod,
    kind: str,
    style: KeyInfoStyle,
) -> None:
    key = _key(kind, rings, ec_pair)
    assertion = _assertion()
    sign(assertion, key, method=method, digest=digest, key_info=style, inclusive_prefixes=("xs",))
    result = XMLVerifier().verify(
        serialize(assertion),
        x509_cert=_pem(key),
        id_attribute="ID",
        expect_config=_signxml_config(method, digest),
    )
    assert isinstance(result, VerifyResult)
    signed = result.signed_xml
    assert signed is not None and signed.get("ID") == "_a1"
    assert (
        signed.findtext(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
        == "urn:etoegang:1.9:EntityConcernedID:KvKnr:12345678"
    )


def test_signxml_refuses_a_tampered_makelaar_signature(rings: dict[str, KeyRing]) -> None:
    """The positive interop test above would mean little if signxml accepted anything."""
    key = rings["hm"].signing
    assertion = _assertion()
    sign(assertion, key)
    tampered = serialize(assertion).replace(b"12345678", b"87654321")
    with pytest.raises(InvalidSignature):
        XMLVerifier().verify(
            tampered,
            x509_cert=_pem(key),
            id_attribute="ID",
            expect_config=_signxml_config(SignatureMethod.RSA_SHA256, DigestMethod.SHA256),
        )


def _signxml_signed(key: KeyPair, method: SignatureMethod, digest: DigestMethod) -> bytes:
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=XmlSignatureMethod(method.value),
        digest_algorithm=DigestAlgorithm(digest.value),
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(
        _assertion(),
        key=key.private_key,
        cert=[key.certificate],
        reference_uri="_a1",
        id_attribute="ID",
    )
    return etree.tostring(signed)


@pytest.mark.parametrize(("method", "digest", "kind"), CASES, ids=[c[0].name for c in CASES])
def test_signxml_signature_verifies_with_makelaar(
    rings: dict[str, KeyRing],
    ec_pair: KeyPair,
    method: SignatureMethod,
    digest: DigestMethod,
    kind: str,
) -> None:
    key = _key(kind, rings, ec_pair)
    received = parse_xml(_signxml_signed(key, method, digest))
    verified = verify(received, VerifyPolicy((key.as_peer(),)))
    assert verified.element is received
    assert verified.method is method
    assert verified.signer == key.as_peer()


def test_signxml_signature_by_another_key_is_refused(rings: dict[str, KeyRing]) -> None:
    received = parse_xml(
        _signxml_signed(rings["ad"].signing, SignatureMethod.RSA_SHA256, DigestMethod.SHA256)
    )
    with pytest.raises(SignatureError):
        verify(received, VerifyPolicy((rings["hm"].signing.as_peer(),)))
