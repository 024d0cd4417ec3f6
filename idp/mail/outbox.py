"""The development mailer: every message is appended as one JSON line to a file.

In development and in the demo the outbox file is the mail medium, so it is the only place a
link appears in clear; :func:`read_outbox` feeds the demo page ``/dev/mail``
(:mod:`idp.mail.views`). Never configure this mailer in production.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from etoegang.clock import Clock
from etoegang.clock import saml_instant
from idp.mail.gateway import MailMessage


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
        self._lock = threading.Lock()

    def send(self, message: MailMessage) -> None:
        line = json.dumps(
            {
                "at": saml_instant(self._clock.now()),
                "to": message.to,
                "subject": message.subject,
                "body": message.body,
                "reference": message.reference,
            },
            ensure_ascii=False,
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)


def read_outbox(path: Path, *, last: int | None = 50) -> tuple[OutboxMail, ...]:
    """The newest ``last`` messages (all when None), newest first; broken lines are skipped."""
    if not path.exists():
        return ()
    lines = path.read_text(encoding="utf-8").splitlines()
    if last is not None:
        lines = lines[-last:]
    entries: list[OutboxMail] = []
    for raw in lines:
        try:
            item = json.loads(raw)
            entries.append(
                OutboxMail(
                    str(item["at"]),
                    str(item["to"]),
                    str(item["subject"]),
                    str(item["body"]),
                    str(item["reference"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return tuple(reversed(entries))
