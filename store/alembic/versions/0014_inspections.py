"""Legacy step 14: inspection_commitments, inspection_draws (双随机 commit-reveal draws)."""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_commitments",
        sa.Column("commitment_id", sa.String(length=40), nullable=False),
        sa.Column("seed_hash", sa.String(length=64), nullable=False),
        sa.Column("department_uscc", sa.String(length=18), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=True),
        sa.Column("plan_hash", sa.String(length=64), nullable=True),
        sa.Column("population_hash", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("commitment_id", name=op.f("pk_inspection_commitments")),
        sa.UniqueConstraint("seed_hash", name=op.f("uq_inspection_commitments_seed_hash")),
    )
    op.create_table(
        "inspection_draws",
        sa.Column("draw_id", sa.String(length=40), nullable=False),
        sa.Column("commitment_id", sa.String(length=40), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("department_uscc", sa.String(length=18), nullable=False),
        sa.Column("draw_date", sa.Date(), nullable=False),
        sa.Column("plan_hash", sa.String(length=64), nullable=False),
        sa.Column("population_hash", sa.String(length=64), nullable=False),
        sa.Column("seed_hash", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.Text(), nullable=False),
        sa.Column("targets", sa.Integer(), nullable=False),
        sa.Column("public_grades", sa.Boolean(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("population", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["inspection_commitments.commitment_id"],
            name=op.f("fk_inspection_draws_commitment_id_inspection_commitments"),
        ),
        sa.PrimaryKeyConstraint("draw_id", name=op.f("pk_inspection_draws")),
        sa.UniqueConstraint("commitment_id", name=op.f("uq_inspection_draws_commitment_id")),
    )
    op.create_index(
        op.f("ix_inspection_draws_department_uscc"),
        "inspection_draws",
        ["department_uscc"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("inspection_draws")
    op.drop_table("inspection_commitments")
