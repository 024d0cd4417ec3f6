"""The authlib authorization server of the OIDC face: the authorization-code grant with PKCE
(S256 only) and the OpenID Connect ID token, ``private_key_jwt`` client authentication
(RFC 7523 §2.2, with audience, lifetime and ``jti`` checks), bearer tokens for userinfo, and
the RP-initiated logout endpoint (RFC 6749, 7636, 7523; OIDC Core §3.1; RFC 9700 §2.1).

What authlib does here: parse and validate the authorization request (client, exact redirect
URI, response type, scope, nonce, prompt, duplicate parameters), authenticate the client at
the token endpoint, redeem the code (redirect URI and verifier against what the code is bound
to), mint the ID token, and serve userinfo. What we add: PKCE is required and only S256;
codes and tokens live on the shared state store (:mod:`broker.oidc.tokens`); the client's
JWTs pass :mod:`broker.oidc.jar`'s allow-list; time comes from the injected clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer  # type: ignore[import-untyped]
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6749 import InvalidClientError  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload  # type: ignore[import-untyped]
from authlib.oauth2.rfc6750 import BearerTokenValidator  # type: ignore[import-untyped]
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import CodeChallenge  # type: ignore[import-untyped]
from authlib.oidc.core import OpenIDCode  # type: ignore[import-untyped]
from authlib.oidc.core import UserInfoEndpoint

from broker.oidc.clients import ClientRegistry
from broker.oidc.clients import OidcClient
from broker.oidc.jar import RequestObjectRefused
from broker.oidc.jar import check_times
from broker.oidc.jar import signed_by_client
from broker.oidc.keys import ProviderKeys
from broker.oidc.tokens import S256
from broker.oidc.tokens import AccessToken
from broker.oidc.tokens import CodeGrant
from broker.oidc.tokens import TokenStore
from etoegang.clock import Clock

#: Lifetime of an ID token (it proves one login to one client; it is not a session).
ID_TOKEN_SECONDS = 300
#: Longest lifetime of a client assertion ("exp short", RFC 7523 §3 item 4).
ASSERTION_SECONDS = 300


class ParamsRequest(OAuth2Request):  # type: ignore[misc]
    """An authorization request from already-resolved parameters (plain, PAR or JAR)."""

    def __init__(
        self, uri: str, params: Mapping[str, str], multi: Mapping[str, Sequence[str]]
    ) -> None:
        super().__init__("GET", uri)
        self.payload = BasicOAuth2Payload(dict(params))
        # Each parameter once (RFC 6749 §3.1): authlib checks datalist for repeats.
        self.payload._datalist = {k: list(v) for k, v in multi.items()}  # noqa: SLF001

    @property
    def args(self) -> dict[str, str]:
        return dict(self.payload.data)

    @property
    def form(self) -> dict[str, str]:
        return {}


class S256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE, required, S256 only (RFC 9700 §2.1.1). A missing method means ``plain``
    (RFC 7636 §4.3), so it is refused as well."""

    SUPPORTED_CODE_CHALLENGE_METHOD = [S256]
    CODE_CHALLENGE_METHODS = {S256: CodeChallenge.CODE_CHALLENGE_METHODS[S256]}

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256).")
        if data.get("code_challenge_method") != S256:
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class PrivateKeyJwt(JWTBearerClientAssertion):  # type: ignore[misc]
    """``private_key_jwt``: ``iss`` = ``sub`` = client_id, ``aud`` exactly one of ours, signed
    with an allowed algorithm by a registered key, ``exp`` within 5 minutes, ``jti`` once."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(
        self, audiences: Sequence[str], tokens: TokenStore, clock: Clock, skew: int
    ) -> None:
        super().__init__(validate_jti=True, leeway=skew)
        self._audiences = tuple(audiences)
        self._tokens = tokens
        self._clock = clock
        self._skew = skew

    def get_audiences(self) -> list[str]:
        return list(self._audiences)

    def resolve_client_public_key(self, client: OidcClient) -> Any:
        if client.keys is None:
            raise InvalidClientError(description="The client has no registered keys.")
        return client.keys

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        try:
            _, claims = signed_by_client(assertion, resolve_key)
        except RequestObjectRefused as exc:
            raise InvalidClientError(description=f"client assertion: {exc}") from exc
        self.verify_claims(claims)
        return claims

    def verify_claims(self, claims: Any) -> None:
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        # Exactly our endpoint: an assertion made for another server (or for several) is not
        # accepted here, so it cannot be replayed against us (RFC 7523 §3 item 3).
        if len(audiences) != 1 or audiences[0] not in self._audiences:
            raise InvalidClientError(description="client assertion: wrong audience")
        if not isinstance(claims.get("iss"), str) or claims.get("iss") != claims.get("sub"):
            raise InvalidClientError(description="client assertion: iss and sub must match")
        try:
            remaining = check_times(
                claims, self._clock, max_lifetime=ASSERTION_SECONDS, skew=self._skew
            )
        except RequestObjectRefused as exc:
            raise InvalidClientError(description=f"client assertion: {exc}") from exc
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise InvalidClientError(description="client assertion: jti is required")
        if not self._tokens.first_jti(claims["sub"], jti, remaining + self._skew):
            raise InvalidClientError(description="client assertion: jti used before")


class EhAuthorizationCodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    """The code grant; codes are made by :class:`broker.oidc.face.OidcFace` after the login."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt", "client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        raise NotImplementedError("codes are issued at the end of the eHerkenning login")

    def query_authorization_code(self, code: str, client: OidcClient) -> CodeGrant | None:
        grant: CodeGrant | None = self.server.tokens.redeem(code)
        if grant is None or grant.client_id != client.client_id:
            return None  # -> invalid_grant; a code is also burnt by the wrong client
        self.request.eh_code = code
        return grant

    def delete_authorization_code(self, authorization_code: CodeGrant) -> None:
        return None  # taken (GETDEL) when redeemed

    def authenticate_user(self, authorization_code: CodeGrant) -> CodeGrant:
        # The "user" is the login the code stands for: its claims become the ID token's.
        return authorization_code


