"""The development SMS gateway: every message is appended as one JSON line to a file.

In development and in the demo the outbox file *is* the SMS medium, so it is the only place a
code appears in clear; :func:`read_outbox` feeds the demo page ``/dev/sms``
(:mod:`idp.sms.views`). Never configure this gateway in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from etoegang.clock import Clock
from etoegang.clock import saml_instant
from idp.outbox_file import JsonLinesOutbox
from idp.outbox_file import read_json_lines
from idp.sms.gateway import SmsMessage


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    at: str
    to: str
    text: str
    reference: str


class OutboxGateway:
    """Writes each message to ``path`` (JSON Lines, file mode 0600)."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._outbox = JsonLinesOutbox(path)

    def send(self, message: SmsMessage) -> None:
        self._outbox.append(
            {
                "at": saml_instant(self._clock.now()),
                "to": message.to,
                "text": message.text,
                "reference": message.reference,
            }
        )


def read_outbox(path: Path, *, last: int = 50) -> tuple[OutboxEntry, ...]:
    """The newest ``last`` messages of the outbox, newest first (broken lines are skipped)."""
    return read_json_lines(
        path,
        lambda item: OutboxEntry(
            str(item["at"]), str(item["to"]), str(item["text"]), str(item["reference"])
        ),
        last=last,
    )
