"""The layered working-day calendar (工作日历): which source says what about each year.

Three sources, the first that knows a year wins:

1. ``imported`` — a year an administrator imported at run time (``creditgate calendar
   import``); kept in the store's ``calendar_days`` table and loaded into this registry when
   a store is opened (:func:`store.calendar_db.load_imported`) and after each import;
2. ``official`` — the State Council's notices held as data in ``store/calendar/official/``
   (one :mod:`store.calendar_files` CSV per year, exported once from ``chinese_calendar``);
3. ``provisional`` — any other year from 2004 on: the statutory holidays (lunar festivals
   included) as the ``holidays`` package computes them, with no make-up Saturdays (调休上班日
   are announced only with the notice). Every deadline that counts a day of such a year says
   so (:class:`store.workdays.Deadline`).

The registry is process-wide (:data:`CALENDAR`); listeners (the timeliness caches) are told
when a year changes. Years before :data:`FIRST_YEAR` or after :data:`LAST_YEAR` raise
:class:`CalendarUnknownError` — nothing sensible is counted there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

import holidays as holiday_rules

from store.calendar_files import CalendarYear, parse_calendar

OFFICIAL_DIR = Path(__file__).resolve().parent / "calendar" / "official"
FIRST_YEAR = 2004
"""The first year of the official tables; earlier dates are refused."""
LAST_YEAR = 2099
"""The last year the provisional calendar serves (the lunar tables go further; deadlines don't)."""
WARN_FROM = (11, 1)
"""From 1 November the status warns when next year is still provisional."""


class Source(StrEnum):
    """Where a year's days come from, strongest first."""

    IMPORTED = "imported"
    OFFICIAL = "official"
    PROVISIONAL = "provisional"

    @property
    def provisional(self) -> bool:
        return self is Source.PROVISIONAL


class CalendarUnknownError(LookupError):
    """No calendar serves ``year`` (before 2004 or after 2099)."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"no working-day calendar for {year}; the calendar serves {FIRST_YEAR}–{LAST_YEAR}"
        )


@dataclass(frozen=True, slots=True)
class YearTable:
    """One year's exceptions and where they come from."""

    year: int
    source: Source
    days_off: frozenset[date]
    days_on: frozenset[date]
    names: tuple[tuple[date, str, str], ...]

    def is_working_day(self, day: date) -> bool:
        if day in self.days_on:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5

    @classmethod
    def of(cls, calendar: CalendarYear, source: Source) -> YearTable:
        return cls(
            calendar.year,
            source,
            frozenset(calendar.holidays),
            frozenset(calendar.workdays),
            tuple(calendar.rows()),
        )


def _official(year: int) -> YearTable | None:
    path = OFFICIAL_DIR / f"{year}.csv"
    if not path.is_file():
        return None
    parsed = parse_calendar(path.read_text(encoding="utf-8"), year=year)
    if parsed.calendar is None:  # a committed file is checked by the tests; never half-used
        first = parsed.issues[0]
        raise ValueError(f"{path}: line {first.line}: {first.message}")
    return YearTable.of(parsed.calendar, Source.OFFICIAL)


def _provisional(year: int) -> YearTable:
    rules = holiday_rules.country_holidays("CN", years=year, language="zh_CN")
    days = {day: str(name) for day, name in rules.items() if day.year == year}
    return YearTable.of(CalendarYear(year, days, {}), Source.PROVISIONAL)


def official_years() -> list[int]:
    """The years with a committed official table."""
    return sorted(int(p.stem) for p in OFFICIAL_DIR.glob("*.csv") if p.stem.isdigit())


class CalendarRegistry:
    """The process-wide layered calendar; thread-safe, year tables built once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[int, YearTable] = {}
        self._imported: dict[int, YearTable] = {}
        self._listeners: list[Callable[[], None]] = []

    def table(self, year: int) -> YearTable:
        """The table serving ``year``; :class:`CalendarUnknownError` outside 2004–2099."""
        found = self._tables.get(year)
        if found is not None:
            return found
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise CalendarUnknownError(year)
        with self._lock:
            built = self._imported.get(year) or _official(year) or _provisional(year)
            self._tables[year] = built
        return built

    def source(self, year: int) -> Source:
        return self.table(year).source

    def set_imported(self, calendars: list[CalendarYear]) -> list[int]:
        """Serve exactly these years as imported (a year no longer among them falls back to
        the official or provisional table); returns the years whose days changed."""
        tables = {cal.year: YearTable.of(cal, Source.IMPORTED) for cal in calendars}
        with self._lock:
            changed = sorted(
                y
                for y in set(tables) | set(self._imported)
                if tables.get(y) != self._imported.get(y)
            )
            self._imported = tables
            for year in changed:
                self._tables.pop(year, None)
        if changed:
            for listener in list(self._listeners):
                listener()
        return changed

    def forget_imported(self) -> None:
        """Drop every imported year (tests; a store without them)."""
        with self._lock:
            self._imported.clear()
            self._tables.clear()
        for listener in list(self._listeners):
            listener()

    def imported_years(self) -> list[int]:
        return sorted(self._imported)

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever a year's days change (to drop derived caches)."""
        self._listeners.append(listener)

    def status(self, years: range) -> list[dict[str, object]]:
        """One entry per year: its source and the counts of listed days."""
        out: list[dict[str, object]] = []
        for year in years:
            t = self.table(year)
            out.append(
                {
                    "year": year,
                    "source": t.source.value,
                    "provisional": t.source.provisional,
                    "holidays": len(t.days_off),
                    "workdays": len(t.days_on),
                }
            )
        return out


CALENDAR = CalendarRegistry()
"""The calendar every working-day computation of this process uses."""


def next_year_warning(today: date, registry: CalendarRegistry = CALENDAR) -> str | None:
    """From 1 November: a warning when next year's calendar is still provisional, else None."""
    if (today.month, today.day) < WARN_FROM:
        return None
    nxt = today.year + 1
    if not registry.source(nxt).provisional:
        return None
    return (
        f"the working-day calendar for {nxt} is provisional (no make-up working days): import "
        f"the State Council's {nxt} holiday notice with `creditgate calendar import` / "
        f"{nxt} 年工作日历仍为暂定，请导入国务院办公厅 {nxt} 年节假日安排"
    )


def calendar_status(today: date, registry: CalendarRegistry = CALENDAR) -> dict[str, object]:
    """The documented status shape: ``{"today", "years": [one entry per year, 2004 through
    next year or the last official/imported year], "warning": str | None}``."""
    last = max([today.year + 1, *official_years(), *registry.imported_years()])
    return {
        "today": today.isoformat(),
        "years": registry.status(range(FIRST_YEAR, last + 1)),
        "warning": next_year_warning(today, registry),
    }
