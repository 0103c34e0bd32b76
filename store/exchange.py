"""The exchange store (交换库): one object every channel reads from and every submission
writes to — :func:`open_store` gives it.

:class:`Store` is a thin handle over an engine; the work is done by the modules it calls
(``records`` writes, ``takedowns`` takes down, ``changelog`` and ``state`` read). It is safe
to share between threads; open one per process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, case, func, inspect, select

from store.batches import mark_interrupted
from store.calendar_db import calendar_days, load_imported
from store.changelog import (
    MAX_LIMIT,
    change_rows,
    head,
    head_mark,
    history,
    iter_changes,
    read_changes,
)
from store.db import make_engine, safe_url
from store.errors import InvalidQueryError
from store.events import ChangeEvent, StoredRecord
from store.migrations import migrate
from store.outcomes import SubmitResult
from store.records import CHUNK_ROWS, submit
from store.state import get_record, list_records, record_window_end, records_by_uscc
from store.subjects import hidden_record_ids
from store.tables import records as records_table
from store.takedowns import SweepResult, sweep, withdraw
from store.timeliness import TimelinessSummary
from store.views import Audience, feed_lines, view_event


def open_store(url: str, *, migrate_schema: bool = True) -> Store:
    """Open (and by default migrate) the store at ``url``.

    ``sqlite:///path`` or ``postgresql[+psycopg]://…``; raises
    :class:`store.StoreUnavailableError` when the database cannot be reached and
    :class:`store.MigrationError` when its schema cannot be brought up to date. The calendar
    years imported into the store are loaded into the process's calendar.
    """
    engine = make_engine(url)
    if migrate_schema:
        try:
            migrate(engine)
            mark_interrupted(engine)  # batches left running by a dead process
        except BaseException:
            engine.dispose()
            raise
    _load_calendar(engine)
    return Store(engine)


def _load_calendar(engine: Engine) -> None:
    """Serve the store's imported calendar years in this process (none before migration 4)."""
    if inspect(engine).has_table(calendar_days.name):
        load_imported(engine)


