"""xs:duration values of metadata ``cacheDuration`` (XML Schema 2 §3.2.6), e.g. ``P7D``, ``PT6H``.

Years and months have no fixed length; as with other SAML implementations a year counts as 365
days and a month as 30, which only matters for the refresh schedule, never for validity.
"""

from __future__ import annotations

import re
from datetime import timedelta

from etoegang.errors import MetadataMalformed

_DURATION = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse a non-negative xs:duration; a negative or malformed one is refused."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise MetadataMalformed("cacheDuration is not an xs:duration", debug=repr(text)[:40])
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in match.groups()[:6])
    seconds = float(match.group(7) or 0)
    return timedelta(
        days=years * 365 + months * 30 + weeks * 7 + days,
        hours=hours,
        minutes=minutes,
        seconds=seconds,
    )


def format_duration(value: timedelta) -> str:
    """Format a non-negative timedelta as xs:duration (``P7D``, ``PT6H``, ``P1DT30M``)."""
    total = int(value.total_seconds())
    if total < 0:
        raise ValueError("a cacheDuration is never negative")
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(
        f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n
    )
    if not days and not time:
        return "PT0S"
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
