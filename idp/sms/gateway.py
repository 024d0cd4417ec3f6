"""The SMS gateway port: one method that sends one text message to one mobile number.

The authentication service depends only on this Protocol; the development outbox
(:mod:`idp.sms.outbox`) and the production HTTP adapter (:mod:`idp.sms.http`) implement it.
A message text may hold a one-time code, so no implementation logs the text or the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SmsMessage:
    #: The recipient in E.164 (``+316...``). Personal data: never log.
    to: str
    #: The text, which may carry a one-time code. Never log.
    text: str
    #: Our reference for the message (random, safe to log).
    reference: str


class SmsError(Exception):
    """The message was not sent."""


class SmsUnavailable(SmsError):
    """The gateway could not be reached or kept failing after the retries."""


class SmsRejected(SmsError):
    """The gateway refused the message (a 4xx answer other than 401/403/429)."""


class SmsAuthError(SmsError):
    """The gateway refused our credentials (401 or 403); retrying will not help."""


class SmsGateway(Protocol):
    def send(self, message: SmsMessage) -> None:
        """Send ``message`` or raise :class:`SmsError`."""
        ...
