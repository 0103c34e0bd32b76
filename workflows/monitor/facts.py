"""What the monitoring counts, read from the store in one pass (监测事实).

Every indicator of :mod:`workflows.monitor.indicators` is a count over these facts, so they
are read once per report and held in memory: one row per record (its department, district
unit, decision and first-publication days, timeliness and completeness), the change-log events
that matter (corrections and take-downs), submission batches, repair applications and
objections. A record belongs to its department by ``source_org_uscc`` (数据来源单位) and to a
district unit by ``division_code`` (:mod:`workflows.monitor.config`).

Cost: a full scan of ``records`` (payloads included) and of the take-down/correction events;
fine for a monthly report, not meant for every page view of a million-record store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import and_, or_, select

from catalog import load_catalog
from schemas import fields
from store import Store
from store.events import utc
from store.schema import api_keys, batches, changes, objections, records, repair_applications
from store.timeliness import china_day
from workflows.monitor.config import DistrictUnits


def _day(value: datetime | None) -> date | None:
    moment = utc(value)
    return None if moment is None else china_day(moment)


@dataclass(frozen=True, slots=True)
class RecordFact:
    """One record as the monitoring sees it."""

    record_id: str
    dataset: str
    department: str | None
    unit: str | None
    decision_date: date | None
    published_on: date | None
    due: date | None
    on_time: bool | None
    mandatory_ok: bool
    optional_share: float | None
    state: str
    withdrawn_reason: str | None
    window_end: date | None
    publishable: bool = True


@dataclass(frozen=True, slots=True)
class ChangeFact:
    """A correction (a new content version) or a take-down."""

    seq: int
    record_id: str
    op: str
    reason: str | None
    day: date
    window_end: date | None


@dataclass(frozen=True, slots=True)
class BatchFact:
    """A submission batch, attributed to a department through the key that sent it."""

    department: str | None
    day: date
    rows_seen: int
    rejected: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class CaseFact:
    """A repair application or an objection: who must act, when it came, when it ended."""

    kind: str  # repair | objection
    case_id: str
    record_id: str
    department: str
    state: str
    received: date
    due: date | None
    answered: date | None
    takedown_seq: int | None


@dataclass
class Facts:
    """Everything one report needs."""

    records: dict[str, RecordFact] = field(default_factory=dict)
    department_names: dict[str, str] = field(default_factory=dict)
    first_submission: dict[str, date] = field(default_factory=dict)
    changes: list[ChangeFact] = field(default_factory=list)
    batches: list[BatchFact] = field(default_factory=list)
    cases: list[CaseFact] = field(default_factory=list)


@cache
def _field_sets(dataset: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(mandatory, optional) field ids of a dataset's schema."""
    catalogue = load_catalog()
    if dataset not in catalogue.ids():
        return (), ()
    specs = fields(catalogue[dataset].schema_id)
    return (
        tuple(f.id for f in specs if f.required),
        tuple(f.id for f in specs if not f.required),
    )


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return bool(value.strip() if isinstance(value, str) else value)
    return True


def completeness(dataset: str, payload: Mapping[str, Any]) -> tuple[bool, float | None]:
    """(every mandatory field filled, share of optional fields filled) of one payload."""
    mandatory, optional = _field_sets(dataset)
    ok = all(_filled(payload.get(f)) for f in mandatory)
    share = None if not optional else sum(_filled(payload.get(f)) for f in optional) / len(optional)
    return ok, share


def _text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) and value else None


