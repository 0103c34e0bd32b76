"""Export the official working-day calendar from ``chinese_calendar`` into data files, once.

Writes ``store/calendar/official/YYYY.csv`` (``date,kind,name``; see docs/calendar.md) for
every year the installed ``chinese_calendar`` knows. Run it again only to add a year that a
new release of the package knows; the files are the source of truth afterwards, reviewed
like any other data change. Usage: ``python scripts/export_official_calendar.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import chinese_calendar

OUT = Path(__file__).resolve().parents[1] / "store" / "calendar" / "official"

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = [(d, "holiday", n) for d, n in chinese_calendar.holidays.items()]
    rows += [(d, "workday", n) for d, n in chinese_calendar.workdays.items()]
    for year in sorted({d.year for d, _, _ in rows}):
        with (OUT / f"{year}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["date", "kind", "name"])
            for day, kind, name in sorted(r for r in rows if r[0].year == year):
                writer.writerow([day.isoformat(), kind, NAMES.get(str(name), str(name))])


if __name__ == "__main__":
    main()
