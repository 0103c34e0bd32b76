"""Overdue items (逾期事项): what is late today, and who must act.

* an **objection** still open after its deadline (to start verifying, or to answer) — the
  providing department;
* a **repair application** undecided after its decision deadline — the deciding authority;
* a record taken down as **corrected** and not re-published with its correction within
  ``correction_republish_working_days`` — the record's department;
* a record still **active after its publication window** (the daily sweep has not run) for
  more than ``withdrawal_working_days`` — the city credit office (市信用办), which runs it.

Days overdue are calendar days after the due day (and working days, where the calendar knows
them). Listed oldest due first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from store.timeliness import count_working_days
from store.workdays import CalendarUnknownError, add_working_days
from workflows.monitor.config import MonitorSettings
from workflows.monitor.facts import Facts

CREDIT_OFFICE = "市信用办"
"""Who acts on the sweep (no department code)."""


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """One late item."""

    kind: str  # objection | repair | correction | expiry
    case_id: str | None
    record_id: str
    dataset: str | None
    department: str
    department_name: str | None
    due: date
    days_overdue: int
    working_days_overdue: int | None
    action_zh: str
    action_en: str

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["due"] = self.due.isoformat()
        return out


_ACTIONS = {
    "objection": ("核查并答复异议", "verify and answer the objection"),
    "repair": ("作出信用修复决定", "decide the repair application"),
    "correction": ("重新报送更正后的记录", "re-submit the corrected record"),
    "expiry": ("撤下公示期满的记录（运行清理）", "take down the expired record (run the sweep)"),
}


def _add(day: date, n: int) -> date | None:
    try:
        return add_working_days(day, n)
    except CalendarUnknownError:
        return None


def _item(
    facts: Facts,
    kind: str,
    case_id: str | None,
    record_id: str,
    department: str,
    due: date,
    today: date,
) -> OverdueItem:
    record = facts.records.get(record_id)
    try:
        working: int | None = count_working_days(due, today)
    except CalendarUnknownError:
        working = None
    zh, en = _ACTIONS[kind]
    return OverdueItem(
        kind,
        case_id,
        record_id,
        None if record is None else record.dataset,
        department,
        facts.department_names.get(department),
        due,
        (today - due).days,
        working,
        zh,
        en,
    )


def overdue(facts: Facts, today: date, settings: MonitorSettings) -> list[OverdueItem]:
    """Everything overdue on ``today``."""
    items: list[OverdueItem] = []
    for case in facts.cases:
        open_case = case.answered is None and case.state in ("pending", "submitted", "verifying")
        if open_case and case.due is not None and case.due < today:
            items.append(
                _item(
                    facts, case.kind, case.case_id, case.record_id, case.department, case.due, today
                )
            )
    taken: dict[str, date] = {}
    for change in facts.changes:
        if change.op == "delete" and change.reason == "corrected":
            taken[change.record_id] = change.day
    for record in facts.records.values():
        if (
            record.state == "withdrawn"
            and record.withdrawn_reason == "corrected"
            and record.record_id in taken
            and record.department
        ):
            due = _add(taken[record.record_id], settings.correction_republish_working_days)
            if due is not None and due < today:
                items.append(
                    _item(
                        facts, "correction", None, record.record_id, record.department, due, today
                    )
                )
        elif (
            record.state == "active"
            and record.publishable
            and record.window_end
            and record.window_end < today
        ):
            due = _add(record.window_end, settings.withdrawal_working_days)
            if due is not None and due < today:
                items.append(
                    _item(facts, "expiry", None, record.record_id, CREDIT_OFFICE, due, today)
                )
    return sorted(items, key=lambda i: (i.due, i.kind, i.record_id))
