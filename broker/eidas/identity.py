"""From a foreign person's eIDAS attributes to what a Dutch DV receives (spec §8.1, §3.2, §3.4).

* PersonIdentifier -> ActingSubjectID: the DV-specific pseudonym (:func:`mapping.pseudonym`)
  with the Pseudo NameQualifier the service's ECTA sets name (1.13 when it lists both; the
  broker speaks interface 1.13, and the 64-hex value is exactly the §3.2 Pseudo format). The raw
  identifier is never passed on.
* LegalPersonIdentifier -> LegalSubjectID with ``urn:etoegang:1.11:EntityConcernedID:
  eIDASLegalIdentifier`` (the identifier as the node gave it: a company identifier, not
  personal data), when the service's ECTA sets allow that type.
* CurrentGivenName, CurrentFamilyName, DateOfBirth, BirthName, LegalName -> the etoegang
  attributes of :data:`vocab.NATURAL_TO_ETOEGANG` / :data:`vocab.LEGAL_TO_ETOEGANG`, only those
  the service's catalogue entry requests (spec §8.1: a subset of the requested ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from broker.eidas.mapping import EidasIdentifier
from broker.eidas.mapping import pseudonym
from broker.eidas.vocab import LEGAL_TO_ETOEGANG
from broker.eidas.vocab import NATURAL_TO_ETOEGANG
from broker.eidas.vocab import IdentifierKind
from broker.eidas.vocab import LegalPerson
from broker.eidas.vocab import NaturalPerson
from metadata.catalogue import ServiceView


class IdentityRefused(Exception):
    """The node's answer gives no identifier the service accepts, or a malformed one."""


@dataclass(frozen=True, slots=True)
class DeliveredIdentity:
    #: (value, NameQualifier) of the acting person's pseudonym, if a natural person came.
    acting: tuple[str, str] | None
    #: (value, NameQualifier) of the foreign legal person, if one came and is accepted.
    legal: tuple[str, str] | None
    #: (etoegang attribute name, value), each to be encrypted for the DV.
    attributes: tuple[tuple[str, str], ...]


def _allowed(service: ServiceView) -> set[str]:
    return {kind for ecta in service.ecta_sets for kind in ecta.types}


def map_identity(
    values: Mapping[str, str], service: ServiceView, secret: bytes, country: str
) -> DeliveredIdentity:
    allowed = _allowed(service)
    acting: tuple[str, str] | None = None
    person = values.get(NaturalPerson.PERSON_IDENTIFIER.value)
    if person:
        try:
            parsed = EidasIdentifier.parse(person)
        except ValueError as exc:
            raise IdentityRefused("PersonIdentifier is not XX/YY/id") from exc
        if parsed.destination_country != country:
            raise IdentityRefused(f"PersonIdentifier is for {parsed.destination_country}")
        kind = next(
            (k.value for k in (IdentifierKind.PSEUDO_1_13, IdentifierKind.PSEUDO_1_9)
             if k.value in allowed),
            None,
        )
        if kind is not None:
            acting = (pseudonym(secret, str(parsed), service.dv_oin), kind)
    legal: tuple[str, str] | None = None
    company = values.get(LegalPerson.LEGAL_PERSON_IDENTIFIER.value)
    if company and IdentifierKind.EIDAS_LEGAL.value in allowed:
        try:
            EidasIdentifier.parse(company)
        except ValueError as exc:
            raise IdentityRefused("LegalPersonIdentifier is not XX/YY/id") from exc
        legal = (company.strip(), IdentifierKind.EIDAS_LEGAL.value)
    if acting is None and legal is None:
        raise IdentityRefused("no identifier of a type the service accepts")
    wanted = {attribute.name for attribute in service.requested_attributes}
    attributes: list[tuple[str, str]] = []
    for natural, target in NATURAL_TO_ETOEGANG.items():
        value = values.get(natural.value)
        if acting is not None and value and target.value in wanted:
            attributes.append((target.value, value))
    for legal_attribute, target in LEGAL_TO_ETOEGANG.items():
        value = values.get(legal_attribute.value)
        if legal is not None and value and target.value in wanted:
            attributes.append((target.value, value))
    return DeliveredIdentity(acting, legal, tuple(attributes))
