"""Two independent relying-party libraries complete an eHerkenning login end to end through the
demo servers (issue 6, "What it must show"): the broker and the means issuer run as processes
of their own, the user goes discovery, AD password and SMS code, MR mandate as a browser would.

authlib (PKCE S256, private_key_jwt) and requests-oauthlib with jwcrypto each get a signing key
of their own, registered for the eH2+ demo service before the broker starts; the redirect URI
is answered in this process, so the browser part ends there and the library redeems the code.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from authlib.integrations.requests_client import OAuth2Session  # type: ignore[import-untyped]
from authlib.oauth2.rfc7523 import PrivateKeyJWT  # type: ignore[import-untyped]
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey
from jwcrypto import jwk as jc_jwk  # type: ignore[import-untyped]
from jwcrypto import jwt as jc_jwt
from requests_oauthlib import OAuth2Session as RequestsOAuthlibSession  # type: ignore[import-untyped]

from broker.oidc.claims import ACTING_SUBJECT_ID
from broker.oidc.claims import ENCRYPTED_ID
from broker.oidc.claims import LEGAL_SUBJECT_ID
from broker.oidc.claims import SERVICE_ID
from etoegang.xml.ns import qname
from etoegang.xml.parser import parse_xml
from idp import seed
from keys.devpki import DevCa
from keys.ring import KeyRing
from makelaar.demo import DemoNetwork
from makelaar.network import DEMO_SERVICES
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Walkthrough
from policies.loa import Loa
from tests.e2e.catcher import Catcher
from tests.e2e.people import add_twins
from tests.e2e.people import twin_email
from tests.e2e.servers import RunningNetwork
from tests.e2e.servers import free_ports
from tests.e2e.servers import running_network

pytestmark = pytest.mark.e2e

ANNA = "anna@goudenkorst.example"  # eH3 means, mandate for the whole bakery
TWINS = {ANNA: ["authlib", "oauthlib"]}
SERVICE = DEMO_SERVICES[0]
assert SERVICE.loa is Loa.EH2PLUS
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class OidcDemo:
    live: RunningNetwork
    redirect_uri: str
    authlib_key: RSAKey
    jwcrypto_key: Any  # jwcrypto.jwk.JWK (untyped)

    @property
    def issuer(self) -> str:
        return self.live.urls["broker"] + "/oidc"

    def discovery(self) -> dict[str, Any]:
        url = self.issuer + "/.well-known/openid-configuration"
        response = requests.get(url, timeout=TIMEOUT)
        assert response.status_code == 200, response.text[:300]
        data: dict[str, Any] = response.json()
        return data

    def browser(self) -> tuple[Walkthrough, Catcher]:
        """A fresh browser; the relying party's redirect URI is answered in this process."""
        walk = Walkthrough(self.live.urls["broker"], self.live.network.sms_outbox,
                           timeout=TIMEOUT)
        catcher = Catcher()
        walk.http.mount(self.redirect_uri, catcher)
        return walk, catcher


@pytest.fixture(scope="module")
def oidc_demo(
    tmp_path_factory: pytest.TempPathFactory, rings: dict[str, KeyRing], dev_ca: DevCa
) -> Iterator[OidcDemo]:
    redirect_uri = f"http://127.0.0.1:{free_ports(1)[0]}/rp/callback"
    authlib_key = RSAKey.generate_key(2048, {"kid": "authlib-rp", "use": "sig"})
    jwcrypto_key = jc_jwk.JWK.generate(kty="RSA", size=2048, kid="jwcrypto-rp", use="sig")

    def register(net: DemoNetwork) -> None:
        # client_id is the ServiceID, one registration per service: both libraries' keys and
        # the test redirect URI join the demo DV's registration of the eH2+ service.
        path = net.directory / "oidc-clients.yaml"
        data = yaml.safe_load(path.read_text())
        entry = next(c for c in data["clients"] if c["client_id"] == SERVICE.service_id)
        entry["redirect_uris"].append(redirect_uri)
        entry["jwks"]["keys"].extend([
            authlib_key.as_dict(private=False),
            json.loads(jwcrypto_key.export_public()),
        ])
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    directory = tmp_path_factory.mktemp("oidc-demo")
    with running_network(directory, rings=rings, ca=dev_ca, servers=("broker", "idp"),
                         before_start=register) as live:
        add_twins(live.network.db_url, TWINS)
        yield OidcDemo(live, redirect_uri, authlib_key, jwcrypto_key)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _login(demo: OidcDemo, authorize_url: str, tag: str) -> str:
    """The user's part: from the authorization URL to the redirect URI; that URL."""
    walk, catcher = demo.browser()
    plan = LoginPlan(email=twin_email(ANNA, tag), password=seed.DEMO_PASSWORD)
    outcome = walk.follow(walk.open(authorize_url), plan)
    assert outcome.steps_seen[:3] == ["discovery", "ad-login", "ad-code"], (
        f"{outcome.steps} ended at {outcome.page.url}: {outcome.page.text[:500]}\n"
        + demo.live.logs(20))
    assert len(catcher.caught) == 1, (
        f"{outcome.steps} ended at {outcome.page.url} ({outcome.page.status}): "
        f"{outcome.page.text[:500]}\n" + demo.live.logs(20))
    final = str(catcher.caught[0].url)
    assert final.startswith(demo.redirect_uri + "?"), final
    return final


