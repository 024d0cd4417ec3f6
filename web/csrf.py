"""CSRF protection for every form POST, without server-side sessions.

Each browser gets a random id in an HttpOnly, SameSite=Lax cookie; the form token is an HMAC
of that id under the application's secret (double-submit, bound to the browser). A POST whose
token does not match is refused with 400 before any handler runs, and changes nothing.
Protocol endpoints that take POSTs from other origins by design (SAML POST binding, SOAP back
channel) are exempted explicitly by their role.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask
from flask import g
from flask import request

COOKIE = "mk_browser"
FIELD = "csrf_token"
_EXEMPT_ATTR = "_csrf_exempt"


def _browser_id() -> str:
    existing = request.cookies.get(COOKIE, "")
    if len(existing) == 43:
        return existing
    fresh: str = getattr(g, "_new_browser_id", "") or secrets.token_urlsafe(32)
    g._new_browser_id = fresh
    return fresh


def token(secret: bytes) -> str:
    return hmac.new(secret, _browser_id().encode(), hashlib.sha256).hexdigest()


def valid(secret: bytes) -> bool:
    sent = request.form.get(FIELD, "")
    existing = request.cookies.get(COOKIE, "")
    if not sent or len(existing) != 43:
        return False
    expected = hmac.new(secret, existing.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(sent, expected)


def exempt(view: object) -> object:
    """Mark a view function as not needing a CSRF token (protocol endpoints only)."""
    setattr(view, _EXEMPT_ATTR, True)
    return view


def is_exempt(app: Flask) -> bool:
    endpoint = request.endpoint
    if endpoint is None:
        return True
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, _EXEMPT_ATTR, False))


def set_cookie_if_new(response: object) -> None:
    fresh = getattr(g, "_new_browser_id", "")
    if fresh:
        response.set_cookie(  # type: ignore[attr-defined]
            COOKIE, fresh, httponly=True, samesite="Lax", secure=request.is_secure, path="/"
        )
