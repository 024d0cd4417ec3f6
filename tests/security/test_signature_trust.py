"""Whose key, which algorithm: signatures that verify cryptographically but must not be trusted.

Hostile signatures are made for real with xmlsec (HMAC, SHA-1, XPath) so each refusal is shown
to come from Makelaar's policy, not from a broken signature.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import xmlsec
from lxml import etree

import etoegang.crypto.xmldsig as xmldsig
from etoegang.crypto.dsig_shape import SignatureShape
from etoegang.crypto.xmldsig import DigestMethod
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import SignatureMethod
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.errors import SignatureAlgorithmRefused
from etoegang.errors import SignatureError
from etoegang.errors import SignatureMissing
from etoegang.errors import UnknownSigner
from etoegang.errors import XmlValueError
from etoegang.xml.ns import DS
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from etoegang.xml.parser import text_of
from keys.devpki import DevCa
from keys.devpki import issue
from keys.ring import KeyPair
from keys.ring import KeyRing
from tests.security.test_signature_wrapping import build_assertion
from tests.security.test_signature_wrapping import wire

NAME_ID = qname(SAML, "NameID")
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"


@pytest.fixture(scope="module")
def attacker(dev_ca: DevCa) -> KeyPair:
    """A key pair with a certificate from the very same CA: being CA-issued earns no trust."""
    return issue(dev_ca, "Attacker", usage="signing")


def _ds(element: etree._Element, path: str) -> etree._Element:
    found = element.find(path.replace("ds:", f"{{{DS}}}"))
    assert found is not None, path
    return found


def _policy(*pairs: KeyPair) -> VerifyPolicy:
    return VerifyPolicy(tuple(pair.as_peer() for pair in pairs))


def _resign(element: etree._Element, key: Any, *, method: str, digest: str) -> etree._Element:
    """Re-make the element's signature for real with other algorithms, straight with xmlsec."""
    signature = _ds(element, "ds:Signature")
    _ds(signature, "ds:SignedInfo/ds:SignatureMethod").set("Algorithm", method)
    _ds(signature, "ds:SignedInfo/ds:Reference/ds:DigestMethod").set("Algorithm", digest)
    context = xmlsec.SignatureContext()
    context.register_id(element, "ID")
    context.key = key
    context.sign(signature)
    return element


def _private(pair: KeyPair) -> Any:
    return xmlsec.Key.from_memory(pair.private_pem(), xmlsec.constants.KeyDataFormatPem)


def test_signature_removed_is_refused(rings: dict[str, KeyRing]) -> None:
    hm = rings["hm"].signing
    assertion = build_assertion("_a1")
    sign(assertion, hm)
    assertion.remove(_ds(assertion, "ds:Signature"))
    with pytest.raises(SignatureMissing):
        verify(wire(assertion), _policy(hm))


def test_certificate_injected_through_key_info_is_refused(
    rings: dict[str, KeyRing], attacker: KeyPair
) -> None:
    assertion = build_assertion("_a1")
    sign(assertion, attacker, key_info=KeyInfoStyle.X509)
    received = wire(assertion)
    # The signature is sound for the key it carries ...
    assert verify(received, _policy(attacker)).signer == attacker.as_peer()
    # ... but that certificate is not the peer's registered one.
    with pytest.raises(UnknownSigner):
        verify(received, _policy(rings["hm"].signing))


def test_trusted_key_name_over_another_keys_signature_is_refused(
    rings: dict[str, KeyRing], attacker: KeyPair
) -> None:
    hm = rings["hm"].signing
    assertion = build_assertion("_a1")
    sign(assertion, attacker)
    _ds(assertion, "ds:Signature/ds:KeyInfo/ds:KeyName").text = hm.key_name
    with pytest.raises(SignatureError) as caught:
        verify(wire(assertion), _policy(hm))
    assert type(caught.value) is SignatureError


def test_hmac_signature_is_refused(rings: dict[str, KeyRing]) -> None:
    hm = rings["hm"].signing
    assertion = build_assertion("_a1")
    sign(assertion, hm)
    # The classic: an HMAC keyed with the (public) certificate bytes.
    hmac_key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, hm.as_peer().der)
    _resign(
        assertion,
        hmac_key,
        method=xmlsec.constants.TransformHmacSha256.href,
        digest=DigestMethod.SHA256.value,
    )
    with pytest.raises(SignatureAlgorithmRefused):
        verify(wire(assertion), _policy(hm))


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", DigestMethod.SHA256.value),
        (SignatureMethod.RSA_SHA256.value, "http://www.w3.org/2000/09/xmldsig#sha1"),
        ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"),
    ],
    ids=["rsa-sha1", "sha1-digest", "both"],
)
def test_sha1_is_refused(rings: dict[str, KeyRing], method: str, digest: str) -> None:
    hm = rings["hm"].signing
    assertion = build_assertion("_a1")
    sign(assertion, hm)
    _resign(assertion, _private(hm), method=method, digest=digest)
    received = wire(assertion)
    # Genuinely valid with SHA-1 (xmlsec with the key and no restriction says so) ...
    context = xmlsec.SignatureContext()
    context.register_id(received, "ID")
    context.key = hm.as_peer().xmlsec_key()
    context.verify(_ds(received, "ds:Signature"))
    # ... and refused by policy.
    with pytest.raises(SignatureAlgorithmRefused):
        verify(received, _policy(hm))


