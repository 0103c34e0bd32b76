"""The demo's dated submissions (演示：按时与逾期): figures the monitoring can rank.

Every other demo record is an old decision published when the demo is built, so it is
*backlog* to the monitoring (decided before its department's first submission) and counts
neither way. This step submits penalties with recent decision dates at their own (past)
publication times, two months back to ``today``:

* the market regulator (the demo department key's department) publishes every one within 1–4
  working days: an on-time department;
* the ecology and environment bureau starts on time two months back, then publishes most of
  last month's decisions 10–14 working days late: an overdue department, falling in the
  ranking; one of its records is taken down as *corrected* three weeks ago and never
  re-submitted (an overdue item it must act on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from demo.datasets import generate
from demo.population import Population
from publishers import Intake
from store import Store, add_working_days
from store.timeliness import CHINA

DATASET = "administrative-penalty"
ACTOR = "demo:generator"


def _month_start(day: dt.date, back: int) -> dt.date:
    year, month = day.year, day.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)


def _plan(today: dt.date) -> Iterator[tuple[int, dt.date, int]]:
    """``(agency index, decision day, working days to publication)``."""
    for back in (2, 1):
        start = _month_start(today, back)
        for n in range(8):
            decided = start + dt.timedelta(days=2 + 2 * n)
            yield 0, decided, 1 + n % 4
            late = back == 1 and n % 4 != 0
            yield 1, decided, (10 + n % 5) if late else 2
    this_month = _month_start(today, 0)
    for n in range(3):
        decided = this_month - dt.timedelta(days=6 - n)
        yield 0, decided, 2


def _dated(
    record: dict[str, Any], agency: tuple[str, str, str], decided: dt.date, n: int
) -> dict[str, Any]:
    name, _sector, code = agency
    out = dict(record)
    out.update(
        source_org_name=name,
        source_org_uscc=code,
        authority_name=name,
        authority_uscc=code,
        decision_date=decided.isoformat(),
        decision_doc_no=f"{name[:4]}罚字〔{decided.year}〕M{n:04d}号",
    )
    if out.get("penalty_valid_to"):
        out["penalty_valid_to"] = (decided + dt.timedelta(days=365)).isoformat()
    return out


def submit_dated(store: Store, pop: Population, today: dt.date, seed: int) -> dict[str, int]:
    """Submit the dated penalties; returns the number stored per agency name."""
    plan = list(_plan(today))
    pool = iter(generate(DATASET, len(plan) * 3, pop=pop, seed=seed + 101))
    stored: dict[str, int] = {}
    corrected: str | None = None
    for n, (which, decided, days) in enumerate(plan, 1):
        published = add_working_days(decided, days)
        if published >= today:
            continue
        agency = pop.agencies.items[which]
        record: dict[str, Any] | None = None
        for candidate in pool:
            (checked,) = Intake(DATASET).records([(n, _dated(dict(candidate), agency, decided, n))])
            if checked.valid and checked.record is not None:
                record = checked.record
                break
        if record is None:
            break
        now = dt.datetime.combine(published, dt.time(10, 0), tzinfo=CHINA)
        result = store.submit(DATASET, [(n, record)], actor=ACTOR, source="demo:dated", now=now)
        stored[agency[0]] = stored.get(agency[0], 0) + result.accepted
        if which == 1 and corrected is None and result.outcomes:
            corrected = result.outcomes[0].record_id
    if corrected is not None:
        when = dt.datetime.combine(today - dt.timedelta(days=21), dt.time(9, 0), tzinfo=CHINA)
        store.withdraw(
            DATASET,
            record_id=corrected,
            reason="corrected",
            actor=ACTOR,
            note="处罚决定变更，待更正后重新公示（演示：逾期未重报）",
            now=when,
        )
    return stored
