"""Bare xmlsec public keys (no certificate attached) for the hot verification path.

Assigning a key to an ``xmlsec.SignatureContext`` duplicates it. A key that carries its X.509
certificate (as ``KeyPair.xmlsec_key()`` and ``PeerCertificate.xmlsec_key()`` do, which XML
encryption wants for KeyInfo) costs 70-100 µs to duplicate, a fifth of an RSA-2048 signature;
a bare key costs about 1 µs. The certificate is never needed here: Makelaar writes KeyInfo
itself and never lets xmlsec read one. Keys are cached by their encoded bytes (whose hash
Python caches), so a rollover simply adds entries and nothing is ever stale.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import xmlsec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import PublicFormat

from keys.ring import PeerCertificate

#: Enough for every key of a federation (a few hundred peers, two keys each).
_CACHE_SIZE = 1024


@lru_cache(maxsize=_CACHE_SIZE)
def _public_key(certificate: PeerCertificate) -> Any:
    # PeerCertificate hashes and compares by its DER bytes, so equal certificates share a key.
    spki = certificate.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    key = xmlsec.Key.from_memory(spki, xmlsec.constants.KeyDataFormatPem)
    key.name = certificate.key_name
    return key


def verification_key(certificate: PeerCertificate) -> Any:
    """The public key of a registered certificate as a bare ``xmlsec.Key`` (cached)."""
    return _public_key(certificate)
