"""Signed request objects (JAR, RFC 9101) and the checks on every JWT a client signs.

A request object is accepted only when signed by the client with one of its registered keys
and an algorithm on the allow-list (:data:`broker.oidc.keys.CLIENT_ALGS`: RS256, PS256,
ES256). ``none`` is refused (an unsigned object proves nothing) and so is every HS*
algorithm: with a public key as the HMAC secret anybody could forge it (the classic algorithm
confusion). The algorithm is checked in the header *before* verification, so the verifier is
never even asked to consider another one.

Claims (RFC 9101 §4, §6.3, §10.2): ``iss`` = ``client_id`` = the outer ``client_id``;
``aud`` = our issuer; ``exp`` present and at most an hour ahead; no nested ``request`` or
``request_uri``. Only the object's parameters are used afterwards (§6.3).

The checks run outside authlib's ``JWTAuthenticationRequest`` hook because the PAR endpoint
(RFC 9126 §3) must run them as well, and authlib keeps hooks in a set (undefined order, STYLE
§6), which would leave the order of PAR and JAR resolution to chance.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from typing import Final

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from broker.oidc.clients import OidcClient
from broker.oidc.keys import CLIENT_ALGS
from etoegang.clock import Clock

#: The longest a request object may be valid.
MAX_LIFETIME: Final = 3600
#: Registered JWT claims that are about the object itself, not authorization parameters.
_JWT_ONLY: Final = ("iss", "aud", "exp", "iat", "nbf", "jti")


class RequestObjectRefused(ValueError):
    """The request object (or client JWT) is not acceptable; the message says why (public)."""


def signed_by_client(
    raw: str, keys: KeySet | None, *, allowed: Sequence[str] = CLIENT_ALGS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a JWT a client signed: (header, claims). Claims are not yet checked.

    :raises RequestObjectRefused: not a JWS, algorithm not allowed, bad signature.
    """
    try:
        header = extract_compact(raw.encode("ascii")).headers()
    except (JoseError, UnicodeError, ValueError) as exc:
        raise RequestObjectRefused("not a signed JWT") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in allowed:
        raise RequestObjectRefused(f"algorithm {alg!r} refused; use one of {', '.join(allowed)}")
    if keys is None:
        raise RequestObjectRefused("the client has no registered keys")
    kid = header.get("kid")
    # The key named by kid, or (no kid) each registered key in turn: during a rollover a
    # client has two, and a JWT without kid is still the client's if one of them verifies it.
    candidates = [k for k in keys.keys if kid is None or k.kid == kid]
    for key in candidates:
        try:
            token = jwt.decode(raw, key, algorithms=[alg])
        except (JoseError, ValueError):
            continue
        return dict(token.header), dict(token.claims)
    raise RequestObjectRefused("the signature does not verify with the client's keys")


def _number(claims: dict[str, Any], name: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestObjectRefused(f"{name} is not a number")
    return int(value)


def check_times(
    claims: dict[str, Any], clock: Clock, *, max_lifetime: int, skew: int
) -> int:
    """``exp`` present, in the future and at most ``max_lifetime`` ahead; ``iat``/``nbf`` not in
    the future. Returns the seconds until ``exp``."""
    now = int(clock.now().timestamp())
    exp = _number(claims, "exp")
    if exp is None:
        raise RequestObjectRefused("exp is required")
    if exp <= now - skew:
        raise RequestObjectRefused("expired")
    if exp > now + max_lifetime + skew:
        raise RequestObjectRefused(f"exp is more than {max_lifetime} s ahead")
    for name in ("iat", "nbf"):
        value = _number(claims, name)
        if value is not None and value > now + skew:
            raise RequestObjectRefused(f"{name} is in the future")
    return exp - now


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        return list(aud)
    return []


def decode_request_object(
    raw: str, client: OidcClient, *, outer_client_id: str, issuer: str, clock: Clock, skew: int
) -> dict[str, str]:
    """The authorization parameters of a request object, as strings (objects as JSON).

    :raises RequestObjectRefused: the object is unsigned, signed wrongly or its claims are off.
    """
    _, claims = signed_by_client(raw, client.keys)
    if claims.get("client_id") != outer_client_id or claims.get("client_id") != client.client_id:
        raise RequestObjectRefused("client_id differs from the request's client_id")
    if claims.get("iss") != client.client_id:
        raise RequestObjectRefused("iss must be the client_id")
    if issuer not in _audiences(claims):
        raise RequestObjectRefused("aud must be the issuer")
    check_times(claims, clock, max_lifetime=MAX_LIFETIME, skew=skew)
    if "request" in claims or "request_uri" in claims:
        raise RequestObjectRefused("request and request_uri must not be nested")
    params: dict[str, str] = {}
    for name, value in claims.items():
        if name in _JWT_ONLY:
            continue
        params[name] = value if isinstance(value, str) else json.dumps(value)
    return params


__all__ = ["RequestObjectRefused", "check_times", "decode_request_object", "signed_by_client"]
