"""Legacy step 15: entity_grades, credit_grade_history, evaluation_state; public_dishonesty,
public_dishonesty_notices (政务失信)."""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _entity_grades()
    _credit_grade_history()
    _evaluation_state()
    _public_dishonesty()
    _public_dishonesty_notices()


def _entity_grades() -> None:
    op.create_table(
        "entity_grades",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("model_version", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("dishonest", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("graded_since", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column(
            "log_position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_entity_grades")),
    )
    op.create_index(op.f("ix_entity_grades_grade"), "entity_grades", ["grade"], unique=False)
    op.create_index(
        op.f("ix_entity_grades_review_on"), "entity_grades", ["review_on"], unique=False
    )


def _credit_grade_history() -> None:
    op.create_table(
        "credit_grade_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("model_version", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("previous_grade", sa.String(length=8), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column(
            "log_position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_grade_history")),
    )
    op.create_index(
        op.f("ix_credit_grade_history_uscc_id"),
        "credit_grade_history",
        ["uscc", "id"],
        unique=False,
    )


def _evaluation_state() -> None:
    op.create_table(
        "evaluation_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("model_version", sa.String(length=20), nullable=False),
        sa.Column("cursor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_evaluation_state")),
    )


def _public_dishonesty() -> None:
    op.create_table(
        "public_dishonesty",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("body_uscc", sa.String(length=18), nullable=False),
        sa.Column("body_name", sa.String(length=200), nullable=False),
        sa.Column("body_type", sa.String(length=40), nullable=False),
        sa.Column("staff_name", sa.String(length=100), nullable=True),
        sa.Column("staff_position", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("basis_doc_no", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("superior_unit", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_dishonesty")),
        sa.UniqueConstraint(
            "body_uscc",
            "subject",
            "staff_name",
            "kind",
            "basis_doc_no",
            name=op.f("uq_public_dishonesty_body_uscc_subject_staff_name_kind_basis_doc_no"),
        ),
    )
    op.create_index(
        op.f("ix_public_dishonesty_body_uscc"), "public_dishonesty", ["body_uscc"], unique=False
    )


def _public_dishonesty_notices() -> None:
    op.create_table(
        "public_dishonesty_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dishonesty_id", sa.Integer(), nullable=False),
        sa.Column("recipient_role", sa.String(length=40), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dishonesty_id"],
            ["public_dishonesty.id"],
            name=op.f("fk_public_dishonesty_notices_dishonesty_id_public_dishonesty"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_dishonesty_notices")),
        sa.UniqueConstraint(
            "dishonesty_id",
            "recipient_role",
            name=op.f("uq_public_dishonesty_notices_dishonesty_id_recipient_role"),
        ),
    )
    op.create_index(
        op.f("ix_public_dishonesty_notices_state"),
        "public_dishonesty_notices",
        ["state"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("public_dishonesty_notices")
    op.drop_table("public_dishonesty")
    op.drop_table("evaluation_state")
    op.drop_table("credit_grade_history")
    op.drop_table("entity_grades")
