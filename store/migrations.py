"""A small versioned migration runner (数据库迁移).

``MIGRATIONS`` is the ordered list of steps; ``schema_migrations`` records which have run.
:func:`migrate` applies the missing ones, each in its own transaction together with its
``schema_migrations`` row, so a crash leaves either the whole step or none of it (both
SQLite and PostgreSQL have transactional DDL). Two processes starting at once are
serialised by the writer lock (``BEGIN IMMEDIATE`` / an advisory lock): the second one
re-reads the applied versions under the lock and finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.exc import DBAPIError

from store import tables
from store.db import MIGRATION_LOCK_KEY, safe_url, write_transaction
from store.errors import MigrationError


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: ``apply`` runs inside the step's transaction."""

    version: int
    name: str
    apply: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    tables.metadata.create_all(
        conn, tables=[tables.batches, tables.changes, tables.records], checkfirst=True
    )


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "initial: batches, changes, records", _initial),)
"""Every step, oldest first; append new steps, never edit an applied one."""


def latest_version() -> int:
    """The version the code expects."""
    return MIGRATIONS[-1].version


def applied_versions(conn: Connection) -> set[int]:
    """Versions already applied (empty for a fresh database)."""
    if not inspect(conn).has_table(tables.schema_migrations.name):
        return set()
    return set(conn.scalars(select(tables.schema_migrations.c.version)))


def migrate(engine: Engine) -> list[int]:
    """Apply every missing step; returns the versions applied now (empty when up to date)."""
    done: list[int] = []
    try:
        for step in MIGRATIONS:
            with write_transaction(engine, lock_key=MIGRATION_LOCK_KEY) as conn:
                tables.schema_migrations.create(conn, checkfirst=True)
                applied = applied_versions(conn)
                newer = {v for v in applied if v > latest_version()}
                if newer:
                    raise MigrationError(
                        f"the store at {safe_url(engine.url)} has schema version "
                        f"{max(newer)}, newer than this code ({latest_version()})"
                    )
                if step.version in applied:
                    continue
                step.apply(conn)
                conn.execute(
                    tables.schema_migrations.insert().values(
                        version=step.version, name=step.name, applied_at=datetime.now(UTC)
                    )
                )
                done.append(step.version)
    except DBAPIError as exc:
        raise MigrationError(
            f"migrating the store at {safe_url(engine.url)} failed: {exc.orig}"
        ) from exc
    return done
