"""Hand-made OIDC requests for the negative tests (no client library in between)."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt

from tests.oidc.conftest import REDIRECT_URI
from tests.oidc.conftest import SERVICE_EH2PLUS
from tests.oidc.conftest import OidcHarness
from tests.oidc.conftest import new_verifier

CLIENT_ID = SERVICE_EH2PLUS.service_id
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def auth_params(verifier: str, **changes: Any) -> dict[str, str]:
    params: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid",
        "state": "state-" + uuid.uuid4().hex,
        "nonce": "nonce-" + uuid.uuid4().hex,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def authorize_url(oidc: OidcHarness, params: dict[str, str]) -> str:
    return f"{oidc.issuer}/authorize?{urlencode(params)}"


def client_jwt(
    oidc: OidcHarness,
    claims: dict[str, Any],
    *,
    alg: str = "RS256",
    key: Any = None,
) -> str:
    return jwt.encode({"alg": alg, "kid": oidc.dv_key().kid or ""}, claims,
                      key if key is not None else oidc.dv_key(), [alg])


def assertion(
    oidc: OidcHarness,
    *,
    audience: str | None = None,
    jti: str | None = None,
    lifetime: int = 60,
    client_id: str = CLIENT_ID,
) -> str:
    now = int(time.time())
    return client_jwt(oidc, {
        "iss": client_id, "sub": client_id, "aud": audience or f"{oidc.issuer}/token",
        "iat": now, "exp": now + lifetime, "jti": jti or uuid.uuid4().hex,
    })


def redeem(
    oidc: OidcHarness, code: str, verifier: str | None, *, client_assertion: str | None = None,
    redirect_uri: str = REDIRECT_URI,
) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": client_assertion or assertion(oidc),
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return requests.post(f"{oidc.issuer}/token", data=data, timeout=10)


def login_code(oidc: OidcHarness, **changes: Any) -> tuple[str, str, dict[str, str]]:
    """A complete login: (code, verifier, the callback's parameters)."""
    verifier = new_verifier()
    params = auth_params(verifier, **changes)
    final = oidc.login(authorize_url(oidc, params))
    from tests.oidc.conftest import query_of

    callback = query_of(final)
    assert "code" in callback, callback
    return callback["code"], verifier, callback


def userinfo(oidc: OidcHarness, access_token: str) -> requests.Response:
    return requests.get(f"{oidc.issuer}/userinfo",
                        headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
