"""The risk early-warning evaluator (风险预警): rules over the change log, alerts to departments.

:func:`run_alerts` reads the change log after its cursor (``alert_cursors``, name
``risk-alerts``), collects the entities (USCC) those events touched, adds the entities where a
person behind a touched list entry is legal representative, and applies every enabled rule of
``risk-rules.yaml`` to each of them. Each finding is recorded by :func:`store.alerts.record_finding`
(deduplicated: the same rule, entity and evidence give one alert; new evidence updates it).
The cursor then moves to the head read at the start, so the next run sees only newer events.
``full=True`` re-reads the whole log (after a rule change).

Runs are idempotent and may be repeated after a crash: findings are written in short
transactions per chunk of entities and the cursor moves last, so a crashed run is redone from
the old cursor and its findings come out unchanged. The gateway's scheduler runs it after each
expiries pass (:mod:`gateway.scheduler`); ``creditgate alerts run`` runs it by hand
(docs/alerts.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import takewhile
from typing import Any

from sqlalchemy import select

from store import ChangeEvent, Finding, FindingOutcome, Store, write_transaction
from store.alerts import read_cursor, record_finding, save_cursor
from store.schema import records
from workflows.risk_checks import CHECKS, Context, Entity, GradeHistory
from workflows.risk_rules import RiskRules, RuleKind, load_risk_rules
from workflows.risk_sources import entities_with_rep, grade_history, listed, persons_of_entries

CURSOR = "risk-alerts"
CHUNK = 200


@dataclass(slots=True)
class AlertRun:
    """What one run did."""

    after: int
    head: int
    entities: int = 0
    raised: int = 0
    updated: int = 0
    unchanged: int = 0
    alert_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "after": self.after,
            "head": self.head,
            "entities": self.entities,
            "raised": self.raised,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "alert_ids": self.alert_ids,
        }


def touched_entities(store: Store, events: Iterable[ChangeEvent]) -> set[str]:
    """The USCCs of the records the events touched (a take-down's from the records table)."""
    found: set[str] = set()
    deleted: set[str] = set()
    for event in events:
        code = (event.payload or {}).get("uscc")
        if code:
            found.add(str(code).upper())
        else:
            deleted.add(event.record_id)
    if deleted:
        ids = sorted(deleted)
        with store.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = select(records.c.uscc).where(
                    records.c.record_id.in_(ids[start : start + 500]), records.c.uscc.is_not(None)
                )
                found.update(str(c).upper() for c in conn.scalars(query))
    return found


def related_entities(store: Store, rules: RiskRules, usccs: Iterable[str], today: date) -> set[str]:
    """Entities where a person behind a list entry of ``usccs`` is legal representative (so a
    new listing reaches the other entities of its legal representative)."""
    kinds = [r for r in rules.enabled if r.kind is RuleKind.LISTED_REP_ELSEWHERE]
    found: set[str] = set()
    for rule in kinds:
        lists, roles = list(rule.params["lists"]), list(rule.params["roles"])
        for uscc in usccs:
            entries = [
                r for r in store.by_uscc(uscc, state="active") if r.dataset in lists
                and listed(r, today)
            ]  # fmt: skip
            for person in persons_of_entries(store, entries, roles):
                found |= entities_with_rep(store, person.id_no)
    return found - set(usccs)


def evaluate_entity(ctx: Context, uscc: str) -> list[Finding]:
    """Every enabled rule applied to one entity."""
    entity = Entity(uscc, tuple(ctx.store.by_uscc(uscc, state="active")))
    findings = []
    for rule in ctx.rules.enabled:
        found = CHECKS[rule.kind](rule, ctx, entity)
        if found is not None:
            findings.append(found)
    return findings


def run_alerts(
    store: Store,
    *,
    today: date,
    rules: RiskRules | None = None,
    grades: GradeHistory = grade_history,
    full: bool = False,
    now: datetime | None = None,
) -> AlertRun:
    """Evaluate the entities touched since the last run and record their alerts (module doc)."""
    rule_set = rules or load_risk_rules()
    when = now or datetime.now(UTC)
    with store.engine.connect() as conn:
        after = 0 if full else read_cursor(conn, CURSOR)
    head = store.head()
    run = AlertRun(after=after, head=head)
    events = takewhile(lambda e: e.seq <= head, store.iter_changes(after=after))
    touched = touched_entities(store, events)
    if after > 0:  # from the start of the log every entity is touched already
        touched |= related_entities(store, rule_set, touched, today)
    run.entities = len(touched)
    ctx = Context(store, rule_set, today, grades)
    ordered = sorted(touched)
    for start in range(0, len(ordered), CHUNK):
        findings = [f for u in ordered[start : start + CHUNK] for f in evaluate_entity(ctx, u)]
        if not findings:
            continue
        with write_transaction(store.engine) as conn:
            for finding in findings:
                outcome, alert_id = record_finding(conn, finding, log_position=head, now=when)
                if outcome is FindingOutcome.RAISED:
                    run.raised += 1
                elif outcome is FindingOutcome.UPDATED:
                    run.updated += 1
                else:
                    run.unchanged += 1
                run.alert_ids.append(alert_id)
    with write_transaction(store.engine) as conn:
        if full or read_cursor(conn, CURSOR) < head:
            save_cursor(conn, CURSOR, head, when)
    return run
