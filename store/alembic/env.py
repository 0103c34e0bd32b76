"""Alembic's environment for the store's revisions (docs/migrations.md).

:func:`store.migrations.migrate` runs one revision at a time through here, on a connection it
has already opened in a locked transaction (``config.attributes["connection"]``), so the
revision and its ``alembic_version`` row commit together. The ``alembic`` command line, for
developers writing a revision, opens its own connection from ``-x db=URL``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from store.db import make_engine
from store.schema import metadata


def run(connection: Connection) -> None:
    """Run the chosen revisions on ``connection`` (in its transaction if it has one)."""
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        transactional_ddl=True,
        render_as_batch=sqlite,  # autogenerate: SQLite alters tables by copy-and-move
    )
    with context.begin_transaction():
        if sqlite:  # a table recreated by a batch op is checked at COMMIT, not when dropped
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        context.run_migrations()


def main() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        run(given)
        return
    url = context.get_x_argument(as_dictionary=True).get("db")
    if not url:
        raise SystemExit("name the database: alembic -x db=sqlite:///dev.db ...")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            run(conn)
            conn.commit()
    finally:
        engine.dispose()


main()
