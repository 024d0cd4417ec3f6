"""A development outbox: messages appended as JSON lines to a file readable only by its owner.

The SMS gateway and the mailer of development and demo mode both write here; in those modes the
file *is* the medium, the only place a code or link appears in clear. Never configured in
production.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from typing import TypeVar

_T = TypeVar("_T")


class JsonLinesOutbox:
    """Appends one JSON object per message to ``path`` (mode 0600 from the first byte)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: Mapping[str, str]) -> None:
        line = json.dumps(dict(record), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)


def read_json_lines(
    path: Path, build: Callable[[dict[str, Any]], _T], *, last: int | None = 50
) -> tuple[_T, ...]:
    """The newest ``last`` records (all when None), newest first; broken lines are skipped."""
    if not path.exists():
        return ()
    lines = path.read_text(encoding="utf-8").splitlines()
    if last is not None:
        lines = lines[-last:]
    entries: list[_T] = []
    for raw in lines:
        try:
            entries.append(build(json.loads(raw)))
        except (ValueError, KeyError, TypeError):
            continue
    return tuple(reversed(entries))
