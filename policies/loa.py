"""Levels of assurance (spec §2): eH1 < eH2 < eH2+ < eH3 < eH4, their URNs and eIDAS levels.

The catalogue's AuthnContextClassRef is the level a service needs; a request may only lower it;
a peer's claimed level is always re-checked against this lattice, never trusted.
"""

from __future__ import annotations

from enum import Enum
from typing import Final

_PREFIX: Final = "urn:etoegang:core:assurance-class:"


class Loa(Enum):
    """An eHerkenning level of assurance; the value is the etoegang AuthnContextClassRef URN."""

    EH1 = _PREFIX + "loa1"
    EH2 = _PREFIX + "loa2"
    EH2PLUS = _PREFIX + "loa2plus"
    EH3 = _PREFIX + "loa3"
    EH4 = _PREFIX + "loa4"

    @classmethod
    def _missing_(cls, value: object) -> Loa:
        raise ValueError(f"not an eHerkenning level of assurance: {value!r}")

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def urn(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The name users see: eH1, eH2, eH2+, eH3, eH4."""
        return _LABEL[self]

    @classmethod
    def from_label(cls, label: str) -> Loa:
        for loa, text in _LABEL.items():
            if text.lower() == label.strip().lower():
                return loa
        raise ValueError(f"not an eHerkenning level: {label!r}")

    def satisfies(self, required: Loa) -> bool:
        """True when this (achieved) level is at least ``required``."""
        return self.rank >= required.rank

    def __lt__(self, other: Loa) -> bool:
        return self.rank < other.rank

    def __le__(self, other: Loa) -> bool:
        return self.rank <= other.rank

    def __gt__(self, other: Loa) -> bool:
        return self.rank > other.rank

    def __ge__(self, other: Loa) -> bool:
        return self.rank >= other.rank


_RANK: Final = {Loa.EH1: 1, Loa.EH2: 2, Loa.EH2PLUS: 3, Loa.EH3: 4, Loa.EH4: 5}
_LABEL: Final = {
    Loa.EH1: "eH1",
    Loa.EH2: "eH2",
    Loa.EH2PLUS: "eH2+",
    Loa.EH3: "eH3",
    Loa.EH4: "eH4",
}


class EidasLoa(Enum):
    """eIDAS levels (CIR 2015/1502) as their SAML URIs."""

    LOW = "http://eidas.europa.eu/LoA/low"
    SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
    HIGH = "http://eidas.europa.eu/LoA/high"

    @classmethod
    def _missing_(cls, value: object) -> EidasLoa:
        raise ValueError(f"not a notified eIDAS level of assurance: {value!r}")

    @property
    def rank(self) -> int:
        return {EidasLoa.LOW: 1, EidasLoa.SUBSTANTIAL: 2, EidasLoa.HIGH: 3}[self]


#: eH -> the eIDAS level to ask for (spec §2, issue 7: eH2 and eH2+ -> low, eH3 -> substantial,
#: eH4 -> high). eH1 has no eIDAS equivalent.
EH_TO_EIDAS: Final[dict[Loa, EidasLoa]] = {
    Loa.EH2: EidasLoa.LOW,
    Loa.EH2PLUS: EidasLoa.LOW,
    Loa.EH3: EidasLoa.SUBSTANTIAL,
    Loa.EH4: EidasLoa.HIGH,
}

#: eIDAS -> the eH level an eIDAS authentication counts as. Low counts as eH2, the lowest eH
#: level that maps onto low, so that a low login never passes a service that needs eH2+.
EIDAS_TO_EH: Final[dict[EidasLoa, Loa]] = {
    EidasLoa.LOW: Loa.EH2,
    EidasLoa.SUBSTANTIAL: Loa.EH3,
    EidasLoa.HIGH: Loa.EH4,
}
