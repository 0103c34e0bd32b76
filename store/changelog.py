"""Reading the change log (变更日志): cursor reads, streaming, head and a record's history.

Readers follow ``seq``: ask for events ``after`` the last seq they applied. Because writers
assign seq under one lock and commit in seq order (:func:`store.db.write_transaction`), a
reader never sees seq N+1 before N, so the cursor never skips an event.

Pages and the head are single statements (:class:`store.db.RawRead`): each is one snapshot,
and a page of 50,000 events costs little more than SQLite or PostgreSQL take to scan it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, Select, any_, bindparam, func, select

from store.db import RawRead
from store.errors import InvalidQueryError, UnknownRecordError
from store.events import EVENT_COLUMNS, ChangeEvent, utc
from store.tables import changes

MAX_LIMIT = 50_000


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQueryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")


_EVENT = [changes.c[name] for name in EVENT_COLUMNS]


def _page(_dialect: str) -> Select[Any]:
    return (
        select(*_EVENT)
        .where(changes.c.seq > bindparam("after"))
        .order_by(changes.c.seq)
        .limit(bindparam("limit"))
    )


def _one_dataset_page(dialect: str) -> Select[Any]:
    # (dataset, seq) index: the dataset's events come in seq order, no sort
    return _page(dialect).where(changes.c.dataset == bindparam("dataset"))


def _datasets_page(dialect: str) -> Select[Any]:
    # Several datasets (an audience's feed: most of the log) must be read along seq and
    # filtered: through the (dataset, seq) index a backend fetches every later event of each
    # dataset and sorts them all before the LIMIT. PostgreSQL picks the seq order by itself
    # when its statistics say the datasets are most of the log (an expression would hide
    # them); SQLite's planner has no such statistics, ``dataset || ''`` keeps the index out.
    if dialect == "postgresql":
        return _page(dialect).where(changes.c.dataset == any_(bindparam("datasets")))
    each = func.json_each(bindparam("datasets")).table_valued("value")  # a JSON array
    return _page(dialect).where(changes.c.dataset.concat("").in_(select(each.c.value)))


_PAGE = RawRead(_page)
_ONE_DATASET_PAGE = RawRead(_one_dataset_page)
_DATASETS_PAGE = RawRead(_datasets_page)
_HEAD = RawRead(lambda _d: select(func.coalesce(func.max(changes.c.seq), 0)))
_HEAD_MARK = RawRead(
    lambda _d: select(changes.c.seq, changes.c.occurred_at).order_by(changes.c.seq.desc()).limit(1)
)


def change_rows(
    engine: Engine,
    after: int = 0,
    limit: int = 1000,
    datasets: Sequence[str] | None = None,
) -> list[Any]:
    """What :func:`read_changes` reads, as the driver's rows in
    :data:`store.events.EVENT_COLUMNS` order (for :func:`store.views.feed_lines`)."""
    _check_limit(limit)
    if datasets is None:
        return _PAGE.rows(engine, {"after": after, "limit": limit})
    if not datasets:
        return []
    params: dict[str, Any] = {"after": after, "limit": limit}
    names = sorted(set(datasets))
    if len(names) == 1:
        return _ONE_DATASET_PAGE.rows(engine, {**params, "dataset": names[0]})
    is_pg = engine.dialect.name == "postgresql"
    params["datasets"] = names if is_pg else orjson.dumps(names).decode()
    return _DATASETS_PAGE.rows(engine, params)


def read_changes(
    engine: Engine,
    after: int = 0,
    limit: int = 1000,
    datasets: Sequence[str] | None = None,
) -> list[ChangeEvent]:
    """Up to ``limit`` events with ``seq > after`` in seq order, optionally of some datasets."""
    from_values = ChangeEvent.from_values
    return [from_values(row) for row in change_rows(engine, after, limit, datasets)]


def iter_changes(
    engine: Engine,
    after: int = 0,
    datasets: Sequence[str] | None = None,
    batch_size: int = 1000,
) -> Iterator[ChangeEvent]:
    """Every event after ``after``, streamed in pages of ``batch_size`` (flat memory).

    Each page is its own short read, so a long consumer never holds a snapshot open; events
    committed while it runs are picked up by later pages.
    """
    cursor = after
    while True:
        page = read_changes(engine, cursor, batch_size, datasets)
        yield from page
        if len(page) < batch_size:
            return
        cursor = page[-1].seq


def head(engine: Engine) -> int:
    """The latest seq (0 for an empty log)."""
    return int(_HEAD.rows(engine)[0][0])


def head_mark(engine: Engine) -> tuple[int, datetime | None]:
    """The latest seq and when it was written ((0, None) for an empty log): together they name
    one state of the log even across a restore from a backup, where a seq may come again."""
    rows = _HEAD_MARK.rows(engine)
    if not rows:
        return 0, None
    return int(rows[0][0]), utc(rows[0][1])


def history(engine: Engine, record_id: str) -> list[ChangeEvent]:
    """Every version and take-down of a record, oldest first (the timeline).

    Raises :class:`UnknownRecordError` when the record was never stored.
    """
    query = select(changes).where(changes.c.record_id == record_id).order_by(changes.c.seq)
    with engine.connect() as conn:
        events = [ChangeEvent.from_row(row) for row in conn.execute(query).mappings()]
    if not events:
        raise UnknownRecordError(f"no record {record_id!r}")
    return events
