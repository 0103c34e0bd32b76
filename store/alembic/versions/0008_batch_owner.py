"""Legacy step 8: ``batches.owner`` (host|pid|start of the process running a batch) and
``batches.heartbeat_at`` (its last committed chunk), so a batch whose process died is marked
interrupted on the next start (:mod:`store.batches`)."""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("batches", sa.Column("owner", sa.String(length=200), nullable=True))
    op.add_column("batches", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("batches", "heartbeat_at")
    op.drop_column("batches", "owner")
