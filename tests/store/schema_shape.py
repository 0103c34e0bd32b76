"""Schema comparisons shared by the migration tests: the database against the table
definitions (what autogenerate would write), one database against another (reflected shape),
and throw-away PostgreSQL databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect

from store.schema import metadata

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def differences(engine: Engine, definition: MetaData = metadata) -> list[Any]:
    """What ``alembic revision --autogenerate`` would write: the database against the code."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, definition))


def shape(engine: Engine) -> dict[str, Any]:
    """Every table as reflected: columns (type, nullability), keys, indexes, their names."""
    seen = inspect(engine)
    out: dict[str, Any] = {}
    for name in sorted(seen.get_table_names()):
        out[name] = {
            "columns": {c["name"]: (str(c["type"]), c["nullable"]) for c in seen.get_columns(name)},
            "pk": seen.get_pk_constraint(name),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in seen.get_indexes(name)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"])) for u in seen.get_unique_constraints(name)
            ),
            "foreign": sorted(
                (f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                for f in seen.get_foreign_keys(name)
            ),
        }
    return out


@contextmanager
def pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named ``<prefix><random>``; its URL. Dropped after."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
