"""XML encryption of EncryptedID, EncryptedAttribute and EncryptedAssertion.

Spec §3.3, §3.4 and §8.2.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from etoegang.clock import SequentialIdSource
from etoegang.crypto.xmldsig import VerifyPolicy
from etoegang.crypto.xmldsig import sign
from etoegang.crypto.xmldsig import verify
from etoegang.crypto.xmlenc import CBC_COMPAT_PROFILE
from etoegang.crypto.xmlenc import decrypt
from etoegang.crypto.xmlenc import encrypt_assertion
from etoegang.crypto.xmlenc import encrypt_attribute
from etoegang.crypto.xmlenc import encrypt_id
from etoegang.crypto.xmlenc import key_names
from etoegang.crypto.xmlenc import recipients
from etoegang.errors import DecryptionError
from etoegang.errors import EncryptionAlgorithmRefused
from etoegang.errors import EncryptionError
from etoegang.errors import XmlForbiddenConstruct
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
KVK = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
DV_ENTITY = "urn:etoegang:DV:00000003519026720000:entities:9009"
MR_ENTITY = "urn:etoegang:MR:00000003244440010000:entities:9133"
HM_ENTITY = "urn:etoegang:HM:00000003244440010000:entities:9619"
XENC = "http://www.w3.org/2001/04/xmlenc#"


# --- SAML elements to encrypt -----------------------------------------------------------------


def name_id(value: str = "12345678") -> etree._Element:
    holder = etree.Element(f"{S}AttributeValue", nsmap={"saml": ns.SAML})
    element = etree.SubElement(
        holder,
        f"{S}NameID",
        Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        NameQualifier=KVK,
    )
    element.text = value
    return element


def attribute() -> etree._Element:
    element = etree.Element(
        f"{S}Attribute",
        nsmap={"saml": ns.SAML, "xs": ns.XS, "xsi": ns.XSI},
        Name="urn:etoegang:1.9:attribute:FirstName",
    )
    value = etree.SubElement(element, f"{S}AttributeValue")
    value.set(f"{{{ns.XSI}}}type", "xs:string")
    value.text = "Jan & <Piet>"
    return element


def assertion() -> etree._Element:
    element = etree.Element(
        f"{S}Assertion",
        nsmap={"saml": ns.SAML},
        ID="_assertion-1",
        IssueInstant="2026-11-01T12:00:00Z",
        Version="2.0",
    )
    etree.SubElement(element, f"{S}Issuer").text = HM_ENTITY
    subject = etree.SubElement(element, f"{S}Subject")
    etree.SubElement(subject, f"{S}NameID").text = "transient-1"
    return element


def received(wrapper: etree._Element) -> etree._Element:
    """The wrapper as a peer receives it: serialized and parsed by the hardened parser."""
    return parse_xml(serialize(wrapper))


# --- a peer's encryption, built with `cryptography` as production peers send it -------------


@dataclass(frozen=True)
class KeyFor:
    pair: KeyPair
    recipient: str | None = None
    #: The KeyName written; None writes no KeyInfo at all.
    key_name: str | None = "sha256"


def peer_encrypted(
    plaintext: bytes,
    keys: Sequence[KeyFor],
    *,
    wrapper: str = "EncryptedID",
    data_alg: str = XENC + "aes256-cbc",
    transport: str = XENC + "rsa-oaep-mgf1p",
    inline: bool = False,
) -> etree._Element:
    """An encrypted element as Connectis/Signicat send it (spec §3.3): AES-CBC with ISO 10126
    padding, RSA-OAEP-MGF1P with a SHA-1 digest, one EncryptedKey per recipient."""
    aes_key = os.urandom(32 if "256" in data_alg else 16)
    if data_alg.endswith("gcm"):
        iv = os.urandom(12)
        cipher = iv + AESGCM(aes_key).encrypt(iv, plaintext, None)
    else:
        pad = 16 - len(plaintext) % 16
        padded = plaintext + os.urandom(pad - 1) + bytes([pad])
        iv = os.urandom(16)
        encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
        cipher = iv + encryptor.update(padded) + encryptor.finalize()
    root = etree.Element(f"{S}{wrapper}", nsmap={"saml": ns.SAML, "ds": ns.DS})
    data = etree.SubElement(
        root,
        f"{X}EncryptedData",
        nsmap={"xenc": ns.XENC},
        Id="_d6742612ee64",
        Type=XENC + "Element",
    )
    etree.SubElement(data, f"{X}EncryptionMethod", Algorithm=data_alg)
    data_key_info = etree.SubElement(data, f"{D}KeyInfo")
    etree.SubElement(
        etree.SubElement(data, f"{X}CipherData"), f"{X}CipherValue"
    ).text = base64.b64encode(cipher).decode()
    for index, key_for in enumerate(keys):
        public = key_for.pair.private_key.public_key()
        if transport.endswith("rsa-1_5"):
            wrapped = public.encrypt(aes_key, padding.PKCS1v15())  # type: ignore[union-attr]
        else:
            sha1 = hashes.SHA1()
            oaep = padding.OAEP(mgf=padding.MGF1(sha1), algorithm=sha1, label=None)
            wrapped = public.encrypt(aes_key, oaep)  # type: ignore[union-attr]
        parent = data_key_info if inline else root
        key = etree.SubElement(parent, f"{X}EncryptedKey", nsmap={"xenc": ns.XENC}, Id=f"_k{index}")
        if key_for.recipient:
            key.set("Recipient", key_for.recipient)
        method = etree.SubElement(key, f"{X}EncryptionMethod", Algorithm=transport)
        etree.SubElement(
            method, f"{D}DigestMethod", Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"
        )
        if key_for.key_name is not None:
            der = certificate_der(key_for.pair.certificate)
            name = {
                "sha256": hashlib.sha256(der).hexdigest(),
                "sha1": hashlib.sha1(der).hexdigest().upper(),
            }.get(key_for.key_name, key_for.key_name)
            etree.SubElement(etree.SubElement(key, f"{D}KeyInfo"), f"{D}KeyName").text = name
        etree.SubElement(
            etree.SubElement(key, f"{X}CipherData"), f"{X}CipherValue"
        ).text = base64.b64encode(wrapped).decode()
        if not inline:
            references = etree.SubElement(key, f"{X}ReferenceList")
            etree.SubElement(references, f"{X}DataReference", URI="#_d6742612ee64")
            if index == 0:
                etree.SubElement(
                    data_key_info,
                    f"{D}RetrievalMethod",
                    Type=XENC + "EncryptedKey",
                    URI=f"#_k{index}",
                )
    return received(root)


def nameid_octets(value: str = "87654321", *, declare: bool = True) -> bytes:
    # Serialized on its own it declares saml:; `declare=False` imitates libxmlsec-based peers,
    # which leave out the declarations the element inherited.
    octets = serialize(name_id(value))
    if not declare:
        octets = octets.replace(f' xmlns:saml="{ns.SAML}"'.encode(), b"")
    return octets


# --- round trips ------------------------------------------------------------------------------


def test_encrypted_id_round_trip_gives_back_the_name_id(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = encrypt_id(
        name_id(), dv.encryption.as_peer(), recipient=DV_ENTITY, ids=SequentialIdSource()
    )

    result = decrypt(received(wrapper), dv)

    assert result.tag == f"{S}NameID"
    assert text_of(result) == "12345678"
    assert result.get("NameQualifier") == KVK


def test_encrypted_id_has_the_shape_production_peers_send(rings: dict[str, KeyRing]) -> None:
    dv_cert = rings["dv"].encryption.as_peer()
    wrapper = encrypt_id(name_id(), dv_cert, recipient=DV_ENTITY, ids=SequentialIdSource("_e"))

    assert wrapper.tag == f"{S}EncryptedID"
    data, key = list(wrapper)
    assert data.tag == f"{X}EncryptedData" and key.tag == f"{X}EncryptedKey"
    assert data.get("Id") == "_e0001" and key.get("Id") == "_e0002"
    assert data.get("Type") == XENC + "Element"
    assert data.find(f"{X}EncryptionMethod").get("Algorithm") == (  # type: ignore[union-attr]
        "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    )
    retrieval = data.find(f"{D}KeyInfo/{D}RetrievalMethod")
    assert retrieval is not None
    assert retrieval.get("URI") == "#_e0002" and retrieval.get("Type") == XENC + "EncryptedKey"
    assert key.get("Recipient") == DV_ENTITY
    method = key.find(f"{X}EncryptionMethod")
    assert method is not None
    assert method.get("Algorithm") == "http://www.w3.org/2009/xmlenc11#rsa-oaep"
    assert method.find(f"{D}DigestMethod").get("Algorithm") == XENC + "sha256"  # type: ignore[union-attr]
    assert method.find(f"{{{ns.XENC11}}}MGF").get("Algorithm") == (  # type: ignore[union-attr]
        "http://www.w3.org/2009/xmlenc11#mgf1sha256"
    )
    assert text_of(key.find(f"{D}KeyInfo/{D}KeyName")) == dv_cert.key_name  # type: ignore[arg-type]
    assert key.find(f"{X}ReferenceList/{X}DataReference").get("URI") == "#_e0001"  # type: ignore[union-attr]


def test_encrypted_attribute_round_trip_keeps_value_and_xsi_type(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = encrypt_attribute(
        attribute(), dv.encryption.as_peer(), recipient=DV_ENTITY, ids=SequentialIdSource()
    )
    assert wrapper.tag == f"{S}EncryptedAttribute"

    result = decrypt(received(wrapper), dv)

    assert result.get("Name") == "urn:etoegang:1.9:attribute:FirstName"
    value = result.find(f"{S}AttributeValue")
    assert value is not None and text_of(value) == "Jan & <Piet>"
    prefix, local = value.get(f"{{{ns.XSI}}}type", "").split(":")
    assert (value.nsmap[prefix], local) == (ns.XS, "string")


def test_encrypted_signed_assertion_still_verifies_after_decryption(
    rings: dict[str, KeyRing],
) -> None:
    hm, dv = rings["hm"], rings["dv"]
    signed = assertion()
    sign(signed, hm.signing)
    wrapper = encrypt_assertion(
        signed, dv.encryption.as_peer(), recipient=DV_ENTITY, ids=SequentialIdSource()
    )
    assert wrapper.tag == f"{S}EncryptedAssertion"

    result = decrypt(received(wrapper), dv)

    assert result.get("ID") == "_assertion-1"
    verified = verify(result, VerifyPolicy(trusted=(hm.signing.as_peer(),)))
    assert verified.element is result


def test_cbc_compat_profile_round_trip_uses_mgf1p_with_sha1(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = encrypt_id(
        name_id(),
        dv.encryption.as_peer(),
        recipient=None,
        ids=SequentialIdSource(),
        profile=CBC_COMPAT_PROFILE,
    )
    method = wrapper.find(f"{X}EncryptedKey/{X}EncryptionMethod")
    assert method is not None and method.get("Algorithm") == XENC + "rsa-oaep-mgf1p"
    assert wrapper.find(f"{X}EncryptedKey").get("Recipient") is None  # type: ignore[union-attr]

    assert text_of(decrypt(received(wrapper), dv)) == "12345678"


def test_encryption_and_decryption_leave_the_callers_trees_alone(
    rings: dict[str, KeyRing],
) -> None:
    dv = rings["dv"]
    original = name_id()
    holder_before = serialize(original.getparent())  # type: ignore[arg-type]
    wrapper = received(
        encrypt_id(original, dv.encryption.as_peer(), recipient=DV_ENTITY, ids=SequentialIdSource())
    )
    wrapper_before = serialize(wrapper)

    decrypt(wrapper, dv)

    assert serialize(original.getparent()) == holder_before  # type: ignore[arg-type]
    assert serialize(wrapper) == wrapper_before


def test_decrypts_with_the_next_encryption_key_of_the_ring(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    assert dv.encryption_next is not None
    wrapper = encrypt_id(
        name_id(), dv.encryption_next.as_peer(), recipient=DV_ENTITY, ids=SequentialIdSource()
    )

    assert text_of(decrypt(received(wrapper), dv)) == "12345678"


def test_encrypted_for_another_party_raises_decryption_error(rings: dict[str, KeyRing]) -> None:
    wrapper = encrypt_id(
        name_id(), rings["dv"].encryption.as_peer(), recipient=DV_ENTITY, ids=SequentialIdSource()
    )

    with pytest.raises(DecryptionError):
        decrypt(received(wrapper), rings["mr"])


def test_tampered_gcm_ciphertext_raises_decryption_error(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    encrypted = encrypt_id(
        name_id(), dv.encryption.as_peer(), recipient=DV_ENTITY, ids=SequentialIdSource()
    )
    wrapper = received(encrypted)
    value = wrapper.find(f"{X}EncryptedData/{X}CipherData/{X}CipherValue")
    assert value is not None
    cipher = bytearray(base64.b64decode(text_of(value)))
    cipher[20] ^= 0x01
    value.text = base64.b64encode(bytes(cipher)).decode()

    with pytest.raises(DecryptionError):
        decrypt(wrapper, dv)


def test_encrypt_id_refuses_an_element_that_is_not_a_name_id(rings: dict[str, KeyRing]) -> None:
    with pytest.raises(EncryptionError):
        encrypt_id(
            attribute(), rings["dv"].encryption.as_peer(), recipient=None, ids=SequentialIdSource()
        )


# --- what production peers send ---------------------------------------------------------------


def test_peer_cbc_message_with_rsa_oaep_mgf1p_sha1_decrypts(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = peer_encrypted(nameid_octets(), [KeyFor(dv.encryption, DV_ENTITY, "sha1")])

    assert text_of(decrypt(wrapper, dv)) == "87654321"


def test_peer_aes128_cbc_message_decrypts(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = peer_encrypted(
        nameid_octets(), [KeyFor(dv.encryption, DV_ENTITY)], data_alg=XENC + "aes128-cbc"
    )

    assert text_of(decrypt(wrapper, dv)) == "87654321"


def test_two_encrypted_keys_each_recipient_decrypts_with_its_own_ring(
    rings: dict[str, KeyRing],
) -> None:
    mr, dv = rings["mr"], rings["dv"]
    wrapper = peer_encrypted(
        nameid_octets(), [KeyFor(mr.encryption, MR_ENTITY), KeyFor(dv.encryption, DV_ENTITY)]
    )

    assert recipients(wrapper) == (MR_ENTITY, DV_ENTITY)
    assert text_of(decrypt(wrapper, mr)) == "87654321"
    assert text_of(decrypt(wrapper, dv)) == "87654321"
    with pytest.raises(DecryptionError):
        decrypt(wrapper, rings["eb"])


def test_encrypted_key_inside_key_info_decrypts(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = peer_encrypted(nameid_octets(), [KeyFor(dv.encryption)], inline=True)

    assert text_of(decrypt(wrapper, dv)) == "87654321"


def test_without_key_name_our_keys_are_tried(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    assert dv.encryption_next is not None
    wrapper = peer_encrypted(nameid_octets(), [KeyFor(dv.encryption_next, key_name=None)])

    assert key_names(wrapper) == ()
    assert text_of(decrypt(wrapper, dv)) == "87654321"


def test_key_naming_someone_else_is_not_tried_even_if_it_would_open(
    rings: dict[str, KeyRing],
) -> None:
    dv = rings["dv"]
    other = rings["mr"].encryption.key_name
    wrapper = peer_encrypted(nameid_octets(), [KeyFor(dv.encryption, key_name=other)])

    with pytest.raises(DecryptionError):
        decrypt(wrapper, dv)


def test_plaintext_relying_on_inherited_namespaces_decrypts(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    octets = nameid_octets(declare=False)
    assert b"xmlns" not in octets
    wrapper = peer_encrypted(octets, [KeyFor(dv.encryption)])

    assert decrypt(wrapper, dv).tag == f"{S}NameID"


def test_recipients_and_key_names_are_read_from_every_encrypted_key(
    rings: dict[str, KeyRing],
) -> None:
    mr, dv = rings["mr"], rings["dv"]
    wrapper = peer_encrypted(
        nameid_octets(), [KeyFor(mr.encryption, MR_ENTITY), KeyFor(dv.encryption, None, "sha1")]
    )

    assert recipients(wrapper) == (MR_ENTITY,)
    sha1 = hashlib.sha1(certificate_der(dv.encryption.certificate)).hexdigest().upper()
    assert key_names(wrapper) == (mr.encryption.key_name, sha1)


# --- refusals ---------------------------------------------------------------------------------


def test_rsa_pkcs1_v1_5_key_transport_is_refused(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = peer_encrypted(nameid_octets(), [KeyFor(dv.encryption)], transport=XENC + "rsa-1_5")

    with pytest.raises(EncryptionAlgorithmRefused):
        decrypt(wrapper, dv)


def test_triple_des_data_encryption_is_refused(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = peer_encrypted(nameid_octets(), [KeyFor(dv.encryption)])
    method = wrapper.find(f"{X}EncryptedData/{X}EncryptionMethod")
    assert method is not None
    method.set("Algorithm", XENC + "tripledes-cbc")

    with pytest.raises(EncryptionAlgorithmRefused) as caught:
        decrypt(wrapper, dv)
    assert isinstance(caught.value, DecryptionError)


def test_cipher_reference_is_never_followed(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = peer_encrypted(nameid_octets(), [KeyFor(dv.encryption)])
    cipher_data = wrapper.find(f"{X}EncryptedData/{X}CipherData")
    assert cipher_data is not None
    cipher_data.remove(cipher_data[0])
    etree.SubElement(cipher_data, f"{X}CipherReference", URI="http://127.0.0.1:9/x")

    with pytest.raises(DecryptionError):
        decrypt(wrapper, dv)


def test_decrypted_doctype_is_refused_by_the_hardened_parser(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    octets = b'<!DOCTYPE x [<!ENTITY e "boom">]>' + nameid_octets()
    wrapper = peer_encrypted(octets, [KeyFor(dv.encryption)])

    with pytest.raises(XmlForbiddenConstruct):
        decrypt(wrapper, dv)


def test_encrypted_id_holding_an_attribute_is_refused(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = peer_encrypted(serialize(attribute()), [KeyFor(dv.encryption)])

    with pytest.raises(DecryptionError):
        decrypt(wrapper, dv)


def test_plaintext_with_two_elements_is_refused(rings: dict[str, KeyRing]) -> None:
    dv = rings["dv"]
    wrapper = peer_encrypted(nameid_octets() + nameid_octets("1"), [KeyFor(dv.encryption)])

    with pytest.raises(DecryptionError):
        decrypt(wrapper, dv)
