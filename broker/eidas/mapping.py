"""Level and identity mapping between eHerkenning and eIDAS (spec §2, §3.2, §8.1, §8.2).

Levels, inbound (a Dutch service, a foreign person): the broker asks the node for
``EH_TO_EIDAS[required]`` with Comparison minimum (eH2 and eH2+ -> low, eH3 -> substantial,
eH4 -> high) and refuses any answer below that eIDAS level. The level it then asserts to the
DV is the required eH level when the node answered exactly the mapped level (eherkenning.nl
labels eH2+ "eIDAS: basic", so a low login is what an eH2+ service accepts through eIDAS), and
``EIDAS_TO_EH[answered]`` when the node answered higher. Either way it is never below the
required level.

Levels, outbound (a foreign service, a Dutch business): low -> eH2+ (the stronger of the two eH
levels that map onto low, so that the eIDAS level answered is never more than the login was
worth), substantial -> eH3, high -> eH4; the level answered is ``EH_TO_EIDAS[achieved]``.

The pseudonym: HMAC-SHA256 with a broker secret over (the DV's OIN, the PersonIdentifier),
64 hex characters (the ``Pseudo`` format of §3.2): stable for one person at one DV, different at
every other DV, and not reversible without the secret, so the raw eIDAS identifier never leaves
the broker.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Final

from policies.loa import EH_TO_EIDAS
from policies.loa import EIDAS_TO_EH
from policies.loa import EidasLoa
from policies.loa import Loa

#: The outbound mapping: the eH level a foreign connector's eIDAS level needs.
EIDAS_TO_EH_OUTBOUND: Final[dict[EidasLoa, Loa]] = {
    EidasLoa.LOW: Loa.EH2PLUS,
    EidasLoa.SUBSTANTIAL: Loa.EH3,
    EidasLoa.HIGH: Loa.EH4,
}

_PSEUDONYM_CONTEXT: Final = b"makelaar-eidas-pseudonym-v1"
#: eIDAS unique identifier: issuing country / destination country / identifier (§8.2).
_IDENTIFIER: Final = re.compile(r"^([A-Z]{2})/([A-Z]{2})/([^\s/][^\s]{0,255})$")


class LevelRefused(Exception):
    """The node answered a level below the one asked, or no eIDAS level at all."""


def requested_eidas_level(required: Loa) -> EidasLoa:
    """The eIDAS level to ask the node for a login that must reach ``required``.

    :raises LevelRefused: eH1, which has no eIDAS equivalent.
    """
    try:
        return EH_TO_EIDAS[required]
    except KeyError:
        raise LevelRefused(f"{required.label} has no eIDAS equivalent") from None


def asserted_level(required: Loa, answered_uri: str | None) -> Loa:
    """The eH level to assert for a node's answer, or :class:`LevelRefused`."""
    asked = requested_eidas_level(required)
    try:
        answered = EidasLoa(answered_uri)
    except ValueError:
        raise LevelRefused(f"not a notified eIDAS level: {answered_uri!r}"[:120]) from None
    if answered.rank < asked.rank:
        raise LevelRefused(f"node answered {answered.name}, asked {asked.name}")
    if answered is asked:
        return required
    return max(required, EIDAS_TO_EH[answered])


def outbound_level(requested: EidasLoa) -> Loa:
    return EIDAS_TO_EH_OUTBOUND[requested]


def answered_eidas_level(achieved: Loa) -> EidasLoa:
    """The eIDAS level an eH login counts as (outbound); eH1 counts as nothing."""
    try:
        return EH_TO_EIDAS[achieved]
    except KeyError:
        raise LevelRefused(f"{achieved.label} has no eIDAS equivalent") from None


@dataclass(frozen=True, slots=True)
class EidasIdentifier:
    """An eIDAS unique identifier ``XX/YY/id`` (§8.2)."""

    issuing_country: str
    destination_country: str
    value: str

    @classmethod
    def parse(cls, text: str) -> EidasIdentifier:
        match = _IDENTIFIER.fullmatch(text.strip())
        if match is None:
            raise ValueError("not an eIDAS identifier XX/YY/id")
        return cls(match.group(1), match.group(2), match.group(3))

    def __str__(self) -> str:
        return f"{self.issuing_country}/{self.destination_country}/{self.value}"


def pseudonym(secret: bytes, person_identifier: str, dv_oin: str) -> str:
    """The DV-specific pseudonym of a foreign person (64 hex characters, §3.2 Pseudo).

    Lengths are part of the MAC input, so no two (OIN, identifier) pairs share an input.
    """
    if len(secret) < 32:
        raise ValueError("the pseudonym secret must have at least 32 bytes")
    oin = dv_oin.encode()
    ident = person_identifier.encode()
    message = b"".join(
        (_PSEUDONYM_CONTEXT, len(oin).to_bytes(2, "big"), oin, len(ident).to_bytes(2, "big"),
         ident)
    )
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