class EhOpenIDCode(OpenIDCode):  # type: ignore[misc]
    """The ID token: signed with the HM key (RS256 or PS256 as the client registered), ``iss``
    our issuer, ``aud`` the client, time from our clock, claims from the login."""

    def __init__(self, keys: ProviderKeys, issuer: str, clock: Clock) -> None:
        super().__init__(require_nonce=False)
        self._keys = keys
        self._issuer = issuer
        self._clock = clock

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        # Each code stands for its own eHerkenning login; a nonce proves to the client that
        # the ID token answers its request, which the client checks.
        return False

    def resolve_client_private_key(self, client: OidcClient) -> Any:
        # The set, not one key: the header's kid (below) picks the key, so both agree.
        return self._keys.private_set()

    def get_client_algorithm(self, client: OidcClient) -> str:
        return client.id_token_signed_response_alg

    def get_encode_header(self, client: OidcClient) -> dict[str, str]:
        return {"alg": client.id_token_signed_response_alg, "kid": self._keys.kid}

    def get_client_claims(self, client: OidcClient) -> dict[str, Any]:
        now = int(self._clock.now().timestamp())
        return {
            "iss": self._issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
        }

    def generate_user_info(self, user: CodeGrant, scope: str) -> dict[str, Any]:
        return {**user.claims, "sid": user.sid}


class EhBearerTokenValidator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, tokens: TokenStore, registry: ClientRegistry) -> None:
        super().__init__()
        self._tokens = tokens
        self._registry = registry

    def authenticate_token(self, token_string: str) -> AccessToken | None:
        token = self._tokens.access_token(token_string)
        if token is None:
            return None
        client = self._registry.get(token.client_id)
        if client is None:
            return None
        return AccessToken(token.client_id, token.scope, token.expires_at, token.claims,
                           token.clock, client)


class EhUserInfo(UserInfoEndpoint):  # type: ignore[misc]
    """Userinfo (OIDC Core §5.3): the same claims as the ID token, without ``sid``."""

    def generate_user_info(self, user: dict[str, Any], scope: str) -> dict[str, Any]:
        return dict(user)


class OidcServer(AuthorizationServer):  # type: ignore[misc]
    """authlib's Flask authorization server over our registry and token store."""

    def __init__(
        self,
        registry: ClientRegistry,
        tokens: TokenStore,
        keys: ProviderKeys,
        *,
        issuer: str,
        token_endpoint: str,
        clock: Clock,
        skew: int,
    ) -> None:
        super().__init__(query_client=registry.get, save_token=self._save_token)
        self.tokens = tokens
        self.registry = registry
        self.register_token_generator("default", self._generate)
        self.register_client_auth_method(
            PrivateKeyJwt.CLIENT_AUTH_METHOD,
            PrivateKeyJwt((token_endpoint,), tokens, clock, skew),
        )
        self.register_grant(EhAuthorizationCodeGrant, [S256Challenge(required=True),
                                                       EhOpenIDCode(keys, issuer, clock)])
        protector = ResourceProtector()
        protector.register_token_validator(EhBearerTokenValidator(tokens, registry))
        self.register_endpoint(EhUserInfo(resource_protector=protector))

    def create_oauth2_request(self, request: Any) -> Any:
        if isinstance(request, OAuth2Request):
            return request
        return super().create_oauth2_request(request)

    def _generate(
        self,
        grant_type: str,
        client: OidcClient,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        # No refresh tokens: a new eHerkenning login is the only way to new claims.
        return {
            "token_type": "Bearer",
            "access_token": self.tokens.new_access_token(),
            "expires_in": self.tokens.token_seconds,
            "scope": scope or "",
        }

    def _save_token(self, token: Mapping[str, Any], request: Any) -> None:
        self.tokens.save(token["access_token"], request.authorization_code, request.eh_code)


__all__ = [
    "EhAuthorizationCodeGrant",
    "OidcServer",
    "ParamsRequest",
    "PrivateKeyJwt",
    "S256Challenge",
]
