"""Schema migrations (数据库迁移): the Alembic revisions in ``store/alembic/versions``.

Every table is defined once, in :mod:`store.schema`'s modules; each revision is the step
from one schema to the next, and a test upgrades empty SQLite and PostgreSQL databases to
the head and finds no difference from the definitions (docs/migrations.md).

:func:`migrate` applies one revision per transaction, together with its ``alembic_version``
row, so a crash leaves either the whole revision or none of it (both backends have
transactional DDL). Each transaction holds the migration lock (``BEGIN IMMEDIATE`` / an
advisory lock) and re-reads the store's revision under it, so two processes starting at once
apply each revision once. Alembic is configured here, not by an ``alembic.ini``: the gateway
runs from any directory.

Stores made before Alembic recorded the steps of a home-made runner in
``schema_migrations``; revisions 0001 to 0018 are those steps, numbered alike. Such a store
is stamped at its last step and upgraded from there; one with a step missing below its last
(a branch merged late) is refused with the way out.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError

from store.db import MIGRATION_LOCK_KEY, safe_url, write_transaction
from store.errors import MigrationError
from store.tables import schema_migrations

SCRIPTS = Path(__file__).with_name("alembic")
"""Alembic's script directory: ``env.py``, ``script.py.mako`` and ``versions/``."""

LEGACY_STEPS = (1, 2, 3, 4, 6, 8, 11, 12, 14, 15, 16, 18)
"""The versions the runner before Alembic knew; revision ``f"{v:04d}"`` is step ``v``."""

LEGACY_MARKER = 1000
"""Written to ``schema_migrations`` by revision 0019 (or when a legacy store is stamped), so the
old runner refuses the store."""

LAST_LEGACY_BUILD = "3d30043"
"""The last commit whose runner completes a legacy store's missing steps."""

VERSION_TABLE = "alembic_version"
VERSION_QUERY = text(f"SELECT version_num FROM {VERSION_TABLE}")

_ONE_AT_A_TIME = threading.Lock()
"""Alembic's ``context`` and ``op`` are process globals: threads migrate one at a time."""


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store, with the connection ``env.py`` should use."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def scripts() -> ScriptDirectory:
    """The revisions, read once per process."""
    return ScriptDirectory.from_config(config())


@cache
def revisions() -> tuple[str, ...]:
    """Every revision, oldest first (one line of history: no branches)."""
    script = scripts()
    if len(script.get_heads()) != 1:
        raise MigrationError(f"the revisions have several heads: {script.get_heads()}")
    return tuple(reversed([rev.revision for rev in script.walk_revisions()]))


def head_revision() -> str:
    """The revision the code expects."""
    return revisions()[-1]


def current_revision(conn: Connection) -> str | None:
    """The store's revision (None: not under Alembic yet). Read directly, once per revision
    applied: a :class:`MigrationContext` would cost more than a small revision."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    found: str | None = conn.execute(VERSION_QUERY).scalar_one_or_none()
    return found


def _legacy_revision(conn: Connection, where: str) -> str | None:
    """The revision a store of the old runner stands at; None for an empty database."""
    if not inspect(conn).has_table(schema_migrations.name):
        return None
    steps = set(conn.scalars(select(schema_migrations.c.version)))
    if not steps:
        raise MigrationError(
            f"the database at {where} has an empty schema_migrations table and no "
            f"alembic_version: not a store this code knows how to upgrade"
        )
    if LEGACY_MARKER in steps:
        raise MigrationError(
            f"the store at {where} was migrated by Alembic but has lost its alembic_version "
            f"table; restore it from a backup"
        )
    last = max(steps)
    if last > LEGACY_STEPS[-1]:
        raise MigrationError(
            f"the store at {where} has schema version {last}, newer than this code "
            f"({LEGACY_STEPS[-1]} and the revisions after it)"
        )
    expected = {v for v in LEGACY_STEPS if v <= last}
    if steps != expected:
        raise MigrationError(
            f"the store at {where} has the legacy schema steps {sorted(steps)}; missing "
            f"{sorted(expected - steps)}, unknown {sorted(steps - expected)}. Open it once with "
            f"the build {LAST_LEGACY_BUILD}, which completes them, then with this one"
        )
    return f"{last:04d}"


def _mark_legacy(conn: Connection) -> None:
    """The row that makes the old runner refuse the store (as revision 0019 writes it)."""
    conn.execute(
        schema_migrations.insert().values(
            version=LEGACY_MARKER,
            name="later revisions are Alembic's (table alembic_version)",
            applied_at=datetime.now(UTC),
        )
    )


def _next(conn: Connection, where: str) -> str | None:
    """The next revision to apply (after adopting a legacy store), None when at the head."""
    current = current_revision(conn)
    if current is None:
        legacy = _legacy_revision(conn, where)
        if legacy is not None:
            MigrationContext.configure(conn).stamp(scripts(), legacy)
            _mark_legacy(conn)
            current = legacy
    if current is None:
        return revisions()[0]
    if current not in revisions():
        raise MigrationError(
            f"the store at {where} has schema revision {current}, unknown to this code "
            f"(head {head_revision()}): it is newer than this code"
        )
    at = revisions().index(current)
    return revisions()[at + 1] if at + 1 < len(revisions()) else None


def _upgrade(conn: Connection, target: str) -> None:
    """``alembic upgrade target`` on ``conn`` (what :func:`alembic.command.upgrade` does,
    with the revisions read once per process instead of once per call)."""
    script = scripts()

    def steps(rev: Any, _context: Any) -> Any:
        return script._upgrade_revs(target, rev)

    with EnvironmentContext(config(conn), script, fn=steps, destination_rev=target):
        script.run_env()


def migrate(engine: Engine) -> list[str]:
    """Apply every missing revision; returns the revisions applied now (empty when current)."""
    done: list[str] = []
    where = safe_url(engine.url)
    try:
        with _ONE_AT_A_TIME:
            while True:
                with write_transaction(engine, lock_key=MIGRATION_LOCK_KEY) as conn:
                    target = _next(conn, where)
                    if target is None:
                        return done
                    _upgrade(conn, target)
                done.append(target)
    except DBAPIError as exc:
        raise MigrationError(f"migrating the store at {where} failed: {exc.orig}") from exc
    except CommandError as exc:
        raise MigrationError(f"migrating the store at {where} failed: {exc}") from exc
