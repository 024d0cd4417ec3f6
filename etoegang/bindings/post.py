"""The SAML HTTP-POST binding: the auto-submitting form page and the decoding of a posted form.

Spec: SAML 2.0 bindings §3.5 (base64 of the whole XML message in a hidden ``SAMLRequest`` or
``SAMLResponse`` form control, RelayState alongside; the form SHOULD auto-submit and MUST work
without scripting) and ``shared/spec/eherkenning.md`` §4.2 (RelayState at most 80 bytes; every
browser-facing response carries ``Cache-Control: no-cache, no-store`` and ``Pragma: no-cache``).

The page is built with lxml's HTML element builder, so every value is escaped by the serialiser,
never pasted into a string template. Its one inline script runs only under the CSP nonce given.
The signature inside a posted message (enveloped) is the caller's to verify.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

from lxml import etree
from lxml import html
from lxml.html import builder as E

from etoegang.bindings.redirect import MAX_RELAY_STATE_BYTES
from etoegang.bindings.redirect import MessageKind
from etoegang.bindings.redirect import check_kind
from etoegang.bindings.redirect import check_relay_state
from etoegang.errors import BindingError
from etoegang.xml.parser import MESSAGE_LIMITS
from etoegang.xml.parser import parse_xml
from etoegang.xml.parser import serialize

__all__ = [
    "MAX_RELAY_STATE_BYTES",
    "NO_STORE_HEADERS",
    "MessageKind",
    "PostMessage",
    "decode_post",
    "post_form",
    "post_page_headers",
]

#: The headers every browser-facing protocol response carries (eHerkenning §4.2), so that no
#: cache or back button replays a SAML message.
NO_STORE_HEADERS: Final[Mapping[str, str]] = MappingProxyType(
    {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}
)

#: base64 grows 3 bytes into 4 characters; a longer value cannot decode to an acceptable message.
_MAX_ENCODED_CHARS: Final = (MESSAGE_LIMITS.max_bytes + 2) // 3 * 4
_RELAY_STATE: Final = "RelayState"
_FORM_ID: Final = "saml-post"
_NONCE: Final = re.compile(r"[A-Za-z0-9+/_=-]{8,128}")
_ASCII_WS: Final = re.compile(rb"[ \t\r\n]")

_TEXT: Final[Mapping[str, tuple[str, str, str, str]]] = MappingProxyType(
    {
        # lang: (title, explanation, explanation without scripting, button)
        "nl": (
            "Doorsturen",
            "Een moment geduld, u wordt doorgestuurd.",
            "Kies Doorgaan om verder te gaan.",
            "Doorgaan",
        ),
        "en": (
            "Redirecting",
            "One moment please, you are being redirected.",
            "Choose Continue to go on.",
            "Continue",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class PostMessage:
    """A SAML message received by HTTP-POST (its enveloped signature not yet checked)."""

    element: etree._Element
    relay_state: str | None


def post_page_headers(nonce: str | None = None) -> dict[str, str]:
    """Response headers for the page :func:`post_form` returns: no caching, and a CSP that lets
    only the nonce'd inline script run and nothing be framed or loaded."""
    script = f"'nonce-{_check_nonce(nonce)}'" if nonce is not None else "'none'"
    return {
        **NO_STORE_HEADERS,
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {script}; base-uri 'none'; frame-ancestors 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def _check_nonce(nonce: str) -> str:
    # The nonce also goes into a header: only base64/base64url characters.
    if not _NONCE.fullmatch(nonce):
        raise ValueError("CSP nonce must be 8-128 base64 characters")
    return nonce


def _check_action(action_url: str) -> str:
    # An endpoint from registered metadata: absolute http(s), printable ASCII only, so the HTML
    # serialiser (which %-escapes other characters in URI attributes) leaves it unchanged.
    parts = urlsplit(action_url)
    if (
        parts.scheme not in ("https", "http")
        or not parts.netloc
        or not action_url.isascii()
        or not action_url.isprintable()
        or " " in action_url
    ):
        raise BindingError("endpoint is not an absolute http(s) URL", debug=action_url[:120])
    return action_url


def post_form(
    action_url: str,
    *,
    kind: MessageKind,
    message: etree._Element | bytes,
    relay_state: str | None,
    nonce: str | None = None,
    lang: str = "nl",
) -> str:
    """A complete HTML5 page that posts ``message`` to ``action_url`` (bindings §3.5.4).

    The form submits itself through a small inline script carrying ``nonce`` (send the same
    nonce in the CSP, e.g. with :func:`post_page_headers`); without scripting a ``noscript``
    button does the same.

    :param message: the message element, or its serialised bytes (e.g. exactly as signed).
    :param lang: ``"nl"`` or ``"en"``: the page language and the button label.
    """
    kind = check_kind(kind)
    check_relay_state(relay_state)
    if lang not in _TEXT:
        raise ValueError(f"unsupported page language {lang!r}")
    title, explanation, no_script, button = _TEXT[lang]
    xml = message if isinstance(message, bytes) else serialize(message)

    controls = [E.INPUT(type="hidden", name=kind, value=base64.b64encode(xml).decode("ascii"))]
    if relay_state is not None:
        controls.append(E.INPUT(type="hidden", name=_RELAY_STATE, value=relay_state))
    form = E.FORM(
        *controls,
        E.NOSCRIPT(E.P(no_script), E.BUTTON(button, type="submit")),
        id=_FORM_ID,
        method="post",
        action=_check_action(action_url),
    )
    script_attrs = {"nonce": _check_nonce(nonce)} if nonce is not None else {}
    script = E.SCRIPT(f'document.getElementById("{_FORM_ID}").submit();', **script_attrs)
    page = E.HTML(
        E.HEAD(
            E.META(charset="utf-8"),
            E.META(name="viewport", content="width=device-width, initial-scale=1"),
            E.META(name="referrer", content="no-referrer"),
            E.TITLE(title),
        ),
        E.BODY(E.MAIN(E.H1(title), E.P(explanation), form), script),
        lang=lang,
    )
    return str(html.tostring(page, doctype="<!DOCTYPE html>", encoding="unicode"))


def _field(form: Mapping[str, str], name: str) -> str | None:
    # A werkzeug MultiDict answers form[name] with the first of several values; a repeated
    # control would let two readers see two different messages, so refuse it.
    getlist = getattr(form, "getlist", None)
    if callable(getlist) and len(getlist(name)) > 1:
        raise BindingError("duplicate form field", debug=name)
    return form.get(name)


def decode_post(form: Mapping[str, str], *, kind: MessageKind) -> PostMessage:
    """Decode a message received by HTTP-POST (the form fields as received).

    :raises BindingError: field missing, both message fields present, repeated fields, too
        large, not base64, or RelayState over 80 bytes.
    :raises XmlError: the message is refused by the hardened parser.
    """
    kind = check_kind(kind)
    other: MessageKind = "SAMLResponse" if kind == "SAMLRequest" else "SAMLRequest"
    value = _field(form, kind)
    if value is None:
        raise BindingError(f"no {kind} in the form")
    if _field(form, other) is not None:
        raise BindingError("both SAMLRequest and SAMLResponse in the form")
    relay_state = _field(form, _RELAY_STATE)
    check_relay_state(relay_state)

    if len(value) > _MAX_ENCODED_CHARS + _MAX_ENCODED_CHARS // 32:
        raise BindingError(f"{kind} too large", debug=f"{len(value)} characters")
    try:
        # Some encoders wrap base64 at 64 or 76 characters; line breaks carry no data.
        data = base64.b64decode(_ASCII_WS.sub(b"", value.encode("ascii")), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise BindingError(f"{kind} is not valid base64", debug=str(exc)[:80]) from exc
    return PostMessage(element=parse_xml(data, MESSAGE_LIMITS), relay_state=relay_state)
