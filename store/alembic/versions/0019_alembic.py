"""Alembic keeps the schema from here on: a row in the legacy ``schema_migrations`` with a
version above any the old runner knew, so a build from before Alembic refuses this store
("newer than this code") instead of running its own steps on a schema it does not know.

A store adopted from the old runner gets the row when it is stamped (it may be stamped past
this revision), so here it is written only if missing."""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

MARKER = 1000
"""The version the old runner reads; :data:`store.migrations.LEGACY_MARKER` is the same."""

schema_migrations = sa.table(
    "schema_migrations",
    sa.column("version", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("applied_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    marked = sa.select(schema_migrations.c.version).where(schema_migrations.c.version == MARKER)
    if op.get_bind().execute(marked).first() is not None:
        return
    op.execute(
        schema_migrations.insert().values(
            version=MARKER,
            name="later revisions are Alembic's (table alembic_version)",
            applied_at=dt.datetime.now(dt.UTC),
        )
    )


def downgrade() -> None:
    op.execute(schema_migrations.delete().where(schema_migrations.c.version == MARKER))
