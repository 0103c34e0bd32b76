"""Legacy step 1: the change log (batches, changes, records), and ``schema_migrations``, the
table in which the runner before Alembic recorded its steps (kept, see revision 0019).

The revisions 0001 to 0018 are the steps of that runner, numbered as it numbered them, with
each table as it stands today minus the columns a later step added; a store it made is
stamped at its last step and goes on from there (:mod:`store.migrations`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _schema_migrations()
    _batches()
    _changes()
    _records()


def _schema_migrations() -> None:
    op.create_table(
        "schema_migrations",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_schema_migrations")),
    )


def _batches() -> None:
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("all_or_nothing", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_seen", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_batches")),
    )


def _changes() -> None:
    op.create_table(
        "changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column(
            "record_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("publishable", sa.Boolean(), nullable=True),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.batch_id"], name=op.f("fk_changes_batch_id_batches")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_changes")),
        sa.UniqueConstraint(
            "record_id", "version", "op", name=op.f("uq_changes_record_id_version_op")
        ),
    )
    op.create_index(op.f("ix_changes_dataset_seq"), "changes", ["dataset", "seq"], unique=False)


def _records() -> None:
    op.create_table(
        "records",
        sa.Column(
            "record_id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("key_text", sa.Text(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("withdrawn_reason", sa.String(length=40), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("publishable", sa.Boolean(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("min_end", sa.Date(), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=True),
        sa.Column("rule_set", sa.Text(), nullable=True),
        sa.Column("window_reason", sa.Text(), nullable=True),
        sa.Column("window_reason_zh", sa.Text(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disclosure_due", sa.Date(), nullable=True),
        sa.Column("disclosure_working_days", sa.Integer(), nullable=True),
        sa.Column("disclosure_on_time", sa.Boolean(), nullable=True),
        sa.Column("calendar_unknown", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["seq"], ["changes.seq"], name=op.f("fk_records_seq_changes")),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_records")),
    )
    op.create_index(op.f("ix_records_uscc"), "records", ["uscc"], unique=False)
    op.create_index(op.f("ix_records_window_end"), "records", ["window_end"], unique=False)


def downgrade() -> None:
    op.drop_table("records")
    op.drop_table("changes")
    op.drop_table("batches")
    op.drop_table("schema_migrations")
