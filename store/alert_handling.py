"""What departments do with risk alerts (风险预警处置): list them, read one and its trail,
acknowledge, close with a note — each change audited in the alert's own trail.

A department key sees only the alerts routed to it (the faces filter with
:meth:`Alert.routed_to` and ``list_alerts(department=…)``); acknowledging twice or closing a
closed alert changes nothing, so every action is safe to repeat. The tables and the
evaluator's write are in :mod:`store.alerts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select, update

from store.alerts import AlertState, alert_departments, alert_events, alerts, log_alert_event
from store.db import write_transaction
from store.errors import InvalidQueryError, UnknownRecordError


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
            log_alert_event(conn, alert_id, "acknowledged", actor, role, note, when)
        else:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(state=target.value, closed_at=when, closed_by=actor, close_note=note)
            )
            log_alert_event(conn, alert_id, "closed", actor, role, note, when)
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
