"""XML encryption of SAML identifiers, attributes and assertions for one recipient.

``shared/spec/eherkenning.md`` §3.3 (EncryptedID for the final recipient, KeyName and
Recipient on the EncryptedKey), §3.4 (EncryptedAttribute with the DV's service certificate)
and §8.2 (AES-GCM for the eIDAS profile). Decryption lives in :mod:`etoegang.crypto.xmlenc_decrypt`
and is re-exported here, so callers import one module.

The wire shape is the one production eHerkenning peers send (Connectis 2020, Signicat 2023)::

    <saml:EncryptedID>
      <xenc:EncryptedData Id="D" Type="...xmlenc#Element">
        <xenc:EncryptionMethod Algorithm="...xmlenc11#aes256-gcm"/>
        <ds:KeyInfo><ds:RetrievalMethod Type="...xmlenc#EncryptedKey" URI="#K"/></ds:KeyInfo>
        <xenc:CipherData><xenc:CipherValue>...</xenc:CipherValue></xenc:CipherData>
      </xenc:EncryptedData>
      <xenc:EncryptedKey Id="K" Recipient="urn:etoegang:DV:...">
        <xenc:EncryptionMethod Algorithm="...xmlenc11#rsa-oaep">
          <ds:DigestMethod Algorithm="...xmlenc#sha256"/>
          <xenc11:MGF Algorithm="...xmlenc11#mgf1sha256"/>
        </xenc:EncryptionMethod>
        <ds:KeyInfo><ds:KeyName>(recipient certificate's KeyName)</ds:KeyName></ds:KeyInfo>
        <xenc:CipherData>...</xenc:CipherData>
        <xenc:ReferenceList><xenc:DataReference URI="#D"/></xenc:ReferenceList>
      </xenc:EncryptedKey>
    </saml:EncryptedID>

Both elements are built with lxml. libxmlsec 1.3.9 (through python-xmlsec) encrypts the
data: ``EncryptionContext.encrypt_xml`` with a fresh 256-bit session key from ``secrets``. The
session key is wrapped for the recipient with ``cryptography``'s RSA-OAEP, with the digest and
MGF stated explicitly. libxmlsec could wrap it too: it implements XML-Enc 1.1 ``rsa-oaep`` with
SHA-256 and ``xmlenc11#mgf1sha256`` (python-xmlsec just exports no constant; libxmlsec finds
the transform by its URI), but only when it writes the EncryptedKey inside KeyInfo itself
through an ``xmlsec.KeysManager``, and building one costs about 15 ms plus about 13 ms to add
the certificate: some 35 encryptions a second. python-xmlsec cannot put a context in
EncryptedKey mode for ``encrypt_binary``. The split keeps the sibling shape and runs at
RSA-public-key speed.
"""

from __future__ import annotations

import base64
import copy
import secrets
from dataclasses import dataclass
from typing import Any
from typing import Final

import xmlsec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from etoegang.clock import IdSource
from etoegang.crypto.xmlenc_algorithms import TYPE_ELEMENT
from etoegang.crypto.xmlenc_algorithms import TYPE_ENCRYPTED_KEY
from etoegang.crypto.xmlenc_algorithms import DataEncryption
from etoegang.crypto.xmlenc_algorithms import KeyTransport
from etoegang.crypto.xmlenc_algorithms import Mgf
from etoegang.crypto.xmlenc_algorithms import OaepDigest
from etoegang.crypto.xmlenc_decrypt import decrypt
from etoegang.crypto.xmlenc_decrypt import key_names
from etoegang.crypto.xmlenc_decrypt import recipients
from etoegang.errors import EncryptionError
from etoegang.xml import ns
from etoegang.xml.ns import qname
from keys.ring import MIN_RSA_BITS
from keys.ring import PeerCertificate

__all__ = [
    "CBC_COMPAT_PROFILE",
    "DEFAULT_PROFILE",
    "EncryptionProfile",
    "decrypt",
    "encrypt_assertion",
    "encrypt_attribute",
    "encrypt_id",
    "key_names",
    "recipients",
]