def _read_records(store: Store, units: DistrictUnits, facts: Facts) -> None:
    query = select(
        records.c.record_id,
        records.c.dataset,
        records.c.payload,
        records.c.decision_date,
        records.c.first_published_at,
        records.c.disclosure_due,
        records.c.disclosure_on_time,
        records.c.state,
        records.c.withdrawn_reason,
        records.c.window_end,
        records.c.publishable,
    )
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            payload = orjson.loads(row.payload)
            department = _text(payload, "source_org_uscc")
            name = _text(payload, "source_org_name")
            if department and name:
                facts.department_names.setdefault(department, name)
            published = _day(row.first_published_at)
            if department and published:
                first = facts.first_submission.get(department)
                if first is None or published < first:
                    facts.first_submission[department] = published
            mandatory_ok, share = completeness(row.dataset, payload)
            facts.records[row.record_id] = RecordFact(
                record_id=row.record_id,
                dataset=row.dataset,
                department=department,
                unit=units.unit_of(payload.get("division_code")),
                decision_date=row.decision_date,
                published_on=published,
                due=row.disclosure_due,
                on_time=row.disclosure_on_time,
                mandatory_ok=mandatory_ok,
                optional_share=share,
                state=row.state,
                withdrawn_reason=row.withdrawn_reason,
                window_end=row.window_end,
                publishable=bool(row.publishable),
            )


def _read_changes(store: Store, facts: Facts) -> None:
    query = (
        select(
            changes.c.seq,
            changes.c.record_id,
            changes.c.op,
            changes.c.reason,
            changes.c.occurred_at,
            changes.c.window_end,
        )
        .where(
            or_(
                changes.c.op == "delete",
                and_(changes.c.version > 1, changes.c.reason.is_(None)),
            )
        )
        .order_by(changes.c.seq)
    )
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            day = _day(row.occurred_at)
            assert day is not None
            facts.changes.append(
                ChangeFact(row.seq, row.record_id, row.op, row.reason, day, row.window_end)
            )


def _read_batches(store: Store, facts: Facts) -> None:
    with store.engine.connect() as conn:
        owners = {
            f"key:{r.key_id}:{r.name}": r.department_uscc
            for r in conn.execute(
                select(api_keys.c.key_id, api_keys.c.name, api_keys.c.department_uscc)
            )
        }
        for row in conn.execute(
            select(
                batches.c.actor,
                batches.c.submitted_at,
                batches.c.rows_seen,
                batches.c.rejected,
                batches.c.unchanged,
            )
        ):
            day = _day(row.submitted_at)
            assert day is not None
            facts.batches.append(
                BatchFact(owners.get(row.actor), day, row.rows_seen, row.rejected, row.unchanged)
            )


def _read_cases(store: Store, facts: Facts) -> None:
    r, o = repair_applications.c, objections.c
    with store.engine.connect() as conn:
        for row in conn.execute(
            select(
                r.id,
                r.record_id,
                r.authority_uscc,
                r.state,
                r.filed_at,
                r.decision_due,
                r.decided_at,
                r.takedown_seq,
            )
        ):
            received = _day(row.filed_at)
            assert received is not None
            facts.cases.append(
                CaseFact(
                    "repair",
                    row.id,
                    row.record_id,
                    row.authority_uscc,
                    row.state,
                    received,
                    row.decision_due,
                    _day(row.decided_at),
                    row.takedown_seq,
                )
            )
        for orow in conn.execute(
            select(
                o.id,
                o.record_id,
                o.provider_uscc,
                o.state,
                o.received_at,
                o.verify_due,
                o.verifying_at,
                o.answer_due,
                o.closed_at,
                o.outcome_seq,
            )
        ):
            received = _day(orow.received_at)
            assert received is not None
            due = orow.answer_due if orow.verifying_at is not None else orow.verify_due
            facts.cases.append(
                CaseFact(
                    "objection",
                    orow.id,
                    orow.record_id,
                    orow.provider_uscc,
                    orow.state,
                    received,
                    due,
                    _day(orow.closed_at),
                    orow.outcome_seq,
                )
            )


def read_facts(store: Store, units: DistrictUnits) -> Facts:
    """Read the monitoring's facts from ``store``."""
    facts = Facts()
    _read_records(store, units, facts)
    _read_changes(store, facts)
    _read_batches(store, facts)
    _read_cases(store, facts)
    return facts
