"""Risk alerts (风险预警) kept for the departments that must act on them.

* ``alerts`` — one row per alert: the rule, the entity (USCC), the evidence (record ids and
  the values that made the rule fire, canonical JSON) and its hash, the severity, the state
  (``open`` → ``acknowledged`` → ``closed``) and the change-log position it was raised or
  last updated at. UNIQUE(rule_id, uscc, evidence_hash): the same rule, entity and evidence
  give one alert however often the evaluator runs.
* ``alert_departments`` — which departments (USCC) an alert is routed to; a department key
  sees only alerts routed to it, an admin sees all. Alerts never reach the public.
* ``alert_events`` — the alert's own audit trail: raised, evidence-updated, acknowledged,
  closed, each with who, role, when and the note.
* ``alert_cursors`` — how far an evaluator has read the change log (incremental runs).

:func:`record_finding` is the one write of the evaluator (:mod:`workflows.risk`): a new
finding raises an alert; the same evidence again changes nothing; new evidence for an alert
that is still open or acknowledged updates it (and puts an acknowledged one back to open);
new evidence after an alert was closed raises a new alert.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    update,
)

from store.db import write_transaction
from store.errors import InvalidQueryError, UnknownRecordError
from store.tables import metadata

SEQ = BigInteger().with_variant(Integer, "sqlite")
TS = DateTime(timezone=True)

alerts = Table(
    "alerts",
    metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("rule_id", String(80), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("entity_name", String(200)),
    Column("severity", String(10), nullable=False),
    Column("title_zh", Text, nullable=False),
    Column("title_en", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("evidence_hash", String(64), nullable=False),
    Column("state", String(20), nullable=False),
    Column("raised_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("log_position", SEQ, nullable=False),
    Column("acknowledged_at", TS),
    Column("acknowledged_by", String(200)),
    Column("closed_at", TS),
    Column("closed_by", String(200)),
    Column("close_note", Text),
    UniqueConstraint("rule_id", "uscc", "evidence_hash"),
    Index(None, "uscc"),
    Index(None, "state"),
)

alert_departments = Table(
    "alert_departments",
    metadata,
    Column("alert_id", SEQ, ForeignKey("alerts.id"), primary_key=True),
    Column("department_uscc", String(18), primary_key=True),
    Index(None, "department_uscc"),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", SEQ, primary_key=True, autoincrement=True),
    Column("alert_id", SEQ, ForeignKey("alerts.id"), nullable=False),
    Column("action", String(30), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("note", Text),
    Column("occurred_at", TS, nullable=False),
    Index(None, "alert_id", "id"),
)

alert_cursors = Table(
    "alert_cursors",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("seq", SEQ, nullable=False),
    Column("updated_at", TS, nullable=False),
)

ALERT_TABLES = (alerts, alert_departments, alert_events, alert_cursors)


class AlertState(StrEnum):
    """Where an alert stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class FindingOutcome(StrEnum):
    """What :func:`record_finding` did."""

    RAISED = "raised"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule firing for one entity, as the evaluator found it."""

    rule_id: str
    kind: str
    uscc: str
    severity: str
    title_zh: str
    title_en: str
    summary: str
    evidence: dict[str, Any]
    departments: tuple[str, ...]
    entity_name: str | None = None

    @property
    def evidence_hash(self) -> str:
        return hashlib.sha256(orjson.dumps(self.evidence, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One line of an alert's audit trail."""

    alert_id: int
    action: str
    actor: str
    role: str
    note: str | None
    occurred_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "actor": self.actor,
            "role": self.role,
            "note": self.note,
            "occurred_at": self.occurred_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Alert:
    """A stored alert and the departments it is routed to."""

    id: int
    rule_id: str
    kind: str
    uscc: str
    entity_name: str | None
    severity: str
    title_zh: str
    title_en: str
    summary: str
    evidence: dict[str, Any]
    state: AlertState
    raised_at: datetime
    updated_at: datetime
    log_position: int
    departments: tuple[str, ...]
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_note: str | None = None

    def routed_to(self, department_uscc: str | None) -> bool:
        return department_uscc is not None and department_uscc.upper() in self.departments

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "kind": self.kind,
            "uscc": self.uscc,
            "entity_name": self.entity_name,
            "severity": self.severity,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "summary": self.summary,
            "evidence": self.evidence,
            "state": self.state.value,
            "departments": list(self.departments),
            "raised_at": iso(self.raised_at),
            "updated_at": iso(self.updated_at),
            "log_position": self.log_position,
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "closed_at": iso(self.closed_at),
            "closed_by": self.closed_by,
            "close_note": self.close_note,
        }


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _alert(row: Any, departments: Sequence[str]) -> Alert:
    return Alert(
        id=int(row.id),
        rule_id=row.rule_id,
        kind=row.kind,
        uscc=row.uscc,
        entity_name=row.entity_name,
        severity=row.severity,
        title_zh=row.title_zh,
        title_en=row.title_en,
        summary=row.summary,
        evidence=orjson.loads(row.evidence),
        state=AlertState(row.state),
        raised_at=_utc(row.raised_at),  # type: ignore[arg-type]
        updated_at=_utc(row.updated_at),  # type: ignore[arg-type]
        log_position=int(row.log_position),
        departments=tuple(sorted(departments)),
        acknowledged_at=_utc(row.acknowledged_at),
        acknowledged_by=row.acknowledged_by,
        closed_at=_utc(row.closed_at),
        closed_by=row.closed_by,
        close_note=row.close_note,
    )


