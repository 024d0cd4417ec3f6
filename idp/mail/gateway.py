"""The mail port: one method that sends one plain-text e-mail to one address (issue 8).

The portal depends only on this Protocol; the development outbox (:mod:`idp.mail.outbox`) and
the SMTP adapter (:mod:`idp.mail.smtp`) implement it. A message may carry a single-use link, so
no implementation logs the body or the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MailMessage:
    #: The recipient's address. Personal data: never log.
    to: str
    subject: str
    #: Plain text; may hold a single-use link. Never log.
    body: str
    #: Our reference for the message (random, safe to log).
    reference: str


class MailError(Exception):
    """The message was not sent."""


class MailGateway(Protocol):
    def send(self, message: MailMessage) -> None:
        """Send ``message`` or raise :class:`MailError`."""
        ...
