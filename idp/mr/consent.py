"""Consent for the extra attributes an MR may release about the represented party (spec §3.4).

Only ``urn:etoegang:x.y:attribute-represented:*`` attributes are the MR's to give (the AD gives
``attribute:*``). The service's catalogue entry lists the ones it wants, each with a purpose
and ``isRequired``. The user sees each attribute the register can deliver with its purpose and
decides per attribute; nothing is released without that consent:

* an optional attribute that is declined, or that the register cannot deliver, is left out;
* a required attribute that is declined, or that cannot be delivered, stops the login
  (Responder/AuthnFailed to the HM, with a clear message to the user first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from idp.mr.flow import Party
from metadata.catalogue import ServiceView
from metadata.model import LocalizedText

_REPRESENTED: Final = re.compile(r"^urn:etoegang:\d+\.\d+:attribute-represented:(.+)$")


@dataclass(frozen=True, slots=True)
class AttributeRequest:
    """One attribute the service asks the MR for."""

    name: str
    required: bool
    purposes: tuple[LocalizedText, ...]
    #: The value the register would release (None: it cannot deliver this attribute).
    value: str | None

    @property
    def short_name(self) -> str:
        match = _REPRESENTED.match(self.name)
        return match.group(1) if match else self.name

    def purpose(self, lang: str) -> str:
        for text in self.purposes:
            if text.lang == lang:
                return text.text
        return self.purposes[0].text if self.purposes else ""


def _value(short: str, party: Party) -> str | None:
    if short in ("CompanyName", "non-transliterated:CompanyName"):
        return party.name
    if short == "KvKnr":
        return party.kvk_number
    return None  # VAT, tax reference, LEI, foreign registration: not in this register


def requests_for(service: ServiceView, party: Party) -> tuple[AttributeRequest, ...]:
    """The represented-party attributes ``service`` asks for, with what we could release."""
    found: list[AttributeRequest] = []
    for wanted in service.requested_attributes:
        match = _REPRESENTED.match(wanted.name)
        if match is None:
            continue
        found.append(
            AttributeRequest(
                wanted.name, wanted.is_required, wanted.purposes, _value(match.group(1), party)
            )
        )
    return tuple(found)


class ConsentRefused(Exception):
    """A required attribute was declined or cannot be delivered: the login stops."""

    def __init__(self, attribute: AttributeRequest) -> None:
        self.attribute = attribute
        super().__init__(attribute.short_name)


def released(
    requests: Iterable[AttributeRequest], consented: frozenset[str]
) -> tuple[tuple[str, str], ...]:
    """(name, value) pairs to release: only deliverable attributes the user agreed to.

    :raises ConsentRefused: a required attribute is missing from ``consented`` or undeliverable.
    """
    result: list[tuple[str, str]] = []
    for request in requests:
        agreed = request.name in consented
        if request.value is None or not agreed:
            if request.required:
                raise ConsentRefused(request)
            continue
        result.append((request.name, request.value))
    return tuple(result)