class Store:
    """Versions, one change log, take-downs and current state, on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return safe_url(self.engine.url)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writes ----------------------------------------------------------------------------
    def submit(
        self,
        dataset_id: str,
        records: Iterable[tuple[int, Mapping[str, Any]]],
        *,
        actor: str,
        source: str = "api",
        batch_id: str | None = None,
        all_or_nothing: bool = False,
        now: datetime | None = None,
        progress: Callable[[int], None] | None = None,
        chunk_rows: int = CHUNK_ROWS,
        detail: bool = True,
        threaded: bool = False,
    ) -> SubmitResult:
        """Store a batch of valid ``(row, record)`` pairs (rules: :mod:`store.records`)."""
        return submit(
            self.engine,
            dataset_id,
            records,
            actor=actor,
            source=source,
            batch_id=batch_id,
            all_or_nothing=all_or_nothing,
            now=now,
            progress=progress,
            chunk_rows=chunk_rows,
            detail=detail,
            threaded=threaded,
        )

    def withdraw(
        self,
        dataset_id: str,
        *,
        record_id: str | None = None,
        key: Mapping[str, str] | Sequence[str] | None = None,
        reason: str,
        note: str | None = None,
        actor: str,
        now: datetime | None = None,
    ) -> ChangeEvent | None:
        """Take a record down (by id or natural key); None when already withdrawn."""
        return withdraw(
            self.engine,
            dataset_id,
            record_id=record_id,
            key=key,
            reason=reason,
            note=note,
            actor=actor,
            now=now,
        )

    def sweep(self, now: date, *, occurred_at: datetime | None = None) -> SweepResult:
        """Expire every published record whose window ended before ``now``."""
        return sweep(self.engine, now, occurred_at=occurred_at)

    # -- the change log ----------------------------------------------------------------------
    def changes(
        self, after: int = 0, limit: int = 1000, datasets: Sequence[str] | None = None
    ) -> list[ChangeEvent]:
        """Up to ``limit`` events after seq ``after``, in seq order."""
        return read_changes(self.engine, after, limit, datasets)

    def iter_changes(
        self, after: int = 0, datasets: Sequence[str] | None = None, batch_size: int = 1000
    ) -> Iterator[ChangeEvent]:
        """Every event after ``after``, streamed page by page."""
        return iter_changes(self.engine, after, datasets, batch_size)

    def feed_ndjson(
        self,
        after: int = 0,
        limit: int = 1000,
        datasets: Sequence[str] | None = None,
        audience: Audience | str = Audience.PUBLIC,
        *,
        today: date,
        chunk: int = 10_000,
    ) -> Iterator[bytes]:
        """The change feed for ``audience`` as NDJSON: one chunk of lines per page of up to
        ``chunk`` events read (a chunk may be ``b""`` when none of its events is the
        audience's). Lines are those of :func:`store.view_event` (:func:`store.views.feed_lines`).
        The first page is read when the first chunk is asked for.

        ``limit`` bounds the lines delivered. Events of a dataset the audience reads give
        one line each, except those about a subject it may not see (:mod:`store.subjects`),
        which give none; reading goes on until ``limit`` lines or the end of the log, so
        fewer lines than ``limit`` still means every event up to the head was read."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidQueryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        cursor, remaining = after, limit
        while remaining > 0:
            count = min(remaining, chunk)
            rows = change_rows(self.engine, cursor, count, datasets)
            if not rows:
                return
            hidden = self._hidden_rows(rows, audience)
            lines = feed_lines(rows, audience, today=today, hidden=hidden)
            yield lines
            if len(rows) < count:
                return
            remaining -= lines.count(b"\n")  # orjson escapes newlines inside strings
            cursor = rows[-1][0]

    def feed_items(
        self,
        after: int,
        limit: int,
        datasets: Sequence[str] | None,
        audience: Audience | str,
        *,
        today: date,
    ) -> tuple[list[dict[str, Any]], int, bool]:
        """One page of feed items (:func:`store.view_event`) for pushing channels:
        ``(items, last_seq_read, more)``; the cursor moves past events the audience has no
        item for, and ``more`` says the page was full (read again at once)."""
        events = read_changes(self.engine, after, limit, datasets)
        hidden = self.hidden(events, audience)
        items = [view_event(e, audience, today=today, hidden=hidden) for e in events]
        last = events[-1].seq if events else after
        return [i for i in items if i is not None], last, len(events) == limit

    def _hidden_rows(self, rows: Sequence[Any], audience: Audience | str) -> frozenset[str]:
        # change rows: record_id is column 2, payload column 8 (None for a take-down)
        if Audience(audience) is Audience.GOVERNMENT:
            return frozenset()
        return hidden_record_ids(
            self.engine, (row[2] for row in rows if row[8] is None), Audience(audience).value
        )

    def hidden(self, events: Iterable[ChangeEvent], audience: Audience | str) -> frozenset[str]:
        """Record ids of the take-downs among ``events`` that ``audience`` must not hear of
        (records about a subject it may not see, :mod:`store.subjects`); pass them to
        :func:`store.view_event` as ``hidden``."""
        if Audience(audience) is Audience.GOVERNMENT:
            return frozenset()
        ids = (e.record_id for e in events if e.payload is None)
        return hidden_record_ids(self.engine, ids, Audience(audience).value)

    def head(self) -> int:
        """The latest seq (0 when the log is empty)."""
        return head(self.engine)

    def head_mark(self) -> tuple[int, datetime | None]:
        """The latest seq and when it was written (:func:`store.changelog.head_mark`)."""
        return head_mark(self.engine)

    def history(self, record_id: str) -> list[ChangeEvent]:
        """Every version and take-down of a record, oldest first."""
        return history(self.engine, record_id)

    # -- current state -----------------------------------------------------------------------
    def get(self, record_id: str) -> StoredRecord:
        """The current state of a record; raises :class:`store.UnknownRecordError`."""
        return get_record(self.engine, record_id)

    def records(
        self,
        dataset: str,
        *,
        after_record_id: str | None = None,
        until_record_id: str | None = None,
        limit: int = 1000,
        state: str | None = "active",
        filters: Mapping[str, str] | None = None,
    ) -> list[StoredRecord]:
        """A keyset page of a dataset's records (``state``: active, withdrawn or all), up to
        ``until_record_id`` (inclusive) when given."""
        return list_records(
            self.engine,
            dataset,
            after_record_id=after_record_id,
            until_record_id=until_record_id,
            limit=limit,
            state=state,
            filters=filters,
        )

    def window_end(
        self, dataset: str, *, after_record_id: str | None, size: int, uscc: str | None = None
    ) -> str | None:
        """The id ``size`` stored records after ``after_record_id`` (of that credit code's
        records when ``uscc`` is given); None when fewer remain. Bounds a filtered read."""
        return record_window_end(
            self.engine, dataset, after_record_id=after_record_id, size=size, uscc=uscc
        )

    def by_uscc(self, uscc: str, *, state: str | None = None) -> list[StoredRecord]:
        """Every record about a USCC, across datasets (all states unless ``state``)."""
        return records_by_uscc(self.engine, uscc, state=state)

    def timeliness(self, dataset: str | None = None) -> TimelinessSummary:
        """On-time / late / unknown-calendar counts over published records."""
        r = records_table
        published = r.c.first_published_at.is_not(None)
        query = select(
            func.count(case((r.c.disclosure_on_time.is_(True), 1))),
            func.count(case((r.c.disclosure_on_time.is_(False), 1))),
            func.count(case((r.c.calendar_unknown.is_(True), 1))),
            func.count(
                case((r.c.disclosure_on_time.is_(None) & r.c.calendar_unknown.is_(False), 1))
            ),
        ).where(published)
        if dataset is not None:
            query = query.where(r.c.dataset == dataset)
        with self.engine.connect() as conn:
            on_time, late, unknown, other = conn.execute(query).one()
        return TimelinessSummary(
            dataset=dataset,
            on_time=on_time,
            late=late,
            calendar_unknown=unknown,
            not_applicable=other,
        )
