"""Bulk row operations of the writer, one implementation per backend.

SQLite: ``executemany`` on the raw driver (SQLAlchemy's per-row processing would cost more
than the insert itself). PostgreSQL: ``COPY`` straight into ``changes`` and, for new
records, into ``records``; changed records go through a temporary staging table and one
``UPDATE … FROM`` (performance.md: COPY + set-based statements are ~5× faster than
executemany on psycopg). Every function runs inside the caller's write transaction.

Rows are tuples in the column order of :data:`store.tables.CHANGE_COLUMNS` /
:data:`store.tables.RECORD_COLUMNS`, built with :meth:`Bulk.ts` and :meth:`Bulk.day` so each
backend gets the value types it stores natively.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from store.db import is_postgresql
from store.outbox import enqueue
from store.tables import CHANGE_COLUMNS, RECORD_COLUMNS

EXISTING_COLUMNS = (
    "record_id",
    "version",
    "hash",
    "state",
    "withdrawn_reason",
    "withdrawn_at",
    "first_published_at",
    "disclosure_due",
    "disclosure_working_days",
    "disclosure_on_time",
    "calendar_unknown",
    # the batch that wrote the latest version: settles in-batch duplicates across chunks
    "(SELECT c.batch_id FROM changes c WHERE c.seq = records.seq) AS last_batch",
)
"""What the writer needs to know about a record it is about to change."""

_PG_TYPES = {
    "seq": "bigint",
    "version": "integer",
    "publishable": "boolean",
    "calendar_unknown": "boolean",
    "disclosure_on_time": "boolean",
    "disclosure_working_days": "integer",
    "window_start": "date",
    "window_end": "date",
    "min_end": "date",
    "decision_date": "date",
    "disclosure_due": "date",
    "occurred_at": "timestamptz",
    "withdrawn_at": "timestamptz",
    "first_published_at": "timestamptz",
    "updated_at": "timestamptz",
}


def _pg_types(columns: Sequence[str]) -> list[str]:
    return [_PG_TYPES.get(c, "text") for c in columns]


class Bulk:
    """The bulk operations for one connection's backend."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = is_postgresql(conn)

    # -- value packing -------------------------------------------------------------------
    def ts(self, value: datetime | None) -> Any:
        """A UTC timestamp as this backend stores it (SQLite: SQLAlchemy's text format)."""
        if value is None or self.pg:
            return value
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def day(self, value: date | None) -> Any:
        """A date as this backend stores it (SQLite: ISO text)."""
        if value is None or self.pg:
            return value
        return value.isoformat()

    def flag(self, value: bool | None) -> Any:
        """A boolean as this backend stores it."""
        if value is None or self.pg:
            return value
        return int(value)

    # -- reads ---------------------------------------------------------------------------
    def max_seq(self) -> int:
        """The latest change-log seq (0 when empty); call under the writer lock."""
        return int(
            self.conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM changes").scalar_one()
        )

    def existing(self, record_ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """``record_id -> row of EXISTING_COLUMNS`` for those ids that are stored."""
        if not record_ids:
            return {}
        cols = ", ".join(EXISTING_COLUMNS)
        if self.pg:
            sql = f"SELECT {cols} FROM records WHERE record_id = ANY(%s)"
            params: tuple[Any, ...] = (list(record_ids),)
        else:
            # one parameter whatever the chunk size (SQLite caps bound variables)
            sql = f"SELECT {cols} FROM records WHERE record_id IN (SELECT value FROM json_each(?))"
            params = (orjson.dumps(list(record_ids)).decode(),)
        return {row[0]: tuple(row) for row in self.conn.exec_driver_sql(sql, params)}

    # -- writes --------------------------------------------------------------------------
    def insert_changes(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Append change-log rows (seq already assigned), and owe them to the webhook
        subscriptions of their datasets in the same transaction (:mod:`store.outbox`)."""
        if not rows:
            return
        self._insert("changes", CHANGE_COLUMNS, rows)
        seqs = [row[0] for row in rows]
        enqueue(self.conn, min(seqs), max(seqs))

    def insert_records(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert current-state rows of records not stored before."""
        self._insert("records", RECORD_COLUMNS, rows)

    def update_records(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Replace every column of stored records (matched by ``record_id``, the first)."""
        if not rows:
            return
        rest = RECORD_COLUMNS[1:]
        if self.pg:
            self.conn.exec_driver_sql(
                "CREATE TEMP TABLE IF NOT EXISTS records_stage "
                "(LIKE records INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            self._copy("records_stage", RECORD_COLUMNS, rows)
            targets = ", ".join(rest)
            sources = ", ".join(f"s.{c}" for c in rest)
            self.conn.exec_driver_sql(
                f"UPDATE records AS r SET ({targets}) = ({sources}) "
                "FROM records_stage AS s WHERE r.record_id = s.record_id"
            )
            self.conn.exec_driver_sql("DELETE FROM records_stage")
        else:
            assignments = ", ".join(f"{c} = ?" for c in rest)
            self.conn.exec_driver_sql(
                f"UPDATE records SET {assignments} WHERE record_id = ?",
                [(*row[1:], row[0]) for row in rows],
            )

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.pg:
            self._copy(table, columns, rows)
        else:
            marks = ", ".join("?" * len(columns))
            self.conn.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows)
            )

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        raw: Any = self.conn.connection.driver_connection  # the psycopg connection
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cur, cur.copy(statement) as copy:
            copy.set_types(_pg_types(columns))
            for row in rows:
                copy.write_row(row)
