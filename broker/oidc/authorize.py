"""The authorization endpoint and the pushed authorization request endpoint: from an OAuth
authorization request to a broker login (RFC 6749 §4.1.1, RFC 9126, RFC 9101, OIDC Core
§3.1.2; spec §2 for the level; DESIGN §2).

Order matters, as on the SAML face: until the client and its redirect URI are validated,
every failure is an error page and never a redirect (RFC 6749 §4.1.2.1; a mismatching
``redirect_uri`` must not steer the browser). After that, failures go back to the client as
OAuth errors with ``state`` and ``iss``. A valid request becomes a :class:`FlowState` with
``protocol`` OIDC and its :class:`OidcReturn`, and joins the SAML login's path at discovery.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Final

from authlib.oauth2.rfc6749 import ClientAuthentication  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749 import OAuth2Error

from broker.engine import Broker
from broker.errors import OIDC_ERROR
from broker.errors import BrokerError
from broker.oidc.claims import LevelRequest
from broker.oidc.claims import level_request
from broker.oidc.clients import SCOPE
from broker.oidc.clients import ClientRegistry
from broker.oidc.clients import OidcClient
from broker.oidc.face import authorization_response
from broker.oidc.jar import RequestObjectRefused
from broker.oidc.jar import decode_request_object
from broker.oidc.par import LIFETIME
from broker.oidc.par import PushedRequests
from broker.oidc.provider import OidcServer
from broker.oidc.provider import ParamsRequest
from broker.oidc.provider import PrivateKeyJwt
from broker.oidc.tokens import TokenStore
from broker.outcomes import Outcome
from broker.outcomes import Redirect
from broker.policy import sso_allowed
from broker.state import DvBinding
from broker.state import DvProtocol
from broker.state import OidcReturn
from broker.state import flow_for_service
from etoegang.clock import Clock
from etoegang.errors import ProtocolError

log = logging.getLogger(__name__)

#: Client-authentication parameters that are not authorization parameters (PAR body).
_AUTH_PARAMS: Final = ("client_assertion", "client_assertion_type", "client_secret")


@dataclass(frozen=True, slots=True)
class OidcErrorPage:
    """An error the browser sees on our page; nothing is sent to the client."""

    error: str
    description: str
    status: int = 400


@dataclass(frozen=True, slots=True)
class JsonAnswer:
    status: int
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused request: ``redirect_uri`` is set only once it has been validated."""

    error: str
    description: str
    redirect_uri: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    client: OidcClient
    redirect_uri: str
    state: str | None
    nonce: str | None
    code_challenge: str
    level: LevelRequest
    force_authn: bool


@dataclass(frozen=True, slots=True)
class OidcUrls:
    issuer: str
    authorize: str
    token: str
    par: str


