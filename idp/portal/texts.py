"""The portal's texts in Dutch (default) and English, registered with :mod:`web.i18n`.

Kept as ``key: (Dutch, English)`` pairs in two modules (pages and messages), so a text cannot
exist in one language only; a test checks that every key the templates and views use exists.
"""

from __future__ import annotations

from idp.portal.texts_messages import MESSAGES
from idp.portal.texts_pages import PAGES
from web import i18n

TEXTS: dict[str, tuple[str, str]] = {**PAGES, **MESSAGES}


def register() -> None:
    i18n.register({"nl": {k: v[0] for k, v in TEXTS.items()},
                   "en": {k: v[1] for k, v in TEXTS.items()}})


def known(key: str) -> bool:
    return key in TEXTS
