"""Reading current state (当前记录): one record, a dataset page, everything about a USCC.

Pages are keyset-paginated by ``record_id`` (pass the last id of a page as
``after_record_id``), so deep pages cost the same as the first. Field filters compare a
payload field with a value; for a multi-valued field (a list) the value must be one of its
items. Only field ids of the dataset's schema may be filtered on. The credit code (``uscc``)
is a column of its own with an index, so a filter on it reads only that code's rows.

A filter that matches little would make one ``LIMIT`` query read the whole dataset, so a
reader bounds its work first: :func:`record_window_end` finds the id ``size`` rows ahead
(an index-only walk of the key, or of that code's rows), and ``until_record_id`` keeps the
filtered query inside that window.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Select, and_, bindparam, exists, func, literal_column, select, text
from sqlalchemy.sql.elements import ColumnElement, TextClause

import schemas
from catalog import get_entry
from store.changelog import MAX_LIMIT
from store.db import RawRead
from store.errors import InvalidQueryError, UnknownRecordError
from store.events import RecordState, StoredRecord
from store.tables import dataset_range, records

STATES = ("active", "withdrawn", "all")


_COLUMNS = tuple(c.name for c in records.columns)
_BY_ID = RawRead(lambda _d: select(records).where(records.c.record_id == bindparam("record_id")))
_BY_USCC = RawRead(
    lambda _d: (
        select(records)
        .where(records.c.uscc == bindparam("uscc"))
        .order_by(records.c.dataset, records.c.record_id)
    )
)
_BY_USCC_IN_STATE = RawRead(
    lambda _d: (
        select(records)
        .where(records.c.uscc == bindparam("uscc"), records.c.state == bindparam("state"))
        .order_by(records.c.dataset, records.c.record_id)
    )
)


def _stored(row: Any) -> StoredRecord:
    return StoredRecord.from_row(dict(zip(_COLUMNS, row, strict=True)))


def get_record(engine: Engine, record_id: str) -> StoredRecord:
    """The current state of one record; raises :class:`UnknownRecordError`."""
    rows = _BY_ID.rows(engine, {"record_id": record_id})
    if not rows:
        raise UnknownRecordError(f"no record {record_id!r}")
    return _stored(rows[0])


def _state_clause(state: str | None) -> ColumnElement[bool] | None:
    if state in (None, "all"):
        return None
    if state not in STATES:
        raise InvalidQueryError(f"state must be one of {', '.join(STATES)}, not {state!r}")
    return records.c.state == RecordState(state).value


def _field_clause(engine: Engine, i: int, fid: str, value: str) -> ColumnElement[bool] | TextClause:
    if engine.dialect.name == "postgresql":
        # jsonb @> matches a string field equal to the value and an array containing it
        clause = text(f"(records.payload::jsonb -> :f{i}) @> to_jsonb(CAST(:v{i} AS text))")
        return clause.bindparams(**{f"f{i}": fid, f"v{i}": value})
    # json_each over a scalar yields that scalar, over an array its items
    each = func.json_each(records.c.payload, f'$."{fid}"').table_valued("value")
    return exists(select(literal_column("1")).select_from(each).where(each.c.value == value))


INDEXED_FILTERS = {"uscc": records.c.uscc}
"""Filter fields that are columns of their own (written from the payload field of that id)."""


def record_window_end(
    engine: Engine,
    dataset: str,
    *,
    after_record_id: str | None,
    size: int,
    uscc: str | None = None,
) -> str | None:
    """The id of the ``size``-th stored record (any state) after ``after_record_id`` — of the
    records with that credit code when ``uscc`` is given; None when fewer remain."""
    if size < 1:
        raise InvalidQueryError(f"a window holds at least one record, not {size}")
    entry = get_entry(dataset)
    low, high = dataset_range(entry.id)
    query = select(records.c.record_id).where(
        records.c.record_id >= low, records.c.record_id < high
    )
    if after_record_id is not None:
        query = query.where(records.c.record_id > after_record_id)
    if uscc is not None:
        query = query.where(records.c.uscc == uscc)
    query = query.order_by(records.c.record_id).offset(size - 1).limit(1)
    with engine.connect() as conn:
        found: str | None = conn.execute(query).scalar()
    return found


def list_records(
    engine: Engine,
    dataset: str,
    *,
    after_record_id: str | None = None,
    until_record_id: str | None = None,
    limit: int = 1000,
    state: str | None = "active",
    filters: Mapping[str, str] | None = None,
) -> list[StoredRecord]:
    """A page of a dataset's records in record-id order, after ``after_record_id`` and up to
    ``until_record_id`` (inclusive) when given."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQueryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    entry = get_entry(dataset)
    low, high = dataset_range(entry.id)
    query: Select[Any] = select(records).where(
        records.c.record_id >= low, records.c.record_id < high, records.c.dataset == entry.id
    )
    if (clause := _state_clause(state)) is not None:
        query = query.where(clause)
    if after_record_id is not None:
        query = query.where(records.c.record_id > after_record_id)
    if until_record_id is not None:
        query = query.where(records.c.record_id <= until_record_id)
    if filters:
        known = {f.id for f in schemas.fields(entry.schema_id)}
        unknown = sorted(set(filters) - known)
        if unknown:
            raise InvalidQueryError(f"{dataset} has no field {', '.join(unknown)}")
        clauses = (
            INDEXED_FILTERS[f] == v if f in INDEXED_FILTERS else _field_clause(engine, i, f, v)
            for i, (f, v) in enumerate(sorted(filters.items()))
        )
        query = query.where(and_(*clauses))
    query = query.order_by(records.c.record_id).limit(limit)
    with engine.connect() as conn:
        return [StoredRecord.from_row(row) for row in conn.execute(query).mappings()]


def records_by_uscc(engine: Engine, uscc: str, *, state: str | None = None) -> list[StoredRecord]:
    """Every record whose counterpart has this USCC, across datasets (all states by default;
    channels pass each through :func:`store.view`, which drops withdrawn ones)."""
    code = uscc.strip().upper()
    if _state_clause(state) is None:
        rows = _BY_USCC.rows(engine, {"uscc": code})
    else:
        rows = _BY_USCC_IN_STATE.rows(engine, {"uscc": code, "state": state})
    return [_stored(row) for row in rows]
