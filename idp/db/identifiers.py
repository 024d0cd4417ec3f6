"""Validation and normalisation of the Dutch identifiers the means issuer stores (spec §3.2).

KvK number (8 digits), RSIN and BSN (9 digits passing the 11-test), vestigingsnummer (12
digits), Dutch mobile numbers for SMS codes (normalised to E.164) and e-mail addresses
(normalised to lower case). Each function returns the normalised value or raises
:class:`InvalidIdentifier` with a message a user can act on. Messages never repeat the value
itself: a BSN, phone number or e-mail address is personal data and messages end up in logs.
"""

from __future__ import annotations

import re
from typing import Final

#: Separators people type inside numbers; removed before checking.
_SEPARATORS: Final = re.compile(r"[\s.\-/]")
_DIGITS: Final = re.compile(r"[0-9]+")
_MAX_EMAIL: Final = 254  # RFC 5321 4.5.3.1.3: a path is at most 256 octets including <>.
_EMAIL_LOCAL: Final = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_EMAIL_LABEL: Final = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


class InvalidIdentifier(ValueError):
    """An identifier does not have the required form; ``public`` says what to fix."""

    def __init__(self, kind: str, public: str) -> None:
        self.kind = kind
        self.public = public
        super().__init__(public)


def _digits(kind: str, label: str, value: str, length: int) -> str:
    if not isinstance(value, str):
        raise InvalidIdentifier(kind, f"{label} must be text")
    cleaned = _SEPARATORS.sub("", value)
    if not _DIGITS.fullmatch(cleaned):
        raise InvalidIdentifier(kind, f"{label} may contain only digits")
    if len(cleaned) != length:
        raise InvalidIdentifier(
            kind, f"{label} must have exactly {length} digits (this one has {len(cleaned)})"
        )
    return cleaned


def passes_eleven_test(digits: str) -> bool:
    """The 11-test of BSN and RSIN: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(w * int(d) for w, d in zip(weights, digits, strict=True))
    return total % 11 == 0 and total != 0


def kvk_number(value: str) -> str:
    """A KvK (Chamber of Commerce) number: 8 digits."""
    return _digits("kvk_number", "A KvK number", value, 8)


def rsin(value: str) -> str:
    """An RSIN (legal entities' tax number): 9 digits passing the 11-test."""
    cleaned = _digits("rsin", "An RSIN", value, 9)
    if not passes_eleven_test(cleaned):
        raise InvalidIdentifier("rsin", "This RSIN fails the 11-test: check for a typing error")
    return cleaned


def bsn(value: str) -> str:
    """A BSN (citizen service number): 9 digits passing the 11-test."""
    cleaned = _digits("bsn", "A BSN", value, 9)
    if not passes_eleven_test(cleaned):
        raise InvalidIdentifier("bsn", "This BSN fails the 11-test: check for a typing error")
    return cleaned


def vestigingsnummer(value: str) -> str:
    """A KvK branch number (vestigingsnummer, spec §3.1 ServiceRestriction): 12 digits."""
    return _digits("vestigingsnummer", "A branch number (vestigingsnummer)", value, 12)


def dutch_mobile_e164(value: str) -> str:
    """A Dutch mobile number as ``+316`` and 8 digits.

    Accepts ``06 12345678``, ``+31 6 12345678``, ``+31 (0)6 12345678`` and ``0031 6 12345678``
    with spaces, dots, dashes or slashes. SMS codes go only to Dutch mobile numbers, so landlines,
    service numbers and foreign numbers are refused.
    """
    if not isinstance(value, str):
        raise InvalidIdentifier("mobile", "A mobile number must be text")
    cleaned = _SEPARATORS.sub("", value).replace("(0)", "").replace("(", "").replace(")", "")
    if cleaned.startswith("+31"):
        national = cleaned[3:]
    elif cleaned.startswith("0031"):
        national = cleaned[4:]
    elif cleaned.startswith("0") and not cleaned.startswith("00"):
        national = cleaned[1:]
    else:
        raise InvalidIdentifier(
            "mobile",
            "Enter a Dutch mobile number starting with 06, +316 or 00316; "
            "other countries' numbers are not supported for SMS codes",
        )
    if not _DIGITS.fullmatch(national):
        raise InvalidIdentifier("mobile", "A mobile number may contain only digits after +31")
    if not national.startswith("6"):
        raise InvalidIdentifier(
            "mobile", "This is not a Dutch mobile number: it must start with 06 (or +316)"
        )
    if len(national) != 9:
        raise InvalidIdentifier(
            "mobile", "A Dutch mobile number has 10 digits including 06, e.g. 06 12345678"
        )
    return "+31" + national


def email_address(value: str) -> str:
    """An e-mail address, trimmed and lower-cased (the register treats case as insignificant).

    Internationalised domain names are stored in their ASCII (punycode) form.
    """
    if not isinstance(value, str):
        raise InvalidIdentifier("email", "An e-mail address must be text")
    text = value.strip()
    if not text or any(c.isspace() for c in text):
        raise InvalidIdentifier("email", "An e-mail address may not be empty or contain spaces")
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise InvalidIdentifier("email", "An e-mail address looks like name@example.nl")
    local = local.lower()
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidIdentifier("email", "The domain of this e-mail address is not valid") from exc
    dots_ok = not (local.startswith(".") or local.endswith(".") or ".." in local)
    if not _EMAIL_LOCAL.fullmatch(local) or not dots_ok:
        raise InvalidIdentifier("email", "The part before @ has characters that are not allowed")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_EMAIL_LABEL.fullmatch(label) for label in labels):
        raise InvalidIdentifier("email", "The part after @ must be a domain such as example.nl")
    normalised = f"{local}@{domain}"
    if len(normalised) > _MAX_EMAIL:
        raise InvalidIdentifier("email", f"An e-mail address is at most {_MAX_EMAIL} characters")
    return normalised
