"""The GraphQL types of what a caller sends: a submission's receipt (回执), row by row, and an
acknowledgement of the change feed — each a union whose refusals are members, not errors.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from publishers import Issue
from store import RowOutcome


@strawberry.type(description="A problem found in a submitted row (codes: docs/issue-codes.md).")
class ValidationIssue:
    row: int | None
    field: str | None
    code: str
    severity: str
    message: str
    message_zh: str
    value: str | None

    @classmethod
    def from_issue(cls, issue: Issue) -> ValidationIssue:
        return cls(
            row=issue.row,
            field=issue.field,
            code=issue.code,
            severity=str(issue.severity),
            message=issue.message,
            message_zh=issue.message_zh,
            value=issue.value,
        )


@strawberry.enum
class RowResult(Enum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    WITHDRAWN_KEPT = "withdrawn-kept"
    REJECTED = "rejected"


@strawberry.type(description="What happened to one submitted row.")
class SubmittedRow:
    row: int
    record_id: str | None
    result: RowResult
    version: int | None

    @classmethod
    def from_outcome(cls, outcome: RowOutcome) -> SubmittedRow:
        return cls(
            row=outcome.row,
            record_id=outcome.record_id,
            result=RowResult(outcome.outcome.value),
            version=outcome.version,
        )


@strawberry.interface(description="The receipt (回执) of one submission.")
class Receipt:
    batch_id: str
    dataset: str
    rows: int
    accepted: int = strawberry.field(description="New records and new versions.")
    unchanged: int
    rejected: int
    stored: bool = strawberry.field(description="False when nothing was written.")
    issues: list[ValidationIssue]
    outcomes: list[SubmittedRow]


@strawberry.type(description="Every row was kept (warnings allowed).")
class SubmissionAccepted(Receipt):
    pass


@strawberry.type(
    description="Some rows were rejected (see issues); the others were kept unless allOrNothing."
)
class SubmissionRejected(Receipt):
    pass


@strawberry.type(description="The submission was not looked at: wrong role, dataset or size.")
class SubmissionRefused:
    code: str
    message: str


SubmissionResult = Annotated[
    SubmissionAccepted | SubmissionRejected | SubmissionRefused,
    strawberry.union("SubmissionResult"),
]


@strawberry.type(description="The feed position kept for the caller's key.")
class ChangesAcknowledged:
    key_id: str
    seq: int = strawberry.field(description="Acknowledged seq (never moves backwards).")
    head: int
    lag: int


@strawberry.type(description="The acknowledgement was not kept.")
class AcknowledgementRefused:
    code: str
    message: str


AcknowledgementResult = Annotated[
    ChangesAcknowledged | AcknowledgementRefused,
    strawberry.union("AcknowledgementResult"),
]
