"""The calendar CSV format: the committed official years parse, bad files give located issues."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from store.calendar_files import parse_calendar
from store.calendars import OFFICIAL_DIR

TEST_2027 = Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "2027-test.csv"


def test_every_committed_official_year_is_valid() -> None:
    for path in sorted(OFFICIAL_DIR.glob("*.csv")):
        parsed = parse_calendar(path.read_text(encoding="utf-8"), year=int(path.stem))
        assert parsed.ok, (path.name, parsed.issues)


def test_a_whole_year_parses_and_round_trips() -> None:
    text = TEST_2027.read_text(encoding="utf-8")
    parsed = parse_calendar("\ufeff" + text)  # a BOM is fine
    assert parsed.ok and parsed.calendar is not None
    cal = parsed.calendar
    assert cal.year == 2027
    assert set(cal.workdays) == {date(2027, 1, 30), date(2027, 2, 20), date(2027, 10, 9)}
    assert cal.holidays[date(2027, 2, 8)] == "春节"
    assert cal.to_csv() == text


def _codes(text: str, year: int | None = None) -> list[tuple[int | None, str | None, str]]:
    parsed = parse_calendar(text, year=year)
    assert parsed.calendar is None and not parsed.ok
    for issue in parsed.issues:
        assert issue.message and issue.message_zh
    return [(i.line, i.field, i.code) for i in parsed.issues]


HEAD = "date,kind,name\n"
YEAR_2028 = "".join(
    f"2028-{md},holiday,x\n"
    for md in (
        "01-01",
        "01-26",
        "01-27",
        "01-28",
        "01-29",
        "04-04",
        "05-01",
        "05-02",
        "05-31",
        "10-01",
        "10-02",
        "10-03",
        "10-04",
    )
)


def test_a_minimal_complete_year_is_accepted() -> None:
    assert parse_calendar(HEAD + YEAR_2028).ok


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("2028-01-01,holiday,again\n", (15, "date", "calendar-duplicate")),
        ("2029-01-02,holiday,x\n", (15, "date", "calendar-other-year")),
        ("2028-02-05,off,x\n", (15, "kind", "calendar-kind")),
        ("2028-13-40,holiday,x\n", (15, "date", "calendar-date")),
        ("2028-02-07,workday,x\n", (15, "kind", "calendar-workday-weekday")),  # a Monday
        ("2028-02-05,holiday,x,y\n", (15, None, "calendar-columns")),
    ],
)
def test_bad_lines_are_located(extra: str, expected: tuple[int, str | None, str]) -> None:
    assert _codes(HEAD + YEAR_2028 + extra) == [expected]


def test_every_bad_line_is_reported_and_the_declared_year_rules() -> None:
    text = HEAD + "2028-01-01,holiday,元旦\n2028-01-01,workday,x\n2027-05-01,holiday,x\n"
    assert _codes(text, year=2028) == [
        (3, "date", "calendar-duplicate"),
        (4, "date", "calendar-other-year"),
    ]


def test_an_incomplete_year_is_refused() -> None:
    codes = _codes(HEAD + "2028-01-01,holiday,元旦\n2028-02-05,workday,春节\n")
    assert {c for _, _, c in codes} == {"calendar-incomplete"}
    assert len(codes) == 3  # 05-01, 10-01 missing; too few holidays


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "calendar-header"), ("day,type\n", "calendar-header"), (HEAD, "calendar-empty")],
)
def test_header_and_empty_files(text: str, code: str) -> None:
    assert [c for _, _, c in _codes(text)] == [code]


def test_every_issue_code_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "calendar.md").read_text("utf-8")
    source = (Path(__file__).resolve().parents[2] / "store" / "calendar_files.py").read_text()
    codes = set(re.findall(r'"(calendar-[a-z-]+)"', source))
    assert len(codes) == 9
    for code in codes:
        assert f"| `{code}` |" in doc, code
