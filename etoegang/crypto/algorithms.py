"""The XML-DSig algorithm vocabularies Makelaar signs and verifies with, and nothing else.

eHerkenning messages use exclusive C14N, SHA-256 digests and RSA-SHA256
(``shared/spec/eherkenning.md`` §4.3); the eIDAS profile adds RSASSA-PSS and ECDSA with SHA-256
or SHA-512 (§8.2). SHA-1, MD5, HMAC and DSA are not members of these enums, so a URI naming them
cannot even be turned into a value: looking it up raises :class:`SignatureAlgorithmRefused`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any
from typing import Final

import xmlsec

from etoegang.errors import SignatureAlgorithmRefused

#: The only canonicalisation accepted, for SignedInfo and as the second Reference transform.
EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
#: The first (and only other) Reference transform accepted.
ENVELOPED: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
_MORE_2007 = "http://www.w3.org/2007/05/xmldsig-more#"


class SignatureMethod(Enum):
    """Signature algorithms (ds:SignatureMethod/@Algorithm) Makelaar accepts."""

    RSA_SHA256 = _MORE + "rsa-sha256"
    RSA_SHA384 = _MORE + "rsa-sha384"
    RSA_SHA512 = _MORE + "rsa-sha512"
    # RFC 9231 §2.3.10: RSASSA-PSS with MGF1 of the same hash and salt length = hash length.
    RSA_PSS_SHA256 = _MORE_2007 + "sha256-rsa-MGF1"
    RSA_PSS_SHA512 = _MORE_2007 + "sha512-rsa-MGF1"
    ECDSA_SHA256 = _MORE + "ecdsa-sha256"
    ECDSA_SHA384 = _MORE + "ecdsa-sha384"
    ECDSA_SHA512 = _MORE + "ecdsa-sha512"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise SignatureAlgorithmRefused(
            "signature algorithm not accepted", debug=f"SignatureMethod {value!r}"
        )

    @property
    def xmlsec_transform(self) -> Any | None:
        """The python-xmlsec transform constant, or None where python-xmlsec names none.

        python-xmlsec 1.3.17 exports no constant for RSASSA-PSS although libxmlsec 1.3.9
        implements it and finds it by the URI in the SignedInfo; see :func:`signature_transforms`.
        """
        return _XMLSEC_SIGNATURE.get(self)

    @property
    def is_ecdsa(self) -> bool:
        return self.name.startswith("ECDSA")


class DigestMethod(Enum):
    """Digest algorithms (ds:DigestMethod/@Algorithm) Makelaar accepts."""

    SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    SHA384 = _MORE + "sha384"
    SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise SignatureAlgorithmRefused(
            "digest algorithm not accepted", debug=f"DigestMethod {value!r}"
        )

    @property
    def xmlsec_transform(self) -> Any:
        return _XMLSEC_DIGEST[self]


_C = xmlsec.constants

_XMLSEC_SIGNATURE: Final[dict[SignatureMethod, Any]] = {
    SignatureMethod.RSA_SHA256: _C.TransformRsaSha256,
    SignatureMethod.RSA_SHA384: _C.TransformRsaSha384,
    SignatureMethod.RSA_SHA512: _C.TransformRsaSha512,
    SignatureMethod.ECDSA_SHA256: _C.TransformEcdsaSha256,
    SignatureMethod.ECDSA_SHA384: _C.TransformEcdsaSha384,
    SignatureMethod.ECDSA_SHA512: _C.TransformEcdsaSha512,
}

_XMLSEC_DIGEST: Final[dict[DigestMethod, Any]] = {
    DigestMethod.SHA256: _C.TransformSha256,
    DigestMethod.SHA384: _C.TransformSha384,
    DigestMethod.SHA512: _C.TransformSha512,
}

#: Every accepted signature method (eHerkenning and eIDAS together).
ALL_METHODS: Final = frozenset(SignatureMethod)
#: Every accepted digest method.
ALL_DIGESTS: Final = frozenset(DigestMethod)
#: The eIDAS crypto profile (§8.2): RSASSA-PSS or ECDSA only, no PKCS#1 v1.5.
EIDAS_METHODS: Final = frozenset(
    {
        SignatureMethod.RSA_PSS_SHA256,
        SignatureMethod.RSA_PSS_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
#: The eIDAS digests (§8.2).
EIDAS_DIGESTS: Final = frozenset({DigestMethod.SHA256, DigestMethod.SHA512})


def signature_transforms(method: SignatureMethod) -> tuple[Any, ...] | None:
    """The transforms to enable in xmlsec's SignedInfo context for ``method``, or None.

    None means "do not restrict": enabling a list makes libxmlsec refuse every URI not on it,
    and python-xmlsec cannot name the RSASSA-PSS transform, so for PSS the restriction is left
    to Makelaar's own check of the SignedInfo (which runs before xmlsec in every case).
    """
    transform = method.xmlsec_transform
    if transform is None:
        return None
    return (_C.TransformExclC14N, transform)


def reference_transforms(digest: DigestMethod) -> tuple[Any, ...]:
    """The transforms to enable in xmlsec's Reference context: exactly what we accept."""
    return (_C.TransformEnveloped, _C.TransformExclC14N, digest.xmlsec_transform)
