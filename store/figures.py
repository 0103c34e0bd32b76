"""Figures for the people who supervise publication (监测数据): timeliness by department and
district, and publications per week — read straight from the store.

The credit office's monitoring (issue 12's monitor) will add indicators and history; until then
these are the store's own counts: a record is *on time* when it was first published within its
dataset's working-day deadline after the decision (:mod:`store.timeliness`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, String, case, cast, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from store.tables import batches, changes, records


@dataclass(frozen=True, slots=True)
class Timeliness:
    """Publication timeliness of one department or district."""

    key: str
    name: str | None
    records: int
    on_time: int
    late: int

    @property
    def judged(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """Share of judged records published on time (None when nothing was judged)."""
        return None if not self.judged else self.on_time / self.judged


def payload_text(engine: Engine, field: str) -> ColumnElement[Any]:
    """A record payload's top-level field as text, in either dialect."""
    if engine.dialect.name == "postgresql":
        return literal_column(f"(records.payload::jsonb ->> '{field}')", String)
    return cast(func.json_extract(records.c.payload, f'$."{field}"'), String)


def timeliness_by(
    engine: Engine, by: str, *, key: str | None = None, since: date | None = None
) -> list[Timeliness]:
    """Timeliness grouped ``by`` ``department`` (数据来源单位) or ``district`` (行政区划),
    of records decided on or after ``since``; only ``key``'s group when given."""
    if by not in ("department", "district"):
        raise ValueError(f"by must be department or district, not {by!r}")
    group = payload_text(engine, "source_org_uscc" if by == "department" else "division_code")
    name = payload_text(engine, "source_org_name") if by == "department" else None
    query = (
        select(
            group.label("key"),
            func.max(name).label("name") if name is not None else literal_column("NULL"),
            func.count().label("records"),
            func.count(case((records.c.disclosure_on_time.is_(True), 1))).label("on_time"),
            func.count(case((records.c.disclosure_on_time.is_(False), 1))).label("late"),
        )
        .where(records.c.first_published_at.is_not(None))
        .group_by(group)
    )
    if since is not None:
        query = query.where(records.c.decision_date >= since)
    if key is not None:
        query = query.where(group == key)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = [Timeliness(str(r[0]), r[1], r[2], r[3], r[4]) for r in rows if r[0] is not None]
    return sorted(out, key=lambda t: (t.rate if t.rate is not None else 2.0, t.key))


def published_per_week(engine: Engine, *, weeks: int, today: date) -> list[tuple[date, int]]:
    """New versions written to the change log per ISO week (Monday first), oldest first,
    for the ``weeks`` weeks up to ``today``'s."""
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    if engine.dialect.name == "postgresql":
        day: ColumnElement[Any] = func.date(changes.c.occurred_at)
    else:
        day = func.substr(cast(changes.c.occurred_at, String), 1, 10)
    query = (
        select(day.label("day"), func.count())
        .where(changes.c.op == "upsert", changes.c.occurred_at >= start)
        .group_by(day)
    )
    counts = {first + timedelta(weeks=n): 0 for n in range(weeks)}
    with engine.connect() as conn:
        for raw, count in conn.execute(query).all():
            when = raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
            week = when - timedelta(days=when.weekday())
            if week in counts:
                counts[week] += count
    return sorted(counts.items())


def batch_quality(engine: Engine, actors: list[str] | None = None) -> tuple[int, int]:
    """(rows seen, rows rejected) over the batches of ``actors`` (every batch when None)."""
    query = select(
        func.coalesce(func.sum(batches.c.rows_seen), 0),
        func.coalesce(func.sum(batches.c.rejected), 0),
    )
    if actors is not None:
        if not actors:
            return 0, 0
        query = query.where(batches.c.actor.in_(actors))
    with engine.connect() as conn:
        seen, rejected = conn.execute(query).one()
    return int(seen), int(rejected)