def _assert_eherkenning_claims(claims: dict[str, Any]) -> None:
    # acr: the service's floor is eH2+; Anna's means and mandate are eH3.
    assert Loa(claims["acr"]).rank >= Loa.EH2PLUS.rank
    assert claims["acr"] == Loa.EH3.urn
    assert claims[SERVICE_ID] == SERVICE.service_id
    for name in (LEGAL_SUBJECT_ID, ACTING_SUBJECT_ID):
        # Still the MR's EncryptedID: the broker passes it on without decrypting it.
        encrypted = parse_xml(base64.b64decode(claims[name][ENCRYPTED_ID]))
        assert encrypted.tag == qname(SAML_NS, "EncryptedID"), encrypted.tag
        text = base64.b64decode(claims[name][ENCRYPTED_ID])
        assert seed.BAKERY_KVK.encode() not in text
        assert b"NameID" not in text.replace(b"EncryptedID", b"")


class ShortPrivateKeyJWT(PrivateKeyJWT):  # type: ignore[misc]
    """authlib's private_key_jwt with a one-minute assertion (the broker refuses > 5 min)."""

    def sign(self, auth: Any, token_endpoint: str) -> str:
        return private_key_jwt_sign(  # type: ignore[no-any-return]
            auth.client_secret, client_id=auth.client_id, token_endpoint=token_endpoint,
            alg=self.alg, expires_in=60, header={"kid": auth.client_secret.kid},
        )


def test_authlib_client_logs_in_through_the_demo_servers(oidc_demo: OidcDemo) -> None:
    disc = oidc_demo.discovery()
    assert disc["issuer"] == oidc_demo.issuer
    client_id = SERVICE.service_id
    session = OAuth2Session(
        client_id, oidc_demo.authlib_key, token_endpoint_auth_method="private_key_jwt",
        scope="openid", redirect_uri=oidc_demo.redirect_uri, code_challenge_method="S256",
    )
    session.register_client_auth_method(ShortPrivateKeyJWT(disc["token_endpoint"]))
    verifier, nonce = uuid.uuid4().hex + uuid.uuid4().hex, uuid.uuid4().hex
    url, state = session.create_authorization_url(
        disc["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    assert "code_challenge_method=S256" in url
    final = _login(oidc_demo, url, "authlib")
    params = _query(final)
    assert params["state"] == state
    assert params["iss"] == oidc_demo.issuer  # RFC 9207
    token = session.fetch_token(
        disc["token_endpoint"], authorization_response=final, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer"
    keys = KeySet.import_key_set(requests.get(disc["jwks_uri"], timeout=TIMEOUT).json())
    decoded = jose_jwt.decode(token["id_token"], keys, algorithms=["RS256", "PS256"])
    claims = CodeIDToken(
        decoded.claims, decoded.header,
        options={"iss": {"value": oidc_demo.issuer}, "aud": {"value": client_id},
                 "nonce": {"value": nonce}},
        params={"nonce": nonce, "access_token": token["access_token"]},
    )
    claims.validate(now=int(time.time()))
    _assert_eherkenning_claims(dict(claims))
    userinfo = session.get(disc["userinfo_endpoint"], timeout=TIMEOUT).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo[LEGAL_SUBJECT_ID] == claims[LEGAL_SUBJECT_ID]


def _jwcrypto_assertion(key: Any, client_id: str, audience: str) -> str:
    now = int(time.time())
    token = jc_jwt.JWT(
        header={"alg": "PS256", "kid": key.kid},
        claims={"iss": client_id, "sub": client_id, "aud": audience, "iat": now,
                "exp": now + 60, "jti": uuid.uuid4().hex},
    )
    token.make_signed_token(key)
    return str(token.serialize())


def test_requests_oauthlib_with_jwcrypto_logs_in_through_the_demo_servers(
    oidc_demo: OidcDemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # oauthlib refuses http even on loopback unless told otherwise (test network only).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    disc = oidc_demo.discovery()
    client_id = SERVICE.service_id
    session = RequestsOAuthlibSession(
        client_id, redirect_uri=oidc_demo.redirect_uri, scope=["openid"], pkce="S256"
    )
    nonce = uuid.uuid4().hex
    url, state = session.authorization_url(disc["authorization_endpoint"], nonce=nonce)
    assert "code_challenge_method=S256" in url
    final = _login(oidc_demo, url, "oauthlib")
    params = _query(final)
    assert params["state"] == state
    assert params["iss"] == disc["issuer"]  # RFC 9207 §2.4
    token = session.fetch_token(
        disc["token_endpoint"],
        authorization_response=final,
        include_client_id=True,
        client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion=_jwcrypto_assertion(
            oidc_demo.jwcrypto_key, client_id, disc["token_endpoint"]),
    )
    keyset = jc_jwk.JWKSet.from_json(requests.get(disc["jwks_uri"], timeout=TIMEOUT).text)
    id_token = jc_jwt.JWT(
        jwt=token["id_token"], key=keyset, algs=["RS256", "PS256"],
        check_claims={"iss": oidc_demo.issuer, "aud": client_id, "exp": None, "nonce": nonce},
    )
    claims = json.loads(id_token.claims)
    _assert_eherkenning_claims(claims)
    userinfo = session.get(disc["userinfo_endpoint"], timeout=TIMEOUT).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo[ACTING_SUBJECT_ID] == claims[ACTING_SUBJECT_ID]