def _event(
    conn: Connection, alert_id: int, action: str, actor: str, role: str, note: str | None,
    when: datetime,
) -> None:  # fmt: skip
    conn.execute(
        alert_events.insert().values(
            alert_id=alert_id, action=action, actor=actor, role=role, note=note, occurred_at=when
        )
    )


def _route(conn: Connection, alert_id: int, departments: Iterable[str]) -> None:
    have = set(
        conn.scalars(
            select(alert_departments.c.department_uscc).where(
                alert_departments.c.alert_id == alert_id
            )
        )
    )
    for dept in sorted({d.upper() for d in departments if d} - have):
        conn.execute(alert_departments.insert().values(alert_id=alert_id, department_uscc=dept))


def record_finding(
    conn: Connection, finding: Finding, *, log_position: int, now: datetime
) -> tuple[FindingOutcome, int]:
    """Raise, update or leave the alert for ``finding`` (module doc); its outcome and id."""
    digest = finding.evidence_hash
    same = conn.execute(
        select(alerts.c.id).where(
            alerts.c.rule_id == finding.rule_id,
            alerts.c.uscc == finding.uscc,
            alerts.c.evidence_hash == digest,
        )
    ).first()
    if same is not None:
        return FindingOutcome.UNCHANGED, int(same.id)
    evidence = orjson.dumps(finding.evidence, option=orjson.OPT_SORT_KEYS).decode()
    current = conn.execute(
        select(alerts.c.id, alerts.c.state)
        .where(
            alerts.c.rule_id == finding.rule_id,
            alerts.c.uscc == finding.uscc,
            alerts.c.state != AlertState.CLOSED.value,
        )
        .order_by(alerts.c.id.desc())
    ).first()
    values = {
        "severity": finding.severity,
        "title_zh": finding.title_zh,
        "title_en": finding.title_en,
        "summary": finding.summary,
        "entity_name": finding.entity_name,
        "evidence": evidence,
        "evidence_hash": digest,
        "updated_at": now,
        "log_position": log_position,
    }
    if current is not None:
        alert_id = int(current.id)
        reopen = {"state": AlertState.OPEN.value}
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values, **reopen))
        _route(conn, alert_id, finding.departments)
        note = "reopened" if current.state == AlertState.ACKNOWLEDGED.value else None
        _event(conn, alert_id, "evidence-updated", "system:alerts", "admin", note, now)
        return FindingOutcome.UPDATED, alert_id
    inserted = conn.execute(
        alerts.insert().values(
            rule_id=finding.rule_id,
            kind=finding.kind,
            uscc=finding.uscc,
            state=AlertState.OPEN.value,
            raised_at=now,
            **values,
        )
    ).inserted_primary_key
    assert inserted is not None
    alert_id = int(inserted[0])
    _route(conn, alert_id, finding.departments)
    _event(conn, alert_id, "raised", "system:alerts", "admin", None, now)
    return FindingOutcome.RAISED, alert_id


def _departments_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = conn.execute(
            select(alert_departments).where(alert_departments.c.alert_id.in_(list(ids)))
        )
        for row in rows:
            found[int(row.alert_id)].append(row.department_uscc)
    return found