@dataclass(frozen=True, slots=True)
class EncryptionProfile:
    """The algorithms one encryption uses."""

    data: DataEncryption = DataEncryption.AES256_GCM
    key_transport: KeyTransport = KeyTransport.RSA_OAEP
    #: The OAEP digest (ds:DigestMethod inside the key's EncryptionMethod).
    digest: OaepDigest = OaepDigest.SHA256
    #: The OAEP mask generation function; ``rsa-oaep-mgf1p`` fixes it to MGF1-SHA1.
    mgf: Mgf = Mgf.MGF1_SHA256

    def __post_init__(self) -> None:
        if self.key_transport is KeyTransport.RSA_OAEP_MGF1P and self.mgf is not Mgf.MGF1_SHA1:
            raise ValueError("rsa-oaep-mgf1p always uses MGF1 with SHA-1")


#: What Makelaar emits: AES-256-GCM, XML-Enc 1.1 RSA-OAEP with SHA-256 and MGF1-SHA256.
DEFAULT_PROFILE: Final = EncryptionProfile()
#: For a recipient whose metadata lists only the 2020-era algorithms (spec §3.3): AES-256-CBC
#: with ``rsa-oaep-mgf1p`` and a SHA-1 OAEP digest (.NET's EncryptedXml reads nothing else).
#: CBC is unauthenticated; it is safe here only because eHerkenning always signs the
#: assertion that carries the encrypted element.
CBC_COMPAT_PROFILE: Final = EncryptionProfile(
    data=DataEncryption.AES256_CBC,
    key_transport=KeyTransport.RSA_OAEP_MGF1P,
    digest=OaepDigest.SHA1,
    mgf=Mgf.MGF1_SHA1,
)

_WRAPPER_NSMAP: Final = {"saml": ns.SAML, "xenc": ns.XENC, "ds": ns.DS}


def encrypt_id(
    name_id: etree._Element,
    recipient_cert: PeerCertificate,
    *,
    recipient: str | None,
    ids: IdSource,
    profile: EncryptionProfile = DEFAULT_PROFILE,
) -> etree._Element:
    """Encrypt a saml:NameID for ``recipient_cert``'s holder; returns a new saml:EncryptedID.

    :param recipient: the recipient's entityID for EncryptedKey/@Recipient (spec §3.3), or None.
    :param ids: the source of the EncryptedData and EncryptedKey ``Id`` values.
    """
    _expect(name_id, "NameID")
    return _encrypt(name_id, "EncryptedID", recipient_cert, recipient, ids, profile)


def encrypt_attribute(
    attribute: etree._Element,
    recipient_cert: PeerCertificate,
    *,
    recipient: str | None,
    ids: IdSource,
    profile: EncryptionProfile = DEFAULT_PROFILE,
) -> etree._Element:
    """Encrypt a saml:Attribute (spec §3.4: for the DV's service certificate)."""
    _expect(attribute, "Attribute")
    return _encrypt(attribute, "EncryptedAttribute", recipient_cert, recipient, ids, profile)


def encrypt_assertion(
    assertion: etree._Element,
    recipient_cert: PeerCertificate,
    *,
    recipient: str | None,
    ids: IdSource,
    profile: EncryptionProfile = DEFAULT_PROFILE,
) -> etree._Element:
    """Encrypt a (signed) saml:Assertion (spec §8.2: eIDAS responses are encrypted)."""
    _expect(assertion, "Assertion")
    return _encrypt(assertion, "EncryptedAssertion", recipient_cert, recipient, ids, profile)


def _expect(element: etree._Element, local: str) -> None:
    if element.tag != qname(ns.SAML, local):
        raise EncryptionError(
            "wrong element for this encryption", debug=f"expected saml:{local}, got {element.tag}"
        )


