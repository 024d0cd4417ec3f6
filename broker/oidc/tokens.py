"""Authorization codes and access tokens on the shared state store (RFC 6749 §4.1.2, §10.5;
RFC 9700 §4.2; DESIGN §3).

* A code is random (256 bits), stored under its SHA-256 only, lives ``oidc_code_seconds``
  (at most 60 s) and is taken with GETDEL: single use, on any broker node. It is bound to the
  client, the exact redirect URI and the S256 PKCE challenge; the token endpoint checks all
  three (authlib's grant and :class:`broker.oidc.provider.S256Challenge`).
* A code presented a second time finds no grant but a *redeemed* marker listing the access
  tokens issued from it: those are revoked at once (RFC 6749 §4.1.2: "SHOULD revoke all tokens
  previously issued based on that authorization code").
* An access token is opaque, stored under its SHA-256, and only opens the userinfo endpoint.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Final

from etoegang.clock import Clock
from etoegang.state.store import StateStore

#: The only PKCE method this provider accepts (RFC 9700 §2.1.1: S256; ``plain`` refused).
S256: Final = "S256"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CodeGrant:
    """What an authorization code stands for (authlib's ``AuthorizationCodeMixin``)."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str
    nonce: str | None
    auth_time: int
    acr: str
    sid: str
    #: ``sub``, ``acr`` and the eHerkenning claims (:func:`broker.oidc.claims.login_claims`).
    claims: dict[str, Any] = field(default_factory=dict)
    code_challenge_method: str = S256

    # authlib's AuthorizationCodeMixin and OpenIDCode hooks
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An issued access token's record (authlib's ``TokenMixin``, for the userinfo endpoint)."""

    client_id: str
    scope: str
    expires_at: int
    claims: dict[str, Any]
    clock: Clock | None = field(default=None, compare=False, repr=False)
    client: Any = field(default=None, compare=False, repr=False)

    def get_scope(self) -> str:
        return self.scope

    def get_client(self) -> Any:
        return self.client

    def get_user(self) -> dict[str, Any]:
        return self.claims

    def check_client(self, client: Any) -> bool:
        return bool(client is not None and client.client_id == self.client_id)

    def get_expires_in(self) -> int:
        now = int(self.clock.now().timestamp()) if self.clock else 0
        return max(0, self.expires_at - now)

    def is_expired(self) -> bool:
        return self.get_expires_in() <= 0

    def is_revoked(self) -> bool:
        return False  # a revoked token is deleted from the store and never found


class TokenStore:
    """Codes, redemption markers and access tokens, keyed by digests only."""

    def __init__(
        self, store: StateStore, clock: Clock, *, code_seconds: int, token_seconds: int
    ) -> None:
        self.store = store
        self.clock = clock
        self.code_seconds = code_seconds
        self.token_seconds = token_seconds

    # --- codes -------------------------------------------------------------------------------

    def issue_code(self, grant: CodeGrant) -> str:
        code = secrets.token_urlsafe(32)
        data = json.dumps(asdict(grant), separators=(",", ":")).encode()
        if not self.store.put_new(f"oidc:code:{_digest(code)}", data, self.code_seconds):
            raise RuntimeError("authorization code collision")
        return code

    def redeem(self, code: str) -> CodeGrant | None:
        """The code's grant, once; a second redemption revokes the tokens of the first."""
        key = _digest(code)
        raw = self.store.take(f"oidc:code:{key}")
        if raw is None:
            self._revoke_redeemed(key)
            return None
        # Marked before any token exists, so a replay racing the first redemption still
        # finds the marker (and later revokes what the first one issued).
        self.store.put(f"oidc:redeemed:{key}", b"[]", self.token_seconds + self.code_seconds)
        try:
            return CodeGrant(**json.loads(raw))
        except (TypeError, ValueError):
            return None

    def _revoke_redeemed(self, key: str) -> None:
        marker = self.store.get(f"oidc:redeemed:{key}")
        if marker is None:
            return
        self.store.put(f"oidc:replayed:{key}", b"1", self.token_seconds + self.code_seconds)
        try:
            digests = json.loads(marker)
        except ValueError:
            digests = []
        for digest in digests if isinstance(digests, list) else []:
            self.store.delete(f"oidc:at:{digest}")

    # --- access tokens -----------------------------------------------------------------------

    def new_access_token(self) -> str:
        return secrets.token_urlsafe(32)

    def save(self, access_token: str, grant: CodeGrant, code: str) -> None:
        """Store the token and list it under its code (for revocation on replay)."""
        now = int(self.clock.now().timestamp())
        digest = _digest(access_token)
        record = {
            "client_id": grant.client_id,
            "scope": grant.scope,
            "expires_at": now + self.token_seconds,
            "claims": grant.claims,
        }
        self.store.put(f"oidc:at:{digest}", json.dumps(record).encode(), self.token_seconds)
        key = _digest(code)
        self.store.put(
            f"oidc:redeemed:{key}", json.dumps([digest]).encode(),
            self.token_seconds + self.code_seconds,
        )
        if self.store.get(f"oidc:replayed:{key}") is not None:
            # The code was replayed while this token was being made: revoke it too.
            self.store.delete(f"oidc:at:{digest}")

    def access_token(self, token: str) -> AccessToken | None:
        raw = self.store.get(f"oidc:at:{_digest(token)}") if token else None
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return AccessToken(
                client_id=str(data["client_id"]),
                scope=str(data["scope"]),
                expires_at=int(data["expires_at"]),
                claims=dict(data["claims"]),
                clock=self.clock,
            )
        except (KeyError, TypeError, ValueError):
            return None

    # --- client assertion replay (RFC 7523 §3 item 7) ------------------------------------------

    def first_jti(self, client_id: str, jti: str, ttl_seconds: int) -> bool:
        """True the first time a client uses this ``jti`` (SET NX EX, atomic on any node)."""
        key = f"oidc:jti:{_digest(client_id + chr(0) + jti)}"
        return self.store.put_new(key, b"1", max(1, ttl_seconds))


__all__ = ["AccessToken", "CodeGrant", "S256", "TokenStore"]
