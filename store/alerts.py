"""Risk alerts (风险预警): their tables, and the evaluator's side of them.

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
new evidence after an alert was closed raises a new alert. What departments do with an alert
(read, acknowledge, close) is in :mod:`store.alert_handling`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
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


def log_alert_event(
    conn: Connection, alert_id: int, action: str, actor: str, role: str, note: str | None,
    when: datetime,
) -> None:  # fmt: skip
    """One line of the alert's own audit trail, in the caller's transaction."""
    conn.execute(
        alert_events.insert().values(
            alert_id=alert_id, action=action, actor=actor, role=role, note=note, occurred_at=when
        )
    )


def route_alert(conn: Connection, alert_id: int, departments: Iterable[str]) -> None:
    """Route the alert to ``departments`` too (never un-routes: a department that saw an
    alert keeps it)."""
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
        route_alert(conn, alert_id, finding.departments)
        note = "reopened" if current.state == AlertState.ACKNOWLEDGED.value else None
        log_alert_event(conn, alert_id, "evidence-updated", "system:alerts", "admin", note, now)
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
    route_alert(conn, alert_id, finding.departments)
    log_alert_event(conn, alert_id, "raised", "system:alerts", "admin", None, now)
    return FindingOutcome.RAISED, alert_id


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
