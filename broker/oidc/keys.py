"""The OpenID Provider's keys: the HM signing key (current and next) as JWKs (RFC 7517), and the
allow-lists of JWS algorithms (RFC 7518) for what we sign and what we accept.

The ID token is signed with the HM's current signing key, the one that signs its SAML
messages; the JWKS publishes the current and the next key (DESIGN §4.5: "metadata and JWKS
publish both"), so a rollover needs no coordination with the clients. The ``kid`` is the
certificate's SHA-256 fingerprint, the same KeyName the SAML metadata publishes.

Which key is current follows the ring's schedule (:meth:`keys.ring.KeyRing.at`): a next key
with an activation instant carries it in the JWKS as ``nbf`` (NumericDate), the member name
OpenID Federation gives a JWK's validity start. RFC 7517 §4 lets a JWK carry members of its
own and makes clients ignore those they do not understand, so the set stays valid for all.
After the instant the new key is listed first and signs; the one it replaced stays listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import Final

from joserfc.jwk import ECKey
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey

from etoegang.clock import Clock
from keys.ring import KeyPair
from keys.ring import KeyRing

#: What we sign ID tokens and logout tokens with (an RSA HM key; RS256 is the OIDC default).
ID_TOKEN_ALGS: Final = ("RS256", "PS256")
#: What we accept from clients (request objects, client assertions): never ``none``, never
#: HS* (an HMAC "signed" with a public key anyone can read proves nothing).
CLIENT_ALGS: Final = ("RS256", "PS256", "ES256")
#: Smallest RSA modulus we accept in a client's JWKS.
MIN_RSA_BITS: Final = 2048
#: The JWK member that carries a scheduled key's activation instant (NumericDate).
ACTIVATION_MEMBER: Final = "nbf"
#: An instant after every activation, to list every key the schedule will make current.
_END_OF_TIME: Final = datetime.max.replace(tzinfo=UTC)

AnyKey = RSAKey | ECKey


def _private_jwk(pair: KeyPair) -> AnyKey:
    parameters: dict[str, Any] = {"kid": pair.key_name, "use": "sig"}
    pem = pair.private_pem()
    try:
        return RSAKey.import_key(pem, parameters)  # type: ignore[arg-type]
    except ValueError:
        return ECKey.import_key(pem, parameters)  # type: ignore[arg-type]


class ProviderKeys:
    """The HM ring's signing keys as JOSE keys, resolved per call at the clock's instant."""

    def __init__(self, ring: KeyRing, clock: Clock) -> None:
        self._ring = ring
        self._clock = clock
        # Every key the schedule can ever make current or publish, converted once.
        pairs = (*ring.published_signing(), *ring.at(_END_OF_TIME).published_signing())
        self._jwks: dict[str, AnyKey] = {pair.key_name: _private_jwk(pair) for pair in pairs}

    def _now(self) -> KeyRing:
        return self._ring.at(self._clock.now())

    @property
    def signing(self) -> AnyKey:
        """The private key that signs ID tokens and logout tokens now."""
        return self._jwks[self._now().signing.key_name]

    @property
    def kid(self) -> str:
        return self.signing.kid or ""

    def private_set(self) -> KeySet:
        """Every published private key. Signing with the set and a ``kid`` in the header
        picks the key by that ``kid``, so header and signature always agree, even when the
        activation instant falls between building the header and signing."""
        return KeySet([self._jwks[pair.key_name] for pair in self._now().published_signing()])

    def jwks(self) -> dict[str, Any]:
        """The public JWK set: the key in use first, then the next (with its ``nbf`` when its
        activation is scheduled) and the one it replaced; no private parts."""
        ring = self._now()
        activation = {s.pair.key_name: s.activation for s in ring.scheduled() if s.use == "signing"}
        keys: list[dict[str, Any]] = []
        for pair in ring.published_signing():
            public: dict[str, Any] = dict(self._jwks[pair.key_name].as_dict(private=False))
            if pair.key_name in activation:
                public[ACTIVATION_MEMBER] = int(activation[pair.key_name].timestamp())
            keys.append(public)
        return {"keys": keys}

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


__all__ = [
    "ACTIVATION_MEMBER", "CLIENT_ALGS", "ID_TOKEN_ALGS", "ProviderKeys", "client_key_set",
    "public_jwks",
]
