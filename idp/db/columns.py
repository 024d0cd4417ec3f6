"""Column types, vocabularies and the declarative base of the means issuer's data model.

Levels are stored as their labels (``eH2+``) and only eH2 to eH4 are accepted (eH1 ended in
2021, spec §2). Times are stored in UTC and always come back timezone-aware, on SQLite too.
Status vocabularies are VARCHAR columns with a CHECK constraint, the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC
from datetime import datetime
from enum import StrEnum
from typing import Any
from typing import Final

from sqlalchemy import DateTime
from sqlalchemy import Dialect
from sqlalchemy import Enum
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Uuid
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from policies.loa import Loa

#: Levels a means or mandate may have (eH1 is discontinued, spec §2).
ISSUABLE_LEVELS: Final = (Loa.EH2, Loa.EH2PLUS, Loa.EH3, Loa.EH4)
#: A means is issued for exactly one of these numbers of years.
MEANS_VALIDITY_YEARS: Final = frozenset({1, 3, 5})
#: A mandate or chain mandate is valid for at most five years (spec §7).
MAX_MANDATE_YEARS: Final = 5

_NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# -- column types -----------------------------------------------------------------------------


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime; naive values are refused, SQLite results get UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store only timezone-aware datetimes (use the injected Clock)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LevelType(TypeDecorator[Loa]):
    """A :class:`~policies.loa.Loa` stored as its label; only eH2..eH4 are accepted."""

    impl = String(8)
    cache_ok = True

    def process_bind_param(self, value: Loa | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value not in ISSUABLE_LEVELS:
            raise ValueError(f"{value.label} is not a level that means or mandates can have")
        return value.label

    def process_result_value(self, value: str | None, dialect: Dialect) -> Loa | None:
        return None if value is None else Loa.from_label(value)


def level_check(column: str) -> str:
    labels = ", ".join(f"'{loa.label}'" for loa in ISSUABLE_LEVELS)
    return f"{column} IN ({labels})"


def enum_column(cls: type[StrEnum], name: str) -> Enum:
    # VARCHAR plus a CHECK constraint rather than a native PostgreSQL ENUM: adding a value
    # later is then a plain migration on both SQLite and PostgreSQL.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# -- vocabularies ------------------------------------------------------------------------------


class _Vocabulary(StrEnum):
    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise ValueError(f"not a {cls.__name__}: {value!r}")


class LegalForm(_Vocabulary):
    EENMANSZAAK = "eenmanszaak"
    VOF = "vof"
    MAATSCHAP = "maatschap"
    CV = "cv"
    BV = "bv"
    NV = "nv"
    STICHTING = "stichting"
    VERENIGING = "vereniging"
    COOPERATIE = "cooperatie"
    PUBLIEKRECHTELIJK = "publiekrechtelijke_rechtspersoon"
    OVERIG = "overig"


class MeansStatus(_Vocabulary):
    REQUESTED = "requested"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class MandateStatus(_Vocabulary):
    ACTIVE = "active"
    REVOKED = "revoked"


class ChainMandateStatus(_Vocabulary):
    PENDING = "pending"
    ACTIVE = "active"
    REVOKED = "revoked"
    REJECTED = "rejected"


# -- base --------------------------------------------------------------------------------------


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map = {datetime: UtcDateTime(), Loa: LevelType(), uuid.UUID: Uuid()}


def new_pseudonym() -> str:
    """A fresh internal pseudonym: 256 random bits as 64 hex characters (spec §3.2 style)."""
    return secrets.token_hex(32)


def add_years(at: datetime, years: int) -> datetime:
    """``at`` plus whole calendar years; 29 February becomes 28 February in other years."""
    try:
        return at.replace(year=at.year + years)
    except ValueError:
        return at.replace(year=at.year + years, day=28)
