"""The OpenID Provider's keys: the HM signing key (current and next) as JWKs (RFC 7517), and the
allow-lists of JWS algorithms (RFC 7518) for what we sign and what we accept.

The ID token is signed with the HM's current signing key, the one that signs its SAML
messages; the JWKS publishes the current and the next key (DESIGN §4.5: "metadata and JWKS
publish both"), so a rollover needs no coordination with the clients. The ``kid`` is the
certificate's SHA-256 fingerprint, the same KeyName the SAML metadata publishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from typing import Final

from joserfc.jwk import ECKey
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey

from keys.ring import KeyPair
from keys.ring import KeyRing

#: What we sign ID tokens and logout tokens with (an RSA HM key; RS256 is the OIDC default).
ID_TOKEN_ALGS: Final = ("RS256", "PS256")
#: What we accept from clients (request objects, client assertions): never ``none``, never
#: HS* (an HMAC "signed" with a public key anyone can read proves nothing).
CLIENT_ALGS: Final = ("RS256", "PS256", "ES256")
#: Smallest RSA modulus we accept in a client's JWKS.
MIN_RSA_BITS: Final = 2048

AnyKey = RSAKey | ECKey


def _private_jwk(pair: KeyPair) -> AnyKey:
    parameters: dict[str, Any] = {"kid": pair.key_name, "use": "sig"}
    pem = pair.private_pem()
    try:
        return RSAKey.import_key(pem, parameters)  # type: ignore[arg-type]
    except ValueError:
        return ECKey.import_key(pem, parameters)  # type: ignore[arg-type]


class ProviderKeys:
    """The HM ring's signing keys as JOSE keys."""

    def __init__(self, ring: KeyRing) -> None:
        self._current = _private_jwk(ring.signing)
        self._published = tuple(_private_jwk(pair) for pair in ring.published_signing())

    @property
    def signing(self) -> AnyKey:
        """The private key that signs ID tokens and logout tokens now."""
        return self._current

    @property
    def kid(self) -> str:
        return self._current.kid or ""

    def jwks(self) -> dict[str, Any]:
        """The public JWK set: current and next key, no private parts."""
        return {"keys": [key.as_dict(private=False) for key in self._published]}

    def public_set(self) -> KeySet:
        """Our public keys, to verify our own ID tokens (``id_token_hint`` at logout)."""
        return KeySet.import_key_set(self.jwks())  # type: ignore[arg-type]


def client_key_set(jwks: Mapping[str, Any]) -> KeySet:
    """A client's registered public keys, refused when any key is private, symmetric, weak
    or of another curve than P-256.

    :raises ValueError: with the reason.
    """
    keys = jwks.get("keys")
    if not isinstance(keys, list) or not keys:
        raise ValueError("jwks must hold a non-empty list 'keys'")
    for key in keys:
        if not isinstance(key, dict):
            raise ValueError("every JWK must be an object")
        kty = key.get("kty")
        if kty not in ("RSA", "EC"):
            raise ValueError(f"JWK type {kty!r} refused (RSA or EC P-256 only)")
        if "d" in key or "p" in key:
            raise ValueError("a JWK holds private key material: register the public key only")
        if kty == "EC" and key.get("crv") != "P-256":
            raise ValueError("EC keys must use the P-256 curve (ES256)")
        if key.get("use") not in (None, "sig"):
            raise ValueError("JWKs must be signing keys (use=sig)")
    key_set = KeySet.import_key_set({"keys": keys})
    for imported in key_set.keys:
        if isinstance(imported, RSAKey):
            size = imported.raw_value.key_size
            if size < MIN_RSA_BITS:
                raise ValueError(f"RSA key of {size} bits; at least {MIN_RSA_BITS}")
    return key_set


def public_jwks(pairs: tuple[KeyPair, ...]) -> dict[str, Any]:
    """The public JWK set of key pairs (a DV's signing keys, for its client registration)."""
    return {"keys": [_private_jwk(pair).as_dict(private=False) for pair in pairs]}


__all__ = ["CLIENT_ALGS", "ID_TOKEN_ALGS", "ProviderKeys", "client_key_set", "public_jwks"]
