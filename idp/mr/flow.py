"""The register's decision: which mandates a person may use for a service (spec §4.7, §3.2, §7).

Sans-IO: plain functions over a SQLAlchemy Session and catalogue values, no web framework and
no XML. The views ask :func:`mandate_options` for the choices (none -> Deny page, one -> go
on, several -> choice page) and re-ask at the moment of the choice, so a mandate revoked while
the page was open is not used.

Rules written down here:

* a mandate counts when it is active, valid now, covers the query's ServiceUUID and is at or
  above the requested level (:func:`idp.db.repositories.find_mandates`);
* the LegalSubjectID type is the first ECTA set of the service (in set order) whose types the
  represented party has, and within it the set's first type: KvKnr (8 digits), RSIN (9), or
  for a sole proprietorship registered by BSN the 1.12 BSN type. The demo sends that BSN as
  plain 9 digits; a real 1.12 BSN must be polymorphically encrypted through BSNk, which is out
  of scope (spec §3.2);
* a mandate restricted to one branch gives the Vestigingsnr (spec §3.1). When the service does
  not allow that restriction, or the identifier is not the KvK number (spec §3.2: Vestigingsnr
  only with KvKnr), the branch mandate is *not* offered: answering for the whole company would
  widen the mandate, and leaving the branch out would hide the restriction from the DV;
* chain (spec §7): a person with a mandate for an intermediary organisation may act for every
  client that authorised that intermediary by an active chain mandate for the service at the
  level. Chains are refused at eH1 and for services the chain policy
  (:mod:`policies.chain`) names; a branch-restricted intermediary mandate never opens a chain.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from idp.db.models import ChainMandate
from idp.db.models import ChainMandateService
from idp.db.models import ChainMandateStatus
from idp.db.models import Mandate
from idp.db.models import Means
from idp.db.models import MeansStatus
from idp.db.models import Organisation
from idp.db.models import Person
from idp.db.repositories import find_chain_mandates
from idp.db.repositories import find_mandates
from idp.db.repositories import levels_at_or_above
from metadata.catalogue import IdentifierType
from metadata.catalogue import ServiceView
from policies.chain import ChainPolicy
from policies.loa import Loa


class OptionKind(Enum):
    DIRECT = "direct"
    CHAIN = "chain"

    @classmethod
    def _missing_(cls, value: object) -> OptionKind:
        raise ValueError(f"not an option kind: {value!r}")


@dataclass(frozen=True, slots=True)
class LegalSubject:
    """The represented party's identifier of the type the service accepts."""

    type: IdentifierType
    #: Personal data when it is a BSN: never log it.
    value: str


@dataclass(frozen=True, slots=True)
class Party:
    """An organisation as the register shows and identifies it."""

    organisation_id: int
    name: str
    kvk_number: str | None
    rsin: str | None
    #: A sole proprietorship's BSN (personal data: never shown, never logged).
    bsn: str | None

    @classmethod
    def of(cls, organisation: Organisation) -> Party:
        return cls(
            organisation.id,
            organisation.name,
            organisation.kvk_number,
            organisation.rsin,
            organisation.bsn,
        )

    @property
    def reference(self) -> str:
        """A stable, non-personal reference for pseudonyms (the KvK number, else the row)."""
        return f"kvk:{self.kvk_number}" if self.kvk_number else f"org:{self.organisation_id}"


