"""Working days: the verified deadlines, refusal to guess unknown years, counting invariants."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.workdays import (
    CalendarUnknownError,
    add_working_days,
    disclosure_deadline,
    is_working_day,
    known_years,
    working_days_between,
)

# Dates whose results stay inside the calendar's known years (n <= 40 working days < 3 months).
KNOWN_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 9, 30))
COUNTS = st.integers(min_value=0, max_value=40)


@pytest.mark.parametrize(
    ("decision", "deadline"),
    [
        (date(2025, 9, 30), date(2025, 10, 16)),  # Tue before National Day; 10-11 Sat is 调休
        (date(2025, 10, 4), date(2025, 10, 16)),  # Sat inside the break: start day not counted
        (date(2026, 2, 13), date(2026, 3, 2)),  # 02-14 and 02-28 are 调休 working Saturdays
    ],
)
def test_verified_disclosure_deadlines(decision: date, deadline: date) -> None:
    assert disclosure_deadline(decision) == deadline
    assert working_days_between(decision, deadline) == 7


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
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_datetime_counts_as_its_calendar_day() -> None:
    assert add_working_days(datetime(2025, 10, 4, 23, 59), 7) == date(2025, 10, 16)
    assert is_working_day(datetime(2025, 10, 11, 8, 0)) is True


@pytest.mark.parametrize("day", [date(2027, 1, 4), date(2003, 12, 31), date(1999, 6, 1)])
def test_unknown_years_are_refused(day: date) -> None:
    with pytest.raises(CalendarUnknownError) as info:
        is_working_day(day)
    assert info.value.year == day.year
    assert str(day.year) in str(info.value)
    assert isinstance(info.value, LookupError)


def test_counting_into_an_unknown_year_is_refused() -> None:
    with pytest.raises(CalendarUnknownError) as info:
        disclosure_deadline(date(2026, 12, 28))
    assert info.value.year == 2027
    with pytest.raises(CalendarUnknownError):
        working_days_between(date(2026, 12, 30), date(2027, 1, 5))


def test_known_years_match_the_calendar_package() -> None:
    years = known_years()
    assert years.start == 2004
    assert years.stop - 1 >= 2026
    chinese_calendar.is_workday(date(years.stop - 1, 12, 31))  # the last known day: no error
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years.stop, 1, 1))


def test_zero_days_and_negative_counts() -> None:
    assert add_working_days(date(2025, 10, 4), 0) == date(2025, 10, 4)
    assert working_days_between(date(2025, 10, 4), date(2025, 10, 4)) == 0
    with pytest.raises(ValueError, match="n must be"):
        add_working_days(date(2025, 10, 4), -1)


@given(KNOWN_DAYS, COUNTS)
def test_add_is_strictly_monotonic_in_n(day: date, n: int) -> None:
    assert add_working_days(day, n) < add_working_days(day, n + 1)


@given(KNOWN_DAYS, COUNTS.filter(lambda n: n > 0))
def test_result_is_a_working_day(day: date, n: int) -> None:
    assert is_working_day(add_working_days(day, n))


@given(KNOWN_DAYS, COUNTS)
def test_between_inverts_add(day: date, n: int) -> None:
    assert working_days_between(day, add_working_days(day, n)) == n


@given(KNOWN_DAYS, st.integers(min_value=0, max_value=60))
def test_between_agrees_with_the_package_and_is_antisymmetric(day: date, span: int) -> None:
    end = day + timedelta(days=span)
    expected = len(chinese_calendar.get_workdays(day + timedelta(days=1), end)) if span else 0
    assert working_days_between(day, end) == expected
    assert working_days_between(end, day) == -expected
