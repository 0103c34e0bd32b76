"""Imported calendar years in the store, and the log of deadlines they moved.

An administrator imports a year of the State Council's holiday notice at run time
(``creditgate calendar import``, ``POST /api/v1/admin/calendar``). The year goes into the
store's ``calendar_days`` table so that every process sees it: :func:`load_imported` puts the
stored years into the process-wide :data:`store.calendars.CALENDAR` (called by
:func:`store.open_store` and after each import). Importing the same file twice changes nothing.

A new year changes deadlines already computed from the provisional calendar. Each move is a
row of ``calendar_changes`` (which deadline, old → new date and source, why), written by
:func:`log_changes`; :func:`recompute_timeliness` recomputes the disclosure measure of
published records here, and :mod:`workflows.deadlines` the open workflow deadlines.

Tables created by store migration 4 (:mod:`store.migrations`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    and_,
    delete,
    or_,
    select,
    update,
)

from catalog import CatalogError, get_entry
from store.calendar_files import CalendarYear
from store.calendars import CALENDAR, FIRST_YEAR
from store.db import write_transaction
from store.events import utc
from store.tables import RECORD_ID, metadata, records
from store.timeliness import china_day, measure
from store.workdays import source_between

SEQ = BigInteger().with_variant(Integer, "sqlite")

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("name", String(200), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Index(None, "year"),
)

calendar_changes = Table(
    "calendar_changes",
    metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("subject", String(20), nullable=False),
    Column("case_id", RECORD_ID, nullable=False),
    Column("field", String(40), nullable=False),
    Column("old_due", Date),
    Column("new_due", Date),
    Column("old_source", String(20)),
    Column("new_source", String(20), nullable=False),
    Index(None, "case_id"),
)

CALENDAR_TABLES = (calendar_days, calendar_changes)


@dataclass(frozen=True, slots=True)
class DeadlineChange:
    """One recomputed deadline: which case and field, old → new date and provenance."""

    subject: str  # objection | repair | record
    case_id: str
    field: str
    old_due: date | None
    new_due: date | None
    old_source: str | None
    new_source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "case_id": self.case_id,
            "field": self.field,
            "old": None if self.old_due is None else self.old_due.isoformat(),
            "new": None if self.new_due is None else self.new_due.isoformat(),
            "old_source": self.old_source,
            "new_source": self.new_source,
        }


def stored_years(conn: Connection) -> list[CalendarYear]:
    """Every imported year as stored."""
    years: dict[int, CalendarYear] = {}
    for row in conn.execute(select(calendar_days).order_by(calendar_days.c.day)).mappings():
        cal = years.setdefault(row["year"], CalendarYear(row["year"]))
        target = cal.holidays if row["kind"] == "holiday" else cal.workdays
        target[row["day"]] = row["name"]
    return list(years.values())


def load_imported(engine: Engine) -> list[int]:
    """Serve the store's imported years in this process; returns the years that changed."""
    with engine.connect() as conn:
        return CALENDAR.set_imported(stored_years(conn))


def store_year(conn: Connection, calendar: CalendarYear, *, actor: str, now: datetime) -> bool:
    """Replace the stored days of ``calendar.year`` (inside the caller's write transaction);
    False when the stored days are the same already (nothing written)."""
    t = calendar_days.c
    current = {
        (r.day, r.kind, r.name)
        for r in conn.execute(select(t.day, t.kind, t.name).where(t.year == calendar.year))
    }
    if current == set(calendar.rows()):
        return False
    conn.execute(delete(calendar_days).where(t.year == calendar.year))
    conn.execute(
        calendar_days.insert(),
        [
            {
                "day": day,
                "year": calendar.year,
                "kind": kind,
                "name": name,
                "imported_at": now,
                "imported_by": actor,
            }
            for day, kind, name in calendar.rows()
        ],
    )
    return True


def import_year(engine: Engine, calendar: CalendarYear, *, actor: str, now: datetime) -> bool:
    """Store ``calendar`` and serve it in this process; whether the stored days changed."""
    with write_transaction(engine) as conn:
        changed = store_year(conn, calendar, actor=actor, now=now)
    load_imported(engine)
    return changed


def log_changes(
    conn: Connection, changes: Iterable[DeadlineChange], *, actor: str, reason: str, now: datetime
) -> None:
    """Append the moved deadlines to ``calendar_changes``."""
    rows = [
        {
            "changed_at": now,
            "actor": actor,
            "reason": reason,
            "subject": c.subject,
            "case_id": c.case_id,
            "field": c.field,
            "old_due": c.old_due,
            "new_due": c.new_due,
            "old_source": c.old_source,
            "new_source": c.new_source,
        }
        for c in changes
    ]
    if rows:
        conn.execute(calendar_changes.insert(), rows)


def _deadline_days(dataset: str) -> int | None:
    try:
        return get_entry(dataset).disclosure_deadline_working_days
    except CatalogError:
        return None


def recompute_timeliness(conn: Connection, years: Iterable[int]) -> list[DeadlineChange]:
    """Recompute the disclosure measure of published records whose counted days touch
    ``years`` (and of those left unmeasured for want of a calendar); the changed ones."""
    wanted = sorted(set(years)) or [FIRST_YEAR]  # no years: only the unmeasured ones
    first, last = date(wanted[0], 1, 1), date(wanted[-1], 12, 31)
    if not years:
        last = date(FIRST_YEAR - 1, 12, 31)
    since = datetime(wanted[0] - 1, 12, 31, tzinfo=UTC)  # a CST day of ``first`` starts then
    r = records
    query = select(
        r.c.record_id,
        r.c.dataset,
        r.c.decision_date,
        r.c.first_published_at,
        r.c.disclosure_due,
        r.c.disclosure_working_days,
        r.c.disclosure_on_time,
        r.c.calendar_unknown,
    ).where(
        r.c.first_published_at.is_not(None),
        r.c.decision_date.is_not(None),
        or_(
            r.c.calendar_unknown.is_(True),
            and_(
                r.c.decision_date <= last,
                or_(r.c.disclosure_due >= first, r.c.first_published_at >= since),
            ),
        ),
    )
    out: list[DeadlineChange] = []
    for row in conn.execute(query).mappings().all():
        published = china_day(_aware(row["first_published_at"]))
        t = measure(row["decision_date"], published, _deadline_days(row["dataset"]))
        if t.calendar_unknown:
            continue
        old = (row["disclosure_due"], row["disclosure_working_days"], row["disclosure_on_time"])
        if old == (t.due, t.working_days, t.on_time) and not row["calendar_unknown"]:
            continue
        conn.execute(
            update(r)
            .where(r.c.record_id == row["record_id"])
            .values(
                disclosure_due=t.due,
                disclosure_working_days=t.working_days,
                disclosure_on_time=t.on_time,
                calendar_unknown=False,
            )
        )
        out.append(
            DeadlineChange(
                "record",
                row["record_id"],
                "disclosure_due",
                row["disclosure_due"],
                t.due,
                None,
                source_between(row["decision_date"], max(published, t.due or published)).value,
            )
        )
    return out


def _aware(value: datetime) -> datetime:
    aware = utc(value)
    assert aware is not None
    return aware
