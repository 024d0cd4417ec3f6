"""The specific pseudonym of the acting person (spec §3.2, [AS-PSEUDO]).

Format (spec §3.2, the real Signicat MR statement): 64 lower-case hex characters (32 bytes),
and with representation ``@`` plus 32 hex characters (16 bytes). It is unique per (user,
represented consumer, intermediary, DV) and "may be stored or recomputed deterministically";
this register recomputes it:

* the 64 hex = HMAC-SHA256(secret, person | represented party | intermediary | DV OIN), so it is
  stable for one combination and different for another DV, company or intermediary;
* the 32 hex = the first 16 bytes of HMAC-SHA256(secret, represented party | DV OIN): the
  representation part, the same for every person acting for that company at that DV.

The person enters as the register's internal pseudonym (``Person.pseudonym``, random and never
changed), never as a name or e-mail address. The secret is the MR's own: whoever holds it can
link a person across DVs, so it stays in the register. Changing it changes every pseudonym
(DVs would see new users), so it must be as stable as the register itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Final

_LABEL: Final = b"makelaar/mr/specific-pseudonym/v1"
PATTERN: Final = re.compile(r"[0-9a-f]{64}(@[0-9a-f]{32})?")


def derive_secret(application_secret: bytes) -> bytes:
    """An MR pseudonym key derived from the server secret (domain-separated by a label).

    Used while the settings carry no dedicated pseudonym secret; see the module docstring on
    why that secret must never change.
    """
    if len(application_secret) < 16:
        raise ValueError("the pseudonym secret needs at least 128 bits")
    return hmac.new(application_secret, _LABEL, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class PseudonymInput:
    """Who acts, for whom, through whom, toward which DV."""

    #: The register's internal pseudonym of the person (64 hex).
    person: str
    #: A stable reference to the represented party (``kvk:<number>`` or ``org:<id>``).
    represented: str
    #: The 20-digit OIN of the DV the pseudonym is for.
    dv_oin: str
    #: A stable reference to the intermediary in a chain, else None.
    intermediary: str | None = None


def _field(value: str) -> bytes:
    # Length-prefixed, so no two different inputs can join into the same bytes.
    data = value.encode("utf-8")
    return len(data).to_bytes(4, "big") + data


def specific_pseudonym(secret: bytes, who: PseudonymInput) -> str:
    """``<64 hex>@<32 hex>``: the ActingSubjectID of §3.2 for a person with representation."""
    acting = hmac.new(
        secret,
        b"acting"
        + _field(who.person)
        + _field(who.represented)
        + _field(who.intermediary or "")
        + _field(who.dv_oin),
        hashlib.sha256,
    ).hexdigest()
    represented = hmac.new(
        secret, b"represented" + _field(who.represented) + _field(who.dv_oin), hashlib.sha256
    ).hexdigest()[:32]
    return f"{acting}@{represented}"
