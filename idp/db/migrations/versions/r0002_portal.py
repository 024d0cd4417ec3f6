"""The portal's tables (issue 8): roles, means requests, tokens, CSV imports, orders,
operator cases and renewal reminders

Revision ID: r0002
Revises: r0001
Create Date: 2026-11-29

Written with autogenerate against SQLite, then reviewed as r0001 was: model-specific column
types are replaced by their plain SQL types (UTC datetimes, level labels as VARCHAR(8),
vocabularies as VARCHAR(32) with a named CHECK), so that this revision does not change when
the code does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "r0002"
down_revision: str | None = "r0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("valid_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("created_rows", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_import_batch_organisation_id_organisation"),
        ),
        sa.CheckConstraint(
            "status IN ('preview', 'processing', 'done')", name=op.f("ck_import_batch_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
        sa.UniqueConstraint(
            "organisation_id", "file_hash", name=op.f("uq_import_batch_organisation_id_file_hash")
        ),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_batch_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "operator_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("reply_to", sa.String(length=254), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_operator_case_organisation_id_organisation"),
        ),
        sa.CheckConstraint(
            "kind IN ('company_data', 'revoke_left')", name=op.f("ck_operator_case_kind")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'rejected')", name=op.f("ck_operator_case_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_case")),
    )
    with op.batch_alter_table("operator_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_operator_case_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "portal_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("object_ref", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=True),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoiced_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_portal_order_amount")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_portal_order_organisation_id_organisation"),
        ),
        sa.CheckConstraint(
            "item IN ('means', 'upgrade', 'renewal', 'mandate', 'data_change')",
            name=op.f("ck_portal_order_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_order")),
    )
    with op.batch_alter_table("portal_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_order_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "portal_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(role = 'operator') = (organisation_id IS NULL)",
            name=op.f("ck_portal_role_operator_has_no_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_portal_role_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_portal_role_person_id_person")
        ),
        sa.CheckConstraint(
            "role IN ('administrator', 'operator')", name=op.f("ck_portal_role_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_role")),
        sa.UniqueConstraint(
            "person_id",
            "organisation_id",
            "role",
            name=op.f("uq_portal_role_person_id_organisation_id_role"),
        ),
    )
    with op.batch_alter_table("portal_role", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_role_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_portal_role_person_id"), ["person_id"], unique=False)

    op.create_table(
        "renewal_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_ref", sa.String(length=100), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_renewal_reminder_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_reminder")),
        sa.UniqueConstraint(
            "object_ref", "valid_until", name=op.f("uq_renewal_reminder_object_ref_valid_until")
        ),
    )
    with op.batch_alter_table("renewal_reminder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_renewal_reminder_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "means_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("means_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=False),
        sa.Column("is_employee", sa.Boolean(), nullable=False),
        sa.Column("identity_confirmed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("mobile_e164", sa.String(length=16), nullable=True),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "level IN ('eH2', 'eH2+', 'eH3', 'eH4')", name=op.f("ck_means_request_level")
        ),
        sa.CheckConstraint(
            "validity_years IN (1, 3, 5)", name=op.f("ck_means_request_validity_years")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_means_request_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["means_id"], ["means.id"], name=op.f("fk_means_request_means_id_means")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_means_request_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_means_request_person_id_person")
        ),
        sa.CheckConstraint("kind IN ('new', 'upgrade')", name=op.f("ck_means_request_kind")),
        sa.CheckConstraint(
            "status IN ('awaiting_email', 'awaiting_code', 'awaiting_password', "
            "'awaiting_validation', 'completed', 'cancelled', 'rejected')",
            name=op.f("ck_means_request_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_means_request")),
        sa.UniqueConstraint(
            "organisation_id", "row_key", name=op.f("uq_means_request_organisation_id_row_key")
        ),
    )
    with op.batch_alter_table("means_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_means_request_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_means_request_means_id"), ["means_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_means_request_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_means_request_person_id"), ["person_id"], unique=False)

    op.create_table(
        "import_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("errors", sa.String(length=400), nullable=False),
        sa.Column("error_values", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_import_row_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["means_request.id"],
            name=op.f("fk_import_row_request_id_means_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_row")),
        sa.UniqueConstraint("batch_id", "line", name=op.f("uq_import_row_batch_id_line")),
    )
    with op.batch_alter_table("import_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_row_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "portal_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("means_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("new_value", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["means_id"], ["means.id"], name=op.f("fk_portal_token_means_id_means")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_portal_token_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["means_request.id"],
            name=op.f("fk_portal_token_request_id_means_request"),
        ),
        sa.CheckConstraint(
            "purpose IN ('activate', 'email_change', 'mobile_change', 'password_reset')",
            name=op.f("ck_portal_token_purpose"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_token_token_hash")),
    )
    with op.batch_alter_table("portal_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_token_means_id"), ["means_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_portal_token_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_portal_token_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_token_request_id"))
        batch_op.drop_index(batch_op.f("ix_portal_token_person_id"))
        batch_op.drop_index(batch_op.f("ix_portal_token_means_id"))

    op.drop_table("portal_token")
    with op.batch_alter_table("import_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_row_batch_id"))

    op.drop_table("import_row")
    with op.batch_alter_table("means_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_means_request_person_id"))
        batch_op.drop_index(batch_op.f("ix_means_request_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_means_request_means_id"))
        batch_op.drop_index(batch_op.f("ix_means_request_batch_id"))

    op.drop_table("means_request")
    with op.batch_alter_table("renewal_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renewal_reminder_organisation_id"))

    op.drop_table("renewal_reminder")
    with op.batch_alter_table("portal_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_role_person_id"))
        batch_op.drop_index(batch_op.f("ix_portal_role_organisation_id"))

    op.drop_table("portal_role")
    with op.batch_alter_table("portal_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_order_organisation_id"))

    op.drop_table("portal_order")
    with op.batch_alter_table("operator_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_case_organisation_id"))

    op.drop_table("operator_case")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_organisation_id"))

    op.drop_table("import_batch")
