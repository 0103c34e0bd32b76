"""Legacy step 3: the workflow tables, and ``records.objection_version`` (the version an
objection mark applies to, written by :mod:`store.marks` only)."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _records()
    _workflow_steps()
    _repair_applications()
    _objections()
    _check_log()
    _person_links()


def _records() -> None:
    op.add_column("records", sa.Column("objection_version", sa.Integer(), nullable=True))


def _workflow_steps() -> None:
    op.create_table(
        "workflow_steps",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "record_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("workflow", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=True),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("state_from", sa.String(length=20), nullable=True),
        sa.Column("state_to", sa.String(length=20), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "log_position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_steps")),
    )
    op.create_index(op.f("ix_workflow_steps_case_id"), "workflow_steps", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_workflow_steps_record_id_id"), "workflow_steps", ["record_id", "id"], unique=False
    )


def _repair_applications() -> None:
    op.create_table(
        "repair_applications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column(
            "record_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=40), nullable=True),
        sa.Column("authority_uscc", sa.String(length=18), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("obligations_fulfilled", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column(
            "commitment_record_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_due", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column(
            "takedown_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_applications")),
    )
    op.create_index(
        op.f("ix_repair_applications_record_id"), "repair_applications", ["record_id"], unique=False
    )
    op.create_index(
        op.f("ix_repair_applications_state"), "repair_applications", ["state"], unique=False
    )


def _objections() -> None:
    op.create_table(
        "objections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column(
            "record_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=40), nullable=True),
        sa.Column("provider_uscc", sa.String(length=18), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verify_due", sa.Date(), nullable=True),
        sa.Column("verifying_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_due", sa.Date(), nullable=True),
        sa.Column("extended_days", sa.Integer(), nullable=False),
        sa.Column("provider_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("marked_version", sa.Integer(), nullable=True),
        sa.Column("mark_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "outcome_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    op.create_index(op.f("ix_objections_record_id"), "objections", ["record_id"], unique=False)
    op.create_index(op.f("ix_objections_state"), "objections", ["state"], unique=False)


def _check_log() -> None:
    op.create_table(
        "check_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("credit_code", sa.String(length=40), nullable=False),
        sa.Column("scenario", sa.String(length=100), nullable=True),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("measure_ids", sa.Text(), nullable=False),
        sa.Column("entry_ids", sa.Text(), nullable=False),
        sa.Column(
            "log_position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_log")),
    )
    op.create_index(
        op.f("ix_check_log_credit_code_id"), "check_log", ["credit_code", "id"], unique=False
    )


def _person_links() -> None:
    op.create_table(
        "person_links",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "record_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("credit_code", sa.String(length=40), nullable=True),
        sa.Column("person_name", sa.String(length=64), nullable=False),
        sa.Column("id_type", sa.String(length=40), nullable=True),
        sa.Column("id_no", sa.String(length=40), nullable=True),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unlinked_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_links")),
    )
    op.create_index(op.f("ix_person_links_id_no"), "person_links", ["id_no"], unique=False)
    op.create_index(op.f("ix_person_links_record_id"), "person_links", ["record_id"], unique=False)


def downgrade() -> None:
    op.drop_table("person_links")
    op.drop_table("check_log")
    op.drop_table("objections")
    op.drop_table("repair_applications")
    op.drop_table("workflow_steps")
    op.drop_column("records", "objection_version")
