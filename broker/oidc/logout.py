"""Logout for OIDC clients: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) and
back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0).

Each OIDC login gets a ``sid`` (random; never the broker session id, which is a cookie value).
The state store keeps, per ``sid``, the client, ``sub`` and the broker SSO session the login
used, and per broker session the ``sid`` values of the OIDC logins in it. At the
end_session_endpoint the ``id_token_hint`` (our signature, our issuer; it may have expired)
names the ``sid``; the broker SSO session ends (spec §9) and every OIDC client that took part
in it receives a logout token at its registered ``backchannel_logout_uri``. The
``post_logout_redirect_uri`` must be registered exactly for the client the ID token was for.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from typing import Final
from urllib.parse import urlencode

from authlib.oauth2.rfc6749 import InvalidRequestError  # type: ignore[import-untyped]
from authlib.oidc.rpinitiated import EndSessionEndpoint  # type: ignore[import-untyped]
from joserfc import jwt

from broker.oidc.clients import ClientRegistry
from broker.oidc.keys import ID_TOKEN_ALGS
from broker.oidc.keys import ProviderKeys
from broker.state import StateRepository
from etoegang.clock import Clock
from etoegang.errors import TransportError
from etoegang.exchange.transport import Transport
from etoegang.state.store import StateStore

log = logging.getLogger(__name__)

BACKCHANNEL_EVENT: Final = "http://schemas.openid.net/event/backchannel-logout"
#: Logout tokens are short-lived (Back-Channel Logout §2.4 recommends about two minutes).
LOGOUT_TOKEN_SECONDS: Final = 120


@dataclass(frozen=True, slots=True)
class Participant:
    sid: str
    client_id: str
    sub: str


class OidcSessions:
    """Which OIDC logins belong to which broker SSO session."""

    def __init__(self, store: StateStore, repo: StateRepository, ttl_seconds: int) -> None:
        self.store = store
        self.repo = repo
        self.ttl = ttl_seconds

    def record(self, client_id: str, sub: str, broker_session_id: str | None) -> str:
        sid = secrets.token_urlsafe(24)
        value = {"client_id": client_id, "sub": sub, "session": broker_session_id}
        self.store.put(f"oidc:sid:{sid}", json.dumps(value).encode(), self.ttl)
        if broker_session_id:
            key = f"oidc:session:{broker_session_id}"
            # Read-modify-write: two logins finishing at the same instant in one browser may
            # lose one sid here; that client then misses a back-channel notice (not a login).
            current = self.store.get(key)
            sids = json.loads(current) if current else []
            sids.append(sid)
            self.store.put(key, json.dumps(sids).encode(), self.ttl)
        return sid

    def _participant(self, sid: str) -> tuple[Participant, str | None] | None:
        raw = self.store.take(f"oidc:sid:{sid}")
        if raw is None:
            return None
        data = json.loads(raw)
        return Participant(sid, str(data["client_id"]), str(data["sub"])), data.get("session")

    def end(self, sid: str) -> list[Participant]:
        """End this login's broker session; every OIDC login that shared it."""
        first = self._participant(sid)
        if first is None:
            return []
        participant, broker_session = first
        found = [participant]
        if broker_session:
            self.repo.end_session(broker_session)
            raw = self.store.take(f"oidc:session:{broker_session}")
            for other in json.loads(raw) if raw else []:
                if other != sid:
                    more = self._participant(other)
                    if more is not None:
                        found.append(more[0])
        return found


class BackChannel:
    """Signed logout tokens, POSTed to each client's ``backchannel_logout_uri``."""

    def __init__(
        self,
        keys: ProviderKeys,
        issuer: str,
        registry: ClientRegistry,
        transport: Transport,
        clock: Clock,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.registry = registry
        self.transport = transport
        self.clock = clock

    def logout_token(self, participant: Participant) -> str:
        now = int(self.clock.now().timestamp())
        claims = {
            "iss": self.issuer,
            "aud": participant.client_id,
            "iat": now,
            "exp": now + LOGOUT_TOKEN_SECONDS,
            "jti": secrets.token_urlsafe(16),
            "sub": participant.sub,
            "sid": participant.sid,
            "events": {BACKCHANNEL_EVENT: {}},
        }
        key = self.keys.signing  # once: the kid and the signature from the same key
        header = {"alg": "RS256", "kid": key.kid or "", "typ": "logout+jwt"}
        return jwt.encode(header, claims, key, ["RS256"])

    def notify(self, participants: list[Participant]) -> int:
        """Send logout tokens; the number of clients that answered 200 (a failure is logged,
        never retried into the user's browser)."""
        done = 0
        for participant in participants:
            client = self.registry.get(participant.client_id)
            if client is None or not client.backchannel_logout_uri:
                continue
            body = urlencode({"logout_token": self.logout_token(participant)}).encode()
            try:
                answer = self.transport.post(
                    client.backchannel_logout_uri, body, "application/x-www-form-urlencoded"
                )
            except TransportError as exc:
                log.warning("back-channel logout to %s failed: %s", client.client_id, exc.code)
                continue
            if answer.status == 200:
                done += 1
            else:
                log.warning("back-channel logout to %s: HTTP %d", client.client_id, answer.status)
        return done


class EndSession(EndSessionEndpoint):  # type: ignore[misc]
    """authlib's end_session_endpoint with our keys; the logout itself is :meth:`end_session`."""

    def __init__(
        self, keys: ProviderKeys, issuer: str, sessions: OidcSessions, back_channel: BackChannel
    ) -> None:
        super().__init__()
        self._keys = keys
        self._issuer = issuer
        self._sessions = sessions
        self._back_channel = back_channel

    def get_server_jwks(self) -> Any:
        return self._keys.public_set()

    def get_algorithms(self) -> list[str]:
        return list(ID_TOKEN_ALGS)

    def validate_request(self, request: Any) -> Any:
        validated = super().validate_request(request)
        claims = validated.id_token_claims
        if claims is not None and claims.get("iss") != self._issuer:
            raise InvalidRequestError("id_token_hint was not issued by this provider")
        return validated

    def end_session(self, end_session_request: Any) -> None:
        claims = end_session_request.id_token_claims
        sid = claims.get("sid") if claims else None
        if not isinstance(sid, str):
            return
        participants = self._sessions.end(sid)
        sent = self._back_channel.notify(participants)
        log.info("oidc logout: %d login(s) ended, %d client(s) notified", len(participants), sent)


__all__ = ["BACKCHANNEL_EVENT", "BackChannel", "EndSession", "OidcSessions", "Participant"]