class Authorizer:
    def __init__(
        self,
        broker: Broker,
        server: OidcServer,
        registry: ClientRegistry,
        pushed: PushedRequests,
        tokens: TokenStore,
        urls: OidcUrls,
        clock: Clock,
    ) -> None:
        self.broker = broker
        self.server = server
        self.registry = registry
        self.pushed = pushed
        self.urls = urls
        self.clock = clock
        self.skew = int(broker.ctx.skew.total_seconds())
        # RFC 9126 §2: the PAR endpoint accepts the issuer, the token or the PAR endpoint URL
        # as the audience of a client assertion (one of them, exactly).
        self.par_auth = ClientAuthentication(registry.get)
        self.par_auth.register(
            PrivateKeyJwt.CLIENT_AUTH_METHOD,
            PrivateKeyJwt((urls.issuer, urls.par, urls.token), tokens, clock, self.skew),
        )

    # --- checks shared by the authorization and the PAR endpoint -------------------------------

    def _request_object(self, client: OidcClient, raw: str) -> dict[str, str]:
        return decode_request_object(
            raw, client, outer_client_id=client.client_id, issuer=self.urls.issuer,
            clock=self.clock, skew=self.skew,
        )

    def check(
        self, client: OidcClient, params: Mapping[str, str], multi: Mapping[str, Sequence[str]]
    ) -> Accepted | Refusal:
        """authlib's validation plus this provider's rules."""
        request = ParamsRequest(self.urls.authorize, params, multi)
        try:
            self.server.get_consent_grant(request=request, end_user=None)
        except OAuth2Error as error:
            return Refusal(error.error, error.get_error_description() or "", error.redirect_uri,
                           params.get("state"))
        redirect_uri = params["redirect_uri"]
        state = params.get("state")

        def refuse(error: str, description: str) -> Refusal:
            return Refusal(error, description, redirect_uri, state)

        if params.get("response_mode", "query") != "query":
            return refuse("invalid_request", "Only response_mode=query is supported.")
        if SCOPE not in params.get("scope", "").split():
            return refuse("invalid_scope", "The openid scope is required.")
        try:
            service = self.broker.ctx.network.service(client.client_id)
            level = level_request(service.loa, params.get("acr_values"), params.get("claims"))
        except ProtocolError as exc:
            return refuse("invalid_request", exc.public)
        except BrokerError as exc:
            return refuse(OIDC_ERROR[exc.kind] or "invalid_request", exc.public)
        prompts = params.get("prompt", "").split()
        return Accepted(
            client=client,
            redirect_uri=redirect_uri,
            state=state,
            nonce=params.get("nonce"),
            code_challenge=params["code_challenge"],
            level=level,
            # OIDC Core §3.1.2.1: prompt=login or max_age=0 ask for a fresh authentication.
            force_authn="login" in prompts or params.get("max_age") == "0",
        )

    # --- the authorization endpoint ------------------------------------------------------------

    def authorize(
        self, query: Mapping[str, Sequence[str]], session_id: str | None
    ) -> Outcome | OidcErrorPage:
        single = {key: values[0] for key, values in query.items() if values}
        client = self.registry.get(single.get("client_id"))
        if client is None:
            return OidcErrorPage("invalid_client", "The client_id is not registered.")
        params: Mapping[str, str] = single
        multi: Mapping[str, Sequence[str]] = query
        if "request_uri" in single:
            pushed = self.pushed.take(single["request_uri"], client.client_id)
            if pushed is None or "request" in single:
                return OidcErrorPage("invalid_request_uri", "The request_uri is unknown, "
                                     "used, expired or not for this client.")
            params, multi = pushed, {k: [v] for k, v in pushed.items()}
        elif client.require_pushed_authorization_requests:
            return OidcErrorPage("invalid_request", "This client must use pushed requests.")
        elif "request" in single:
            try:
                params = self._request_object(client, single["request"])
            except RequestObjectRefused as exc:
                return OidcErrorPage("invalid_request_object", str(exc))
            multi = {k: [v] for k, v in params.items()}
        elif client.require_signed_request_object:
            return OidcErrorPage("invalid_request", "This client must sign its requests.")
        result = self.check(client, params, multi)
        if isinstance(result, Refusal):
            if result.redirect_uri is None:
                log.warning("oidc: request from %s refused: %s", client.client_id, result.error)
                return OidcErrorPage(result.error, result.description)
            url = authorization_response(
                result.redirect_uri, self.urls.issuer, result.state,
                {"error": result.error, "error_description": result.description},
            )
            return Redirect(url)
        return self._begin(result, params.get("scope", SCOPE), session_id)

    def _begin(self, accepted: Accepted, scope: str, session_id: str | None) -> Outcome:
        ctx = self.broker.ctx
        client = accepted.client
        service = ctx.network.service(client.client_id)
        now = ctx.clock.now()
        required = accepted.level.required
        flow = flow_for_service(
            service,
            required=required,
            now=now,
            ttl_seconds=ctx.repo.flow_ttl_seconds,
            dv_entity_id=client.dv_entity_id,
            dv_request_id="oidc-" + ctx.ids.new_id(),
            relay_state=None,
            # The SAML return channel is unused: the OidcReturn below is where the answer goes.
            dv_acs_url=accepted.redirect_uri,
            dv_binding=DvBinding.ARTIFACT,
            dv_name=ctx.network.dv_name(client.dv_entity_id, service),
            force_authn=accepted.force_authn,
            sso_allowed=sso_allowed(service.sso_support, required, accepted.force_authn),
            protocol=DvProtocol.OIDC,
            oidc=OidcReturn(
                client_id=client.client_id,
                redirect_uri=accepted.redirect_uri,
                state=accepted.state,
                nonce=accepted.nonce,
                code_challenge=accepted.code_challenge,
                scope=SCOPE if SCOPE in scope.split() else scope,
                essential_acr=" ".join(lv.urn for lv in accepted.level.essential) or None,
            ),
        )
        log.info("login %s: oidc request from %s for %s at %s", flow.flow_id[:8],
                 client.client_id, service.service_id, required.label)
        return self.broker.begin(flow, session_id)

    # --- the PAR endpoint (RFC 9126 §2) --------------------------------------------------------

    def push(self, request: Any) -> JsonAnswer:
        """``request`` is authlib's OAuth2Request of the POST (form and headers)."""
        try:
            client = self.par_auth(request, list(PrivateKeyJwtMethods), "par")
        except OAuth2Error as error:
            return JsonAnswer(error.status_code, {"error": error.error,
                                                  "error_description": error.description or ""})
        form = request.form
        params = {key: form.get(key) for key in form if key not in _AUTH_PARAMS}
        if "request_uri" in params:
            return _json_error("invalid_request", "request_uri is not allowed here.")
        if params.get("client_id", client.client_id) != client.client_id:
            return _json_error("invalid_request", "client_id differs from the authenticated one.")
        if "request" in params:
            try:
                params = self._request_object(client, params["request"])
            except RequestObjectRefused as exc:
                return _json_error("invalid_request_object", str(exc))
        elif client.require_signed_request_object:
            return _json_error("invalid_request", "This client must sign its requests.")
        params["client_id"] = client.client_id
        multi = {key: form.getlist(key) for key in form} if "request" not in form else {
            k: [v] for k, v in params.items()
        }
        result = self.check(client, params, multi)
        if isinstance(result, Refusal):
            return _json_error(result.error, result.description)
        request_uri = self.pushed.push(client.client_id, params)
        log.info("oidc: pushed request from %s", client.client_id)
        return JsonAnswer(201, {"request_uri": request_uri, "expires_in": LIFETIME})


PrivateKeyJwtMethods: Final = ("private_key_jwt", "client_secret_basic", "client_secret_post")


def _json_error(error: str, description: str, status: int = 400) -> JsonAnswer:
    return JsonAnswer(status, {"error": error, "error_description": description})


__all__ = ["Accepted", "Authorizer", "JsonAnswer", "OidcErrorPage", "OidcUrls", "Refusal"]