@dataclass(frozen=True, slots=True)
class MandateOption:
    """One way the person may act: for a company directly, or for a client via a firm."""

    #: Opaque key for the choice form (``m<id>`` or ``c<mandate id>-<chain mandate id>``).
    key: str
    kind: OptionKind
    mandate_id: int
    #: The represented party (the client in a chain).
    represented: Party
    #: The party's identifier for the DV (direct), or for MR2 (chain: KvK or BSN, §7).
    legal_subject: LegalSubject
    #: The person's mandate level (LevelOfAssuranceUsed of MR1).
    level: Loa
    vestigingsnummer: str | None = None
    branch_name: str | None = None
    intermediary: Party | None = None
    chain_mandate_id: int | None = None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Why no option was found, in facts the Deny page can explain (no personal data)."""

    #: Mandates for this service exist, but below the requested level.
    lower_levels: tuple[Loa, ...] = ()
    #: Branch mandates left out because the service does not allow the restriction.
    branch_only: bool = False
    #: Chain mandates exist but the policy refuses chains here.
    chain_refused: bool = False
    #: The organisations through which the person's means were issued (their administrators
    #: can grant a mandate).
    administrators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Options:
    options: tuple[MandateOption, ...]
    diagnosis: Diagnosis

    def by_key(self, key: str) -> MandateOption | None:
        return next((option for option in self.options if option.key == key), None)


def find_person(session: Session, pseudonym: str) -> Person | None:
    """The person with this internal pseudonym (the decrypted ActingSubjectID)."""
    return session.scalars(select(Person).where(Person.pseudonym == pseudonym)).first()


def legal_subject(service: ServiceView, party: Party) -> LegalSubject | None:
    """The identifier of the service's ECTA sets, in set order (module docstring)."""
    available: dict[IdentifierType, str | None] = {
        IdentifierType.KVKNR: party.kvk_number,
        IdentifierType.RSIN: party.rsin,
        IdentifierType.BSN: party.bsn,
    }
    for ecta in service.ecta_sets:
        types = ecta.identifier_types()
        if types and all(available.get(t) for t in types):
            value = available[types[0]]
            assert value is not None  # all() above
            return LegalSubject(types[0], value)
    for ecta in service.ecta_sets:
        for kind in ecta.identifier_types():
            value = available.get(kind)
            if value:
                return LegalSubject(kind, value)
    return None


def chain_subject(party: Party) -> LegalSubject | None:
    """How MR1 names the client to MR2: KvK, else the BSN of a sole proprietorship (§7)."""
    if party.kvk_number:
        return LegalSubject(IdentifierType.KVKNR, party.kvk_number)
    if party.bsn:
        return LegalSubject(IdentifierType.BSN, party.bsn)
    return None


def _service_uuid(service: ServiceView) -> uuid.UUID:
    return uuid.UUID(service.service_uuid)


def _direct(mandate: Mandate, service: ServiceView) -> MandateOption | str | None:
    """The option for a direct mandate, "branch" when refused for its branch, None if unusable."""
    party = Party.of(mandate.organisation)
    subject = legal_subject(service, party)
    if subject is None:
        return None
    branch = mandate.branch
    if branch is not None and (
        not service.allows_vestigingsnr or subject.type is not IdentifierType.KVKNR
    ):
        return "branch"
    return MandateOption(
        key=f"m{mandate.id}",
        kind=OptionKind.DIRECT,
        mandate_id=mandate.id,
        represented=party,
        legal_subject=subject,
        level=mandate.level,
        vestigingsnummer=branch.vestigingsnummer if branch else None,
        branch_name=branch.name if branch else None,
    )


def _clients(
    session: Session, intermediary_id: int, service: ServiceView, minimum: Loa, at: datetime
) -> Sequence[ChainMandate]:
    statement = (
        select(ChainMandate)
        .join(ChainMandateService, ChainMandateService.chain_mandate_id == ChainMandate.id)
        .where(
            ChainMandate.intermediary_organisation_id == intermediary_id,
            ChainMandateService.service_uuid == _service_uuid(service),
            ChainMandate.status == ChainMandateStatus.ACTIVE,
            ChainMandate.level.in_(levels_at_or_above(minimum)),
            ChainMandate.valid_from <= at,
            ChainMandate.valid_until > at,
        )
        .options(selectinload(ChainMandate.client), selectinload(ChainMandate.intermediary))
        .order_by(ChainMandate.id)
    )
    return session.scalars(statement).all()


