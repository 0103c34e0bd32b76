"""Imported calendar years in the store (SQLite and PostgreSQL): stored, loaded by every
process that opens the store, idempotent, and the timeliness of published records follows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from penalty_factory import DATASET, penalties, rows
from sqlalchemy import func, inspect, select

from store import CALENDAR, CalendarYear, Source, Store, deadline, open_store, parse_calendar
from store.calendar_db import calendar_days, import_year, recompute_timeliness, stored_years
from store.db import write_transaction

TEST_2027 = Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "2027-test.csv"
NOW = datetime(2027, 2, 16, 2, 0, tzinfo=UTC)


def official_2027() -> CalendarYear:
    parsed = parse_calendar(TEST_2027.read_text(encoding="utf-8"))
    assert parsed.calendar is not None, parsed.issues
    return parsed.calendar


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    CALENDAR.forget_imported()
    store = open_store(db_url)
    yield store
    store.close()
    CALENDAR.forget_imported()


def test_migration_4_creates_the_calendar_tables(st: Store) -> None:
    names = set(inspect(st.engine).get_table_names())
    assert {"calendar_days", "calendar_changes"} <= names


def test_an_imported_year_is_stored_served_and_idempotent(st: Store, db_url: str) -> None:
    assert CALENDAR.source(2027) is Source.PROVISIONAL
    assert import_year(st.engine, official_2027(), actor="admin", now=NOW) is True
    assert CALENDAR.source(2027) is Source.IMPORTED
    assert deadline(date(2027, 1, 28), 10).date == date(2027, 2, 18)
    with st.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(calendar_days)).scalar_one()
        stamps = set(conn.scalars(select(calendar_days.c.imported_at)))
        assert stored_years(conn) == [official_2027()]
    assert count == 29
    later = datetime(2027, 3, 1, tzinfo=UTC)
    assert import_year(st.engine, official_2027(), actor="admin", now=later) is False
    with st.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(calendar_days)).scalar_one() == 29
        assert set(conn.scalars(select(calendar_days.c.imported_at))) == stamps  # untouched
    # another process: nothing imported in memory until it opens the store
    CALENDAR.forget_imported()
    assert CALENDAR.source(2027) is Source.PROVISIONAL
    open_store(db_url).close()
    assert CALENDAR.source(2027) is Source.IMPORTED


def test_a_changed_file_replaces_the_year(st: Store) -> None:
    cal = official_2027()
    import_year(st.engine, cal, actor="admin", now=NOW)
    fewer = CalendarYear(2027, dict(cal.holidays), {})
    assert import_year(st.engine, fewer, actor="admin", now=NOW) is True
    assert CALENDAR.table(2027).days_on == frozenset()
    with st.engine.connect() as conn:
        assert stored_years(conn) == [fewer]


def test_published_records_are_remeasured(st: Store) -> None:
    (record,) = penalties(1)
    record["decision_date"] = "2027-01-28"
    st.submit(DATASET, rows([record]), actor="dept", now=NOW)
    before = st.records(DATASET)[0]
    # provisional: 01-29, 02-01…02-04, (02-05…02-10 off), 02-11, 02-12
    assert (before.disclosure_due, before.disclosure_working_days) == (date(2027, 2, 12), 9)
    assert before.disclosure_on_time is False
    import_year(st.engine, official_2027(), actor="admin", now=NOW)
    with write_transaction(st.engine) as conn:
        (change,) = recompute_timeliness(conn, [2027])
    assert (change.subject, change.case_id, change.field) == (
        "record",
        before.record_id,
        "disclosure_due",
    )
    assert (change.old_due, change.new_due, change.new_source) == (
        date(2027, 2, 12),
        date(2027, 2, 15),  # 01-30 is a make-up Saturday; 02-11, 02-12 are off
        "imported",
    )
    after = st.get(before.record_id)
    assert (after.disclosure_due, after.disclosure_working_days) == (date(2027, 2, 15), 8)
    with write_transaction(st.engine) as conn:
        assert recompute_timeliness(conn, [2027]) == []  # idempotent
