"""Initial schema of the means issuer

Revision ID: r0001
Revises: (none)
Create Date: 2026-11-29

Written with autogenerate against SQLite, then reviewed: model-specific column types are
replaced by their plain SQL types (UTC datetimes, level labels as VARCHAR(8), vocabularies as
VARCHAR(32) with a named CHECK), so that this revision does not change when the code does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "r0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kvk_number", sa.String(length=8), nullable=True),
        sa.Column("rsin", sa.String(length=9), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_form", sa.String(length=32), nullable=False),
        sa.Column("bsn", sa.String(length=9), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "bsn IS NULL OR legal_form = 'eenmanszaak'",
            name=op.f("ck_organisation_bsn_only_eenmanszaak"),
        ),
        sa.CheckConstraint(
            "kvk_number IS NOT NULL OR (legal_form = 'eenmanszaak' AND bsn IS NOT NULL)",
            name=op.f("ck_organisation_identified"),
        ),
        sa.CheckConstraint(
            "legal_form IN ('eenmanszaak', 'vof', 'maatschap', 'cv', 'bv', 'nv', 'stichting', "
            "'vereniging', 'cooperatie', 'publiekrechtelijke_rechtspersoon', 'overig')",
            name=op.f("ck_organisation_legal_form"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("kvk_number", name=op.f("uq_organisation_kvk_number")),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("given_names", sa.String(length=200), nullable=False),
        sa.Column("surname_prefix", sa.String(length=50), nullable=False),
        sa.Column("surname", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("email", name=op.f("uq_person_email")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_person_pseudonym")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_ref", sa.String(length=100), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_audit_event_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"], unique=False)
    op.create_index(
        op.f("ix_audit_event_organisation_id"), "audit_event", ["organisation_id"], unique=False
    )
    op.create_table(
        "branch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("vestigingsnummer", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_branch_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch")),
        sa.UniqueConstraint("id", "organisation_id", name=op.f("uq_branch_id_organisation_id")),
        sa.UniqueConstraint("vestigingsnummer", name=op.f("uq_branch_vestigingsnummer")),
    )
    op.create_index(op.f("ix_branch_organisation_id"), "branch", ["organisation_id"], unique=False)
    op.create_table(
        "chain_mandate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_organisation_id", sa.Integer(), nullable=False),
        sa.Column("intermediary_organisation_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "level IN ('eH2', 'eH2+', 'eH3', 'eH4')", name=op.f("ck_chain_mandate_level")
        ),
        sa.CheckConstraint(
            "client_organisation_id <> intermediary_organisation_id",
            name=op.f("ck_chain_mandate_two_parties"),
        ),
        sa.CheckConstraint("valid_until > valid_from", name=op.f("ck_chain_mandate_validity")),
        sa.ForeignKeyConstraint(
            ["client_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_chain_mandate_client_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["intermediary_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_chain_mandate_intermediary_organisation_id_organisation"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'revoked', 'rejected')",
            name=op.f("ck_chain_mandate_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_mandate")),
    )
    op.create_index(
        op.f("ix_chain_mandate_client_organisation_id"),
        "chain_mandate",
        ["client_organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_chain_mandate_intermediary_organisation_id"),
        "chain_mandate",
        ["intermediary_organisation_id"],
        unique=False,
    )
    op.create_table(
        "means",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_employee", sa.Boolean(), nullable=False),
        sa.Column("identity_document_validated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('eH2', 'eH2+', 'eH3', 'eH4')", name=op.f("ck_means_level")),
        sa.CheckConstraint(
            "status <> 'active' OR level IN ('eH2', 'eH2+') OR identity_document_validated",
            name=op.f("ck_means_identity_checked"),
        ),
        sa.CheckConstraint("valid_until > valid_from", name=op.f("ck_means_validity")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_means_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_means_person_id_person")
        ),
        sa.CheckConstraint(
            "status IN ('requested', 'active', 'suspended', 'revoked', 'expired')",
            name=op.f("ck_means_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_means")),
    )
    op.create_index(op.f("ix_means_organisation_id"), "means", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_means_person_id"), "means", ["person_id"], unique=False)
    op.create_table(
        "chain_mandate_service",
        sa.Column("chain_mandate_id", sa.Integer(), nullable=False),
        sa.Column("service_uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_mandate_id"],
            ["chain_mandate.id"],
            name=op.f("fk_chain_mandate_service_chain_mandate_id_chain_mandate"),
        ),
        sa.PrimaryKeyConstraint(
            "chain_mandate_id", "service_uuid", name=op.f("pk_chain_mandate_service")
        ),
    )
    op.create_index(
        op.f("ix_chain_mandate_service_service_uuid"),
        "chain_mandate_service",
        ["service_uuid"],
        unique=False,
    )
    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("means_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("mobile_e164", sa.String(length=16), nullable=True),
        sa.Column("mobile_validated", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mobile_e164 IS NOT NULL OR NOT mobile_validated", name=op.f("ck_credential_mobile")
        ),
        sa.ForeignKeyConstraint(
            ["means_id"], ["means.id"], name=op.f("fk_credential_means_id_means")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint("means_id", name=op.f("uq_credential_means_id")),
    )
    op.create_table(
        "mandate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("level IN ('eH2', 'eH2+', 'eH3', 'eH4')", name=op.f("ck_mandate_level")),
        sa.CheckConstraint("valid_until > valid_from", name=op.f("ck_mandate_validity")),
        sa.ForeignKeyConstraint(
            ["branch_id", "organisation_id"],
            ["branch.id", "branch.organisation_id"],
            name=op.f("fk_mandate_branch_id_organisation_id_branch"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_mandate_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_mandate_person_id_person")
        ),
        sa.CheckConstraint("status IN ('active', 'revoked')", name=op.f("ck_mandate_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate")),
    )
    op.create_index(op.f("ix_mandate_branch_id"), "mandate", ["branch_id"], unique=False)
    op.create_index(
        op.f("ix_mandate_organisation_id"), "mandate", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_mandate_person_id"), "mandate", ["person_id"], unique=False)
    op.create_table(
        "mandate_service",
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("service_uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandate.id"], name=op.f("fk_mandate_service_mandate_id_mandate")
        ),
        sa.PrimaryKeyConstraint("mandate_id", "service_uuid", name=op.f("pk_mandate_service")),
    )
    op.create_index(
        op.f("ix_mandate_service_service_uuid"), "mandate_service", ["service_uuid"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mandate_service_service_uuid"), table_name="mandate_service")
    op.drop_table("mandate_service")
    op.drop_index(op.f("ix_mandate_person_id"), table_name="mandate")
    op.drop_index(op.f("ix_mandate_organisation_id"), table_name="mandate")
    op.drop_index(op.f("ix_mandate_branch_id"), table_name="mandate")
    op.drop_table("mandate")
    op.drop_table("credential")
    op.drop_index(op.f("ix_chain_mandate_service_service_uuid"), table_name="chain_mandate_service")
    op.drop_table("chain_mandate_service")
    op.drop_index(op.f("ix_means_person_id"), table_name="means")
    op.drop_index(op.f("ix_means_organisation_id"), table_name="means")
    op.drop_table("means")
    op.drop_index(op.f("ix_chain_mandate_intermediary_organisation_id"), table_name="chain_mandate")
    op.drop_index(op.f("ix_chain_mandate_client_organisation_id"), table_name="chain_mandate")
    op.drop_table("chain_mandate")
    op.drop_index(op.f("ix_branch_organisation_id"), table_name="branch")
    op.drop_table("branch")
    op.drop_index(op.f("ix_audit_event_organisation_id"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_at"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_table("person")
    op.drop_table("organisation")
