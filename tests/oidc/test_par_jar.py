"""Pushed authorization requests (RFC 9126) and signed request objects (RFC 9101)."""

from __future__ import annotations

import time
from typing import Any

import requests
from joserfc.jwk import OctKey

from tests.oidc.conftest import REDIRECT_URI
from tests.oidc.conftest import OidcHarness
from tests.oidc.conftest import new_verifier
from tests.oidc.conftest import query_of
from tests.oidc.helpers import CLIENT_ID
from tests.oidc.helpers import JWT_BEARER
from tests.oidc.helpers import assertion
from tests.oidc.helpers import auth_params
from tests.oidc.helpers import authorize_url
from tests.oidc.helpers import client_jwt
from tests.oidc.helpers import redeem


def _push(oidc: OidcHarness, params: dict[str, str], **auth: Any) -> requests.Response:
    data = {
        **params,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion(oidc, audience=auth.get("audience", f"{oidc.issuer}/par")),
    }
    return requests.post(f"{oidc.issuer}/par", data=data, timeout=10)


def _request_object(oidc: OidcHarness, params: dict[str, str], **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {**params, "iss": CLIENT_ID, "aud": oidc.issuer, "iat": now,
                              "exp": now + 300}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_pushed_request_logs_in_once(oidc: OidcHarness) -> None:
    verifier = new_verifier()
    params = auth_params(verifier)
    pushed = _push(oidc, params)
    assert pushed.status_code == 201, pushed.text
    body = pushed.json()
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert 0 < body["expires_in"] <= 600
    url = authorize_url(oidc, {"client_id": CLIENT_ID, "request_uri": body["request_uri"]})
    final = oidc.login(url)
    callback = query_of(final)
    assert callback["state"] == params["state"] and callback["iss"] == oidc.issuer
    assert redeem(oidc, callback["code"], verifier).status_code == 200
    # single use
    again = oidc.start(url)
    assert again.status_code == 400 and "Location" not in again.headers


def test_a_request_uri_is_only_for_the_client_that_pushed_it(oidc: OidcHarness) -> None:
    from tests.oidc.conftest import SERVICE_EH3

    pushed = _push(oidc, auth_params(new_verifier())).json()
    url = authorize_url(oidc, {"client_id": SERVICE_EH3.service_id,
                               "request_uri": pushed["request_uri"]})
    answer = oidc.start(url)
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_the_par_endpoint_validates_like_the_authorization_endpoint(oidc: OidcHarness) -> None:
    bad = _push(oidc, auth_params(new_verifier(), code_challenge_method="plain"))
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    wrong_redirect = _push(oidc, auth_params(new_verifier(), redirect_uri="http://evil.test/"))
    assert wrong_redirect.status_code == 400
    unauthenticated = requests.post(f"{oidc.issuer}/par", data=auth_params(new_verifier()),
                                    timeout=10)
    assert unauthenticated.status_code in (400, 401)
    assert unauthenticated.json()["error"] == "invalid_client"
    foreign = _push(oidc, auth_params(new_verifier()), audience="https://other.example/par")
    assert foreign.json()["error"] == "invalid_client"


def test_a_signed_request_object_logs_in(oidc: OidcHarness) -> None:
    verifier = new_verifier()
    params = auth_params(verifier)
    signed = client_jwt(oidc, _request_object(oidc, params), alg="PS256")
    url = authorize_url(oidc, {"client_id": CLIENT_ID, "request": signed})
    callback = query_of(oidc.login(url))
    assert callback["state"] == params["state"]
    assert redeem(oidc, callback["code"], verifier).status_code == 200


def test_a_pushed_signed_request_object_logs_in(oidc: OidcHarness) -> None:
    verifier = new_verifier()
    params = auth_params(verifier)
    signed = client_jwt(oidc, _request_object(oidc, params))
    pushed = _push(oidc, {"client_id": CLIENT_ID, "request": signed})
    assert pushed.status_code == 201, pushed.text
    url = authorize_url(oidc, {"client_id": CLIENT_ID, "request_uri": pushed.json()["request_uri"]})
    assert "code" in query_of(oidc.login(url))


def _unsigned(claims: dict[str, Any]) -> str:
    import base64
    import json

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_request_objects_with_none_or_hs256_are_refused(oidc: OidcHarness) -> None:
    params = auth_params(new_verifier())
    claims = _request_object(oidc, params)
    # HS256 keyed with the client's *public* key: anybody could have made it.
    public_n = str(oidc.dv_key().as_dict(private=False)["n"])
    hs256 = client_jwt(oidc, claims, alg="HS256", key=OctKey.import_key(public_n.encode()))
    for raw in (_unsigned(claims), hs256):
        answer = oidc.start(authorize_url(oidc, {"client_id": CLIENT_ID, "request": raw,
                                                 "redirect_uri": REDIRECT_URI}))
        assert answer.status_code == 400, answer.text[:200]
        assert "Location" not in answer.headers
        assert "invalid_request_object" in answer.text
    pushed = _push(oidc, {"client_id": CLIENT_ID, "request": _unsigned(claims)})
    assert pushed.status_code == 400 and pushed.json()["error"] == "invalid_request_object"


def test_request_objects_with_wrong_claims_are_refused(oidc: OidcHarness) -> None:
    params = auth_params(new_verifier())
    for changes in ({"aud": "https://other.example"}, {"iss": "someone"},
                    {"exp": None}, {"client_id": "urn:other"}):
        signed = client_jwt(oidc, _request_object(oidc, params, **changes))
        answer = oidc.start(authorize_url(oidc, {"client_id": CLIENT_ID, "request": signed}))
        assert answer.status_code == 400 and "Location" not in answer.headers, changes
