"""Migration 3: the workflow tables as ``workflows.tables`` defines them, and the mark column."""

from __future__ import annotations

from sqlalchemy import inspect, text

from store import open_store
from store.db import make_engine, write_transaction
from store.migrations import MIGRATIONS, latest_version, migrate
from store.tables_workflows import WORKFLOW_TABLES
from store.tables import schema_migrations


def _columns(engine: object, table: str) -> dict[str, bool]:
    return {c["name"]: bool(c["nullable"]) for c in inspect(engine).get_columns(table)}  # type: ignore[arg-type]


def test_migration_creates_the_tables_workflows_defines(wf_url: str) -> None:
    st = open_store(wf_url)
    assert latest_version() >= 3 and MIGRATIONS[2].name.startswith("workflows:")
    for table in WORKFLOW_TABLES:
        found = _columns(st.engine, table.name)
        declared = {c.name: bool(c.nullable) for c in table.columns}
        assert found == declared, table.name
        indexed = {tuple(i["column_names"]) for i in inspect(st.engine).get_indexes(table.name)}
        wanted = {tuple(c.name for c in i.columns) for i in table.indexes}
        assert wanted <= indexed, table.name
    assert "objection_version" in _columns(st.engine, "records")
    st.close()


def test_a_version_2_store_gains_the_mark_column(wf_url: str) -> None:
    engine = make_engine(wf_url)
    for step in MIGRATIONS[:2]:
        with write_transaction(engine) as conn:
            schema_migrations.create(conn, checkfirst=True)
            step.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    version=step.version, name=step.name, applied_at=text("CURRENT_TIMESTAMP")
                )
            )
    with write_transaction(engine) as conn:  # records as version 2 created them
        conn.execute(text("ALTER TABLE records DROP COLUMN objection_version"))
    assert "objection_version" not in _columns(engine, "records")
    assert migrate(engine) == [m.version for m in MIGRATIONS[2:]]  # 3 and every later step
    assert "objection_version" in _columns(engine, "records")
    assert {t.name for t in WORKFLOW_TABLES} <= set(inspect(engine).get_table_names())
    engine.dispose()
