"""Working days (工作日) of the mainland calendar, for disclosure deadlines and time limits.

A working day is a Monday–Friday that is not a statutory holiday, or a weekend day declared a
working day in lieu (调休上班日). The days come from the layered calendar of
:mod:`store.calendars`: a year an administrator imported, else the official table held as
data, else a *provisional* year from the statutory holidays alone. No year from 2004 to 2099 is
refused; a deadline that counts a day of a provisional year says so (:class:`Deadline`), and is
recomputed when the official year is imported (:mod:`store.calendar_db`).

Counting follows 行政处罚法 Art. 85 (short periods are working days) and 民法典 Art. 201 (the start
day is not counted): the deadline for an act due "within 7 working days of the decision" is the
7th working day *after* the decision date. ``chinese_calendar.find_workday`` is not used: for a
start on a non-working day it first moves to the next working day and then counts from there,
one day too late (2025-10-04 + 7 gives 10-17 instead of 10-16).

Errors::

    LookupError
    └── CalendarUnknownError   a year outside 2004–2099 (.year)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from store.calendars import CALENDAR, CalendarUnknownError, Source

__all__ = [
    "DISCLOSURE_WORKING_DAYS",
    "CalendarUnknownError",
    "Deadline",
    "add_working_days",
    "deadline",
    "disclosure_deadline",
    "is_working_day",
    "source_between",
    "working_days_between",
]

DISCLOSURE_WORKING_DAYS = 7
"""国办发〔2015〕51号 / 〔2019〕35号: decisions go online within 7 working days."""

_DAY = timedelta(days=1)
_RANK = {Source.OFFICIAL: 0, Source.IMPORTED: 1, Source.PROVISIONAL: 2}


@dataclass(frozen=True, slots=True)
class Deadline:
    """A working-day deadline with its provenance: the weakest source of the days counted."""

    date: date
    source: Source

    @property
    def provisional(self) -> bool:
        """Whether a day of a provisional year was counted (the date may still move)."""
        return self.source.provisional

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "provisional": self.provisional,
            "source": self.source.value,
        }


def _as_date(day: date) -> date:
    # datetime is a date subclass; compare and step on the calendar day only.
    return day.date() if isinstance(day, datetime) else day


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (调休 weekend days count, holidays do not)."""
    day = _as_date(day)
    return CALENDAR.table(day.year).is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day``; ``day`` itself is never counted.

    ``n == 0`` returns ``day`` unchanged. ``n`` must not be negative.
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


def source_between(start: date, end: date) -> Source:
    """The weakest source among the years of the days in ``(start, end]`` (official when
    the span is empty)."""
    start, end = _as_date(start), _as_date(end)
    if end <= start:
        return Source.OFFICIAL
    first = (start + _DAY).year
    sources = [CALENDAR.source(y) for y in range(first, end.year + 1)]
    return max(sources, key=_RANK.__getitem__)


def deadline(day: date, n: int) -> Deadline:
    """:func:`add_working_days` with its provenance (``provisional`` when a counted day lies
    in a provisional year)."""
    due = add_working_days(day, n)
    return Deadline(due, source_between(day, due))


def working_days_between(start: date, end: date) -> int:
    """The number of working days in ``(start, end]``: ``start`` excluded, ``end`` included.

    ``working_days_between(d, add_working_days(d, n)) == n``. For ``end < start`` the result is
    negative: ``working_days_between(a, b) == -working_days_between(b, a)``.
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
