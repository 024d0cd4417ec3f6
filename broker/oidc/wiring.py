"""Assemble the OIDC face from validated settings (called by :func:`broker.app.create_app`
when ``oidc_clients`` is set), and its discovery document (OpenID Connect Discovery 1.0 §3,
RFC 8414, RFC 9126 §5, RFC 9207 §3, Back-Channel Logout §2.1, RP-Initiated Logout §2.1).

The issuer is the broker's base URL plus ``/oidc``; every endpoint lives below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from broker.context import BrokerContext
from broker.oidc.authorize import OidcUrls
from broker.oidc.claims import SUPPORTED
from broker.oidc.clients import SCOPE
from broker.oidc.clients import SECRET_METHODS
from broker.oidc.clients import ClientRegistry
from broker.oidc.clients import load_clients
from broker.oidc.face import OidcFace
from broker.oidc.keys import CLIENT_ALGS
from broker.oidc.keys import ID_TOKEN_ALGS
from broker.oidc.keys import ProviderKeys
from broker.oidc.logout import BackChannel
from broker.oidc.logout import EndSession
from broker.oidc.logout import OidcSessions
from broker.oidc.par import PushedRequests
from broker.oidc.provider import OidcServer
from broker.oidc.tokens import S256
from broker.oidc.tokens import TokenStore
from broker.settings import BrokerSettings
from etoegang.exchange.transport import Transport
from etoegang.state.store import StateStore
from policies.loa import Loa


@dataclass(frozen=True, slots=True)
class OidcParts:
    urls: OidcUrls
    userinfo: str
    jwks_uri: str
    end_session: str
    registry: ClientRegistry
    keys: ProviderKeys
    tokens: TokenStore
    pushed: PushedRequests
    server: OidcServer
    face: OidcFace

    def discovery(self) -> dict[str, Any]:
        methods = ["private_key_jwt"] + sorted(
            {c.token_endpoint_auth_method for c in self.registry} & set(SECRET_METHODS)
        )
        return {
            "issuer": self.urls.issuer,
            "authorization_endpoint": self.urls.authorize,
            "token_endpoint": self.urls.token,
            "userinfo_endpoint": self.userinfo,
            "jwks_uri": self.jwks_uri,
            "pushed_authorization_request_endpoint": self.urls.par,
            "end_session_endpoint": self.end_session,
            "scopes_supported": [SCOPE],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": list(ID_TOKEN_ALGS),
            "userinfo_signing_alg_values_supported": [],
            "token_endpoint_auth_methods_supported": methods,
            "token_endpoint_auth_signing_alg_values_supported": list(CLIENT_ALGS),
            "request_object_signing_alg_values_supported": list(CLIENT_ALGS),
            "request_parameter_supported": True,
            "request_uri_parameter_supported": False,
            "require_pushed_authorization_requests": False,
            "code_challenge_methods_supported": [S256],
            "authorization_response_iss_parameter_supported": True,
            "claims_supported": list(SUPPORTED),
            "claims_parameter_supported": True,
            "acr_values_supported": [lv.urn for lv in Loa if lv is not Loa.EH1],
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "frontchannel_logout_supported": False,
            "ui_locales_supported": ["nl", "en"],
        }


def build_oidc(
    settings: BrokerSettings, context: BrokerContext, store: StateStore, transport: Transport
) -> OidcParts | None:
    """The OIDC face, or None when ``oidc_clients`` is not set.

    :raises ConfigError: a client registration is refused (every problem listed).
    """
    if settings.oidc_clients is None:
        return None
    issuer = settings.base_url.rstrip("/") + "/oidc"
    urls = OidcUrls(
        issuer=issuer, authorize=f"{issuer}/authorize", token=f"{issuer}/token",
        par=f"{issuer}/par",
    )
    registry = load_clients(
        settings.oidc_clients, context.network,
        allow_http=settings.base_url.startswith("http://"),
    )
    keys = ProviderKeys(context.ring, context.clock)
    tokens = TokenStore(
        store, context.clock, code_seconds=settings.oidc_code_seconds,
        token_seconds=settings.oidc_access_token_seconds,
    )
    skew = int(context.skew.total_seconds())
    server = OidcServer(
        registry, tokens, keys, issuer=issuer, token_endpoint=urls.token, clock=context.clock,
        skew=skew,
    )
    sessions = OidcSessions(store, context.repo, settings.sso_session_seconds)
    back_channel = BackChannel(keys, issuer, registry, transport, context.clock)
    server.register_endpoint(EndSession(keys, issuer, sessions, back_channel))
    return OidcParts(
        urls=urls,
        userinfo=f"{issuer}/userinfo",
        jwks_uri=f"{issuer}/jwks",
        end_session=f"{issuer}/logout",
        registry=registry,
        keys=keys,
        tokens=tokens,
        pushed=PushedRequests(store),
        server=server,
        face=OidcFace(registry, tokens, sessions, issuer),
    )


__all__ = ["OidcParts", "build_oidc"]
