"""Working days: the verified deadlines, the layered calendar (official data files, provisional
years, imported years), provenance and counting invariants across the provisional boundary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.calendar_files import parse_calendar
from store.calendars import CALENDAR, Source, official_years
from store.workdays import (
    CalendarUnknownError,
    add_working_days,
    deadline,
    disclosure_deadline,
    is_working_day,
    source_between,
    working_days_between,
)

TEST_2027 = Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "2027-test.csv"

# Dates whose results stay inside the official years (n <= 40 working days < 3 months).
KNOWN_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 9, 30))
# Across the boundary official (2026) / provisional (2027, 2028).
BOUNDARY_DAYS = st.dates(min_value=date(2026, 6, 1), max_value=date(2028, 9, 30))
COUNTS = st.integers(min_value=0, max_value=40)


@pytest.fixture(autouse=True)
def _no_imported_years() -> Iterator[None]:
    CALENDAR.forget_imported()
    yield
    CALENDAR.forget_imported()


@pytest.mark.parametrize(
    ("decision", "due"),
    [
        (date(2025, 9, 30), date(2025, 10, 16)),  # Tue before National Day; 10-11 Sat is 调休
        (date(2025, 10, 4), date(2025, 10, 16)),  # Sat inside the break: start day not counted
        (date(2026, 2, 13), date(2026, 3, 2)),  # 02-14 and 02-28 are 调休 working Saturdays
    ],
)
def test_verified_disclosure_deadlines(decision: date, due: date) -> None:
    assert disclosure_deadline(decision) == due
    assert working_days_between(decision, due) == 7
    assert deadline(decision, 7).provisional is False
    assert deadline(decision, 7).source is Source.OFFICIAL


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 10, 1), False),  # 国庆
        (date(2025, 10, 8), False),  # 国庆/中秋 break
        (date(2025, 10, 11), True),  # Saturday worked in lieu (调休)
        (date(2025, 10, 12), False),  # ordinary Sunday
        (date(2025, 10, 13), True),  # ordinary Monday
        (date(2026, 2, 14), True),  # Saturday worked in lieu before 春节
        (date(2026, 2, 17), False),  # 春节
        (date(2027, 1, 1), False),  # 元旦, provisional
        (date(2027, 2, 8), False),  # 春节 (lunar), provisional
        (date(2027, 9, 15), False),  # 中秋 (lunar), provisional
        (date(2028, 1, 26), False),  # 春节 2028 (lunar), provisional
        (date(2028, 1, 31), True),  # an ordinary Monday of 2028
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_datetime_counts_as_its_calendar_day() -> None:
    assert add_working_days(datetime(2025, 10, 4, 23, 59), 7) == date(2025, 10, 16)
    assert is_working_day(datetime(2025, 10, 11, 8, 0)) is True


def test_counting_into_2027_is_provisional_never_refused() -> None:
    # 2026-12-30, 12-31, (01-01 元旦), 01-04 … 01-08
    due = deadline(date(2026, 12, 29), 7)
    assert due.date == date(2027, 1, 8) and due.provisional and due.source is Source.PROVISIONAL
    assert deadline(date(2026, 12, 29), 2).provisional is False  # 12-30, 12-31: all official
    assert working_days_between(date(2026, 12, 30), date(2027, 1, 5)) == 3
    assert deadline(date(2028, 6, 1), 10).provisional is True


@pytest.mark.parametrize("day", [date(2003, 12, 31), date(1999, 6, 1), date(2100, 1, 4)])
def test_only_absurd_years_are_refused(day: date) -> None:
    with pytest.raises(CalendarUnknownError) as info:
        is_working_day(day)
    assert info.value.year == day.year
    assert str(day.year) in str(info.value)
    assert isinstance(info.value, LookupError)


def test_the_official_data_files_are_chinese_calendar_day_for_day() -> None:
    years = official_years()
    assert years == list(range(2004, 2027))  # no invented 2027
    for year in years:
        assert CALENDAR.source(year) is Source.OFFICIAL
        day = date(year, 1, 1)
        while day.year == year:
            assert is_working_day(day) is chinese_calendar.is_workday(day), day
            day += timedelta(days=1)


def test_provisional_years_have_no_make_up_saturdays() -> None:
    for year in (2027, 2028):
        table = CALENDAR.table(year)
        assert table.source is Source.PROVISIONAL and not table.days_on
        assert date(year, 10, 1) in table.days_off and date(year, 5, 1) in table.days_off


def test_an_imported_year_wins_and_changes_provenance() -> None:
    parsed = parse_calendar(TEST_2027.read_text(encoding="utf-8"))
    assert parsed.calendar is not None, parsed.issues
    before = deadline(date(2027, 1, 28), 10)
    assert (before.date, before.provisional) == (date(2027, 2, 17), True)
    assert CALENDAR.set_imported([parsed.calendar]) == [2027]
    after = deadline(date(2027, 1, 28), 10)  # 01-30 is a make-up Saturday; 02-05…02-12 off
    assert (after.date, after.source) == (date(2027, 2, 18), Source.IMPORTED)
    assert after.provisional is False
    assert is_working_day(date(2027, 1, 30)) and not is_working_day(date(2027, 2, 11))
    assert source_between(date(2027, 12, 20), date(2028, 1, 5)) is Source.PROVISIONAL
    assert CALENDAR.set_imported([parsed.calendar]) == []  # the same year again: no change
    assert CALENDAR.set_imported([]) == [2027]
    assert CALENDAR.source(2027) is Source.PROVISIONAL


def test_zero_days_and_negative_counts() -> None:
    assert add_working_days(date(2025, 10, 4), 0) == date(2025, 10, 4)
    assert working_days_between(date(2025, 10, 4), date(2025, 10, 4)) == 0
    with pytest.raises(ValueError, match="n must be"):
        add_working_days(date(2025, 10, 4), -1)


@given(KNOWN_DAYS, COUNTS)
def test_add_is_strictly_monotonic_in_n(day: date, n: int) -> None:
    assert add_working_days(day, n) < add_working_days(day, n + 1)


@given(BOUNDARY_DAYS, COUNTS.filter(lambda n: n > 0))
def test_result_is_a_working_day(day: date, n: int) -> None:
    assert is_working_day(add_working_days(day, n))


@settings(max_examples=300)
@given(BOUNDARY_DAYS, COUNTS)
def test_between_inverts_add_across_the_provisional_boundary(day: date, n: int) -> None:
    due = deadline(day, n)
    assert working_days_between(day, due.date) == n
    crosses = n > 0 and due.date.year >= 2027
    assert due.provisional is crosses


@settings(max_examples=200)
@given(BOUNDARY_DAYS, st.integers(min_value=0, max_value=90))
def test_add_inverts_between_across_the_provisional_boundary(day: date, span: int) -> None:
    end = day + timedelta(days=span)
    n = working_days_between(day, end)
    assert working_days_between(end, day) == -n
    if n:  # the n-th working day after ``day`` is the last working day up to ``end``
        last = add_working_days(day, n)
        assert last <= end and working_days_between(last, end) == 0


@given(KNOWN_DAYS, st.integers(min_value=0, max_value=60))
def test_between_agrees_with_the_package_and_is_antisymmetric(day: date, span: int) -> None:
    end = day + timedelta(days=span)
    expected = len(chinese_calendar.get_workdays(day + timedelta(days=1), end)) if span else 0
    assert working_days_between(day, end) == expected
    assert working_days_between(end, day) == -expected
