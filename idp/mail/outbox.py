"""The development mailer: every message is appended as one JSON line to a file.

In development and in the demo the outbox file is the mail medium, so it is the only place a
link appears in clear; :func:`read_outbox` feeds the demo page ``/dev/mail``
(:mod:`idp.mail.views`). Never configure this mailer in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from etoegang.clock import Clock
from etoegang.clock import saml_instant
from idp.mail.gateway import MailMessage
from idp.outbox_file import JsonLinesOutbox
from idp.outbox_file import read_json_lines


@dataclass(frozen=True, slots=True)
class OutboxMail:
    at: str
    to: str
    subject: str
    body: str
    reference: str


class OutboxMailer:
    """Writes each message to ``path`` (JSON Lines, file mode 0600)."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._outbox = JsonLinesOutbox(path)

    def send(self, message: MailMessage) -> None:
        self._outbox.append(
            {
                "at": saml_instant(self._clock.now()),
                "to": message.to,
                "subject": message.subject,
                "body": message.body,
                "reference": message.reference,
            }
        )


def read_outbox(path: Path, *, last: int | None = 50) -> tuple[OutboxMail, ...]:
    """The newest ``last`` messages (all when None), newest first; broken lines are skipped."""
    return read_json_lines(
        path,
        lambda item: OutboxMail(
            str(item["at"]),
            str(item["to"]),
            str(item["subject"]),
            str(item["body"]),
            str(item["reference"]),
        ),
        last=last,
    )
