"""New versions written by the workflows (更正、移出、履约、核实): validated like any submission.

A workflow that changes a record's content — a correction after an objection, a removal from
a list, a commitment's fulfilment, a verified registration — goes through the same intake
(normalise + JSON Schema) as a department's upload, then the store's submission, inside the
step's own transaction (:meth:`workflows.transaction.StepTransaction.version`). Invalid
content is never stored; it comes back as a ``record-invalid`` (or caller-chosen) problem
carrying the intake's issues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from publishers import Intake, Issue
from store import Outcome
from workflows.problems import Problem


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

    def to_dict(self) -> dict[str, Any]:
        """What the faces show of it (its problems travel as the answer's ``errors``)."""
        return {
            "record_id": self.record_id,
            "version": self.version,
            "outcome": self.outcome.value if self.outcome else None,
        }


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
