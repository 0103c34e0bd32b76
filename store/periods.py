"""Period arithmetic of publication windows: ISO 8601 periods counted as the 民法典 counts them.

A period P counted from a day S ends on :func:`add_period` ``(S, P)`` — the corresponding day P
later, or that month's last day when it is shorter (民法典 Art. 202; the start day is not
counted, Art. 201). Kept apart from the rules so workflows can count periods without rules.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import cache, lru_cache

_PERIOD = re.compile(r"^P(?=[0-9])(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?$")


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (back if negative), clamped to the month end: 01-31 → 02-28."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@cache
def _period_parts(period: str) -> tuple[int, int, int]:
    match = _PERIOD.match(period)
    if match is None:
        raise ValueError(f"not an ISO 8601 period of years, months and days: {period!r}")
    years, months, days = (int(part or 0) for part in match.groups())
    return years, months, days


@lru_cache(maxsize=16_384)  # a batch has few decision dates and fewer periods
def add_period(day: date, period: str) -> date:
    """The last day of ``period`` (``P3M``, ``P1Y``, ``P1Y6M``, ``P10D``) counted from ``day``."""
    years, months, days = _period_parts(period)
    return add_months(day, 12 * years + months) + timedelta(days=days)


@cache
def describe(period: str) -> tuple[str, str]:
    units = (("year", "年"), ("month", "个月"), ("day", "天"))
    en, zh = [], []
    for count, (unit, unit_zh) in zip(_period_parts(period), units, strict=True):
        if count:
            en.append(f"{count} {unit}{'s' if count > 1 else ''}")
            zh.append(f"{count}{unit_zh}")
    return (" ".join(en), "".join(zh)) if en else ("0 days", "0天")
