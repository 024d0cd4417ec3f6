"""Structured logs: one JSON object per line, with the login's correlation id and no personal
data (issue 9 Logs; DESIGN §5 "Personal data never in logs"; STYLE §5.2 Logging).

Fields: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``role``,
``correlation_id``, plus ``exception`` (type and traceback) when there is one. The correlation
id is held in a context variable that :mod:`web.ops` sets for each request (the
``X-Request-ID`` header, else the first characters of the login's flow id).

:class:`PersonalDataFilter` is the last line of defence, not the first (the code logs ids and
kinds only): it refuses ``extra`` fields with a personal name (``email``, ``kvk``, ``bsn``,
...), and blanks e-mail addresses, Dutch mobile numbers and bare 8- or 9-digit numbers (KvK
number, RSIN, BSN) in the message text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime
from typing import Final
from typing import TextIO

#: The current login's (or request's) correlation id; "-" outside a request.
CORRELATION_ID: ContextVar[str] = ContextVar("makelaar_correlation_id", default="-")

#: ``extra`` field names that would carry personal data; such a field is refused.
PERSONAL_FIELDS: Final = frozenset(
    {
        "email", "e_mail", "mail", "kvk", "kvknr", "kvk_number", "rsin", "bsn", "phone",
        "mobile", "telephone", "password", "code", "otp", "name", "full_name", "first_name",
        "last_name", "address", "date_of_birth", "birth_date", "iban", "vestigingsnr",
        "attributes", "assertion", "saml", "message_xml",
    }
)

REDACTED: Final = "[redacted]"

_PATTERNS: Final = (
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    re.compile(r"(?<![\w:])\+?31\s?6[\s-]?\d{8}\b|(?<![\w:])06[\s-]?\d{8}\b"),
    # KvK (8), RSIN/BSN (9) and Vestigingsnr (12) as bare numbers; not parts of longer digit
    # runs such as the 20-digit OINs inside entity ids.
    re.compile(r"(?<![\d:])\d{8,9}(?!\d)|(?<![\d:])\d{12}(?!\d)"),
)

#: The attributes every LogRecord has; anything else came in through ``extra``.
_STANDARD: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)


def scrub(text: str) -> str:
    """``text`` with e-mail addresses, mobile numbers and KvK/RSIN/BSN-like numbers blanked."""
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class PersonalDataFilter(logging.Filter):
    """Blank personal data in a record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(record.__dict__):
            if key.lower() in PERSONAL_FIELDS and key not in _STANDARD:
                record.__dict__[key] = REDACTED
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self._role = role

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "role": self._role,
            "correlation_id": getattr(record, "correlation_id", None) or CORRELATION_ID.get(),
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key in entry or key.startswith("_"):
                continue
            entry[key] = REDACTED if key.lower() in PERSONAL_FIELDS else _plain(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(str(value))[:500]


class CorrelationFilter(logging.Filter):
    """Stamp each record with the correlation id current when it was made (a record may be
    formatted later, in another context)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            record.correlation_id = CORRELATION_ID.get()
        return True


def json_handler(role: str, stream: TextIO | None = None) -> logging.Handler:
    """A stream handler writing JSON lines, with both filters attached."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter(role))
    handler.addFilter(CorrelationFilter())
    handler.addFilter(PersonalDataFilter())
    return handler


def configure_json_logging(role: str, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Make the root logger write JSON lines only (production entry points call this once)."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(json_handler(role, stream))
    root.setLevel(level.upper())


__all__ = [
    "CORRELATION_ID",
    "PERSONAL_FIELDS",
    "CorrelationFilter",
    "JsonFormatter",
    "PersonalDataFilter",
    "configure_json_logging",
    "json_handler",
    "scrub",
]
