"""Two independent relying-party stacks complete an eHerkenning login through the OIDC face over
real sockets: authlib's OAuth2Session (PKCE S256, private_key_jwt) and requests-oauthlib with
a client assertion and ID token checks by jwcrypto (neither shares code with the server)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session  # type: ignore[import-untyped]
from authlib.oauth2.rfc7523 import PrivateKeyJWT  # type: ignore[import-untyped]
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet
from jwcrypto import jwk as jc_jwk  # type: ignore[import-untyped]
from jwcrypto import jwt as jc_jwt
from requests_oauthlib import OAuth2Session as RequestsOAuthlibSession  # type: ignore[import-untyped]

from broker.oidc.claims import ACTING_SUBJECT_ID
from broker.oidc.claims import ENCRYPTED_ID
from broker.oidc.claims import LEGAL_SUBJECT_ID
from broker.oidc.claims import SERVICE_ID
from broker.oidc.claims import SERVICE_UUID
from broker.oidc.claims import VESTIGINGSNR
from etoegang.crypto.xmlenc import decrypt
from etoegang.xml.parser import parse_xml
from policies.loa import Loa
from tests.oidc.conftest import REDIRECT_URI
from tests.oidc.conftest import SERVICE_EH2PLUS
from tests.oidc.conftest import OidcHarness
from tests.oidc.conftest import new_verifier
from tests.oidc.conftest import query_of


class ShortPrivateKeyJWT(PrivateKeyJWT):  # type: ignore[misc]
    """authlib's private_key_jwt with a one-minute assertion (the broker refuses > 5 min)."""

    def sign(self, auth: Any, token_endpoint: str) -> str:
        return private_key_jwt_sign(  # type: ignore[no-any-return]
            auth.client_secret, client_id=auth.client_id, token_endpoint=token_endpoint,
            alg=self.alg, expires_in=60, header={"kid": auth.client_secret.kid},
        )


def authlib_session(oidc: OidcHarness, client_id: str) -> OAuth2Session:
    disc = oidc.discovery()
    session = OAuth2Session(
        client_id,
        oidc.dv_key(),
        token_endpoint_auth_method="private_key_jwt",
        scope="openid",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    session.register_client_auth_method(ShortPrivateKeyJWT(disc["token_endpoint"]))
    return session


def _identifier(claim: dict[str, str], oidc: OidcHarness) -> tuple[str | None, str]:
    """What a DV does with an identifier claim: decrypt it with its ServiceCertificate key."""
    element = parse_xml(base64.b64decode(claim[ENCRYPTED_ID]))
    name_id = decrypt(element, oidc.rings["dv"])
    return name_id.get("NameQualifier"), str(name_id.text)


def test_authlib_client_completes_a_login_with_pkce_and_private_key_jwt(
    oidc: OidcHarness,
) -> None:
    disc = oidc.discovery()
    client_id = SERVICE_EH2PLUS.service_id
    session = authlib_session(oidc, client_id)
    verifier, nonce = new_verifier(), uuid.uuid4().hex
    url, state = session.create_authorization_url(
        disc["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    final = oidc.login(url)
    assert final.startswith(REDIRECT_URI + "?")
    params = query_of(final)
    assert params["state"] == state
    assert params["iss"] == oidc.issuer  # RFC 9207
    token = session.fetch_token(
        disc["token_endpoint"], authorization_response=final, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer"
    keys = KeySet.import_key_set(requests.get(disc["jwks_uri"], timeout=10).json())
    decoded = jose_jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={"iss": {"value": oidc.issuer}, "aud": {"value": client_id},
                 "nonce": {"value": nonce}},
        params={"nonce": nonce, "access_token": token["access_token"]},
    )
    claims.validate(now=int(time.time()))
    assert claims["acr"] == Loa.EH3.urn  # the AD and MR said eH3; the floor was eH2+
    assert claims["sub"] == "a" * 64  # the MR's ActingEntityID: the pseudonym for this DV
    assert claims[SERVICE_ID] == client_id
    assert claims[SERVICE_UUID] == SERVICE_EH2PLUS.service_uuid
    assert claims[VESTIGINGSNR] == "000012345678"
    assert _identifier(claims[LEGAL_SUBJECT_ID], oidc) == (
        "urn:etoegang:1.9:EntityConcernedID:KvKnr", "12345678"
    )
    assert _identifier(claims[ACTING_SUBJECT_ID], oidc)[1] == "a" * 64
    userinfo = session.get(disc["userinfo_endpoint"]).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo[LEGAL_SUBJECT_ID] == claims[LEGAL_SUBJECT_ID]


def _jwcrypto_assertion(oidc: OidcHarness, client_id: str, audience: str) -> str:
    pair = oidc.rings["dv"].signing
    key = jc_jwk.JWK.from_pem(pair.private_pem())
    now = int(time.time())
    token = jc_jwt.JWT(
        header={"alg": "PS256", "kid": pair.key_name},
        claims={"iss": client_id, "sub": client_id, "aud": audience, "iat": now,
                "exp": now + 60, "jti": uuid.uuid4().hex},
    )
    token.make_signed_token(key)
    return str(token.serialize())


def test_requests_oauthlib_with_jwcrypto_completes_a_login(
    oidc: OidcHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # oauthlib refuses http even on loopback unless told otherwise (test network only).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    disc = oidc.discovery()
    client_id = SERVICE_EH2PLUS.service_id
    session = RequestsOAuthlibSession(
        client_id, redirect_uri=REDIRECT_URI, scope=["openid"], pkce="S256"
    )
    nonce = uuid.uuid4().hex
    url, state = session.authorization_url(disc["authorization_endpoint"], nonce=nonce)
    final = oidc.login(url)
    params = query_of(final)
    # RFC 9207 §2.4: the client compares iss with the issuer it sent the user to.
    assert params["iss"] == disc["issuer"]
    token = session.fetch_token(
        disc["token_endpoint"],
        authorization_response=final,
        include_client_id=True,
        client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion=_jwcrypto_assertion(oidc, client_id, disc["token_endpoint"]),
    )
    keyset = jc_jwk.JWKSet.from_json(requests.get(disc["jwks_uri"], timeout=10).text)
    id_token = jc_jwt.JWT(
        jwt=token["id_token"],
        key=keyset,
        algs=["RS256", "PS256"],
        check_claims={"iss": oidc.issuer, "aud": client_id, "exp": None, "nonce": nonce},
    )
    claims = json.loads(id_token.claims)
    assert claims["acr"] == Loa.EH3.urn
    assert claims["sub"] == "a" * 64
    assert claims[SERVICE_ID] == client_id
    userinfo = session.get(disc["userinfo_endpoint"]).json()
    assert userinfo["sub"] == claims["sub"]
    assert state == params["state"]
