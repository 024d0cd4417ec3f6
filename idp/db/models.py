"""The means issuer's durable data model (DESIGN.md §3: organisations, people, means,
credentials, mandates, chain mandates, audit log), as SQLAlchemy 2 typed declarative models.

Schemas are created only by the Alembic migrations in ``idp/db/migrations``; a test checks that
the migrated schema equals this metadata. Identifiers are validated on assignment
(:mod:`idp.db.identifiers`); a BSN is stored for a sole proprietorship but never shown in a
repr. Rules that span columns (validity periods, a mandate's branch belonging to its
organisation) are CHECK or foreign-key constraints where SQL can say them, and flush-time
checks otherwise. Column types and vocabularies live in :mod:`idp.db.columns`.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from typing import Final

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import ForeignKeyConstraint
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy import event
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Mapper
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import validates

from idp.db import audit_chain
from idp.db import identifiers
from idp.db.columns import ISSUABLE_LEVELS
from idp.db.columns import MAX_MANDATE_YEARS
from idp.db.columns import MEANS_VALIDITY_YEARS
from idp.db.columns import Base
from idp.db.columns import ChainMandateStatus
from idp.db.columns import LegalForm
from idp.db.columns import MandateStatus
from idp.db.columns import MeansStatus
from idp.db.columns import add_years
from idp.db.columns import enum_column
from idp.db.columns import level_check
from idp.db.columns import new_pseudonym
from policies.loa import Loa

# -- organisations and people ----------------------------------------------------------------


class Organisation(Base):
    """A company or other party that means are issued for and that gives mandates."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(
            "kvk_number IS NOT NULL OR (legal_form = 'eenmanszaak' AND bsn IS NOT NULL)",
            name="identified",
        ),
        CheckConstraint("bsn IS NULL OR legal_form = 'eenmanszaak'", name="bsn_only_eenmanszaak"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kvk_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    rsin: Mapped[str | None] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[LegalForm] = mapped_column(enum_column(LegalForm, "legal_form"))
    #: Only for a sole proprietorship (eenmanszaak) registered by BSN. Personal data: never log.
    bsn: Mapped[str | None] = mapped_column(String(9))
    created_at: Mapped[datetime]

    branches: Mapped[list[Branch]] = relationship(back_populates="organisation")

    @validates("kvk_number")
    def _valid_kvk(self, _key: str, value: str | None) -> str | None:
        return None if value is None else identifiers.kvk_number(value)

    @validates("rsin")
    def _valid_rsin(self, _key: str, value: str | None) -> str | None:
        return None if value is None else identifiers.rsin(value)

    @validates("bsn")
    def _valid_bsn(self, _key: str, value: str | None) -> str | None:
        return None if value is None else identifiers.bsn(value)

    def __repr__(self) -> str:
        return f"Organisation(id={self.id!r}, kvk_number={self.kvk_number!r})"


class Branch(Base):
    """A KvK branch (vestiging) of an organisation, which a mandate may be restricted to."""

    __tablename__ = "branch"
    # (id, organisation_id) is unique so that a mandate's branch must belong to its organisation.
    __table_args__ = (UniqueConstraint("id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    vestigingsnummer: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="branches")

    @validates("vestigingsnummer")
    def _valid_number(self, _key: str, value: str) -> str:
        return identifiers.vestigingsnummer(value)


class Person(Base):
    """A natural person who holds means; known to the network only by pseudonyms."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_names: Mapped[str] = mapped_column(String(200))
    surname_prefix: Mapped[str] = mapped_column(String(50), default="")
    surname: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Internal pseudonym: random, never changed, unique (so never reused while rows are kept;
    #: people are deactivated, not deleted, for the audit trail).
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]

    means: Mapped[list[Means]] = relationship(back_populates="person")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("pseudonym", new_pseudonym())
        super().__init__(**kwargs)

    @validates("email")
    def _valid_email(self, _key: str, value: str) -> str:
        return identifiers.email_address(value)

    @validates("pseudonym")
    def _fixed_pseudonym(self, _key: str, value: str) -> str:
        current = self.__dict__.get("pseudonym")
        if current is not None and current != value:
            raise ValueError("a person's pseudonym never changes")
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise ValueError("a pseudonym is 64 lower-case hex characters")
        return value

    def __repr__(self) -> str:
        return f"Person(id={self.id!r})"


# -- means and credentials -------------------------------------------------------------------


class Means(Base):
    """An authentication means (eHerkenningsmiddel) of one person, issued for an organisation."""

    __tablename__ = "means"
    __table_args__ = (
        CheckConstraint(level_check("level"), name="level"),
        CheckConstraint("valid_until > valid_from", name="validity"),
        # From eH3 an identity document must have been checked before the means is used.
        CheckConstraint(
            "status <> 'active' OR level IN ('eH2', 'eH2+') OR identity_document_validated",
            name="identity_checked",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: The organisation the means was issued through (its administrator requested it).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    level: Mapped[Loa]
    status: Mapped[MeansStatus] = mapped_column(enum_column(MeansStatus, "status"))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    is_employee: Mapped[bool] = mapped_column(default=True)
    identity_document_validated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="means")
    organisation: Mapped[Organisation] = relationship()
    credential: Mapped[Credential | None] = relationship(back_populates="means")


class Credential(Base):
    """The secrets of one means: an argon2id password hash and a mobile number for SMS codes."""

    __tablename__ = "credential"
    __table_args__ = (
        CheckConstraint("mobile_e164 IS NOT NULL OR NOT mobile_validated", name="mobile"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    means_id: Mapped[int] = mapped_column(ForeignKey("means.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: A Dutch mobile number in E.164 (+316...). Personal data: never log.
    mobile_e164: Mapped[str | None] = mapped_column(String(16))
    mobile_validated: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime]

    means: Mapped[Means] = relationship(back_populates="credential")

    @validates("password_hash")
    def _argon2id_only(self, _key: str, value: str) -> str:
        if not value.startswith("$argon2id$"):
            raise ValueError("store only argon2id hashes (idp.db.passwords)")
        return value

    @validates("mobile_e164")
    def _valid_mobile(self, _key: str, value: str | None) -> str | None:
        return None if value is None else identifiers.dutch_mobile_e164(value)

    def __repr__(self) -> str:
        return f"Credential(id={self.id!r}, means_id={self.means_id!r})"


# -- mandates ----------------------------------------------------------------------------------


class Mandate(Base):
    """A person may act for an organisation (optionally one branch) for services at a level."""

    __tablename__ = "mandate"
    __table_args__ = (
        CheckConstraint(level_check("level"), name="level"),
        CheckConstraint("valid_until > valid_from", name="validity"),
        # MATCH SIMPLE: a mandate without a branch is not checked; with one, the branch must
        # belong to the mandate's organisation.
        ForeignKeyConstraint(
            ["branch_id", "organisation_id"], ["branch.id", "branch.organisation_id"]
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(index=True)
    level: Mapped[Loa]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    status: Mapped[MandateStatus] = mapped_column(enum_column(MandateStatus, "status"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()
    organisation: Mapped[Organisation] = relationship()
    branch: Mapped[Branch | None] = relationship(
        foreign_keys=[branch_id], primaryjoin="Mandate.branch_id == Branch.id"
    )
    services: Mapped[list[MandateService]] = relationship(
        back_populates="mandate", cascade="all, delete-orphan"
    )

    @property
    def service_uuids(self) -> frozenset[uuid.UUID]:
        return frozenset(s.service_uuid for s in self.services)


class MandateService(Base):
    """One ServiceUUID a mandate covers (spec §1: MRs register mandates by ServiceUUID)."""

    __tablename__ = "mandate_service"

    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandate.id"), primary_key=True)
    service_uuid: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)

    mandate: Mapped[Mandate] = relationship(back_populates="services")


class ChainMandate(Base):
    """A client organisation authorises an intermediary organisation for services (spec §7)."""

    __tablename__ = "chain_mandate"
    __table_args__ = (
        CheckConstraint(level_check("level"), name="level"),
        CheckConstraint("valid_until > valid_from", name="validity"),
        CheckConstraint(
            "client_organisation_id <> intermediary_organisation_id", name="two_parties"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    intermediary_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    level: Mapped[Loa]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    status: Mapped[ChainMandateStatus] = mapped_column(enum_column(ChainMandateStatus, "status"))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    client: Mapped[Organisation] = relationship(foreign_keys=[client_organisation_id])
    intermediary: Mapped[Organisation] = relationship(foreign_keys=[intermediary_organisation_id])
    services: Mapped[list[ChainMandateService]] = relationship(
        back_populates="chain_mandate", cascade="all, delete-orphan"
    )

    @property
    def service_uuids(self) -> frozenset[uuid.UUID]:
        return frozenset(s.service_uuid for s in self.services)


class ChainMandateService(Base):
    """One ServiceUUID a chain mandate covers."""

    __tablename__ = "chain_mandate_service"

    chain_mandate_id: Mapped[int] = mapped_column(ForeignKey("chain_mandate.id"), primary_key=True)
    service_uuid: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)

    chain_mandate: Mapped[ChainMandate] = relationship(back_populates="services")


# -- audit log ---------------------------------------------------------------------------------

#: Detail keys that would carry personal data; the audit log refers to people by pseudonym.
_PERSONAL_KEYS: Final = frozenset(
    {
        "bsn",
        "email",
        "e-mail",
        "mail",
        "mobile",
        "phone",
        "telephone",
        "password",
        "name",
        "given_names",
        "surname",
        "address",
        "birth_date",
        "date_of_birth",
        "code",
        "sms_code",
    }
)
_PERSONAL_VALUE: Final = re.compile(r"@|\b\d{9}\b|\+?\d[\d ]{8,}\d")


class AuditEvent(Base):
    """Who did what to which object, when; never with personal data (DESIGN.md §5).

    Append-only and hash-chained (:mod:`idp.db.audit_chain`): ``seq``, ``prev_hash`` and
    ``hash`` are set when the row is inserted, and the ORM and the database refuse to change or
    delete it afterwards.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    #: The acting party as a reference (``person:<pseudonym>``, ``system``), never a name.
    actor: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    #: The object acted on as ``<type>:<id>`` (``mandate:17``).
    object_ref: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Position in the chain (1, 2, ...), given under the chain-head lock at INSERT.
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __init__(self, **kwargs: Any) -> None:
        # Set here, not only as the column default: the hash is computed before the INSERT.
        kwargs.setdefault("details", {})
        super().__init__(**kwargs)

    def audit_record(self) -> audit_chain.AuditRecord:
        return audit_chain.AuditRecord(
            at=self.at,
            actor=self.actor,
            organisation_id=self.organisation_id,
            action=self.action,
            object_ref=self.object_ref,
            details=self.details,
        )

    def set_link(self, link: audit_chain.Link) -> None:
        self.seq, self.prev_hash, self.hash = link.seq, link.prev_hash, link.hash

    @validates("actor", "object_ref")
    def _no_address(self, key: str, value: str) -> str:
        if "@" in value:
            raise ValueError(f"audit {key} must be a reference, not an e-mail address")
        return value

    @validates("details")
    def _no_personal_data(self, _key: str, value: dict[str, Any]) -> dict[str, Any]:
        for name, item in value.items():
            if name.lower() in _PERSONAL_KEYS:
                raise ValueError(f"audit details may not hold personal data ({name!r})")
            if not (item is None or isinstance(item, (str, int, bool))):
                raise ValueError("audit details are flat: text, numbers, booleans or null")
            if isinstance(item, str) and _PERSONAL_VALUE.search(item):
                raise ValueError(f"audit detail {name!r} looks like personal data")
        return value


class AuditChainHead(Base):
    """The last link of the audit chain; its row lock serialises appends (one row, id 1)."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint(f"id = {audit_chain.HEAD_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


# -- flush-time rules --------------------------------------------------------------------------


def _check_means(_mapper: Mapper[Any], _conn: Any, target: Means) -> None:
    ends = {add_years(target.valid_from, n) for n in MEANS_VALIDITY_YEARS}
    if target.valid_until not in ends:
        raise ValueError("a means is valid for exactly 1, 3 or 5 years from valid_from")


def _check_mandate(_mapper: Mapper[Any], _conn: Any, target: Mandate | ChainMandate) -> None:
    if target.valid_until > add_years(target.valid_from, MAX_MANDATE_YEARS):
        raise ValueError(f"a mandate is valid for at most {MAX_MANDATE_YEARS} years")
    if not target.services:
        raise ValueError("a mandate covers at least one service (ServiceUUID)")


for _cls, _check in (
    (Means, _check_means),
    (Mandate, _check_mandate),
    (ChainMandate, _check_mandate),
):
    event.listen(_cls, "before_insert", _check)
    event.listen(_cls, "before_update", _check)
audit_chain.guard(AuditEvent)

__all__ = [
    "ISSUABLE_LEVELS",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Branch",
    "ChainMandate",
    "ChainMandateService",
    "ChainMandateStatus",
    "Credential",
    "LegalForm",
    "Mandate",
    "MandateService",
    "MandateStatus",
    "Means",
    "MeansStatus",
    "Organisation",
    "Person",
]

# The portal's tables belong to the same schema and the same migrations.
import idp.portal.models  # noqa: E402,F401
