"""The monthly ranking (月度排名) of departments and district units, with its trend.

A unit's score for a month is :func:`workflows.monitor.indicators.score` of its month
figures; units are ranked by score (higher first; ties by key), those with fewer than
``min_judged`` judged records or no figures at all are listed unranked. The trend compares
the month with the previous one: previous score and rank, and the rank change (positive =
climbed). The rolling 12 months ending with the month are given beside (信用中国's city
monitoring also uses a 12-month rolling window).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflows.errors import InvalidRequestError
from workflows.monitor.config import DistrictUnits, MonitorSettings
from workflows.monitor.facts import Facts
from workflows.monitor.indicators import Indicators, Period, compute, score

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_period(month: str) -> Period:
    """The calendar month ``YYYY-MM`` (:class:`InvalidRequestError` otherwise)."""
    found = MONTH.match(month)
    if not found:
        raise InvalidRequestError(f"month must be YYYY-MM, not {month!r}")
    year, mon = int(found[1]), int(found[2])
    last = calendar.monthrange(year, mon)[1]
    return Period(date(year, mon, 1), date(year, mon, last), month)


def previous_month(month: str) -> str:
    start = month_period(month).start
    return f"{start.year - (start.month == 1)}-{(start.month - 2) % 12 + 1:02d}"


def rolling_period(month: str, months: int = 12) -> Period:
    """The ``months`` calendar months ending with ``month``."""
    first = month
    for _ in range(months - 1):
        first = previous_month(first)
    return Period(month_period(first).start, month_period(month).end, f"{first}..{month}")


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


@dataclass(frozen=True, slots=True)
class Ranked:
    """One unit's line of the ranking."""

    key: str
    name: str | None
    rank: int | None
    score: float | None
    previous_rank: int | None
    previous_score: float | None
    month: Indicators
    rolling: Indicators

    @property
    def rank_change(self) -> int | None:
        """Places climbed since the previous month (negative: fell)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    def to_dict(self, *, counts: bool = True) -> dict[str, Any]:
        def part(ind: Indicators) -> dict[str, Any]:
            return ind.to_dict() if counts else ind.rates()

        return {
            "key": self.key,
            "name": self.name,
            "rank": self.rank,
            "score": self.score,
            "previous_rank": self.previous_rank,
            "previous_score": self.previous_score,
            "rank_change": self.rank_change,
            "month": part(self.month),
            "rolling_12_months": part(self.rolling),
        }


def _ranks(
    figures: dict[str, Indicators], settings: MonitorSettings
) -> dict[str, tuple[int | None, float | None]]:
    scored: list[tuple[float, str]] = []
    out: dict[str, tuple[int | None, float | None]] = {}
    for key, ind in figures.items():
        rates = ind.rates()
        if ind.judged < settings.min_judged:
            rates["on_time_rate"] = None
        value = score(rates, settings)
        out[key] = (None, value)
        if value is not None and ind.judged >= settings.min_judged:
            scored.append((value, key))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    for n, (value, key) in enumerate(scored, 1):
        out[key] = (n, value)
    return out


def rank(
    facts: Facts, month: str, by: str, settings: MonitorSettings, units: DistrictUnits
) -> list[Ranked]:
    """The ranking of departments or district units for ``month`` (every one of the 15
    district units is listed, ranked or not)."""
    keys = [u.id for u in units.units] if by == "district" else []
    this = compute(facts, month_period(month), by, settings, keys)
    before = compute(facts, month_period(previous_month(month)), by, settings, keys)
    rolling = compute(facts, rolling_period(month), by, settings, keys)
    now_ranks, old_ranks = _ranks(this, settings), _ranks(before, settings)
    everyone = sorted(set(this) | set(rolling))
    lines = []
    for key in everyone:
        name = units.name(key) if by == "district" else facts.department_names.get(key)
        current, previous = now_ranks.get(key, (None, None)), old_ranks.get(key, (None, None))
        lines.append(
            Ranked(
                key,
                name,
                current[0],
                current[1],
                previous[0],
                previous[1],
                this.get(key, Indicators()),
                rolling.get(key, Indicators()),
            )
        )
    big = len(lines) + 1
    return sorted(
        lines, key=lambda r: (r.rank or big, -(r.rolling.rates()["on_time_rate"] or 0.0), r.key)
    )
