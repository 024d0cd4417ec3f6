"""Tariffs and prices (issue 8 "Tariffs and orders"): every request shows its price before it
is placed, from a configurable table in euro cents, excluding VAT.

Defaults (the issue's): a means or an extra mandate costs €10.00 per user per year at eH2 and
eH2+, €15.00 at eH3 and €30.00 at eH4; eH3 adds €10.00 and eH4 €15.00 once for the
identification; a change of registered company data costs €12.50. A placed request is one
order, invoiced in one sum for the whole validity. The table is read from YAML by
:func:`load_tariffs` (amounts as strings such as ``"15.00"``; every problem reported at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any
from typing import Final

import yaml

from policies.loa import Loa

_LEVELS: Final = (Loa.EH2, Loa.EH2PLUS, Loa.EH3, Loa.EH4)


def _table(values: Mapping[Loa, int]) -> Mapping[Loa, int]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class Tariffs:
    means_per_year: Mapping[Loa, int] = field(
        default_factory=lambda: _table(
            {Loa.EH2: 1000, Loa.EH2PLUS: 1000, Loa.EH3: 1500, Loa.EH4: 3000}
        )
    )
    identification_once: Mapping[Loa, int] = field(
        default_factory=lambda: _table({Loa.EH2: 0, Loa.EH2PLUS: 0, Loa.EH3: 1000, Loa.EH4: 1500})
    )
    mandate_per_year: Mapping[Loa, int] = field(
        default_factory=lambda: _table(
            {Loa.EH2: 1000, Loa.EH2PLUS: 1000, Loa.EH3: 1500, Loa.EH4: 3000}
        )
    )
    data_change: int = 1250


@dataclass(frozen=True, slots=True)
class PriceLine:
    #: Text key (``portal.price.means``) with its values.
    key: str
    amount_cents: int
    level: str = ""
    years: int = 0


@dataclass(frozen=True, slots=True)
class Price:
    lines: tuple[PriceLine, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def means_price(tariffs: Tariffs, level: Loa, years: int) -> Price:
    lines = [
        PriceLine(
            "portal.price.means", tariffs.means_per_year[level] * years, level.label, years
        )
    ]
    once = tariffs.identification_once.get(level, 0)
    if once:
        lines.append(PriceLine("portal.price.identification", once, level.label))
    return Price(tuple(lines))


def upgrade_price(tariffs: Tariffs, current: Loa, target: Loa, years_left: int) -> Price:
    """The difference in yearly price for the whole years left, plus the identification."""
    difference = max(0, tariffs.means_per_year[target] - tariffs.means_per_year[current])
    lines = [PriceLine("portal.price.upgrade", difference * years_left, target.label, years_left)]
    once = tariffs.identification_once.get(target, 0)
    if once:
        lines.append(PriceLine("portal.price.identification", once, target.label))
    return Price(tuple(lines))


def renewal_price(tariffs: Tariffs, level: Loa, years: int) -> Price:
    return Price(
        (PriceLine("portal.price.renewal", tariffs.means_per_year[level] * years, level.label,
                   years),)
    )


def mandate_price(tariffs: Tariffs, level: Loa, years: int) -> Price:
    return Price(
        (PriceLine("portal.price.mandate", tariffs.mandate_per_year[level] * years, level.label,
                   years),)
    )


def data_change_price(tariffs: Tariffs) -> Price:
    return Price((PriceLine("portal.price.data_change", tariffs.data_change),))


def format_euros(cents: int, lang: str) -> str:
    """``€ 12,50`` in Dutch, ``€12.50`` in English."""
    whole, rest = divmod(cents, 100)
    if lang == "nl":
        return f"€ {whole:,}".replace(",", ".") + f",{rest:02d}"
    return f"€{whole:,}.{rest:02d}"


class TariffError(ValueError):
    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def _cents(value: Any, where: str, problems: list[str]) -> int:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        problems.append(f"{where}: not an amount in euros")
        return 0
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        problems.append(f"{where}: an amount in euros with at most two decimals, not negative")
        return 0
    return int(amount * 100)


def load_tariffs(path: Path) -> Tariffs:
    """Read a tariff file: ``means_per_year``, ``identification_once``, ``mandate_per_year``
    (each a mapping of level label to euros) and ``data_change`` (euros)."""
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise TariffError(path, ["the file is not a mapping"])
    problems: list[str] = []
    known = ("means_per_year", "identification_once", "mandate_per_year", "data_change")
    problems += [f"unknown key {key!r}" for key in raw if key not in known]
    tables: dict[str, Mapping[Loa, int]] = {}
    for name in known[:3]:
        value = raw.get(name)
        if not isinstance(value, dict):
            problems.append(f"{name!r} must be a mapping of level to euros")
            continue
        table: dict[Loa, int] = {}
        for level in _LEVELS:
            if level.label not in value:
                problems.append(f"{name}: missing level {level.label}")
                continue
            table[level] = _cents(value[level.label], f"{name}.{level.label}", problems)
        problems += [f"{name}: unknown level {k!r}" for k in value
                     if k not in {lv.label for lv in _LEVELS}]
        tables[name] = _table(table)
    data_change = _cents(raw.get("data_change", "missing"), "data_change", problems)
    if problems:
        raise TariffError(path, problems)
    return Tariffs(
        means_per_year=tables["means_per_year"],
        identification_once=tables["identification_once"],
        mandate_per_year=tables["mandate_per_year"],
        data_change=data_change,
    )
