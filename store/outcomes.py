"""What a submission answers (回执内容): per-row outcomes, the batch status and the result.

:class:`SubmitResult` is returned by :meth:`store.Store.submit`; gateways and the CLI build
their receipts from it. ``issues`` are :class:`publishers.Issue` values with codes from the
one issue-code table (``duplicate-key``, ``record-withdrawn``, ``missing-value``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from publishers import Issue


class Outcome(StrEnum):
    """What happened to one submitted row."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    WITHDRAWN_KEPT = "withdrawn-kept"
    REJECTED = "rejected"


class BatchStatus(StrEnum):
    """Where a batch stands: ``running`` until it ends; ``interrupted`` when its process died
    while it ran (marked when a store is next opened, :mod:`store.batches`)."""

    RUNNING = "running"
    COMPLETE = "complete"
    REJECTED = "rejected"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """The outcome of one row; ``version`` is the record's version after the row."""

    row: int
    record_id: str | None
    outcome: Outcome
    version: int | None


@dataclass(slots=True)
class SubmitResult:
    """The receipt of a submission. ``accepted`` = new records + new versions; with
    ``status == "rejected"`` (all-or-nothing with errors) nothing was written. ``outcomes``
    are in row order; ``issues`` in the order found."""

    batch_id: str
    dataset: str
    status: BatchStatus = BatchStatus.RUNNING
    rows: int = 0
    accepted: int = 0
    unchanged: int = 0
    rejected: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    first_seq: int | None = None
    last_seq: int | None = None

    @property
    def ok(self) -> bool:
        """Whether every row was kept (warnings allowed)."""
        return self.rejected == 0 and self.status is BatchStatus.COMPLETE


def new_batch_id(now: datetime) -> str:
    """A sortable unique batch id: UTC time and 12 random hex digits."""
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"
