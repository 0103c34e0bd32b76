"""Timeliness (及时性): was a record online within its dataset's disclosure deadline?

国办发〔2015〕51号 / 〔2019〕35号: 双公示 and the other administrative actions go online within 7
working days of the decision (the number per dataset is the catalogue's
``disclosure_deadline_working_days``). Measured once, when a record is first published, from
its decision date to that day in China time. The calendar is layered (:mod:`store.calendars`):
a measure that counts a day of a *provisional* year says so (``provisional``) and is recomputed
when the official year is imported (:func:`store.calendar_db.recompute_timeliness`). Only a
year outside the calendar (before 2004) leaves the measure None, flagged ``calendar_unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from store.calendars import CALENDAR
from store.workdays import (
    CalendarUnknownError,
    add_working_days,
    is_working_day,
    source_between,
)

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time (no daylight saving): the day a record went online is a CST day."""


@dataclass(frozen=True, slots=True)
class Timeliness:
    """The disclosure measure of one record."""

    due: date | None
    working_days: int | None
    on_time: bool | None
    calendar_unknown: bool
    provisional: bool = False
    """A counted day lies in a provisional calendar year (the measure may change)."""


NOT_MEASURED = Timeliness(due=None, working_days=None, on_time=None, calendar_unknown=False)


def china_day(moment: datetime) -> date:
    """The calendar day in China of an aware timestamp."""
    return moment.astimezone(CHINA).date()


@lru_cache(maxsize=64)
def _year_prefix(year: int) -> tuple[int, ...]:
    """``prefix[k]`` = working days among the first ``k`` days of ``year``.

    Built once per year from :func:`store.workdays.is_working_day` (which raises
    :class:`CalendarUnknownError` for years outside the calendar): counting years apart day by
    day is too slow for a batch of old decisions. Dropped when the calendar changes.
    """
    day, out, count = date(year, 1, 1), [0], 0
    while day.year == year:
        count += is_working_day(day)
        out.append(count)
        day += timedelta(days=1)
    return tuple(out)


def _through(day: date) -> int:
    """Working days of ``day``'s year up to and including ``day``."""
    return _year_prefix(day.year)[day.timetuple().tm_yday]


def count_working_days(start: date, end: date) -> int:
    """Working days in ``(start, end]`` — :func:`store.workdays.working_days_between` for
    ``start <= end``, by per-year prefix sums."""
    if end <= start:
        return 0
    if start.year == end.year:
        return _through(end) - _through(start)
    total = _year_prefix(start.year)[-1] - _through(start) + _through(end)
    return total + sum(_year_prefix(y)[-1] for y in range(start.year + 1, end.year))


@lru_cache(maxsize=65_536)
def measure(
    decision_date: date | None, published_on: date, deadline_days: int | None
) -> Timeliness:
    """The measure for a record decided on ``decision_date`` and first published on
    ``published_on`` (cached: a batch has one publication day and few decision dates)."""
    if decision_date is None:
        return NOT_MEASURED
    try:
        due = None if deadline_days is None else add_working_days(decision_date, deadline_days)
        days = count_working_days(decision_date, published_on)
    except CalendarUnknownError:
        return Timeliness(due=None, working_days=None, on_time=None, calendar_unknown=True)
    on_time = None if due is None else published_on <= due
    last = published_on if due is None else max(due, published_on)
    provisional = source_between(decision_date, last).provisional
    return Timeliness(
        due=due,
        working_days=days,
        on_time=on_time,
        calendar_unknown=False,
        provisional=provisional,
    )


def _forget() -> None:
    _year_prefix.cache_clear()
    measure.cache_clear()


CALENDAR.on_change(_forget)  # an imported year changes counts already cached


@dataclass(frozen=True, slots=True)
class TimelinessSummary:
    """Counts over published records: on time, late, not measurable for want of a calendar,
    and without a deadline or decision date."""

    dataset: str | None
    on_time: int
    late: int
    calendar_unknown: int
    not_applicable: int

    @property
    def measured(self) -> int:
        """Records with a verdict (on time or late)."""
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Share of measured records that were on time (None when none was measured)."""
        return self.on_time / self.measured if self.measured else None
