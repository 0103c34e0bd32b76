"""The holiday-calendar file format (节假日安排表): one year of the State Council's notice as CSV.

The same format serves the official tables committed in ``store/calendar/official/YYYY.csv``
and the files an administrator imports (``creditgate calendar import``)::

    date,kind,name
    2027-01-01,holiday,元旦
    2027-02-06,workday,春节

* ``date`` — ISO ``YYYY-MM-DD``; every date of a file lies in one year (the declared year: the
  ``year`` argument, else the year of the first row);
* ``kind`` — ``holiday`` (a day off by the notice, 放假; a weekend day inside a break may be
  listed, it changes nothing) or ``workday`` (a Saturday or Sunday declared a working day,
  调休上班日);
* ``name`` — the festival the day belongs to (元旦, 春节 …); free text, may be empty.

Only the exceptions are listed: every other Monday–Friday is a working day, every other
Saturday and Sunday is not. A file is refused as a whole when any line is wrong; each problem
is a located, bilingual :class:`CalendarIssue` (line, field, code). A year is *complete* when it
lists 1 January, 1 May and 1 October as holidays (fixed by 《全国年节及纪念日放假办法》) and at
least :data:`MIN_HOLIDAYS` holiday rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

HEADER = ("date", "kind", "name")
KINDS = ("holiday", "workday")
MIN_HOLIDAYS = 10
"""The fewest statutory holiday days of any year since 2004 (10 until 2007; 13 from 2025)."""
FIXED_HOLIDAYS = ((1, 1, "元旦"), (5, 1, "劳动节"), (10, 1, "国庆节"))


@dataclass(frozen=True, slots=True)
class CalendarIssue:
    """One problem of a calendar file, located by line (1 = the header) and field."""

    line: int | None
    field: str | None
    code: str
    message: str
    message_zh: str

    def to_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
        }


@dataclass(frozen=True, slots=True)
class CalendarYear:
    """The exceptions of one year: days off on weekdays and weekend working days, by name."""

    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)

    def rows(self) -> list[tuple[date, str, str]]:
        """``(date, kind, name)`` sorted by date."""
        out = [(d, "holiday", n) for d, n in self.holidays.items()]
        out += [(d, "workday", n) for d, n in self.workdays.items()]
        return sorted(out)

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(HEADER)
        for day, kind, name in self.rows():
            writer.writerow([day.isoformat(), kind, name])
        return buf.getvalue()


@dataclass(frozen=True, slots=True)
class ParsedCalendar:
    """The result of :func:`parse_calendar`: the year, or the issues that refuse the file."""

    calendar: CalendarYear | None
    issues: tuple[CalendarIssue, ...]

    @property
    def ok(self) -> bool:
        return self.calendar is not None and not self.issues


def _issue(line: int | None, fld: str | None, code: str, en: str, zh: str) -> CalendarIssue:
    return CalendarIssue(line, fld, code, en, zh)


def parse_calendar(text: str, *, year: int | None = None) -> ParsedCalendar:
    """Parse and validate one year's calendar CSV (see the module doc); never raises."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))  # a bare CR ends a row
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != HEADER:
        got = ",".join(header or [])
        return ParsedCalendar(
            None,
            (
                _issue(
                    1,
                    None,
                    "calendar-header",
                    f"the header must be 'date,kind,name' (got {got!r})",
                    f"表头应为 date,kind,name（实际 {got!r}）",
                ),
            ),
        )
    reading = _Reading(year)
    for line, row in enumerate(reader, start=2):
        if any(cell.strip() for cell in row):
            reading.add(line, row)
    issues = reading.issues
    if reading.year is None:
        issues.append(
            _issue(None, None, "calendar-empty", "the file lists no days", "文件未列出任何日期")
        )
        return ParsedCalendar(None, tuple(issues))
    if not issues:
        issues.extend(_completeness(reading.year, reading.holidays))
    if issues:
        return ParsedCalendar(None, tuple(issues))
    return ParsedCalendar(CalendarYear(reading.year, reading.holidays, reading.workdays), ())


@dataclass
class _Reading:
    """The rows read so far: the days by kind, where each day was first listed, the issues.
    The declared year is the argument, else the year of the first dated row."""

    year: int | None
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    seen: dict[date, int] = field(default_factory=dict)
    issues: list[CalendarIssue] = field(default_factory=list)

    def add(self, line: int, row: list[str]) -> None:
        """Check one non-blank row; keep its day or record why not."""
        day = self._day(line, row)
        if day is None:
            return
        if self.year is None:
            self.year = day.year
        placed = self._placed(line, day)
        if placed is not None:
            self.issues.append(placed)
            return
        self.seen[day] = line
        kind, name = row[1].strip().lower(), row[2].strip() if len(row) == 3 else ""
        if kind not in KINDS:
            self.issues.append(
                _issue(
                    line,
                    "kind",
                    "calendar-kind",
                    f"unknown kind {row[1]!r}; use holiday or workday",
                    f"未知类型 {row[1]!r}；应为 holiday 或 workday",
                )
            )
        elif kind == "workday" and day.weekday() < 5:
            self.issues.append(
                _issue(
                    line,
                    "kind",
                    "calendar-workday-weekday",
                    f"{day} is a weekday; only a Saturday or Sunday can be a make-up workday",
                    f"{day} 是工作日；只有周六、周日才能是调休上班日",
                )
            )
        else:
            (self.workdays if kind == "workday" else self.holidays)[day] = name

    def _day(self, line: int, row: list[str]) -> date | None:
        """The row's date, or None with the issue recorded (wrong column count, not a date)."""
        if len(row) not in (2, 3):
            self.issues.append(
                _issue(
                    line,
                    None,
                    "calendar-columns",
                    f"expected 3 columns date,kind,name, got {len(row)}",
                    f"应为 3 列 date,kind,name，实际 {len(row)} 列",
                )
            )
            return None
        raw = row[0].strip()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.issues.append(
                _issue(
                    line,
                    "date",
                    "calendar-date",
                    f"{raw!r} is not a date YYYY-MM-DD",
                    f"{raw!r} 不是 YYYY-MM-DD 格式的日期",
                )
            )
            return None

    def _placed(self, line: int, day: date) -> CalendarIssue | None:
        """Why ``day`` cannot be listed here: outside the declared year, or listed twice."""
        if day.year != self.year:
            return _issue(
                line,
                "date",
                "calendar-other-year",
                f"{day} is outside the declared year {self.year}",
                f"{day} 不在声明的年份 {self.year} 内",
            )
        if day in self.seen:
            return _issue(
                line,
                "date",
                "calendar-duplicate",
                f"{day} is listed twice (first on line {self.seen[day]})",
                f"{day} 重复出现（首次在第 {self.seen[day]} 行）",
            )
        return None


def _completeness(year: int, holidays: dict[date, str]) -> list[CalendarIssue]:
    out = []
    for month, day, name in FIXED_HOLIDAYS:
        if date(year, month, day) not in holidays:
            out.append(
                _issue(
                    None,
                    "date",
                    "calendar-incomplete",
                    f"{year}-{month:02d}-{day:02d} ({name}) must be listed as a holiday",
                    f"{year}-{month:02d}-{day:02d}（{name}）应列为 holiday",
                )
            )
    if len(holidays) < MIN_HOLIDAYS:
        out.append(
            _issue(
                None,
                "kind",
                "calendar-incomplete",
                f"only {len(holidays)} holiday rows; a whole year has at least {MIN_HOLIDAYS}",
                f"仅 {len(holidays)} 行 holiday；一整年至少应有 {MIN_HOLIDAYS} 行",
            )
        )
    return out