def _encrypt(
    element: etree._Element,
    wrapper_local: str,
    recipient_cert: PeerCertificate,
    recipient: str | None,
    ids: IdSource,
    profile: EncryptionProfile,
) -> etree._Element:
    public_key = recipient_cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size < MIN_RSA_BITS:
        raise EncryptionError(
            "recipient certificate cannot be used for encryption",
            debug=f"need RSA >= {MIN_RSA_BITS} bits: {recipient_cert!r}",
        )
    data_id, key_id = ids.new_id(), ids.new_id()
    # The caller's tree is left alone: xmlsec replaces the node it encrypts, so it gets a copy
    # in a scratch document whose root declares no namespaces (lxml would otherwise drop the
    # copy's own declarations as redundant, and the plaintext would not stand alone).
    scratch = etree.Element("scratch")
    plain = _self_contained_copy(element)
    scratch.append(plain)
    session_key = secrets.token_bytes(profile.data.key_bytes)
    try:
        context = xmlsec.EncryptionContext()
        context.key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataAes, session_key)
        encrypted: Any = context.encrypt_xml(_data_template(data_id, key_id, profile), plain)
    except xmlsec.Error as exc:
        raise EncryptionError("encryption failed", debug=str(exc)) from exc
    encrypted_key = _key_template(data_id, key_id, recipient_cert.key_name, recipient, profile)
    wrapped = public_key.encrypt(session_key, _oaep(profile))
    cipher_value = encrypted_key.find(f"{{{ns.XENC}}}CipherData/{{{ns.XENC}}}CipherValue")
    assert cipher_value is not None  # _key_template always writes it
    cipher_value.text = base64.b64encode(wrapped).decode("ascii")
    wrapper = etree.Element(qname(ns.SAML, wrapper_local), nsmap=_WRAPPER_NSMAP)
    wrapper.append(encrypted)
    wrapper.append(encrypted_key)
    return wrapper


def _oaep(profile: EncryptionProfile) -> padding.OAEP:
    # XML-Enc 5.4.2 (rsa-oaep-mgf1p: MGF1 with SHA-1) and 1.1 5.5.2 (rsa-oaep: the MGF given).
    return padding.OAEP(
        mgf=padding.MGF1(profile.mgf.hash()), algorithm=profile.digest.hash(), label=None
    )


def _self_contained_copy(element: etree._Element) -> etree._Element:
    """A copy of ``element`` that declares every namespace in scope at the original.

    XML-Enc 4.3.3: the serialized plaintext must stand alone. Declaring all in-scope
    namespaces (not only those lxml sees used) keeps QName values such as
    ``xsi:type="xs:string"`` resolvable after decryption.
    """
    in_scope: Any = dict(element.nsmap)  # the stubs leave out the None (default) prefix
    attrib = {str(name): str(value) for name, value in element.attrib.items()}
    root = etree.Element(element.tag, attrib=attrib, nsmap=in_scope)
    root.text = element.text
    for child in element:
        root.append(copy.deepcopy(child))
    return root


def _data_template(data_id: str, key_id: str, profile: EncryptionProfile) -> etree._Element:
    data = etree.Element(
        qname(ns.XENC, "EncryptedData"),
        nsmap={"xenc": ns.XENC, "ds": ns.DS},
        Id=data_id,
        Type=TYPE_ELEMENT,
    )
    etree.SubElement(data, qname(ns.XENC, "EncryptionMethod"), Algorithm=profile.data.value)
    key_info = etree.SubElement(data, qname(ns.DS, "KeyInfo"))
    etree.SubElement(
        key_info, qname(ns.DS, "RetrievalMethod"), Type=TYPE_ENCRYPTED_KEY, URI=f"#{key_id}"
    )
    _cipher_value(data)
    return data


def _key_template(
    data_id: str,
    key_id: str,
    key_name: str,
    recipient: str | None,
    profile: EncryptionProfile,
) -> etree._Element:
    key = etree.Element(
        qname(ns.XENC, "EncryptedKey"), nsmap={"xenc": ns.XENC, "ds": ns.DS}, Id=key_id
    )
    if recipient is not None:
        key.set("Recipient", recipient)
    method = etree.SubElement(
        key, qname(ns.XENC, "EncryptionMethod"), Algorithm=profile.key_transport.value
    )
    etree.SubElement(method, qname(ns.DS, "DigestMethod"), Algorithm=profile.digest.value)
    if profile.key_transport is KeyTransport.RSA_OAEP:
        etree.SubElement(
            method,
            qname(ns.XENC11, "MGF"),
            nsmap={"xenc11": ns.XENC11},
            Algorithm=profile.mgf.value,
        )
    key_info = etree.SubElement(key, qname(ns.DS, "KeyInfo"))
    etree.SubElement(key_info, qname(ns.DS, "KeyName")).text = key_name
    _cipher_value(key)
    references = etree.SubElement(key, qname(ns.XENC, "ReferenceList"))
    etree.SubElement(references, qname(ns.XENC, "DataReference"), URI=f"#{data_id}")
    return key


def _cipher_value(parent: etree._Element) -> None:
    cipher_data = etree.SubElement(parent, qname(ns.XENC, "CipherData"))
    etree.SubElement(cipher_data, qname(ns.XENC, "CipherValue"))
