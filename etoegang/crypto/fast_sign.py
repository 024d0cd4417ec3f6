"""The two values of an enveloped signature we make: DigestValue and SignatureValue.

Spec: ``shared/spec/eherkenning.md`` §4.3 (enveloped, exclusive C14N, SHA-256, RSA-SHA256) and
§8.2 (eIDAS: RSASSA-PSS, ECDSA). :func:`etoegang.crypto.xmldsig.sign` builds the ds:Signature;
this module fills it in without xmlsec, because the libcrypto bundled in the python-xmlsec wheel
is markedly slower for the RSA private-key step than the one under ``cryptography`` (the bench
in ``bench/crypto_ops.py`` shows it). Verification stays with xmlsec, an independent check.

Both values are computed exactly as a verifier recomputes them:

* the Reference digest is over the exclusive C14N (without comments, with the InclusiveNamespaces
  prefixes) of the element *before* its ds:Signature is inserted. The enveloped-signature
  transform removes only the ds:Signature subtree, and a freshly made ds:Signature has no tail
  text, so the node set a verifier canonicalises is the element as it is now. lxml
  canonicalises a sub-tree with every in-scope namespace of its ancestors (as the XPath data
  model, and so xmlsec, sees them), and lxml and xmlsec share libxml2's C14N.
* the SignedInfo is canonicalised where it will be verified: inside the inserted ds:Signature,
  in the element's document, so the namespace context is the verifier's.

Base64 is written as libxmlsec writes it (64-character lines joined by a newline), so the
output is byte for byte the one the xmlsec signer made (RSA PKCS#1 v1.5 is deterministic; the
tests compare).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from etoegang.crypto.algorithms import DigestMethod
from etoegang.crypto.algorithms import SignatureMethod
from etoegang.errors import SignatureError
from keys.ring import KeyPair

__all__ = ["b64_lines", "reference_digest", "signature_value_bytes"]

#: libxmlsec's default base64 line length (xmlSecBase64GetDefaultLineSize).
_LINE = 64

_HASHLIB: Final[dict[DigestMethod, Callable[[bytes], hashlib._Hash]]] = {
    DigestMethod.SHA256: hashlib.sha256,
    DigestMethod.SHA384: hashlib.sha384,
    DigestMethod.SHA512: hashlib.sha512,
}


@dataclass(frozen=True, slots=True)
class _Scheme:
    """How one SignatureMethod signs: the hash and, for RSA, the padding (made once)."""

    hash: hashes.HashAlgorithm
    rsa_padding: padding.AsymmetricPadding | None
    ecdsa: ec.ECDSA | None


def _rsa(hash_: hashes.HashAlgorithm) -> _Scheme:
    return _Scheme(hash_, padding.PKCS1v15(), None)


def _pss(hash_: hashes.HashAlgorithm) -> _Scheme:
    # RFC 9231 §2.3.10 (and libxmlsec): MGF1 with the same hash, salt length = hash length.
    return _Scheme(hash_, padding.PSS(mgf=padding.MGF1(hash_), salt_length=hash_.digest_size), None)


def _ecdsa(hash_: hashes.HashAlgorithm) -> _Scheme:
    return _Scheme(hash_, None, ec.ECDSA(hash_))


_SCHEMES: Final[dict[SignatureMethod, _Scheme]] = {
    SignatureMethod.RSA_SHA256: _rsa(hashes.SHA256()),
    SignatureMethod.RSA_SHA384: _rsa(hashes.SHA384()),
    SignatureMethod.RSA_SHA512: _rsa(hashes.SHA512()),
    SignatureMethod.RSA_PSS_SHA256: _pss(hashes.SHA256()),
    SignatureMethod.RSA_PSS_SHA512: _pss(hashes.SHA512()),
    SignatureMethod.ECDSA_SHA256: _ecdsa(hashes.SHA256()),
    SignatureMethod.ECDSA_SHA384: _ecdsa(hashes.SHA384()),
    SignatureMethod.ECDSA_SHA512: _ecdsa(hashes.SHA512()),
}


def b64_lines(data: bytes) -> str:
    """Base64 of ``data`` in lines of 64 characters joined by ``\\n``, as libxmlsec writes it."""
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + _LINE] for i in range(0, len(text), _LINE))


def exc_c14n(element: etree._Element, inclusive_prefixes: Sequence[str] = ()) -> bytes:
    """Exclusive C14N 1.0 without comments of ``element``'s sub-tree, in its namespace context.

    The prefixes are taken as a verifier reads them back from the PrefixList attribute the
    signer writes (joined by spaces, split on whitespace), so both use the same list.

    :raises ValueError: a prefix is not an NCName (``#default`` cannot be passed to lxml).
    """
    prefixes = " ".join(inclusive_prefixes).split()
    for prefix in prefixes:
        _intern(element, prefix)
    return etree.tostring(
        element,
        method="c14n",
        exclusive=True,
        with_comments=False,
        inclusive_ns_prefixes=prefixes or None,
    )


def _intern(element: etree._Element, prefix: str) -> None:
    """Put ``prefix`` into the name dictionary of ``element``'s document.

    lxml hands libxml2 only the inclusive prefixes already in that dictionary
    (``_convert_ns_prefixes``: "unknown prefixes do not need to get serialised"), but a
    namespace declared through ``nsmap=`` on a built tree does not put its prefix there. The
    dictionary is shared by the documents of a thread, so whether the prefix of an
    ``xsi:type="xs:string"`` is in it depends on what the thread parsed before; when it is not,
    lxml drops the prefix without a word and the digest differs from the verifier's, who
    parsed the document. Making an element of that name in the document interns the name; the
    element is never attached, so the tree is as it was.
    """
    try:
        element.makeelement(prefix)
    except ValueError as exc:
        raise ValueError(f"inclusive namespace prefix {prefix!r} is not an NCName") from exc


def reference_digest(
    element: etree._Element, digest: DigestMethod, inclusive_prefixes: Sequence[str]
) -> bytes:
    """The Reference digest of ``element``, which must not carry its ds:Signature yet."""
    return _HASHLIB[digest](exc_c14n(element, inclusive_prefixes)).digest()


def signature_value_bytes(
    signed_info: etree._Element, key: KeyPair, method: SignatureMethod
) -> bytes:
    """Sign the exclusive C14N of ``signed_info`` (in place in its ds:Signature) with ``key``.

    ECDSA values are the raw ``r || s`` of XML-DSig 1.1 §6.4.3, each integer left-padded to
    the curve's octet length, not the DER of X9.62.

    :raises SignatureError: the key does not fit the method, or the library refused.
    """
    scheme = _SCHEMES[method]
    private = key.private_key
    octets = exc_c14n(signed_info)
    try:
        if scheme.rsa_padding is not None:
            if not isinstance(private, rsa.RSAPrivateKey):
                raise SignatureError("could not sign", debug=f"{method.name}: not an RSA key")
            return private.sign(octets, scheme.rsa_padding, scheme.hash)
        if scheme.ecdsa is None or not isinstance(private, ec.EllipticCurvePrivateKey):
            raise SignatureError("could not sign", debug=f"{method.name}: not an EC key")
        r, s = decode_dss_signature(private.sign(octets, scheme.ecdsa))
        size = (private.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureError("could not sign", debug=f"{method.name}: {exc}") from exc
