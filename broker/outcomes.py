"""What a broker step asks the web layer to do: framework-free values (STYLE §4.1 sans-IO).

The flow code returns one of these; :mod:`broker.web` turns it into an HTTP response and sets
or deletes the cookies it names. Cookies only ever carry random ids (DESIGN §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from enum import Enum
from typing import Any
from urllib.parse import urlencode
from urllib.parse import urlsplit

from broker.errors import ErrorKind


class CookieName(Enum):
    """The broker's cookies: all signed, HttpOnly, SameSite=Lax."""

    #: The login in progress (flow id).
    FLOW = "hm_flow"
    #: The broker SSO session (session id), spec §9.
    SESSION = "hm_session"
    #: "Onthoud mijn keuze": the remembered AD (spec §9, ignored after a cancel §4.8).
    REMEMBERED_AD = "hm_ad"


@dataclass(frozen=True, slots=True)
class CookieChange:
    name: CookieName
    #: None deletes the cookie.
    value: str | None
    max_age: int | None = None


@dataclass(frozen=True, slots=True)
class Redirect:
    url: str
    cookies: tuple[CookieChange, ...] = ()


@dataclass(frozen=True, slots=True)
class PostPage:
    """An auto-submitting HTTP-POST binding form (the CSP nonce is the web layer's)."""

    url: str
    kind: str
    message: bytes
    relay_state: str | None
    cookies: tuple[CookieChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """A page of ours (discovery, logout notices), rendered from ``template``."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    status: int = 200
    cookies: tuple[CookieChange, ...] = ()


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """An unrecoverable error: a page, never a redirect."""

    kind: ErrorKind
    status: int
    cookies: tuple[CookieChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """A non-HTML answer (SOAP, the signed AUC8 list)."""

    status: int
    content_type: str
    body: bytes


Outcome = Redirect | PostPage | Page | ErrorPage | Document


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """``url`` with the given parameters appended (None values left out)."""
    query = urlencode([(k, v) for k, v in params.items() if v is not None])
    if not query:
        return url
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}{query}"
