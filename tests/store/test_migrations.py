"""The migration runner: idempotent, safe when processes start at once, refuses newer schemas."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select

from store import MigrationError, open_store
from store.db import make_engine
from store.migrations import MIGRATIONS, latest_version, migrate
from store.tables import schema_migrations

ROOT = Path(__file__).resolve().parents[2]


def test_first_run_applies_every_step_then_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate(engine) == [m.version for m in MIGRATIONS]
    assert migrate(engine) == []
    assert {"batches", "changes", "records", "schema_migrations"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as conn:
        versions = list(conn.scalars(select(schema_migrations.c.version)))
        assert sorted(versions) == [m.version for m in MIGRATIONS]  # each step once
    engine.dispose()


def test_threads_opening_at_once_migrate_once(db_url: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: open_store(db_url), range(4)))
    engine = stores[0].engine
    with engine.connect() as conn:
        found = sorted(conn.scalars(select(schema_migrations.c.version)))
        assert found == [m.version for m in MIGRATIONS]  # each step applied once
    for st in stores:
        st.close()


def test_processes_opening_at_once_migrate_once(db_url: str) -> None:
    code = "import sys; from store import open_store; open_store(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, db_url], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    st = open_store(db_url)
    with st.engine.connect() as conn:
        found = sorted(conn.scalars(select(schema_migrations.c.version)))
        assert found == [m.version for m in MIGRATIONS]  # each step applied once
    st.close()


def test_newer_schema_is_refused(db_url: str) -> None:
    st = open_store(db_url)
    with st.engine.begin() as conn:
        conn.execute(
            insert(schema_migrations).values(
                version=latest_version() + 1, name="from the future", applied_at=datetime.now(UTC)
            )
        )
    st.close()
    with pytest.raises(MigrationError, match="newer than this code"):
        open_store(db_url)


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
