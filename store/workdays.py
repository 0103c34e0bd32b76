"""Working days (工作日) of the mainland calendar, for disclosure deadlines and timeliness KPIs.

A working day is a Monday–Friday that is not a statutory holiday, or a weekend day declared a
working day in lieu (调休上班日). The dates come from ``chinese_calendar`` (State Council
announcements, 2004–2026 in version 1.11). The State Council announces each year's holidays and
调休 days only in the preceding autumn, and a weekends-only guess is wrong exactly around the
holidays where deadlines matter, so a date in a year the calendar does not know raises
:class:`CalendarUnknownError` instead of being guessed.

Counting follows 行政处罚法 Art. 85 (short periods are working days) and 民法典 Art. 201 (the start
day is not counted): the deadline for an act due "within 7 working days of the decision" is the
7th working day *after* the decision date. ``chinese_calendar.find_workday`` is not used: for a
start on a non-working day it first moves to the next working day and then counts from there,
one day too late (2025-10-04 + 7 gives 10-17 instead of 10-16).

Errors::

    LookupError
    └── CalendarUnknownError   the calendar has no data for the year (.year)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import chinese_calendar

DISCLOSURE_WORKING_DAYS = 7
"""国办发〔2015〕51号 / 〔2019〕35号: decisions go online within 7 working days."""

_DAY = timedelta(days=1)


class CalendarUnknownError(LookupError):
    """The working-day calendar has no data for ``year`` (not yet announced, or before 2004)."""

    def __init__(self, year: int) -> None:
        self.year = year
        known = known_years()
        super().__init__(
            f"no working-day calendar for {year}; known years are "
            f"{known.start}–{known.stop - 1} (update the chinesecalendar package)"
        )


@cache
def known_years() -> range:
    """The years the calendar covers, e.g. ``range(2004, 2027)``."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def _as_date(day: date) -> date:
    # datetime is a date subclass; compare and step on the calendar day only.
    return day.date() if isinstance(day, datetime) else day


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (调休 weekend days count, holidays do not).

    Raises :class:`CalendarUnknownError` for a year the calendar does not know.
    """
    day = _as_date(day)
    if day.year not in known_years():
        raise CalendarUnknownError(day.year)
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:  # the package's own "unknown year" signal
        raise CalendarUnknownError(day.year) from exc


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day``; ``day`` itself is never counted.

    ``n == 0`` returns ``day`` unchanged. ``n`` must not be negative. Raises
    :class:`CalendarUnknownError` when the count runs into a year the calendar does not know.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    current = _as_date(day)
    remaining = n
    while remaining:
        current += _DAY
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """The number of working days in ``(start, end]``: ``start`` excluded, ``end`` included.

    ``working_days_between(d, add_working_days(d, n)) == n``. For ``end < start`` the result is
    negative: ``working_days_between(a, b) == -working_days_between(b, a)``. Raises
    :class:`CalendarUnknownError` if a day to be examined lies in an unknown year.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += _DAY
        if is_working_day(current):
            count += 1
    return count


def disclosure_deadline(decision_date: date, n: int = DISCLOSURE_WORKING_DAYS) -> date:
    """The last day on which a decision taken on ``decision_date`` may go online in time.

    By default the 7th working day after the decision (国办发〔2015〕51号); 2025-09-30 → 2025-10-16.
    """
    return add_working_days(decision_date, n)