def _administrators(session: Session, person: Person, at: datetime) -> tuple[str, ...]:
    statement = (
        select(Organisation.name)
        .join(Means, Means.organisation_id == Organisation.id)
        .where(
            Means.person_id == person.id,
            Means.status == MeansStatus.ACTIVE,
            Means.valid_until > at,
        )
        .distinct()
        .order_by(Organisation.name)
    )
    return tuple(session.scalars(statement).all())


def mandate_options(
    session: Session,
    *,
    person: Person,
    service: ServiceView,
    minimum: Loa,
    at: datetime,
    chain_policy: ChainPolicy,
) -> Options:
    """Every way ``person`` may act for ``service`` at ``minimum`` now (module docstring)."""
    mandates = find_mandates(session, person.id, _service_uuid(service), minimum, at)
    options: list[MandateOption] = []
    branch_only = False
    chain_refused = False
    chains_allowed = chain_policy.allows(service.service_uuid, minimum)
    for mandate in mandates:
        direct = _direct(mandate, service)
        if isinstance(direct, MandateOption):
            options.append(direct)
        elif direct == "branch":
            branch_only = True
        if mandate.branch is not None:
            continue  # a branch mandate never opens a chain for the whole intermediary
        for chain in _clients(session, mandate.organisation_id, service, minimum, at):
            if not chains_allowed:
                chain_refused = True
                continue
            client = Party.of(chain.client)
            subject = chain_subject(client)
            if subject is None:
                continue
            options.append(
                MandateOption(
                    key=f"c{mandate.id}-{chain.id}",
                    kind=OptionKind.CHAIN,
                    mandate_id=mandate.id,
                    represented=client,
                    legal_subject=subject,
                    level=mandate.level,
                    intermediary=Party.of(mandate.organisation),
                    chain_mandate_id=chain.id,
                )
            )
    if options:
        return Options(tuple(options), Diagnosis())
    lower = find_mandates(session, person.id, _service_uuid(service), Loa.EH1, at)
    lower_levels = tuple(sorted({m.level for m in lower if not m.level.satisfies(minimum)}))
    return Options(
        (),
        Diagnosis(
            lower_levels=lower_levels,
            branch_only=branch_only,
            chain_refused=chain_refused,
            administrators=_administrators(session, person, at),
        ),
    )


# --- MR2 --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainConfirmation:
    """MR2's finding: the client authorised the intermediary for the service at a level."""

    chain_mandate_id: int
    client: Party
    intermediary: Party
    #: The client's identifier of the type the DV's service accepts.
    legal_subject: LegalSubject
    level: Loa


def find_organisation(session: Session, subject: LegalSubject) -> Organisation | None:
    """The organisation an identifier names (KvK number, or a sole proprietor's BSN)."""
    if subject.type is IdentifierType.KVKNR:
        condition = Organisation.kvk_number == subject.value
    elif subject.type.is_bsn:
        condition = Organisation.bsn == subject.value
    else:
        return None
    return session.scalars(select(Organisation).where(condition)).first()


def confirm_chain(
    session: Session,
    *,
    client: LegalSubject,
    intermediary_kvk: str,
    service: ServiceView,
    minimum: Loa,
    at: datetime,
    chain_policy: ChainPolicy,
) -> ChainConfirmation | None:
    """The client's active chain mandate for the intermediary, or None (Deny)."""
    if not chain_policy.allows(service.service_uuid, minimum):
        return None
    client_row = find_organisation(session, client)
    intermediary_row = find_organisation(
        session, LegalSubject(IdentifierType.KVKNR, intermediary_kvk)
    )
    if client_row is None or intermediary_row is None:
        return None
    found = find_chain_mandates(
        session, intermediary_row.id, client_row.id, _service_uuid(service), at, minimum
    )
    if not found:
        return None
    party = Party.of(client_row)
    subject = legal_subject(service, party)
    if subject is None:
        return None
    chain = found[0]
    return ChainConfirmation(chain.id, party, Party.of(intermediary_row), subject, chain.level)
