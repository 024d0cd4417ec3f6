"""KeyName derivation: the certificate fingerprint, as eHerkenning peers publish it.

Makelaar emits the SHA-256 fingerprint of the DER certificate in lower-case hex. Peers publish
SHA-256 (64 hex), SHA-1 (40 hex, as Logius' DigiD code matches) or other opaque ids; on input a
KeyName matches a registered certificate by any of its fingerprints or by the KeyName its
metadata lists (``shared/spec/eherkenning.md`` §3.3, §4.3).
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


def certificate_der(certificate: x509.Certificate) -> bytes:
    """The DER encoding of a certificate."""
    return certificate.public_bytes(Encoding.DER)


def key_name(certificate: x509.Certificate) -> str:
    """The KeyName Makelaar publishes for a certificate: SHA-256 fingerprint, lower-case hex."""
    return hashlib.sha256(certificate_der(certificate)).hexdigest()


def fingerprints(certificate: x509.Certificate) -> frozenset[str]:
    """All fingerprint spellings a peer may use as KeyName for this certificate (lower-case)."""
    der = certificate_der(certificate)
    return frozenset({hashlib.sha256(der).hexdigest(), hashlib.sha1(der).hexdigest()})  # noqa: S324


def normalise_key_name(value: str) -> str:
    """Compare KeyNames case-insensitively and without separators (``AB:CD`` = ``abcd``)."""
    return value.strip().replace(":", "").replace(" ", "").lower()
