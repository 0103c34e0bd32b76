"""New versions written by the workflows (更正、移出、履约、核实): validated like any submission.

A workflow that changes a record's content — a correction after an objection, a removal from
a list, a commitment's fulfilment, a verified registration — goes through the same intake
(normalise + JSON Schema) as a department's upload, then :meth:`store.Store.submit`. Invalid
content is never stored; it comes back as a ``record-invalid`` (or caller-chosen) problem
carrying the intake's issues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from catalog import get_entry
from publishers import Intake, Issue
from store import Outcome, Store
from workflows.caller import Caller
from workflows.problems import Problem, problem


@dataclass(frozen=True, slots=True)
class VersionResult:
    """What storing one workflow-made record did: its id, version and outcome, or problems."""

    record_id: str | None
    version: int | None
    outcome: Outcome | None
    seq: int | None = None
    problems: tuple[Problem, ...] = ()
    issues: tuple[Issue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(
    dataset: str, record: Mapping[str, Any], *, today: date | None = None
) -> tuple[dict[str, Any] | None, list[Issue]]:
    """``(normalised record, issues)``; the record is None when it has errors."""
    intake = Intake(dataset, today=today)
    (row,) = list(intake.records([dict(record)]))
    issues = row.issues + [i for i in intake.report.issues if i not in row.issues]
    return (row.record if row.valid else None), issues


def describe(issues: list[Issue] | tuple[Issue, ...]) -> str:
    """The errors of a list of issues as one line (for a problem's ``detail``)."""
    errors = [i for i in issues if i.is_error] or list(issues)
    return "; ".join(f"{i.field or '-'}: {i.code}" for i in errors[:10])


def store_version(
    store: Store,
    dataset: str,
    record: Mapping[str, Any],
    *,
    caller: Caller,
    today: date | None = None,
    now: datetime | None = None,
    source: str = "workflow",
    invalid_code: str = "record-invalid",
) -> VersionResult:
    """Validate ``record`` and store it as a new record or a new version."""
    normalised, issues = validate(dataset, record, today=today)
    if normalised is None:
        return VersionResult(
            record_id=get_entry(dataset).record_id(record),
            version=None,
            outcome=None,
            problems=(problem(invalid_code, detail=describe(issues)),),
            issues=tuple(issues),
        )
    result = store.submit(dataset, [(1, normalised)], actor=caller.actor, source=source, now=now)
    (row,) = result.outcomes
    if row.outcome is Outcome.REJECTED:
        return VersionResult(
            record_id=row.record_id,
            version=None,
            outcome=row.outcome,
            problems=(problem(invalid_code, detail=describe(result.issues)),),
            issues=tuple(result.issues),
        )
    return VersionResult(
        record_id=row.record_id,
        version=row.version,
        outcome=row.outcome,
        seq=result.last_seq,
        issues=tuple(issues) + tuple(result.issues),
    )
