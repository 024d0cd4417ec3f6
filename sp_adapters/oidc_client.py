"""An OpenID Connect client for a DV: eHerkenning login through the broker's OIDC face
(docs/oidc.md), as a Flask extension like :class:`sp_adapters.eherkenning.EHerkenningSP`.

``login(service_index)`` sends the browser to the authorization endpoint with PKCE (S256),
``state`` and ``nonce``; the pending login sits in the state store under a random key named in
an HMAC-signed HttpOnly cookie. ``/oidc/callback`` takes it once (GETDEL), checks ``state`` and
``iss`` (RFC 9207: a response from another issuer is a mix-up attack and is refused before the
code goes anywhere), redeems the code with ``private_key_jwt`` (authlib's client, an assertion
of one minute), verifies the ID token (the broker's JWKS; ``iss``, ``aud``, ``exp``, ``nonce``)
and decrypts the identifier claims with this DV's own encryption key (the catalogue
ServiceCertificate; the broker delivers them still encrypted, spec §3.3). The result is the
same :class:`EHerkenningLogin` the SAML adapter gives. ``/oidc/backchannel-logout`` accepts the
broker's logout tokens. ``client_id`` is the service's ServiceID.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import Final
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session  # type: ignore[import-untyped]
from authlib.oauth2.rfc7523 import PrivateKeyJWT  # type: ignore[import-untyped]
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.crypto.xmlenc import decrypt
from etoegang.errors import ProtocolError
from etoegang.state.store import StateStore
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import text_of
from keys.ring import KeyRing
from policies.loa import Loa
from sp_adapters.eherkenning.result import CompanyIdType
from sp_adapters.eherkenning.result import EHerkenningLogin
from sp_adapters.eherkenning.result import FailureKind
from sp_adapters.eherkenning.result import LoginFailure
from web import i18n
from web.csrf import exempt

log = logging.getLogger(__name__)

COOKIE: Final = "eh_oidc"
PENDING_TTL: Final = 15 * 60
ENCRYPTED_ID: Final = "saml_encrypted_id"
LEGAL_SUBJECT_ID: Final = "urn:etoegang:core:LegalSubjectID"
ACTING_SUBJECT_ID: Final = "urn:etoegang:core:ActingSubjectID"
SERVICE_ID: Final = "urn:etoegang:core:ServiceID"
SERVICE_UUID: Final = "urn:etoegang:core:ServiceUUID"
VESTIGINGSNR: Final = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
INTERMEDIATE_KVK: Final = "urn:etoegang:1.9:IntermediateEntityID:KvKnr"
INTERMEDIATE_NAME: Final = "urn:etoegang:1.13:attribute-intermediate:CompanyName"
AUTHENTICATING_AUTHORITY: Final = "urn:etoegang:core:AuthenticatingAuthority"
BACKCHANNEL_EVENT: Final = "http://schemas.openid.net/event/backchannel-logout"
ID_TOKEN_ALGS: Final = ["RS256", "PS256"]

TEXTS: Final = {
    "nl": {"dv.login_oidc": "Inloggen met eHerkenning (OpenID Connect)"},
    "en": {"dv.login_oidc": "Log in with eHerkenning (OpenID Connect)"},
}


class OidcLoginRefused(ValueError):
    """The callback or a token from the broker is not acceptable (the message says why)."""


class _ShortPrivateKeyJWT(PrivateKeyJWT):  # type: ignore[misc]
    """private_key_jwt with a one-minute assertion and the key's ``kid`` (the broker refuses
    assertions valid for more than five minutes)."""

    def sign(self, auth: Any, token_endpoint: str) -> str:
        return private_key_jwt_sign(  # type: ignore[no-any-return]
            auth.client_secret, client_id=auth.client_id, token_endpoint=token_endpoint,
            alg=self.alg, expires_in=60, header={"kid": auth.client_secret.kid},
        )


@dataclass(frozen=True, slots=True)
class OidcLogin:
    """A login by OIDC: the same result as by SAML, plus what logout needs."""

    result: EHerkenningLogin
    id_token: str
    sid: str | None


LoginHandler = Callable[[OidcLogin], Response]
FailureHandler = Callable[[LoginFailure], Response]
LogoutHandler = Callable[[str], None]


class EHerkenningOidc:
    """The DV's OIDC client; ``client_ids`` maps a service index to its client_id."""

    def __init__(
        self,
        *,
        issuer: str,
        base_url: str,
        client_ids: Mapping[int, str],
        keys: KeyRing,
        state: StateStore,
        secret: bytes,
        clock: Clock | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.client_ids = dict(client_ids)
        self.keys = keys
        self.state = state
        self._secret = secret
        self._metadata: dict[str, Any] | None = None
        self._on_login: LoginHandler | None = None
        self._on_failure: FailureHandler | None = None
        self._on_logout: LogoutHandler | None = None
        self._clock: Clock = clock or SystemClock()
        self._jwks: dict[str, RSAKey] = {}

    def client_key(self) -> RSAKey:
        """The private_key_jwt key in use now: after a scheduled activation the next one (our
        client registration at the broker lists both), as a JWK made once per key."""
        pair = self.keys.at(self._clock.now()).signing
        key = self._jwks.get(pair.key_name)
        if key is None:
            key = self._jwks[pair.key_name] = RSAKey.import_key(
                pair.private_pem(), {"kid": pair.key_name}
            )
        return key

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/oidc/callback"

    # --- callbacks ---------------------------------------------------------------------------

    def on_login(self, handler: LoginHandler) -> LoginHandler:
        self._on_login = handler
        return handler

    def on_failure(self, handler: FailureHandler) -> FailureHandler:
        self._on_failure = handler
        return handler

    def on_logout(self, handler: LogoutHandler) -> LogoutHandler:
        """Called with the ``sid`` of a back-channel logout."""
        self._on_logout = handler
        return handler

    # --- the broker's metadata -----------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            answer = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
            answer.raise_for_status()
            data = answer.json()
            if data.get("issuer") != self.issuer:
                raise OidcLoginRefused("the discovery document names another issuer")
            self._metadata = data
        return self._metadata

    def _broker_keys(self) -> KeySet:
        answer = requests.get(self.metadata()["jwks_uri"], timeout=10)
        answer.raise_for_status()
        return KeySet.import_key_set(answer.json())

    def _verify(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            decoded = jwt.decode(token, self._broker_keys(), algorithms=ID_TOKEN_ALGS)
        except (JoseError, ValueError) as exc:
            raise OidcLoginRefused("the token's signature does not verify") from exc
        return dict(decoded.header), dict(decoded.claims)

    # --- cookies -------------------------------------------------------------------------------

    def _sign(self, key: str) -> str:
        mac = hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{key}.{mac}"

    def _cookie_key(self) -> str | None:
        key, _, _ = request.cookies.get(COOKIE, "").partition(".")
        value = request.cookies.get(COOKIE, "")
        if not key or not hmac.compare_digest(self._sign(key), value):
            return None
        return key

    # --- login ---------------------------------------------------------------------------------

    def login(self, service_index: int, relay_state: str | None = None) -> Response:
        client_id = self.client_ids[service_index]
        verifier = secrets.token_urlsafe(48)
        pending = {
            "client_id": client_id,
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "verifier": verifier,
            "relay_state": relay_state,
        }
        key = secrets.token_urlsafe(24)
        self.state.put(f"dv:oidc:{key}", json.dumps(pending).encode(), PENDING_TTL)
        query = urlencode({
            "client_id": client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": self.redirect_uri,
            "state": pending["state"],
            "nonce": pending["nonce"],
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        })
        response = Response(status=302, headers={
            "Location": f"{self.metadata()['authorization_endpoint']}?{query}"})
        response.set_cookie(COOKIE, self._sign(key), max_age=PENDING_TTL, httponly=True,
                            samesite="Lax", secure=self.base_url.startswith("https://"),
                            path="/")
        return response

    def _failure(self, kind: FailureKind, text: str, code: str = "oidc") -> Response:
        log.warning("oidc login failed: %s (%s)", kind.value, text[:120])
        failure = LoginFailure(kind=kind, public=text, code=code)
        if self._on_failure is None:
            return Response(text, status=400)
        return self._on_failure(failure)

    def callback(self, params: Mapping[str, str]) -> Response:
        key = self._cookie_key()
        raw = self.state.take(f"dv:oidc:{key}") if key else None
        if raw is None:
            return self._failure(FailureKind.INVALID, "no login in progress in this browser")
        pending = json.loads(raw)
        if not hmac.compare_digest(params.get("state", ""), pending["state"]):
            return self._failure(FailureKind.INVALID, "state does not match")
        # RFC 9207 §2.4: check iss before anything else is done with the response.
        if params.get("iss") != self.issuer:
            return self._failure(FailureKind.INVALID, "the response comes from another issuer")
        if "error" in params:
            kind = FailureKind.CANCELLED if params["error"] == "access_denied" else (
                FailureKind.REFUSED)
            return self._failure(kind, params.get("error_description", params["error"]),
                                 params["error"])
        try:
            login = self._redeem(pending, params.get("code", ""))
        except (OidcLoginRefused, ProtocolError, requests.RequestException) as exc:
            return self._failure(FailureKind.INVALID, str(exc))
        if self._on_login is None:
            return Response("logged in", status=200)
        return self._on_login(login)

    def _redeem(self, pending: Mapping[str, Any], code: str) -> OidcLogin:
        client_id = str(pending["client_id"])
        metadata = self.metadata()
        session = OAuth2Session(client_id, self.client_key(),
                                token_endpoint_auth_method="private_key_jwt",  # noqa: S106
                                redirect_uri=self.redirect_uri)
        session.register_client_auth_method(_ShortPrivateKeyJWT(metadata["token_endpoint"]))
        try:
            token = session.fetch_token(metadata["token_endpoint"], code=code,
                                        grant_type="authorization_code",
                                        code_verifier=pending["verifier"])
        except Exception as exc:  # authlib raises its OAuthError; anything else is refusal too
            raise OidcLoginRefused(f"the token request was refused: {exc}") from exc
        header, claims = self._verify(str(token.get("id_token", "")))
        checked = CodeIDToken(
            claims, header,
            options={"iss": {"essential": True, "value": self.issuer},
                     "aud": {"essential": True, "value": client_id},
                     "nonce": {"essential": True, "value": pending["nonce"]}},
            params={"nonce": pending["nonce"]},
        )
        try:
            checked.validate(now=int(time.time()), leeway=60)
        except Exception as exc:  # authlib's claim errors
            raise OidcLoginRefused(f"the ID token is not acceptable: {exc}") from exc
        return OidcLogin(self._result(claims, pending.get("relay_state")), token["id_token"],
                         claims.get("sid"))

    def _identifier(self, claim: Any) -> tuple[str | None, str]:
        if isinstance(claim, str):
            return None, claim
        if not isinstance(claim, dict) or not isinstance(claim.get(ENCRYPTED_ID), str):
            raise OidcLoginRefused("an identifier claim is neither a string nor encrypted")
        element = parse_xml(base64.b64decode(claim[ENCRYPTED_ID], validate=True))
        name_id = decrypt(element, self.keys)
        return name_id.get("NameQualifier"), text_of(name_id)

    def _result(self, claims: Mapping[str, Any], relay_state: str | None) -> EHerkenningLogin:
        if LEGAL_SUBJECT_ID not in claims:
            raise OidcLoginRefused("no represented company in the ID token")
        qualifier, company = self._identifier(claims[LEGAL_SUBJECT_ID])
        acting = None
        if ACTING_SUBJECT_ID in claims:
            acting = self._identifier(claims[ACTING_SUBJECT_ID])[1]
        kvk = claims.get(INTERMEDIATE_KVK)
        return EHerkenningLogin(
            company_id=company,
            company_id_type=CompanyIdType(qualifier),
            acting_pseudonym=acting,
            loa=Loa(claims["acr"]),
            branch=claims.get(VESTIGINGSNR),
            intermediary_kvk=self._identifier(kvk)[1] if kvk is not None else None,
            intermediary_name=claims.get(INTERMEDIATE_NAME),
            service_id=str(claims[SERVICE_ID]),
            service_uuid=claims.get(SERVICE_UUID),
            authenticating_authority=claims.get(AUTHENTICATING_AUTHORITY),
            session_index=None,
            name_id=str(claims["sub"]),
            relay_state=relay_state,
        )

    # --- logout --------------------------------------------------------------------------------

    def logout_url(self, id_token: str, post_logout_redirect_uri: str) -> str:
        query = urlencode({"id_token_hint": id_token,
                           "post_logout_redirect_uri": post_logout_redirect_uri})
        return f"{self.metadata()['end_session_endpoint']}?{query}"

    def backchannel_logout(self, logout_token: str) -> str:
        """The ``sid`` of a valid logout token (Back-Channel Logout §2.6)."""
        _, claims = self._verify(logout_token)
        now = int(time.time())
        if claims.get("iss") != self.issuer or claims.get("aud") not in self.client_ids.values():
            raise OidcLoginRefused("logout token for another issuer or client")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < now - 60:
            raise OidcLoginRefused("logout token expired")
        events = claims.get("events")
        if not isinstance(events, dict) or BACKCHANNEL_EVENT not in events or "nonce" in claims:
            raise OidcLoginRefused("not a back-channel logout token")
        sid = claims.get("sid")
        if not isinstance(sid, str):
            raise OidcLoginRefused("logout token without sid")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not self.state.put_new(f"dv:oidc-jti:{jti}", b"1", 300):
            raise OidcLoginRefused("logout token replayed")
        return sid

    # --- Flask -----------------------------------------------------------------------------------

    def blueprint(self) -> Blueprint:
        bp = Blueprint("eh_oidc", __name__)

        @bp.get("/oidc/callback")
        def callback() -> Response:
            response = self.callback(request.args.to_dict())
            response.delete_cookie(COOKIE, path="/")
            return response

        @bp.post("/oidc/backchannel-logout")
        def backchannel() -> Response:
            try:
                sid = self.backchannel_logout(request.form.get("logout_token", ""))
            except (OidcLoginRefused, requests.RequestException) as exc:
                log.warning("back-channel logout refused: %s", exc)
                return Response(status=400, headers={"Cache-Control": "no-store"})
            if self._on_logout is not None:
                self._on_logout(sid)
            return Response(status=200, headers={"Cache-Control": "no-store"})

        exempt(backchannel)
        return bp

    def init_app(self, app: Flask) -> None:
        i18n.register(TEXTS)
        app.register_blueprint(self.blueprint())


__all__ = ["EHerkenningOidc", "OidcLogin", "OidcLoginRefused"]
