"""How an OIDC login ends (:class:`broker.faces.ReturnFace`): an authorization code, or an
OAuth error, sent to the exactly registered redirect URI with ``state`` and ``iss``
(RFC 6749 §4.1.2; RFC 9207 §2: ``iss`` in every authorization response, errors included, so
the client can tell which provider answered and mix-up attacks fail).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from broker.errors import OIDC_ERROR
from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.faces import LoginFacts
from broker.oidc.claims import acr_for
from broker.oidc.claims import login_claims
from broker.oidc.clients import ClientRegistry
from broker.oidc.logout import OidcSessions
from broker.oidc.tokens import CodeGrant
from broker.oidc.tokens import TokenStore
from broker.outcomes import CookieChange
from broker.outcomes import ErrorPage
from broker.outcomes import Outcome
from broker.outcomes import Redirect
from broker.outcomes import with_query
from broker.state import FlowState
from policies.loa import Loa

log = logging.getLogger(__name__)


def authorization_response(
    redirect_uri: str, issuer: str, state: str | None, params: Mapping[str, str]
) -> str:
    """``redirect_uri`` with the response parameters, ``state`` and ``iss`` (RFC 9207)."""
    return with_query(redirect_uri, {**params, "state": state, "iss": issuer})


class OidcFace:
    def __init__(
        self, registry: ClientRegistry, tokens: TokenStore, sessions: OidcSessions, issuer: str
    ) -> None:
        self.registry = registry
        self.tokens = tokens
        self.sessions = sessions
        self.issuer = issuer

    def succeed(self, facts: LoginFacts, cookies: tuple[CookieChange, ...]) -> Outcome:
        flow = facts.flow
        back = flow.oidc
        if back is None or self.registry.get(back.client_id) is None:
            return ErrorPage(ErrorKind.INTERNAL, 500, cookies)
        essential = tuple(Loa(urn) for urn in (back.essential_acr or "").split())
        try:
            acr = acr_for(facts.achieved, essential)
            claims = login_claims(facts, acr)
        except BrokerError as exc:
            return self.refuse(flow, exc, cookies)
        session_id = facts.session.session_id if facts.session else None
        sid = self.sessions.record(back.client_id, str(claims["sub"]), session_id)
        code = self.tokens.issue_code(
            CodeGrant(
                client_id=back.client_id,
                redirect_uri=back.redirect_uri,
                code_challenge=back.code_challenge,
                scope=back.scope,
                nonce=back.nonce,
                auth_time=int(facts.authn_instant.timestamp()),
                acr=acr,
                sid=sid,
                claims=claims,
            )
        )
        log.info("login %s: code issued to %s", flow.flow_id[:8], back.client_id)
        url = authorization_response(back.redirect_uri, self.issuer, back.state, {"code": code})
        return Redirect(url, cookies)

    def refuse(
        self, flow: FlowState, exc: BrokerError, cookies: tuple[CookieChange, ...]
    ) -> Outcome:
        back = flow.oidc
        error = OIDC_ERROR[exc.kind]
        if back is None or error is None:
            return ErrorPage(exc.kind, exc.wire.http_status, cookies)
        log.info("login %s: answering %s with %s", flow.flow_id[:8], back.client_id, error)
        url = authorization_response(
            back.redirect_uri,
            self.issuer,
            back.state,
            {"error": error, "error_description": exc.public},
        )
        return Redirect(url, cookies)


__all__ = ["OidcFace", "authorization_response"]
