"""EntityID and ServiceID formats of the etoegang network (spec §1, [AS-EID], [AS-SID]).

``urn:etoegang:<ROLE>:<OIN>:entities:<index>`` names a system of a participant and
``urn:etoegang:DV:<OIN>:services:<index>`` a service of a DV; OIN is the 20-digit
organisation number. Parsing raises :class:`MalformedIdentifier`, so a caller never has to
check a boolean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from etoegang.errors import MalformedIdentifier

#: Every etoegang identifier starts with this (compared case-insensitively on input).
ETOEGANG_PREFIX = "urn:etoegang:"

_ENTITY_ID = re.compile(r"^urn:etoegang:([A-Z0-9]+):(\d{20}):entities:(\d{1,4})$")
_SERVICE_ID = re.compile(r"^urn:etoegang:DV:(\d{20}):services:(\d+)$")
_OIN = re.compile(r"^\d{20}$")


class NetworkRole(Enum):
    """The ROLE part of an EntityID ([AS-EID]; KR appears in network metadata [AS-NETMD])."""

    DV = "DV"
    HM = "HM"
    AD = "AD"
    MR = "MR"
    EB = "EB"
    KR = "KR"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise MalformedIdentifier("unknown etoegang role in EntityID", debug=repr(value)[:40])


@dataclass(frozen=True, slots=True)
class EntityId:
    """A parsed ``urn:etoegang:<ROLE>:<OIN>:entities:<index>``."""

    role: NetworkRole
    oin: str
    index: int

    @property
    def is_test_system(self) -> bool:
        """Indexes 9000-9999 are reserved for test systems ([AS-EID])."""
        return self.index >= 9000

    def __str__(self) -> str:
        return f"urn:etoegang:{self.role.value}:{self.oin}:entities:{self.index}"


@dataclass(frozen=True, slots=True)
class ServiceId:
    """A parsed ``urn:etoegang:DV:<OIN>:services:<index>``; index >= 1 ([AS-SID])."""

    oin: str
    index: int

    def __str__(self) -> str:
        return f"urn:etoegang:DV:{self.oin}:services:{self.index}"


def is_etoegang_urn(value: str) -> bool:
    return value.strip().lower().startswith(ETOEGANG_PREFIX)


def check_oin(oin: str) -> str:
    if not _OIN.match(oin):
        raise MalformedIdentifier("an OIN is 20 digits", debug=repr(oin)[:40])
    return oin


def parse_entity_id(value: str) -> EntityId:
    """Parse an etoegang EntityID; index 0-9999 ([AS-EID])."""
    match = _ENTITY_ID.match(value.strip())
    if match is None:
        raise MalformedIdentifier(
            "EntityID is not urn:etoegang:<ROLE>:<20-digit OIN>:entities:<0-9999>",
            debug=repr(value)[:120],
        )
    return EntityId(NetworkRole(match.group(1)), match.group(2), int(match.group(3)))


def parse_service_id(value: str) -> ServiceId:
    """Parse a ServiceID; leading zeros in the index are ignored when comparing ([AS-SID])."""
    match = _SERVICE_ID.match(value.strip())
    if match is None:
        raise MalformedIdentifier(
            "ServiceID is not urn:etoegang:DV:<20-digit OIN>:services:<index>",
            debug=repr(value)[:120],
        )
    index = int(match.group(2))
    if index < 1:
        raise MalformedIdentifier("ServiceID index starts at 1", debug=value[:120])
    return ServiceId(match.group(1), index)


def entity_id(role: NetworkRole, oin: str, index: int) -> str:
    if not 0 <= index <= 9999:
        raise MalformedIdentifier("EntityID index is 0-9999", debug=str(index))
    return str(EntityId(role, check_oin(oin), index))


def service_id(oin: str, index: int) -> str:
    if index < 1:
        raise MalformedIdentifier("ServiceID index starts at 1", debug=str(index))
    return str(ServiceId(check_oin(oin), index))
