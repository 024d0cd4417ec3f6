"""Language choice and message catalogues: Dutch by default, English on request.

The language comes from ``?lang=`` (remembered in a cookie), else that cookie, else the
browser's Accept-Language; anything but ``nl`` or ``en`` falls back to Dutch. Catalogues are
plain dicts per role, registered at start-up; a missing key in English falls back to the
Dutch text, and a missing Dutch text is a start-up error caught by each role's tests.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import g
from flask import request

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
COOKIE = "lang"

_CATALOGUES: dict[str, dict[str, str]] = {"nl": {}, "en": {}}


def register(catalogue: Mapping[str, Mapping[str, str]]) -> None:
    """Add a role's texts: ``{"nl": {key: text}, "en": {key: text}}``."""
    for lang in LANGUAGES:
        _CATALOGUES[lang].update(catalogue.get(lang, {}))


def choose_language() -> str:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(COOKIE, "")
    if cookie in LANGUAGES:
        return cookie
    best = request.accept_languages.best_match(LANGUAGES)
    return best or DEFAULT_LANGUAGE


def current_language() -> str:
    lang: str = getattr(g, "lang", DEFAULT_LANGUAGE)
    return lang


def translate(key: str, /, **values: object) -> str:
    """The text for ``key`` in the current language, with ``{name}`` placeholders filled."""
    lang = current_language()
    text = _CATALOGUES[lang].get(key) or _CATALOGUES[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**values) if values else text


COMMON: dict[str, dict[str, str]] = {
    "nl": {
        "skip": "Naar de inhoud",
        "language": "Taal",
        "switch_to": "English",
        "error.title": "Er ging iets mis",
        "error.back": "Ga terug naar de dienst en probeer het opnieuw.",
        "error.reference": "Referentie",
        "continue": "Doorgaan",
        "cancel": "Annuleren",
        "csrf": "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw.",
    },
    "en": {
        "skip": "Skip to content",
        "language": "Language",
        "switch_to": "Nederlands",
        "error.title": "Something went wrong",
        "error.back": "Go back to the service and try again.",
        "error.reference": "Reference",
        "continue": "Continue",
        "cancel": "Cancel",
        "csrf": "The form has expired or is invalid. Reload the page.",
    },
}
register(COMMON)
