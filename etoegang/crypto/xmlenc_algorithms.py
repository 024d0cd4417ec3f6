"""The XML-Enc algorithm vocabularies Makelaar encrypts and decrypts with, and nothing else.

``shared/spec/eherkenning.md`` §3.3: production eHerkenning peers send AES-256-CBC data with
``rsa-oaep-mgf1p`` key transport (SHA-1 OAEP digest); §8.2: the eIDAS crypto profile wants
AES-GCM. Makelaar emits AES-256-GCM with XML-Enc 1.1 ``rsa-oaep`` (SHA-256 digest, MGF1-SHA256)
and reads both. RSA PKCS#1 v1.5 key transport (``rsa-1_5``, open to Bleichenbacher's attack)
and triple DES are not members of these enums: looking them up raises
:class:`EncryptionAlgorithmRefused`, so a refused URI never becomes a value.
"""

from __future__ import annotations

from enum import Enum
from typing import Any
from typing import Final

from cryptography.hazmat.primitives import hashes

from etoegang.errors import EncryptionAlgorithmRefused

_XENC: Final = "http://www.w3.org/2001/04/xmlenc#"
_XENC11: Final = "http://www.w3.org/2009/xmlenc11#"
_DSIG: Final = "http://www.w3.org/2000/09/xmldsig#"
_MORE: Final = "http://www.w3.org/2001/04/xmldsig-more#"

#: EncryptedData/@Type for an encrypted element (XML-Enc 3.5.1).
TYPE_ELEMENT: Final = _XENC + "Element"
#: EncryptedData/@Type for encrypted element content: never accepted (SAML encrypts elements).
TYPE_CONTENT: Final = _XENC + "Content"
#: ds:RetrievalMethod/@Type pointing at an EncryptedKey (XML-Enc 3.5.1).
TYPE_ENCRYPTED_KEY: Final = _XENC + "EncryptedKey"


class DataEncryption(Enum):
    """Block ciphers for the EncryptedData (xenc:EncryptionMethod/@Algorithm)."""

    AES128_CBC = _XENC + "aes128-cbc"
    AES192_CBC = _XENC + "aes192-cbc"
    AES256_CBC = _XENC + "aes256-cbc"
    AES128_GCM = _XENC11 + "aes128-gcm"
    AES192_GCM = _XENC11 + "aes192-gcm"
    AES256_GCM = _XENC11 + "aes256-gcm"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise EncryptionAlgorithmRefused(
            "data encryption algorithm not accepted", debug=f"EncryptionMethod {value!r}"
        )

    @property
    def key_bytes(self) -> int:
        """Length of the AES key this algorithm needs, in bytes."""
        return {"128": 16, "192": 24, "256": 32}[self.name[3:6]]

    @property
    def is_gcm(self) -> bool:
        return self.name.endswith("GCM")


class KeyTransport(Enum):
    """RSA key transport for the EncryptedKey (xenc:EncryptionMethod/@Algorithm)."""

    #: XML-Enc 1.0 5.4.2: RSA-OAEP with MGF1 fixed to SHA-1; the OAEP digest is a parameter.
    RSA_OAEP_MGF1P = _XENC + "rsa-oaep-mgf1p"
    #: XML-Enc 1.1 5.5.2: RSA-OAEP with both the digest and the MGF as parameters.
    RSA_OAEP = _XENC11 + "rsa-oaep"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise EncryptionAlgorithmRefused(
            "key transport algorithm not accepted", debug=f"EncryptionMethod {value!r}"
        )


class OaepDigest(Enum):
    """ds:DigestMethod inside an RSA-OAEP EncryptionMethod.

    SHA-1 is accepted here, unlike in signatures: OAEP needs no collision resistance from its
    hash, and production eHerkenning peers send ``xmldsig#sha1`` (spec §3.3). Makelaar itself
    emits SHA-256.
    """

    SHA1 = _DSIG + "sha1"
    SHA256 = _XENC + "sha256"
    SHA384 = _MORE + "sha384"
    SHA512 = _XENC + "sha512"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise EncryptionAlgorithmRefused(
            "OAEP digest algorithm not accepted", debug=f"DigestMethod {value!r}"
        )

    def hash(self) -> hashes.HashAlgorithm:
        return _HASHES[self.name]()


class Mgf(Enum):
    """xenc11:MGF/@Algorithm for XML-Enc 1.1 ``rsa-oaep`` (default MGF1 with SHA-1)."""

    MGF1_SHA1 = _XENC11 + "mgf1sha1"
    MGF1_SHA256 = _XENC11 + "mgf1sha256"
    MGF1_SHA384 = _XENC11 + "mgf1sha384"
    MGF1_SHA512 = _XENC11 + "mgf1sha512"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise EncryptionAlgorithmRefused(
            "OAEP mask generation function not accepted", debug=f"MGF {value!r}"
        )

    def hash(self) -> hashes.HashAlgorithm:
        return _HASHES[self.name.removeprefix("MGF1_")]()


_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "SHA1": hashes.SHA1,
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}
