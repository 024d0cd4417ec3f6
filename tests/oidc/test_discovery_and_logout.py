"""Discovery, the JWKS (current and next key), RP-initiated and back-channel logout."""

from __future__ import annotations

from urllib.parse import parse_qs
from urllib.parse import urlencode

import requests
from authlib.oidc.discovery import OpenIDProviderMetadata  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.jwk import KeySet

from broker.oidc.logout import BACKCHANNEL_EVENT
from tests.oidc.conftest import DV_URL
from tests.oidc.conftest import OidcHarness
from tests.oidc.helpers import login_code
from tests.oidc.helpers import redeem


def test_discovery_is_valid_openid_provider_metadata(oidc: OidcHarness) -> None:
    disc = oidc.discovery()
    OpenIDProviderMetadata(disc).validate()
    assert disc["issuer"] == oidc.issuer
    assert disc["code_challenge_methods_supported"] == ["S256"]
    assert disc["response_types_supported"] == ["code"]
    assert disc["authorization_response_iss_parameter_supported"] is True
    assert "none" not in disc["request_object_signing_alg_values_supported"]
    assert not any(a.startswith("HS") for a in disc["request_object_signing_alg_values_supported"])
    assert disc["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]


def test_the_jwks_publishes_the_current_and_the_next_hm_key(oidc: OidcHarness) -> None:
    jwks = requests.get(oidc.discovery()["jwks_uri"], timeout=10).json()
    ring = oidc.rings["hm"]
    assert [k["kid"] for k in jwks["keys"]] == [p.key_name for p in ring.published_signing()]
    assert len(jwks["keys"]) == 2
    assert all("d" not in key and "p" not in key for key in jwks["keys"])


def _id_token(oidc: OidcHarness) -> tuple[str, dict[str, object]]:
    code, verifier, _ = login_code(oidc)
    token = redeem(oidc, code, verifier).json()
    keys = KeySet.import_key_set(requests.get(oidc.discovery()["jwks_uri"], timeout=10).json())
    return token["id_token"], dict(jwt.decode(token["id_token"], keys, ["RS256"]).claims)


def test_rp_initiated_logout_ends_the_session_and_notifies_the_back_channel(
    oidc: OidcHarness,
) -> None:
    id_token, claims = _id_token(oidc)
    assert oidc.browser.cookies.get("hm_session")  # eH2+ service: a broker SSO session
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": f"{DV_URL}/",
                       "state": "bye"})
    answer = oidc.get(f"{oidc.issuer}/logout?{query}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{DV_URL}/?state=bye"
    assert len(oidc.backchannel.bodies) == 1
    token = parse_qs(oidc.backchannel.bodies[0].decode())["logout_token"][0]
    keys = KeySet.import_key_set(requests.get(f"{oidc.issuer}/jwks", timeout=10).json())
    decoded = jwt.decode(token, keys, ["RS256"])
    assert decoded.header["typ"] == "logout+jwt"
    logout = decoded.claims
    assert logout["iss"] == oidc.issuer and logout["aud"] == claims["aud"]
    assert logout["sid"] == claims["sid"] and logout["sub"] == claims["sub"]
    assert BACKCHANNEL_EVENT in logout["events"] and "nonce" not in logout
    # The broker SSO session is gone (spec §9): no later login can reuse it.
    assert not [k for k in oidc.state._entries if k.startswith("session:")]  # noqa: SLF001


def test_logout_redirects_only_to_a_registered_uri_with_a_valid_hint(oidc: OidcHarness) -> None:
    id_token, _ = _id_token(oidc)
    query = urlencode({"id_token_hint": id_token,
                       "post_logout_redirect_uri": "http://evil.test/"})
    answer = oidc.get(f"{oidc.issuer}/logout?{query}")
    assert answer.status_code == 200 and "Location" not in answer.headers
    forged = id_token[:-4] + ("AAAA" if not id_token.endswith("AAAA") else "BBBB")
    query = urlencode({"id_token_hint": forged, "post_logout_redirect_uri": f"{DV_URL}/"})
    answer = oidc.get(f"{oidc.issuer}/logout?{query}")
    assert answer.status_code == 400 and "Location" not in answer.headers
