"""Decryption of SAML EncryptedID, EncryptedAttribute and EncryptedAssertion with our key ring.

``shared/spec/eherkenning.md`` §3.3: the EncryptedKey meant for us is the one whose
ds:KeyName names one of our encryption keys (current, next or retired); several EncryptedKeys
(one per recipient) may sit side by side. Production peers send AES-CBC with
``rsa-oaep-mgf1p`` (SHA-1 OAEP digest); Makelaar and eIDAS peers send AES-GCM with XML-Enc 1.1
``rsa-oaep``. PKCS#1 v1.5 key transport and triple DES are refused.

Why this module reads the XML-Enc structure itself and decrypts with ``cryptography`` instead
of handing the element to ``xmlsec.EncryptionContext.decrypt``:

* the algorithm allow-list is enforced on every URI before any key is touched (python-xmlsec
  offers no way to restrict libxmlsec's transforms for decryption);
* key selection by KeyName over several recipients' EncryptedKeys, RetrievalMethod and
  DataReference links are resolved here, within the wrapper only: nothing is looked up by ID in
  the rest of the document and no ``CipherReference`` URI is ever fetched;
* the result is octets, which go through :func:`etoegang.xml.parser.parse_xml` (the hardened
  parser) before anything reads them, whereas libxmlsec would parse the plaintext with its own
  parser settings straight into the caller's tree;
* the caller's tree is never modified (the broker copies EncryptedIDs unchanged).

AES-CBC is unauthenticated and XML-Enc CBC is open to padding-oracle attacks (Jager and
Somorovsky 2011) when an attacker can submit modified ciphertexts and observe the outcome.
Every failure here therefore raises the same public :class:`DecryptionError` text, and callers
must verify the signature over the assertion that carries the encrypted element first, so a
modified ciphertext is refused before it is decrypted.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from etoegang.crypto.xmlenc_algorithms import TYPE_ELEMENT
from etoegang.crypto.xmlenc_algorithms import DataEncryption
from etoegang.crypto.xmlenc_algorithms import KeyTransport
from etoegang.crypto.xmlenc_algorithms import Mgf
from etoegang.crypto.xmlenc_algorithms import OaepDigest
from etoegang.errors import DecryptionError
from etoegang.errors import EncryptionAlgorithmRefused
from etoegang.errors import XmlError
from etoegang.xml import ns
from etoegang.xml.ns import qname
from etoegang.xml.parser import MESSAGE_LIMITS
from etoegang.xml.parser import XmlLimits
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize
from etoegang.xml.parser import text_of
from keys.keyname import certificate_der
from keys.ring import KeyPair
from keys.ring import KeyRing

_ENCRYPTED_DATA: Final = qname(ns.XENC, "EncryptedData")
_ENCRYPTED_KEY: Final = qname(ns.XENC, "EncryptedKey")
_KEY_INFO: Final = qname(ns.DS, "KeyInfo")

#: SAML core 2.2.4 / 2.7.3.2 / 2.3.4: wrapper element -> the only element it may carry.
_EXPECTED: Final[dict[str, str]] = {
    qname(ns.SAML, "EncryptedID"): qname(ns.SAML, "NameID"),
    qname(ns.SAML, "EncryptedAttribute"): qname(ns.SAML, "Attribute"),
    qname(ns.SAML, "EncryptedAssertion"): qname(ns.SAML, "Assertion"),
}
_PUBLIC: Final = "encrypted element could not be decrypted with our keys"
_GCM_IV: Final = 12
_GCM_TAG: Final = 16
_BLOCK: Final = 16


def decrypt(
    wrapper: etree._Element, ring: KeyRing, *, limits: XmlLimits = MESSAGE_LIMITS
) -> etree._Element:
    """Decrypt an EncryptedID, EncryptedAttribute, EncryptedAssertion or bare EncryptedData.

    Returns the plaintext element (NameID, Attribute, Assertion; any element for a bare
    EncryptedData) as the root of a new tree, parsed by the hardened parser. ``wrapper`` is
    not modified.

    :raises EncryptionAlgorithmRefused: a refused algorithm (rsa-1_5, 3DES, unknown URIs).
    :raises DecryptionError: not for us, wrong key, tampered ciphertext, wrong element inside.
    :raises XmlError: the plaintext was refused by the hardened parser (DOCTYPE, size, depth).
    """
    expected = _EXPECTED.get(wrapper.tag)
    data = _encrypted_data(wrapper)
    method = _data_method(data)
    candidates = _candidate_keys(wrapper, data)
    if not candidates:
        raise DecryptionError(_PUBLIC, debug="no EncryptedKey for the EncryptedData")
    ciphertext = _cipher_value(data)
    parser_error: XmlError | None = None
    for encrypted_key, pair in _key_attempts(candidates, ring):
        try:
            plaintext = _decrypt_data(method, _unwrap_key(encrypted_key, pair, method), ciphertext)
        except _Failed:
            continue
        try:
            element = _parse_in_context(plaintext, wrapper, limits)
        except XmlError as exc:
            # Only reached when no KeyName chose the key: a wrong key seldom survives OAEP and
            # padding, but if it does the garbage is refused here; keep the parser's verdict.
            parser_error = exc
            continue
        if expected is not None and element.tag != expected:
            raise DecryptionError(
                "encrypted element holds the wrong kind of element",
                debug=f"{wrapper.tag} holds {element.tag}",
            )
        return element
    if parser_error is not None:
        raise parser_error
    raise DecryptionError(_PUBLIC, debug="no key of ours opened any EncryptedKey")


def recipients(wrapper: etree._Element) -> tuple[str, ...]:
    """The EncryptedKey/@Recipient values (entityIDs) in the wrapper, in document order."""
    return tuple(
        recipient for key in _all_keys(wrapper) if (recipient := key.get("Recipient")) is not None
    )


def key_names(wrapper: etree._Element) -> tuple[str, ...]:
    """The ds:KeyName values of every EncryptedKey in the wrapper, in document order."""
    return tuple(name for key in _all_keys(wrapper) for name in _names_of(key))


# --- structure --------------------------------------------------------------------------------


class _Failed(Exception):
    """One key attempt failed; the next one is tried. Never leaves this module."""


def _encrypted_data(wrapper: etree._Element) -> etree._Element:
    if wrapper.tag == _ENCRYPTED_DATA:
        return wrapper
    if wrapper.tag not in _EXPECTED:
        raise DecryptionError(_PUBLIC, debug=f"not an encrypted element: {wrapper.tag}")
    found = wrapper.findall(_ENCRYPTED_DATA)
    if len(found) != 1:
        raise DecryptionError(_PUBLIC, debug=f"{len(found)} EncryptedData children")
    return found[0]


def _data_method(data: etree._Element) -> DataEncryption:
    data_type = data.get("Type")
    # XML-Enc 3.5.1: only a whole element may be encrypted in SAML (core 6.1); ``Content``
    # would splice unknown nodes into the wrapper.
    if data_type is not None and data_type != TYPE_ELEMENT:
        raise DecryptionError(_PUBLIC, debug=f"EncryptedData Type {data_type!r}")
    method = data.find(qname(ns.XENC, "EncryptionMethod"))
    if method is None:
        raise DecryptionError(_PUBLIC, debug="EncryptedData without EncryptionMethod")
    return DataEncryption(method.get("Algorithm"))


def _all_keys(wrapper: etree._Element) -> list[etree._Element]:
    keys = list(wrapper.findall(_ENCRYPTED_KEY))
    data = wrapper if wrapper.tag == _ENCRYPTED_DATA else wrapper.find(_ENCRYPTED_DATA)
    if data is not None:
        keys = list(data.findall(f"{_KEY_INFO}/{_ENCRYPTED_KEY}")) + keys
    return keys


def _candidate_keys(wrapper: etree._Element, data: etree._Element) -> list[etree._Element]:
    """EncryptedKeys that may hold the key of ``data``.

    Inside EncryptedData/KeyInfo, or a sibling in the wrapper (SAML core 2.2.4). A sibling whose
    ReferenceList names other data only is skipped. When a RetrievalMethod names a key by Id,
    that key comes first.
    """
    data_id = data.get("Id")
    retrieval = {
        uri[1:]
        for method in data.findall(f"{_KEY_INFO}/{{{ns.DS}}}RetrievalMethod")
        if (uri := method.get("URI", "")).startswith("#")
    }
    preferred: list[etree._Element] = []
    others: list[etree._Element] = []
    for key in _all_keys(wrapper):
        references = [ref.get("URI", "") for ref in key.findall(f"{{{ns.XENC}}}ReferenceList/*")]
        if references and data_id is not None and f"#{data_id}" not in references:
            continue
        (preferred if key.get("Id") in retrieval else others).append(key)
    return preferred + others


def _names_of(key: etree._Element) -> list[str]:
    return [text_of(name) for name in key.findall(f"{_KEY_INFO}/{{{ns.DS}}}KeyName")]


def _certificates_of(key: etree._Element) -> list[bytes]:
    found: list[bytes] = []
    for cert in key.findall(f"{_KEY_INFO}/{{{ns.DS}}}X509Data/{{{ns.DS}}}X509Certificate"):
        try:
            found.append(base64.b64decode("".join(text_of(cert).split()), validate=True))
        except binascii.Error:
            continue
    return found


def _key_attempts(
    candidates: list[etree._Element], ring: KeyRing
) -> Iterator[tuple[etree._Element, KeyPair]]:
    """(EncryptedKey, our key) pairs to try, in order.

    A key identified by KeyName (or X509Certificate) is tried only with the key it names; an
    EncryptedKey naming someone else's key is never tried. Only when no EncryptedKey identifies
    its key at all are all our decryption keys tried on each (spec §3.3 generosity).
    """
    identified = False
    for key in candidates:
        names = _names_of(key)
        certificates = _certificates_of(key)
        if names or certificates:
            identified = True
        for name in names:
            pair = ring.decryption_key(name)
            if pair is not None:
                yield key, pair
        for der in certificates:
            for pair in ring.decryption_keys():
                if certificate_der(pair.certificate) == der:
                    yield key, pair
    if identified:
        return
    for key in candidates:
        for pair in ring.decryption_keys():
            yield key, pair


# --- cryptography -----------------------------------------------------------------------------


def _cipher_value(element: etree._Element) -> bytes:
    cipher_data = element.find(f"{{{ns.XENC}}}CipherData")
    if cipher_data is None:
        raise DecryptionError(_PUBLIC, debug="no CipherData")
    if cipher_data.find(f"{{{ns.XENC}}}CipherReference") is not None:
        # XML-Enc 3.3.1: a CipherReference is a URI to fetch; nothing is fetched, ever.
        raise EncryptionAlgorithmRefused("CipherReference is not accepted")
    value = cipher_data.find(f"{{{ns.XENC}}}CipherValue")
    if value is None:
        raise DecryptionError(_PUBLIC, debug="no CipherValue")
    try:
        return base64.b64decode("".join(text_of(value).split()), validate=True)
    except binascii.Error as exc:
        raise DecryptionError(_PUBLIC, debug="CipherValue is not base64") from exc


def _oaep(encrypted_key: etree._Element) -> padding.OAEP:
    method = encrypted_key.find(qname(ns.XENC, "EncryptionMethod"))
    if method is None:
        raise DecryptionError(_PUBLIC, debug="EncryptedKey without EncryptionMethod")
    transport = KeyTransport(method.get("Algorithm"))
    digest_el = method.find(qname(ns.DS, "DigestMethod"))
    # XML-Enc 5.4.2 / 1.1 5.5.2: the OAEP digest defaults to SHA-1, and so does the MGF.
    digest = OaepDigest.SHA1 if digest_el is None else OaepDigest(digest_el.get("Algorithm"))
    mgf = Mgf.MGF1_SHA1
    mgf_el = method.find(qname(ns.XENC11, "MGF"))
    if transport is KeyTransport.RSA_OAEP and mgf_el is not None:
        mgf = Mgf(mgf_el.get("Algorithm"))
    params_el = method.find(qname(ns.XENC, "OAEPparams"))
    label = None
    if params_el is not None:
        try:
            label = base64.b64decode("".join(text_of(params_el).split()), validate=True) or None
        except binascii.Error as exc:
            raise DecryptionError(_PUBLIC, debug="OAEPparams is not base64") from exc
    return padding.OAEP(mgf=padding.MGF1(mgf.hash()), algorithm=digest.hash(), label=label)


def _unwrap_key(encrypted_key: etree._Element, pair: KeyPair, method: DataEncryption) -> bytes:
    oaep = _oaep(encrypted_key)  # refused algorithms raise before any key is used
    if not isinstance(pair.private_key, rsa.RSAPrivateKey):
        raise _Failed
    try:
        key = pair.private_key.decrypt(_cipher_value(encrypted_key), oaep)
    except ValueError as exc:
        raise _Failed from exc
    if len(key) != method.key_bytes:
        raise _Failed
    return key


def _decrypt_data(method: DataEncryption, key: bytes, ciphertext: bytes) -> bytes:
    if method.is_gcm:
        # XML-Enc 1.1 5.2.4: 96-bit IV, then ciphertext, then a 128-bit tag.
        if len(ciphertext) < _GCM_IV + _GCM_TAG:
            raise _Failed
        try:
            return AESGCM(key).decrypt(ciphertext[:_GCM_IV], ciphertext[_GCM_IV:], None)
        except InvalidTag as exc:
            raise _Failed from exc
    # XML-Enc 5.2: IV first; the padding is ISO 10126-like (only the last octet counts, the
    # others may be random), so PKCS#7 unpadding would refuse honest peers.
    if len(ciphertext) < 2 * _BLOCK or len(ciphertext) % _BLOCK:
        raise _Failed
    decryptor = Cipher(algorithms.AES(key), modes.CBC(ciphertext[:_BLOCK])).decryptor()
    padded = decryptor.update(ciphertext[_BLOCK:]) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= _BLOCK:
        raise _Failed
    return padded[:-pad]


# --- plaintext --------------------------------------------------------------------------------


def _parse_in_context(
    plaintext: bytes, wrapper: etree._Element, limits: XmlLimits
) -> etree._Element:
    """Parse the decrypted octets with the hardened parser, in the namespace context of the
    wrapper, and return the one element they hold as the root of a new tree.

    XML-Enc 4.3.3 leaves it to the decryptor to supply the in-scope namespaces: libxmlsec (and
    therefore many peers) serializes the element without the declarations it inherited, so the
    octets are parsed inside a context element that declares the wrapper's in-scope namespaces
    (the way Apache Santuario deserializes). The context element is built with lxml; only the
    octets are spliced between its tags.
    """
    context = etree.Element("context", nsmap=_nsmap(wrapper))
    context.text = ""
    shell = serialize(context)
    head, _, tail = shell.rpartition(b"</context>")
    if not head.endswith(b">"):  # pragma: no cover - lxml always writes an end tag for text=""
        raise DecryptionError(_PUBLIC, debug="context element has no end tag")
    parsed = parse_xml(head + plaintext + b"</context>" + tail, limits)
    children = list(parsed)
    if (
        len(children) != 1
        or not isinstance(children[0].tag, str)
        or (parsed.text or "").strip()
        or (children[0].tail or "").strip()
    ):
        raise DecryptionError("decrypted content is not one element", debug="Type=Element")
    inner = children[0]
    # A standalone copy that declares everything in scope, so QName values such as
    # xsi:type="xs:string" still resolve.
    attrib = {str(name): str(value) for name, value in inner.attrib.items()}
    root = etree.Element(inner.tag, attrib=attrib, nsmap=_nsmap(inner))
    root.text = inner.text
    for child in list(inner):
        root.append(child)
    return root


def _nsmap(element: etree._Element) -> Any:
    """The in-scope namespaces (lxml-stubs type nsmap without the None default prefix)."""
    return dict(element.nsmap)