def test_a_peers_valid_key_does_not_sign_for_another_peer(rings: dict[str, KeyRing]) -> None:
    ad, hm = rings["ad"].signing, rings["hm"].signing
    assertion = build_assertion("_a1")
    sign(assertion, ad)
    received = wire(assertion)
    assert verify(received, _policy(ad)).signer == ad.as_peer()
    with pytest.raises(UnknownSigner):
        verify(received, _policy(hm))
    # Without KeyInfo every registered key of B is tried, and none verifies A's signature.
    received.find(f"{{{DS}}}Signature").remove(_ds(received, "ds:Signature/ds:KeyInfo"))  # type: ignore[union-attr]
    with pytest.raises(SignatureError) as caught:
        verify(received, _policy(hm))
    assert type(caught.value) is SignatureError


def _with_extra_transform(assertion: etree._Element, algorithm: str, body: str | None) -> None:
    transforms = _ds(assertion, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms")
    transform = etree.Element(qname(DS, "Transform"), Algorithm=algorithm)
    if body is not None:
        etree.SubElement(transform, qname(DS, "XPath")).text = body
    transforms.insert(1, transform)


@pytest.mark.parametrize(
    ("algorithm", "body"),
    [(XPATH, "not(ancestor-or-self::saml:Subject)"), (XSLT, None)],
    ids=["xpath", "xslt"],
)
def test_xpath_and_xslt_transforms_are_refused(
    rings: dict[str, KeyRing], algorithm: str, body: str | None
) -> None:
    hm = rings["hm"].signing
    assertion = build_assertion("_a1")
    sign(assertion, hm)
    _with_extra_transform(assertion, algorithm, body)
    with pytest.raises(SignatureAlgorithmRefused):
        verify(wire(assertion), _policy(hm))


def test_xmlsec_itself_refuses_an_xpath_transform_past_the_shape_check(
    rings: dict[str, KeyRing], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: xmlsec is restricted to the same transforms as the shape check."""
    hm = rings["hm"].signing
    assertion = build_assertion("_a1")
    sign(assertion, hm)
    # An XPath filter that leaves Subject out of the digest: an attacker may then change it.
    _with_extra_transform(assertion, XPATH, "not(ancestor-or-self::saml:Subject)")
    _resign(
        assertion,
        _private(hm),
        method=SignatureMethod.RSA_SHA256.value,
        digest=DigestMethod.SHA256.value,
    )
    received = wire(assertion)
    _ds(received, "saml:Subject/saml:NameID".replace("saml:", f"{{{SAML}}}")).text = "evil"
    unrestricted = xmlsec.SignatureContext()
    unrestricted.register_id(received, "ID")
    unrestricted.key = hm.as_peer().xmlsec_key()
    unrestricted.verify(_ds(received, "ds:Signature"))  # an unrestricted verifier accepts it

    def no_shape_check(element: etree._Element, own_id: str, *_: object) -> SignatureShape:
        signature = _ds(element, "ds:Signature")
        value = "".join((_ds(signature, "ds:SignatureValue").text or "").split())
        return SignatureShape(
            signature, SignatureMethod.RSA_SHA256, DigestMethod.SHA256, value, None, None
        )

    monkeypatch.setattr(xmldsig, "check_shape", no_shape_check)
    with pytest.raises(SignatureError) as caught:
        verify(received, _policy(hm))
    # A processing refusal ("failed to verify"), not a digest mismatch ("Signature is invalid").
    assert "failed to verify" in caught.value.debug


def test_comment_in_signed_name_id_verifies_but_cannot_be_read(rings: dict[str, KeyRing]) -> None:
    hm = rings["hm"].signing
    assertion = build_assertion("_a1")
    _ds(assertion, f"{{{SAML}}}Subject/{{{SAML}}}NameID").text = "admin@example.nl.evil.nl"
    sign(assertion, hm)
    data = serialize(assertion).replace(
        b"admin@example.nl.evil.nl", b"admin@example.nl<!---->.evil.nl"
    )
    received = parse_xml(data)
    name_id = received.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    assert name_id is not None
    # Exclusive C14N drops comments, so the signature still holds ...
    assert verify(received, _policy(hm)).element is received
    # ... a naive reader would see a truncated value ...
    assert name_id.text == "admin@example.nl"
    # ... and the value reader refuses it.
    with pytest.raises(XmlValueError):
        text_of(name_id)


def test_signature_value_is_reported_without_whitespace(rings: dict[str, KeyRing]) -> None:
    hm = rings["hm"].signing
    assertion = build_assertion("_a1")
    sign(assertion, hm)
    verified = verify(wire(assertion), _policy(hm))
    raw = _ds(assertion, "ds:Signature/ds:SignatureValue").text or ""
    assert verified.signature_value == "".join(raw.split())
    assert len(base64.b64decode(verified.signature_value, validate=True)) == 256
