"""The OP's keys across a scheduled rollover: the JWKS carries the next key's activation as
``nbf``, ID tokens switch keys at the instant, and the header's kid always names the key that
signed (broker.oidc.keys.ProviderKeys)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from joserfc import jwt
from joserfc.jwk import KeySet

from broker.oidc.keys import ACTIVATION_MEMBER
from broker.oidc.keys import ProviderKeys
from etoegang.clock import FixedClock
from keys.ring import KeyRing

T = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _sign(keys: ProviderKeys) -> str:
    # As the ID token is made: the header (kid) first, then the key set that signs by kid.
    header = {"alg": "RS256", "kid": keys.kid}
    return jwt.encode(header, {"iss": "https://hm.example/oidc"}, keys.private_set(), ["RS256"])


def test_jwks_before_the_instant_lists_current_then_next_with_its_activation(
    rings: dict[str, KeyRing],
) -> None:
    ring = replace(rings["hm"], signing_next_activation=T)
    assert ring.signing_next is not None
    keys = ProviderKeys(ring, FixedClock(T - timedelta(seconds=1)))
    published = keys.jwks()["keys"]
    assert [k["kid"] for k in published] == [ring.signing.key_name, ring.signing_next.key_name]
    assert ACTIVATION_MEMBER not in published[0]
    assert published[1][ACTIVATION_MEMBER] == int(T.timestamp())
    assert all("d" not in k for k in published), "no private parts"
    # Other JWK libraries read the set with the extra member (RFC 7517 §4: ignore, not fail).
    assert len(KeySet.import_key_set(json.loads(json.dumps(keys.jwks()))).keys) == 2
    token = _sign(keys)
    assert jwt.decode(token, keys.public_set()).header["kid"] == ring.signing.key_name


def test_at_the_instant_the_same_object_signs_with_the_next_key_and_lists_it_first(
    rings: dict[str, KeyRing],
) -> None:
    ring = replace(rings["hm"], signing_next_activation=T)
    assert ring.signing_next is not None
    clock = FixedClock(T - timedelta(seconds=1))
    keys = ProviderKeys(ring, clock)
    clock.move_to(T)
    assert keys.kid == ring.signing_next.key_name
    published = keys.jwks()["keys"]
    assert [k["kid"] for k in published] == [ring.signing_next.key_name, ring.signing.key_name]
    assert all(ACTIVATION_MEMBER not in k for k in published)
    token = _sign(keys)
    # Verifies with the new key alone: it is the key that signed, and the kid says so.
    new_only = KeySet.import_key_set({"keys": [published[0]]})  # type: ignore[list-item]
    assert jwt.decode(token, new_only).header["kid"] == ring.signing_next.key_name


def test_a_header_made_before_the_instant_still_matches_its_signature_after_it(
    rings: dict[str, KeyRing],
) -> None:
    ring = replace(rings["hm"], signing_next_activation=T)
    clock = FixedClock(T - timedelta(seconds=1))
    keys = ProviderKeys(ring, clock)
    header = {"alg": "RS256", "kid": keys.kid}
    clock.move_to(T)  # the instant passes between the header and the signature
    token = jwt.encode(header, {"iss": "x"}, keys.private_set(), ["RS256"])
    old_only = KeySet.import_key_set({"keys": [keys.jwks()["keys"][1]]})
    assert old_only.keys[0].kid == ring.signing.key_name
    assert jwt.decode(token, old_only).header["kid"] == ring.signing.key_name
