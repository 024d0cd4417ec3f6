"""Pushed authorization requests (RFC 9126): the client posts its authorization parameters
over the back channel, authenticated, and gets a ``request_uri`` for the browser.

A ``request_uri`` is ``urn:ietf:params:oauth:request_uri:`` plus 256 random bits; the state
store keeps the parameters under its SHA-256 for :data:`LIFETIME` seconds, bound to the
client that pushed them, and hands them out once (GETDEL; RFC 9126 §4: "SHOULD make the
request_uri one-time use"). At the authorization endpoint only the pushed parameters count
(§4: the other query parameters besides ``client_id`` and ``request_uri`` are ignored).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Final

from etoegang.state.store import StateStore

PREFIX: Final = "urn:ietf:params:oauth:request_uri:"
#: RFC 9126 §2.2: "a short lifetime, typically between 5 and 600 seconds".
LIFETIME: Final = 60


def _key(request_uri: str) -> str:
    return "oidc:par:" + hashlib.sha256(request_uri.encode()).hexdigest()


class PushedRequests:
    def __init__(self, store: StateStore, lifetime: int = LIFETIME) -> None:
        self.store = store
        self.lifetime = lifetime

    def push(self, client_id: str, params: Mapping[str, str]) -> str:
        """Store validated parameters; the ``request_uri`` for them."""
        request_uri = PREFIX + secrets.token_urlsafe(32)
        record = {"client_id": client_id, "params": dict(params)}
        if not self.store.put_new(_key(request_uri), json.dumps(record).encode(), self.lifetime):
            raise RuntimeError("request_uri collision")
        return request_uri

    def take(self, request_uri: str, client_id: str | None) -> dict[str, str] | None:
        """The pushed parameters, once, and only for the client that pushed them."""
        if not request_uri.startswith(PREFIX):
            return None
        raw = self.store.take(_key(request_uri))
        if raw is None:
            return None
        try:
            record = json.loads(raw)
            params = record["params"]
            owner = record["client_id"]
        except (KeyError, TypeError, ValueError):
            return None
        if owner != client_id or not isinstance(params, dict):
            return None
        return {str(k): str(v) for k, v in params.items()}


__all__ = ["LIFETIME", "PREFIX", "PushedRequests"]
