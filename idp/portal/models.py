"""The portal's own tables (issue 8): roles, means requests, single-use tokens, CSV import
batches, orders, operator cases and renewal reminders.

They share the declarative base (and naming convention) of :mod:`idp.db.models` and are made by
the Alembic revision ``r0002``. Tokens are stored only as SHA-256 hashes; an e-mail address or
mobile number waiting to be verified is kept only as long as its request or token is open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from idp.db.columns import Base
from idp.db.columns import _Vocabulary
from idp.db.columns import enum_column
from idp.db.columns import level_check
from idp.db.models import Means
from idp.db.models import Organisation
from idp.db.models import Person
from policies.loa import Loa


class Role(_Vocabulary):
    ADMINISTRATOR = "administrator"
    #: The means issuer's own staff: identity-document validation and operator cases.
    OPERATOR = "operator"


class RequestKind(_Vocabulary):
    NEW = "new"
    UPGRADE = "upgrade"


class RequestStatus(_Vocabulary):
    AWAITING_EMAIL = "awaiting_email"
    AWAITING_CODE = "awaiting_code"
    AWAITING_PASSWORD = "awaiting_password"  # noqa: S105  (a status, not a secret)
    AWAITING_VALIDATION = "awaiting_validation"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset(
    {
        RequestStatus.AWAITING_EMAIL,
        RequestStatus.AWAITING_CODE,
        RequestStatus.AWAITING_PASSWORD,
        RequestStatus.AWAITING_VALIDATION,
    }
)


class TokenPurpose(_Vocabulary):
    ACTIVATE = "activate"
    EMAIL_CHANGE = "email_change"
    MOBILE_CHANGE = "mobile_change"
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a purpose, not a secret)


class BatchStatus(_Vocabulary):
    PREVIEW = "preview"
    PROCESSING = "processing"
    DONE = "done"


class CaseKind(_Vocabulary):
    COMPANY_DATA = "company_data"
    REVOKE_LEFT = "revoke_left"


class CaseStatus(_Vocabulary):
    OPEN = "open"
    DONE = "done"
    REJECTED = "rejected"


class OrderItem(_Vocabulary):
    MEANS = "means"
    UPGRADE = "upgrade"
    RENEWAL = "renewal"
    MANDATE = "mandate"
    DATA_CHANGE = "data_change"


class PortalRole(Base):
    """A person's role: administrator of one organisation, or operator (no organisation)."""

    __tablename__ = "portal_role"
    __table_args__ = (
        UniqueConstraint("person_id", "organisation_id", "role"),
        CheckConstraint(
            "(role = 'operator') = (organisation_id IS NULL)", name="operator_has_no_organisation"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    created_at: Mapped[datetime]

    person: Mapped[Person] = relationship()


class ImportBatch(Base):
    """One uploaded CSV file of means requests; the same file twice is the same batch."""

    __tablename__ = "import_batch"
    __table_args__ = (UniqueConstraint("organisation_id", "file_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: SHA-256 of the file's bytes.
    file_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[BatchStatus] = mapped_column(enum_column(BatchStatus, "status"))
    total_rows: Mapped[int]
    valid_rows: Mapped[int]
    processed_rows: Mapped[int] = mapped_column(default=0)
    created_rows: Mapped[int] = mapped_column(default=0)
    #: Who uploaded it (``person:<pseudonym>``).
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    #: A worker holds the batch until then (one batch step at a time, across nodes).
    lease_until: Mapped[datetime | None]

    rows: Mapped[list[ImportRow]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="ImportRow.line"
    )


class ImportRow(Base):
    """One data row of an import: its values, or why it was refused."""

    __tablename__ = "import_row"
    __table_args__ = (UniqueConstraint("batch_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    #: The line number in the file (the header is line 1).
    line: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Message keys of the problems, space-separated (empty: the row is good).
    errors: Mapped[str] = mapped_column(String(400), default="")
    #: Extra values for the messages (``first`` line of a duplicate).
    error_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("means_request.id"))
    done: Mapped[bool] = mapped_column(default=False)

    batch: Mapped[ImportBatch] = relationship(back_populates="rows")


class MeansRequest(Base):
    """A request for a new means, or to upgrade one, from its placing to its end."""

    __tablename__ = "means_request"
    __table_args__ = (
        CheckConstraint(level_check("level"), name="level"),
        CheckConstraint("validity_years IN (1, 3, 5)", name="validity_years"),
        UniqueConstraint("organisation_id", "row_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    means_id: Mapped[int] = mapped_column(ForeignKey("means.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind, "kind"))
    level: Mapped[Loa]
    validity_years: Mapped[int]
    is_employee: Mapped[bool]
    #: The administrator declared that they checked the employee's identity document.
    identity_confirmed: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus, "status"))
    #: The mobile number to verify during activation (E.164). Personal data: never log.
    mobile_e164: Mapped[str | None] = mapped_column(String(16))
    #: Idempotency: SHA-256 of what makes two requests the same (a CSV row, a form).
    row_key: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    price_cents: Mapped[int]
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship()
    means: Mapped[Means] = relationship()
    organisation: Mapped[Organisation] = relationship()


class PortalToken(Base):
    """A single-use, expiring token sent by e-mail; only its SHA-256 is stored."""

    __tablename__ = "portal_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, "purpose"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("means_request.id"), index=True)
    means_id: Mapped[int | None] = mapped_column(ForeignKey("means.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: The new e-mail address or mobile number being verified. Personal data: never log.
    new_value: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Order(Base):
    """What a placed request costs, invoiced in one sum for the whole validity (euro cents,
    excluding VAT)."""

    __tablename__ = "portal_order"
    __table_args__ = (CheckConstraint("amount_cents >= 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    item: Mapped[OrderItem] = mapped_column(enum_column(OrderItem, "item"))
    #: What was ordered, as ``<type>:<id>`` (``request:4``, ``mandate:9``).
    object_ref: Mapped[str] = mapped_column(String(100))
    level: Mapped[Loa | None]
    years: Mapped[int]
    amount_cents: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    invoiced_at: Mapped[datetime | None]


class OperatorCase(Base):
    """Something only an operator can do: a change of registered company data, or the
    revocation of a means whose holder has left and cannot log in."""

    __tablename__ = "operator_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[CaseKind] = mapped_column(enum_column(CaseKind, "kind"))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, "status"))
    #: The submitted values (trade name, address; or the means id). Read by operators only.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Where the outcome is mailed. Personal data: never log.
    reply_to: Mapped[str] = mapped_column(String(254))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()


class RenewalReminder(Base):
    """A renewal mail was sent for this item and this end date: never again for the same."""

    __tablename__ = "renewal_reminder"
    __table_args__ = (UniqueConstraint("object_ref", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``means:<id>`` or ``mandate:<id>``.
    object_ref: Mapped[str] = mapped_column(String(100))
    valid_until: Mapped[datetime]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    sent_at: Mapped[datetime]


__all__ = [
    "BatchStatus",
    "CaseKind",
    "CaseStatus",
    "ImportBatch",
    "ImportRow",
    "MeansRequest",
    "OperatorCase",
    "Order",
    "OrderItem",
    "PortalRole",
    "PortalToken",
    "RenewalReminder",
    "RequestKind",
    "RequestStatus",
    "Role",
    "TokenPurpose",
]
