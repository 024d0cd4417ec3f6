"""The password rules of the portal (issue 8): at least 12 characters, at most 1,024, and not
a common password.

"Common" is checked after normalisation, so that decorating a common word does not pass:
lower case; leetspeak undone (``p4ssw0rd`` -> ``password``); digits and symbols at both ends
removed (``Welkom2024!`` -> ``welkom``); only its letters (``Zomer2025zomer`` ->
``zomerzomer``) and the word those repeat (``zomer``); each of these forms is looked up in
``data/common-passwords.txt``. Passwords made of one repeated
short unit (``abcabcabcabc``) or of a keyboard or digit run are refused as well, and so is a
password that contains the local part of the holder's e-mail address.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Final

from idp.db.passwords import MAX_PASSWORD_LENGTH
from idp.portal.errors import Invalid

MIN_LENGTH: Final = 12
LIST_FILE: Final = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
_LEET: Final = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_ENDS: Final = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NOT_LETTERS: Final = re.compile(r"[\W\d_]+")
_RUNS: Final = (
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "0123456789",
    "9876543210",
    "zyxwvutsrqponmlkjihgfedcba",
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = LIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _forms(password: str) -> set[str]:
    lowered = password.lower()
    forms = {lowered, lowered.translate(_LEET)}
    for form in list(forms):
        forms.add(_ENDS.sub("", form))
    forms.add(_ENDS.sub("", lowered).translate(_LEET))
    # Only the letters: "Zomer2025zomer!" -> "zomerzomer", and its repeated unit "zomer".
    for source in (lowered, lowered.translate(_LEET)):
        letters = _NOT_LETTERS.sub("", source)
        forms.add(letters)
        unit = _unit(letters)
        if unit is not None:
            forms.add(unit)
    return {form for form in forms if form}


def _unit(text: str) -> str | None:
    """The shortest unit that ``text`` repeats (twice or more), if any."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return None


def _repetitive(password: str) -> bool:
    lowered = password.lower()
    if _unit(lowered) is not None:
        return True
    # Runs wrap around ("...7890123..."), so look in each run written three times.
    return any(lowered in run * 3 for run in _RUNS)


def is_common(password: str) -> bool:
    listed = common_passwords()
    return _repetitive(password) or any(form in listed for form in _forms(password))


def check_password(password: str, *, email: str | None = None, field: str = "password") -> None:
    """Raise :class:`Invalid` (``{field: key}``) when ``password`` breaks a rule."""
    if len(password) < MIN_LENGTH:
        raise Invalid({field: "portal.password.too_short"})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid({field: "portal.password.too_long"})
    if is_common(password):
        raise Invalid({field: "portal.password.common"})
    local = (email or "").partition("@")[0].lower()
    if len(local) >= 4 and local in password.lower():
        raise Invalid({field: "portal.password.like_email"})
