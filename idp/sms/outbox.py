"""The development SMS gateway: every message is appended as one JSON line to a file.

In development and in the demo the outbox file *is* the SMS medium, so it is the only place a
code appears in clear; :func:`read_outbox` feeds the demo page ``/dev/sms``
(:mod:`idp.sms.views`). Never configure this gateway in production.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from etoegang.clock import Clock
from etoegang.clock import saml_instant
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
        self._lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        line = json.dumps(
            {
                "at": saml_instant(self._clock.now()),
                "to": message.to,
                "text": message.text,
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


def read_outbox(path: Path, *, last: int = 50) -> tuple[OutboxEntry, ...]:
    """The newest ``last`` messages of the outbox, newest first (broken lines are skipped)."""
    if not path.exists():
        return ()
    entries: list[OutboxEntry] = []
    for raw in path.read_text(encoding="utf-8").splitlines()[-last:]:
        try:
            item = json.loads(raw)
            entries.append(
                OutboxEntry(
                    str(item["at"]), str(item["to"]), str(item["text"]), str(item["reference"])
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return tuple(reversed(entries))
