"""The Alembic revisions: they build exactly the tables the code defines, once, safely when
processes start at once, and a newer store is refused."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
from alembic import command
from schema_shape import differences, pg_database, shape
from sqlalchemy import Column, Integer, MetaData, inspect, select, text

from store import MigrationError, open_store
from store.db import make_engine
from store.migrations import LEGACY_STEPS, config, current_revision, head_revision, migrate
from store.migrations import revisions as all_revisions
from store.schema import metadata, schema_migrations

ROOT = Path(__file__).resolve().parents[2]


def test_upgrade_head_builds_exactly_the_defined_tables(db_url: str) -> None:
    """A table changed without a revision fails here (on SQLite and on PostgreSQL)."""
    engine = make_engine(db_url)
    assert migrate(engine) == list(all_revisions())
    assert differences(engine) == []
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["records"].append_column(Column("forgotten", Integer))
    assert [d[0] for d in differences(engine, changed)] == ["add_column"]  # the test has teeth
    engine.dispose()


def test_first_run_applies_every_revision_then_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate(engine) == list(all_revisions())
    assert migrate(engine) == []
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    engine.dispose()


def test_revisions_continue_the_legacy_numbering() -> None:
    """Revision ``00NN`` is step NN of the runner before Alembic, in the same order: legacy
    stores are stamped at their last step (docs/migrations.md)."""
    legacy = [f"{v:04d}" for v in LEGACY_STEPS]
    assert [r for r in all_revisions() if r in legacy] == legacy


def test_threads_migrating_at_once_apply_each_revision_once(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        applied = list(pool.map(migrate, engines))
    assert sorted(rev for done in applied for rev in done) == list(all_revisions())
    for engine in engines:
        engine.dispose()


def test_processes_opening_at_once_migrate_once(db_url: str) -> None:
    code = "import sys; from store import open_store; open_store(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, db_url], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()  # a revision applied twice would fail
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    assert differences(engine) == []
    engine.dispose()


KILLED_MIGRATION = """
import sys
from store.db import make_engine
from store.migrations import migrate
engine = make_engine(sys.argv[1])
print("migrating", flush=True)
migrate(engine)
print("done", flush=True)
"""


def test_kill_9_while_migrating_leaves_whole_revisions(db_url: str, tmp_path: Path) -> None:
    """A process killed at a random point of the upgrade leaves the store at a revision, with
    exactly that revision's schema, and the next start carries on to the head."""
    rng = random.Random()
    reached: str | None = None
    for _ in range(8):  # each try from an empty database, until one stops half-way
        _empty(db_url)
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_MIGRATION, db_url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline() == "migrating\n"
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        engine = make_engine(db_url)
        with engine.connect() as conn:
            reached = current_revision(conn)
        engine.dispose()
        if reached not in (None, head_revision()):
            break
    assert reached not in (None, head_revision()), "no kill landed while migrating"
    engine = make_engine(db_url)
    assert shape(engine) == _shape_at(str(reached), db_url, tmp_path)  # whole revisions only
    assert migrate(engine) == list(all_revisions()[all_revisions().index(str(reached)) + 1 :])
    assert differences(engine) == []
    engine.dispose()


def _shape_at(revision: str, like: str, tmp_path: Path) -> dict[str, object]:
    """The schema of a new database of ``like``'s backend brought to ``revision``."""
    with ExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'reference.sqlite'}"
        if like.startswith("postgresql"):
            url = stack.enter_context(pg_database("alembic_reference_"))
        engine = make_engine(url)
        with engine.begin() as conn:
            command.upgrade(config(conn), revision)
        found = shape(engine)
        engine.dispose()
    return found


def _empty(url: str) -> None:
    """Start again from an empty database."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if current_revision(conn) is not None:
            command.downgrade(config(conn), "base")
            conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()


def test_a_newer_store_is_refused(db_url: str) -> None:
    open_store(db_url).close()
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(MigrationError, match="revision 9999, unknown to this code"):
        open_store(db_url)


def test_old_builds_refuse_a_store_under_alembic(db_url: str) -> None:
    """Revision 0019 leaves a version the old runner finds newer than itself (it raised
    ``newer than this code`` for any version above its own 18)."""
    open_store(db_url).close()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        versions = set(conn.scalars(select(schema_migrations.c.version)))
    assert versions and max(versions) > max(LEGACY_STEPS)
    engine.dispose()


def test_every_revision_downgrades(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    with engine.begin() as conn:
        command.downgrade(config(conn), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    assert migrate(engine) == list(all_revisions())
    assert differences(engine) == []
    engine.dispose()


def test_record_ids_compare_bytewise(db_url: str) -> None:
    """Keyset pages and dataset ranges rely on byte order, whatever the server's locale."""
    st = open_store(db_url)
    with st.engine.connect() as conn:
        if st.engine.dialect.name == "postgresql":
            found = conn.exec_driver_sql(
                "SELECT table_name, collation_name FROM information_schema.columns "
                "WHERE column_name = 'record_id' AND table_name IN ('records', 'changes')"
            ).all()
            assert sorted(found) == [("changes", "C"), ("records", "C")]
        else:
            found = conn.exec_driver_sql("SELECT 'a;' > 'a:zzz'").scalar()
            assert found == 1
    st.close()
