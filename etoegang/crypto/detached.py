"""Raw (detached) signatures over octets, as the HTTP-Redirect binding carries them.

Spec: SAML 2.0 bindings §3.4.4.1 (the ``Signature`` query parameter is a signature over the
octets ``SAMLRequest=…&RelayState=…&SigAlg=…``, with the algorithm named by ``SigAlg``) and
``shared/spec/eherkenning.md`` §4.3 (RSA-SHA256; SHA-1 no longer allowed) and §8.2 (eIDAS:
RSASSA-PSS, ECDSA).

The algorithm vocabulary is :class:`etoegang.crypto.algorithms.SignatureMethod`, so the enveloped
and the detached signatures accept exactly the same list: a SigAlg naming SHA-1, DSA or anything
unknown cannot be turned into a method and raises :class:`SignatureAlgorithmRefused`.

ECDSA signature values use the XML-DSig 1.1 form (the big-endian ``r || s`` of fixed width, not
DER), which is what libxmlsec's binary signatures produce, so our Redirect signatures verify at
peers built on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from etoegang.crypto.algorithms import SignatureMethod
from etoegang.errors import SignatureAlgorithmRefused
from etoegang.errors import SignatureError
from etoegang.errors import UnknownSigner
from keys.ring import KeyPair
from keys.ring import PeerCertificate

__all__ = ["method_from_uri", "sign_octets", "verify_octets"]

_HASHES: Final[dict[SignatureMethod, type[hashes.HashAlgorithm]]] = {
    SignatureMethod.RSA_SHA256: hashes.SHA256,
    SignatureMethod.RSA_SHA384: hashes.SHA384,
    SignatureMethod.RSA_SHA512: hashes.SHA512,
    SignatureMethod.RSA_PSS_SHA256: hashes.SHA256,
    SignatureMethod.RSA_PSS_SHA512: hashes.SHA512,
    SignatureMethod.ECDSA_SHA256: hashes.SHA256,
    SignatureMethod.ECDSA_SHA384: hashes.SHA384,
    SignatureMethod.ECDSA_SHA512: hashes.SHA512,
}

_PSS: Final = frozenset({SignatureMethod.RSA_PSS_SHA256, SignatureMethod.RSA_PSS_SHA512})


def method_from_uri(uri: str) -> SignatureMethod:
    """The accepted method a SigAlg URI names, or :class:`SignatureAlgorithmRefused`."""
    return SignatureMethod(uri)


def _hash(method: SignatureMethod) -> hashes.HashAlgorithm:
    return _HASHES[method]()


def _rsa_padding(method: SignatureMethod) -> padding.AsymmetricPadding:
    if method in _PSS:
        # RFC 9231 §2.3.10: MGF1 with the same hash, salt length equal to the hash length.
        algorithm = _hash(method)
        return padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
    return padding.PKCS1v15()


def _ec_width(curve: ec.EllipticCurve) -> int:
    return (curve.key_size + 7) // 8


def sign_octets(data: bytes, key: KeyPair, method: SignatureMethod) -> bytes:
    """Sign ``data`` with our private key; the method must fit the key type.

    :raises SignatureAlgorithmRefused: the method is for another key type than ``key``.
    """
    private = key.private_key
    if isinstance(private, rsa.RSAPrivateKey):
        if method.is_ecdsa:
            raise SignatureAlgorithmRefused(
                "signature method does not fit the key", debug=f"{method.name} with an RSA key"
            )
        return private.sign(data, _rsa_padding(method), _hash(method))
    if not method.is_ecdsa:
        raise SignatureAlgorithmRefused(
            "signature method does not fit the key", debug=f"{method.name} with an EC key"
        )
    der = private.sign(data, ec.ECDSA(_hash(method)))
    r, s = decode_dss_signature(der)
    width = _ec_width(private.curve)
    return r.to_bytes(width, "big") + s.to_bytes(width, "big")


def _verifies(
    data: bytes, signature: bytes, cert: PeerCertificate, method: SignatureMethod
) -> bool:
    public = cert.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            if method.is_ecdsa:
                return False
            public.verify(signature, data, _rsa_padding(method), _hash(method))
            return True
        if not method.is_ecdsa:
            return False
        width = _ec_width(public.curve)
        if len(signature) != 2 * width:
            return False
        r = int.from_bytes(signature[:width], "big")
        s = int.from_bytes(signature[width:], "big")
        public.verify(encode_dss_signature(r, s), data, ec.ECDSA(_hash(method)))
        return True
    except InvalidSignature:
        return False


def verify_octets(
    data: bytes,
    signature: bytes,
    certificates: Sequence[PeerCertificate],
    method: SignatureMethod,
) -> PeerCertificate:
    """Check a detached signature against the registered certificates only.

    A detached signature names no key, so every registered certificate of the sender (current
    and next, during a rollover) is tried in order.

    :returns: the certificate whose key verified the signature.
    :raises UnknownSigner: no certificate is registered for the sender.
    :raises SignatureError: no registered certificate verifies the signature.
    """
    if not certificates:
        raise UnknownSigner("no registered key to check the signature with")
    if not signature:
        raise SignatureError("signature does not verify", debug="empty signature value")
    for cert in certificates:
        if _verifies(data, signature, cert, method):
            return cert
    raise SignatureError(
        "signature does not verify",
        debug=f"{method.name}; tried {len(certificates)} registered certificate(s)",
    )
