"""Consent for the attributes the AD provides (spec §3.4; issue 3 item 6).

Only ``urn:etoegang:<version>:attribute:*`` attributes come from an AD (``attribute-represented``
ones come from an MR). The catalogue entry of the service says which it requests, whether each
is required, and why (PurposeStatement). Nothing is released without the user's consent:
declining an optional attribute continues without it; declining a required one, or one the AD
cannot deliver, stops the login (Responder/AuthnFailed). Sans-IO: values in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from metadata.catalogue import ServiceView
from metadata.model import pick_text

_AD_ATTRIBUTE: Final = re.compile(r"^urn:etoegang:\d+\.\d+:attribute:(?P<local>[A-Za-z]+)$")


@dataclass(frozen=True, slots=True)
class ConsentItem:
    name: str
    #: The part after ``:attribute:`` (FirstName, FamilyName, DateOfBirth, ...).
    local: str
    required: bool
    purpose: str
    #: False when the AD holds no value for the attribute.
    available: bool


@dataclass(frozen=True, slots=True)
class ConsentDecision:
    released: tuple[str, ...]
    #: Required attributes declined or not available: the login stops.
    blocking: tuple[str, ...]

    @property
    def stops(self) -> bool:
        return bool(self.blocking)


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the AD knows about the person behind a means."""

    given_names: str
    surname_prefix: str
    surname: str


def attribute_values(person: PersonFacts) -> dict[str, str]:
    """The attribute values the AD can deliver, by local name."""
    values = {"FirstName": person.given_names, "FamilyName": person.surname}
    if person.surname_prefix:
        values["FamilyNameInfix"] = person.surname_prefix
    initials = "".join(f"{part[0].upper()}." for part in person.given_names.split() if part)
    if initials:
        values["Initials"] = initials
    return values


def consent_items(
    service: ServiceView, available: Collection[str], lang: str
) -> tuple[ConsentItem, ...]:
    """The AD attributes the service requests, in catalogue order."""
    items = []
    for attribute in service.requested_attributes:
        match = _AD_ATTRIBUTE.match(attribute.name)
        if match is None:
            continue
        local = match.group("local")
        items.append(
            ConsentItem(
                name=attribute.name,
                local=local,
                required=attribute.is_required,
                purpose=pick_text(attribute.purposes, lang),
                available=local in available,
            )
        )
    return tuple(items)


def decide(items: tuple[ConsentItem, ...], accepted: Collection[str]) -> ConsentDecision:
    released = []
    blocking = []
    for item in items:
        given = item.available and item.name in accepted
        if given:
            released.append(item.name)
        elif item.required:
            blocking.append(item.name)
    return ConsentDecision(tuple(released), tuple(blocking))
