"""The portal services' typed errors. Each carries a message key (``portal.error.*``) for the
page, never a value the user typed: values may be personal data."""

from __future__ import annotations

from collections.abc import Mapping


class PortalError(Exception):
    """Base of every refusal a portal service makes; ``key`` names the text to show."""

    status = 400

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(key)


class NotFound(PortalError):
    status = 404


class Forbidden(PortalError):
    """The object exists but belongs to another organisation, or the role is missing."""

    status = 403


class Conflict(PortalError):
    """The object is not in a state that allows this (a cancelled request, a used token)."""

    status = 409


class Invalid(PortalError):
    """A form has problems; ``errors`` maps each field name to its message key."""

    status = 400

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("portal.error.form")


class TokenInvalid(PortalError):
    """A link is unknown, used or expired (``reason``: ``unknown``, ``used``, ``expired``)."""

    status = 410

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"portal.token.{reason}")
