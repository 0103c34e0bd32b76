"""Working-day counting for timeliness agrees with store.workdays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import CalendarUnknownError, working_days_between
from store.timeliness import count_working_days, measure

DAYS = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31))
SPANS = st.integers(min_value=0, max_value=500)


@settings(max_examples=300, deadline=None)
@given(a=DAYS, b=DAYS)
def test_prefix_counting_equals_day_by_day(a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    if (end - start).days > 800:
        end = start + timedelta(days=800)  # keep the reference loop quick
    assert count_working_days(start, end) == working_days_between(start, end)


def test_verified_deadline_cases() -> None:
    for decided, due in [
        (date(2025, 9, 30), date(2025, 10, 16)),
        (date(2025, 10, 4), date(2025, 10, 16)),
        (date(2026, 2, 13), date(2026, 3, 2)),
    ]:
        t = measure(decided, due, 7)
        assert (t.due, t.working_days, t.on_time) == (due, 7, True)
        assert measure(decided, due + timedelta(days=1), 7).on_time is (
            count_working_days(decided, due + timedelta(days=1)) <= 7
        )


def test_a_provisional_year_is_measured_and_says_so() -> None:
    # issue 10: 2027 has no official table yet; it is counted on the provisional calendar
    t = measure(date(2026, 12, 28), date(2027, 1, 4), 7)
    assert not t.calendar_unknown and t.provisional
    assert (t.due, t.working_days, t.on_time) == (date(2027, 1, 7), 4, True)
    assert count_working_days(date(2026, 12, 1), date(2027, 1, 4)) == working_days_between(
        date(2026, 12, 1), date(2027, 1, 4)
    )
    assert measure(date(2026, 6, 1), date(2026, 6, 5), 7).provisional is False
    assert measure(None, date(2026, 1, 4), 7).calendar_unknown is False


def test_only_a_year_outside_the_calendar_is_unknown() -> None:
    t = measure(date(2003, 12, 30), date(2004, 1, 9), 7)
    assert t.calendar_unknown and t.working_days is None and t.due is None
    with pytest.raises(CalendarUnknownError):
        count_working_days(date(2003, 12, 1), date(2004, 1, 4))


@settings(max_examples=100, deadline=None)
@given(a=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)), span=SPANS)
def test_prefix_counting_across_the_provisional_boundary(a: date, span: int) -> None:
    end = a + timedelta(days=span)
    assert count_working_days(a, end) == working_days_between(a, end)
