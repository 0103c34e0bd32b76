"""Stores made by the build before Alembic (schema version 18 of the old runner) upgrade with
their data intact, to exactly the schema a new store gets.

The fixtures were made by that build (commit 3d30043) on SQLite and PostgreSQL:
``tests/fixtures/legacy/make_v18.py`` says how. PostgreSQL databases are named
``alembic_legacy_*`` and dropped afterwards.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
import pytest
from schema_shape import differences, pg_database, shape
from sqlalchemy import Engine, MetaData, select, text, update

from store import MigrationError, authenticate, open_store
from store.db import make_engine
from store.migrations import LEGACY_MARKER, current_revision, head_revision, migrate
from store.schema import repair_applications

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "legacy"
FACTS = json.loads((FIXTURES / "v18.json").read_text("utf-8"))


def _restore_pg(url: str) -> None:
    """Load the ``pg_dump --inserts`` of the legacy store (psql's ``\\`` lines left out)."""
    dump = gzip.decompress((FIXTURES / "v18.postgresql.sql.gz").read_bytes()).decode()
    script = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute(script.encode())


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def legacy_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store exactly as the build before Alembic left it."""
    if request.param == "sqlite":
        path = tmp_path / "v18.sqlite"
        with gzip.open(FIXTURES / "v18.sqlite.gz") as packed, path.open("wb") as raw:
            shutil.copyfileobj(packed, raw)
        yield f"sqlite:///{path}"
        return
    with pg_database("alembic_legacy_") as url:
        _restore_pg(url)
        yield url


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    found = MetaData()
    found.reflect(engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in found.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order))
            out[table.name] = [tuple(r) for r in rows]
    return out


def _legacy_versions(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.scalars(text("SELECT version FROM schema_migrations")))


def test_a_version_18_store_is_adopted_with_its_data_intact(legacy_url: str) -> None:
    backend = "postgresql" if legacy_url.startswith("postgresql") else "sqlite"
    engine = make_engine(legacy_url)
    before = _rows(engine)
    assert "alembic_version" not in before and len(before["schema_migrations"]) == 12
    applied = migrate(engine)  # stamped at 0018, the last legacy step; then every later one
    assert applied[0] == "0019" and applied[-1] == head_revision()
    after = _rows(engine)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    assert differences(engine) == []
    assert set(after) >= set(before) | {"alembic_version"}  # later revisions add tables
    for table, rows in before.items():
        if table != "schema_migrations":
            assert after[table] == rows, table
    assert _legacy_versions(engine) == {1, 2, 3, 4, 6, 8, 11, 12, 14, 15, 16, 18, LEGACY_MARKER}
    engine.dispose()
    facts = FACTS[backend]
    with open_store(legacy_url) as store:  # and the store works as before
        assert store.head() == facts["head"]
        assert store.get(facts["record_id"]).record_id == facts["record_id"]
        assert authenticate(store.engine, facts["admin_secret"]) is not None


def test_an_adopted_store_has_the_shape_of_a_new_one(legacy_url: str, tmp_path: Path) -> None:
    """Tables, columns, types, nullability, keys, indexes and their names: what the legacy
    runner built and what the revisions build are the same schema."""
    legacy = make_engine(legacy_url)
    migrate(legacy)
    with ExitStack() as stack:
        fresh_url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        if legacy.dialect.name == "postgresql":
            fresh_url = stack.enter_context(pg_database("alembic_fresh_"))
        fresh = make_engine(fresh_url)
        migrate(fresh)
        assert shape(legacy) == shape(fresh)
        fresh.dispose()
    legacy.dispose()


def test_a_version_16_store_gets_the_later_steps(legacy_url: str) -> None:
    """An older store goes the legacy route: stamped at its last step, then 0018 (which
    releases cases left claimed by a crashed step) and every later revision."""
    engine = make_engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM schema_migrations WHERE version = 18"))
        conn.execute(
            update(repair_applications)
            .where(repair_applications.c.state == "pending")
            .values(decided_by="key:old:dept")
        )
    assert migrate(engine)[:2] == ["0018", "0019"]
    with engine.connect() as conn:
        claimed = conn.execute(
            select(repair_applications.c.id).where(
                repair_applications.c.state == "pending",
                repair_applications.c.decided_by.is_not(None),
            )
        ).all()
    assert claimed == []
    assert differences(engine) == []
    engine.dispose()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("DELETE FROM schema_migrations WHERE version = 8", r"missing \[8\].*3d30043"),
        ("DELETE FROM schema_migrations", "empty schema_migrations"),
        (
            "INSERT INTO schema_migrations VALUES (20, 'from a branch', CURRENT_TIMESTAMP)",
            "schema version 20, newer than this code",
        ),
        (
            f"INSERT INTO schema_migrations VALUES ({LEGACY_MARKER}, 'x', CURRENT_TIMESTAMP)",
            "lost its alembic_version",
        ),
    ],
)
def test_a_legacy_store_it_cannot_place_is_refused_untouched(
    legacy_url: str, change: str, message: str
) -> None:
    engine = make_engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text(change))
    before = _rows(engine)
    with pytest.raises(MigrationError, match=message):
        migrate(engine)
    assert _rows(engine) == before  # nothing stamped, nothing created
    engine.dispose()
