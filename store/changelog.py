"""Reading the change log (变更日志): cursor reads, streaming, head and a record's history.

Readers follow ``seq``: ask for events ``after`` the last seq they applied. Because writers
assign seq under one lock and commit in seq order (:func:`store.db.write_transaction`), a
reader never sees seq N+1 before N, so the cursor never skips an event.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Engine, func, select

from store.errors import InvalidQueryError, UnknownRecordError
from store.events import ChangeEvent
from store.tables import changes

MAX_LIMIT = 50_000


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQueryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")


def read_changes(
    engine: Engine,
    after: int = 0,
    limit: int = 1000,
    datasets: Sequence[str] | None = None,
) -> list[ChangeEvent]:
    """Up to ``limit`` events with ``seq > after`` in seq order, optionally of some datasets."""
    _check_limit(limit)
    query = select(changes).where(changes.c.seq > after).order_by(changes.c.seq).limit(limit)
    if datasets is not None:
        if not datasets:
            return []
        query = query.where(changes.c.dataset.in_(list(datasets)))
    with engine.connect() as conn:
        return [ChangeEvent.from_row(row) for row in conn.execute(query).mappings()]


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
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one())


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
