"""Legacy step 4: the imported calendar years, and each workflow deadline's basis (the day
counting starts from, the working days counted) and whether a provisional year was counted."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DEADLINE_COLUMNS = {
    "objections": ("verify", "answer"),
    "repair_applications": ("decision",),
}
"""Each deadline of a case gets ``<name>_from``, ``<name>_days`` and ``<name>_due_provisional``."""


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_index(op.f("ix_calendar_days_year"), "calendar_days", ["year"], unique=False)
    op.create_table(
        "calendar_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column(
            "case_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_due", sa.Date(), nullable=True),
        sa.Column("new_due", sa.Date(), nullable=True),
        sa.Column("old_source", sa.String(length=20), nullable=True),
        sa.Column("new_source", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_changes")),
    )
    op.create_index(
        op.f("ix_calendar_changes_case_id"), "calendar_changes", ["case_id"], unique=False
    )
    for table, deadlines in DEADLINE_COLUMNS.items():
        for name in deadlines:
            op.add_column(table, sa.Column(f"{name}_from", sa.Date(), nullable=True))
            op.add_column(table, sa.Column(f"{name}_days", sa.Integer(), nullable=True))
            op.add_column(table, sa.Column(f"{name}_due_provisional", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_table("calendar_changes")
    op.drop_table("calendar_days")
    for table, deadlines in DEADLINE_COLUMNS.items():
        for name in deadlines:
            for suffix in ("from", "days", "due_provisional"):
                op.drop_column(table, f"{name}_{suffix}")
