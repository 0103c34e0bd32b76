"""Legacy step 18: workflow steps are one transaction each now; a repair decision or an
objection answer of an earlier version that crashed between its "claim" and its last
transaction left the case claimed (``decided_by`` on a pending repair, ``provider_reply_at``
on a verifying objection) and nobody could act on it. Give such cases back: nothing was
decided. Data only, nothing to undo."""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE repair_applications SET decided_by = NULL, decided_at = NULL "
            "WHERE state = 'pending' AND decided_by IS NOT NULL"
        )
    )
    op.execute(
        sa.text(
            "UPDATE objections SET provider_reply_at = NULL "
            "WHERE state = 'verifying' AND provider_reply_at IS NOT NULL"
        )
    )


def downgrade() -> None:
    pass
