"""EncryptedID wire format against an independent implementation (spec §3.3).

The other side here is `cryptography` used directly, with CipherValues read by hand: neither
direction goes through libxmlsec, so these tests pin the bytes on the wire, not xmlsec talking
to itself.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from etoegang.clock import SequentialIdSource
from etoegang.crypto.xmlenc import CBC_COMPAT_PROFILE
from etoegang.crypto.xmlenc import DEFAULT_PROFILE
from etoegang.crypto.xmlenc import EncryptionProfile
from etoegang.crypto.xmlenc import decrypt
from etoegang.crypto.xmlenc import encrypt_id
from etoegang.xml import ns
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from etoegang.xml.parser import text_of
from keys.keyname import certificate_der
from keys.ring import KeyPair
from keys.ring import KeyRing

S = f"{{{ns.SAML}}}"
X = f"{{{ns.XENC}}}"
D = f"{{{ns.DS}}}"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DV_ENTITY = "urn:etoegang:DV:00000003519026720000:entities:9009"
PSEUDO = "urn:etoegang:1.9:EntityConcernedID:Pseudo"

_HASH: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    XENC + "sha256": hashes.SHA256,
    XENC11 + "mgf1sha1": hashes.SHA1,
    XENC11 + "mgf1sha256": hashes.SHA256,
}


def _one(element: etree._Element, path: str) -> etree._Element:
    found = element.findall(path)
    assert len(found) == 1, path
    return found[0]


def _b64(element: etree._Element) -> bytes:
    return base64.b64decode("".join((element.text or "").split()))


def independent_decrypt(wrapper: etree._Element, pair: KeyPair) -> bytes:
    """Open an EncryptedID the way a non-xmlsec DV would: by reading the XML-Enc elements."""
    data = _one(wrapper, f"{X}EncryptedData")
    [key] = [
        key
        for key in wrapper.findall(f"{X}EncryptedKey")
        if text_of(_one(key, f"{D}KeyInfo/{D}KeyName")) == pair.key_name
    ]
    # The RetrievalMethod and the DataReference must point at each other.
    retrieval = _one(data, f"{D}KeyInfo/{D}RetrievalMethod")
    assert retrieval.get("URI") == f"#{key.get('Id')}"
    assert _one(key, f"{X}ReferenceList/{X}DataReference").get("URI") == f"#{data.get('Id')}"

    method = _one(key, f"{X}EncryptionMethod")
    digest = _HASH[_one(method, f"{D}DigestMethod").get("Algorithm", "")]()
    if method.get("Algorithm") == XENC11 + "rsa-oaep":
        mgf = _HASH[_one(method, f"{{{ns.XENC11}}}MGF").get("Algorithm", "")]()
    else:
        assert method.get("Algorithm") == XENC + "rsa-oaep-mgf1p"
        mgf = hashes.SHA1()
    private_key = pair.private_key
    assert isinstance(private_key, rsa.RSAPrivateKey)
    aes_key = private_key.decrypt(
        _b64(_one(key, f"{X}CipherData/{X}CipherValue")),
        padding.OAEP(mgf=padding.MGF1(mgf), algorithm=digest, label=None),
    )

    cipher = _b64(_one(data, f"{X}CipherData/{X}CipherValue"))
    algorithm = _one(data, f"{X}EncryptionMethod").get("Algorithm")
    if algorithm == XENC11 + "aes256-gcm":
        return AESGCM(aes_key).decrypt(cipher[:12], cipher[12:], None)
    assert algorithm == XENC + "aes256-cbc"
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(cipher[:16])).decryptor()
    padded = decryptor.update(cipher[16:]) + decryptor.finalize()
    return padded[: -padded[-1]]


@pytest.mark.interop
@pytest.mark.parametrize(
    "profile", [DEFAULT_PROFILE, CBC_COMPAT_PROFILE], ids=["gcm-rsa-oaep", "cbc-mgf1p"]
)
def test_makelaar_encrypted_id_opens_with_cryptography_alone(
    rings: dict[str, KeyRing], profile: EncryptionProfile
) -> None:
    dv = rings["dv"]
    holder = etree.Element(f"{S}AttributeValue", nsmap={"saml": ns.SAML})
    name_id = etree.SubElement(holder, f"{S}NameID", NameQualifier=PSEUDO)
    name_id.text = "a" * 64
    wrapper = encrypt_id(
        name_id,
        dv.encryption.as_peer(),
        recipient=DV_ENTITY,
        ids=SequentialIdSource(),
        profile=profile,
    )
    on_the_wire = parse_xml(serialize(wrapper))

    plaintext = independent_decrypt(on_the_wire, dv.encryption)

    # The plaintext stands alone (XML-Enc 4.3.3): no inherited namespace is needed.
    opened = parse_xml(plaintext)
    assert opened.tag == f"{S}NameID"
    assert opened.get("NameQualifier") == PSEUDO
    assert text_of(opened) == "a" * 64


def _connectis_style_response(pair: KeyPair, name_id_octets: bytes) -> bytes:
    """A 2020 Connectis-shaped assertion fragment with one EncryptedID for the DV, made with
    `cryptography` only: AES-256-CBC, RSA-OAEP-MGF1P with SHA-1, KeyName = SHA-1 fingerprint in
    upper case (as in shared/spec/examples/hm-response-connectis-2020-encrypted.xml)."""
    aes_key, iv = os.urandom(32), os.urandom(16)
    pad = 16 - len(name_id_octets) % 16
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    padded = name_id_octets + os.urandom(pad - 1) + bytes([pad])
    data_cipher = iv + encryptor.update(padded) + encryptor.finalize()
    sha1 = hashes.SHA1()
    key_cipher = pair.private_key.public_key().encrypt(  # type: ignore[union-attr]
        aes_key, padding.OAEP(mgf=padding.MGF1(sha1), algorithm=sha1, label=None)
    )
    key_name = hashlib.sha1(certificate_der(pair.certificate)).hexdigest().upper()

    assertion = etree.Element(
        f"{S}Assertion", nsmap={"saml": ns.SAML, "ds": ns.DS, "xs": ns.XS, "xsi": ns.XSI}
    )
    statement = etree.SubElement(assertion, f"{S}AttributeStatement")
    attribute = etree.SubElement(
        statement, f"{S}Attribute", Name="urn:etoegang:core:LegalSubjectID"
    )
    value = etree.SubElement(attribute, f"{S}AttributeValue")
    encrypted_id = etree.SubElement(value, f"{S}EncryptedID")
    data = etree.SubElement(
        encrypted_id,
        f"{X}EncryptedData",
        nsmap={"xenc": ns.XENC},
        Id="_c84d8c57eb764df6a67fd65bf7ee4cd1",
        Type=XENC + "Element",
    )
    etree.SubElement(data, f"{X}EncryptionMethod", Algorithm=XENC + "aes256-cbc")
    etree.SubElement(
        etree.SubElement(data, f"{D}KeyInfo"),
        f"{D}RetrievalMethod",
        Type=XENC + "EncryptedKey",
        URI="#_274393f79fcd4cc9a961cb34c72e5c3f",
    )
    cipher_value = etree.SubElement(etree.SubElement(data, f"{X}CipherData"), f"{X}CipherValue")
    cipher_value.text = base64.b64encode(data_cipher).decode()
    key = etree.SubElement(
        encrypted_id,
        f"{X}EncryptedKey",
        nsmap={"xenc": ns.XENC},
        Id="_274393f79fcd4cc9a961cb34c72e5c3f",
        Recipient=DV_ENTITY,
    )
    method = etree.SubElement(key, f"{X}EncryptionMethod", Algorithm=XENC + "rsa-oaep-mgf1p")
    etree.SubElement(method, f"{D}DigestMethod", Algorithm="http://www.w3.org/2000/09/xmldsig#sha1")
    etree.SubElement(etree.SubElement(key, f"{D}KeyInfo"), f"{D}KeyName").text = key_name
    key_value = etree.SubElement(etree.SubElement(key, f"{X}CipherData"), f"{X}CipherValue")
    key_value.text = base64.b64encode(key_cipher).decode()
    etree.SubElement(
        etree.SubElement(key, f"{X}ReferenceList"),
        f"{X}DataReference",
        URI="#_c84d8c57eb764df6a67fd65bf7ee4cd1",
    )
    return serialize(assertion)


@pytest.mark.interop
def test_connectis_style_encrypted_id_made_with_cryptography_opens_with_makelaar(
    rings: dict[str, KeyRing],
) -> None:
    dv = rings["dv"]
    plaintext = (
        b'<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        b'Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" '
        b'NameQualifier="urn:etoegang:1.9:EntityConcernedID:KvKnr">01234567</saml:NameID>'
    )
    document = parse_xml(_connectis_style_response(dv.encryption, plaintext))
    encrypted_id = _one(document, f".//{S}EncryptedID")

    name_id = decrypt(encrypted_id, dv)

    assert name_id.tag == f"{S}NameID"
    assert name_id.get("NameQualifier") == "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    assert text_of(name_id) == "01234567"


@pytest.mark.interop
@pytest.mark.parametrize(
    "profile", [DEFAULT_PROFILE, CBC_COMPAT_PROFILE], ids=["gcm-rsa-oaep", "cbc-mgf1p"]
)
def test_makelaar_encrypted_id_opens_with_python3_saml(
    rings: dict[str, KeyRing], profile: EncryptionProfile
) -> None:
    """libxmlsec-based SPs (python3-saml) read both profiles, XML-Enc 1.1 rsa-oaep included."""
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    dv = rings["dv"]
    name_id = etree.Element(f"{S}NameID", nsmap={"saml": ns.SAML}, NameQualifier=PSEUDO)
    name_id.text = "b" * 64
    wrapper = parse_xml(
        serialize(
            encrypt_id(
                name_id,
                dv.encryption.as_peer(),
                recipient=DV_ENTITY,
                ids=SequentialIdSource(),
                profile=profile,
            )
        )
    )
    # python3-saml resolves a RetrievalMethod by moving the EncryptedKey into KeyInfo
    # (OneLogin_Saml2_Response._decrypt_assertion); do the same, then let it decrypt.
    data = _one(wrapper, f"{X}EncryptedData")
    key_info = _one(data, f"{D}KeyInfo")
    key_info.remove(_one(key_info, f"{D}RetrievalMethod"))
    key_info.append(_one(wrapper, f"{X}EncryptedKey"))

    opened = OneLogin_Saml2_Utils.decrypt_element(data, dv.encryption.private_pem().decode())

    assert opened.tag == f"{S}NameID"
    assert opened.text == "b" * 64
