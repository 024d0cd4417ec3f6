"""Validation of the values a person types into the portal's forms and CSV rows.

Each parser returns a frozen value or raises :class:`~idp.portal.errors.Invalid` with one
message key per field; a CSV row goes through the same parser as the single form, so both give
the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from idp.db import identifiers
from idp.db.columns import ISSUABLE_LEVELS
from idp.db.columns import MEANS_VALIDITY_YEARS
from idp.portal.errors import Invalid
from policies.loa import Loa

YES: Final = frozenset({"ja", "j", "yes", "y", "1", "true", "waar", "on"})
NO: Final = frozenset({"nee", "n", "no", "0", "false", "onwaar", "off", ""})
MAX_NAME: Final = 200


@dataclass(frozen=True, slots=True)
class NewMeans:
    given_names: str
    surname_prefix: str
    surname: str
    #: Normalised (lower case). Personal data: never log.
    email: str
    #: E.164. Personal data: never log.
    mobile: str
    level: Loa
    years: int
    is_employee: bool
    identity_confirmed: bool


def parse_level(text: str) -> Loa | None:
    cleaned = text.strip().replace(" ", "")
    for level in ISSUABLE_LEVELS:
        if cleaned.lower() in (level.label.lower(), level.label.lower().replace("+", "plus")):
            return level
    return None


def parse_years(text: str) -> int | None:
    cleaned = text.strip().lower().removesuffix("jaar").removesuffix("years").strip()
    if cleaned.isdigit() and int(cleaned) in MEANS_VALIDITY_YEARS:
        return int(cleaned)
    return None


def parse_flag(text: str) -> bool | None:
    cleaned = text.strip().lower()
    if cleaned in YES:
        return True
    if cleaned in NO:
        return False
    return None


def email_or_none(text: str) -> str | None:
    try:
        return identifiers.email_address(text)
    except identifiers.InvalidIdentifier:
        return None


def mobile_or_none(text: str) -> str | None:
    try:
        return identifiers.dutch_mobile_e164(text)
    except identifiers.InvalidIdentifier:
        return None


def parse_new_means(raw: Mapping[str, str]) -> NewMeans:
    """The fields ``given_names``, ``surname_prefix``, ``surname``, ``email``, ``mobile``,
    ``level``, ``years``, ``employee`` and ``identity_confirmed`` of a form or CSV row."""
    errors: dict[str, str] = {}
    given = raw.get("given_names", "").strip()
    surname = raw.get("surname", "").strip()
    prefix = raw.get("surname_prefix", "").strip()
    if not given or len(given) > MAX_NAME:
        errors["given_names"] = "portal.field.given_names"
    if not surname or len(surname) > MAX_NAME or len(prefix) > 50:
        errors["surname"] = "portal.field.surname"
    email = email_or_none(raw.get("email", ""))
    if email is None:
        errors["email"] = "portal.field.email"
    mobile = mobile_or_none(raw.get("mobile", ""))
    if mobile is None:
        errors["mobile"] = "portal.field.mobile"
    level = parse_level(raw.get("level", ""))
    if level is None:
        errors["level"] = "portal.field.level"
    years = parse_years(raw.get("years", ""))
    if years is None:
        errors["years"] = "portal.field.years"
    employee = parse_flag(raw.get("employee", ""))
    if employee is None:
        errors["employee"] = "portal.field.employee"
    confirmed = parse_flag(raw.get("identity_confirmed", "")) or False
    if errors:
        raise Invalid(errors)
    assert email and mobile and level and years and employee is not None
    return NewMeans(given, prefix, surname, email, mobile, level, years, employee,
                    confirmed and employee)