def list_alerts(
    engine: Engine,
    *,
    department: str | None = None,
    state: str | None = None,
    uscc: str | None = None,
    limit: int = 500,
) -> list[Alert]:
    """Alerts, newest first: routed to ``department`` (every alert when None), in ``state``."""
    if state is not None and state not in {s.value for s in AlertState}:
        raise InvalidQueryError(f"state must be open, acknowledged or closed, not {state!r}")
    if not 1 <= limit <= 5000:
        raise InvalidQueryError("limit must be between 1 and 5000")
    query = select(alerts).order_by(alerts.c.id.desc()).limit(limit)
    if department is not None:
        routed = select(alert_departments.c.alert_id).where(
            alert_departments.c.department_uscc == department.upper()
        )
        query = query.where(alerts.c.id.in_(routed))
    if state is not None:
        query = query.where(alerts.c.state == state)
    if uscc is not None:
        query = query.where(alerts.c.uscc == uscc.upper())
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        depts = _departments_of(conn, [int(r.id) for r in rows])
    return [_alert(row, depts[int(row.id)]) for row in rows]


MAX_ID = 2**62
"""Ids beyond this are no alert's (and would overflow SQLite's integers)."""


def _check_id(alert_id: int) -> None:
    if not 1 <= alert_id <= MAX_ID:
        raise UnknownRecordError(f"no alert {alert_id}")


def get_alert(engine: Engine, alert_id: int) -> Alert:
    """One alert; :class:`UnknownRecordError` when there is none."""
    _check_id(alert_id)
    with engine.connect() as conn:
        row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        if row is None:
            raise UnknownRecordError(f"no alert {alert_id}")
        return _alert(row, _departments_of(conn, [alert_id])[alert_id])


def alert_history(engine: Engine, alert_id: int) -> list[AlertEvent]:
    """The alert's audit trail, oldest first."""
    _check_id(alert_id)
    query = (
        select(alert_events).where(alert_events.c.alert_id == alert_id).order_by(alert_events.c.id)
    )
    with engine.connect() as conn:
        return [
            AlertEvent(
                int(r.alert_id),
                r.action,
                r.actor,
                r.role,
                r.note,
                _utc(r.occurred_at),  # type: ignore[arg-type]
            )
            for r in conn.execute(query)
        ]


def _transition(
    engine: Engine, alert_id: int, target: AlertState, *, actor: str, role: str,
    note: str | None, now: datetime | None,
) -> Alert:  # fmt: skip
    _check_id(alert_id)
    when = now or datetime.now(UTC)
    with write_transaction(engine) as conn:
        row = conn.execute(select(alerts.c.state).where(alerts.c.id == alert_id)).first()
        if row is None:
            raise UnknownRecordError(f"no alert {alert_id}")
        state = AlertState(row.state)
        if state is target or state is AlertState.CLOSED:
            pass  # idempotent: acknowledging twice or closing a closed alert changes nothing
        elif target is AlertState.ACKNOWLEDGED:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(state=target.value, acknowledged_at=when, acknowledged_by=actor)
            )
            _event(conn, alert_id, "acknowledged", actor, role, note, when)
        else:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(state=target.value, closed_at=when, closed_by=actor, close_note=note)
            )
            _event(conn, alert_id, "closed", actor, role, note, when)
    return get_alert(engine, alert_id)


def acknowledge_alert(
    engine: Engine, alert_id: int, *, actor: str, role: str, note: str | None = None,
    now: datetime | None = None,
) -> Alert:  # fmt: skip
    """Mark an alert seen (audited); acknowledging again, or a closed alert, changes nothing."""
    return _transition(
        engine, alert_id, AlertState.ACKNOWLEDGED, actor=actor, role=role, note=note, now=now
    )


def close_alert(
    engine: Engine, alert_id: int, *, actor: str, role: str, note: str,
    now: datetime | None = None,
) -> Alert:  # fmt: skip
    """Close an alert with a note saying what was done (audited); closing twice changes
    nothing. Raises :class:`InvalidQueryError` without a note."""
    if not note.strip():
        raise InvalidQueryError("closing an alert needs a note saying what was done")
    return _transition(
        engine, alert_id, AlertState.CLOSED, actor=actor, role=role, note=note.strip(), now=now
    )


def read_cursor(conn: Connection, name: str) -> int:
    """The change-log position an evaluator has read up to (0 before its first run)."""
    seq = conn.scalar(select(alert_cursors.c.seq).where(alert_cursors.c.name == name))
    return int(seq or 0)


def save_cursor(conn: Connection, name: str, seq: int, now: datetime) -> None:
    """Move an evaluator's cursor to ``seq``."""
    done = conn.execute(
        update(alert_cursors).where(alert_cursors.c.name == name).values(seq=seq, updated_at=now)
    )
    if not done.rowcount:
        conn.execute(alert_cursors.insert().values(name=name, seq=seq, updated_at=now))
