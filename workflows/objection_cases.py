"""Objection cases (异议案件): their states, deadlines and the reads of them.

States (credit-domain §4.5): ``submitted`` → ``verifying`` → ``corrected`` | ``revoked`` |
``upheld`` (the outcome closes the case). A case is due at the verify deadline while
submitted and at the answer deadline while verifying; overdue cases are those past it
(:func:`list_objections` with ``overdue_on``). The steps that move a case are in
:mod:`workflows.objections` and :mod:`workflows.objection_outcome`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select

from store import Store
from store.schema import objections
from workflows.errors import CaseNotFoundError
from workflows.problems import Problem
from workflows.steps import aware, loads


class ObjectionState(StrEnum):
    """Where an objection stands; the last three are outcomes and close the case."""

    SUBMITTED = "submitted"
    VERIFYING = "verifying"
    CORRECTED = "corrected"
    REVOKED = "revoked"
    UPHELD = "upheld"

    @property
    def open(self) -> bool:
        return self in (ObjectionState.SUBMITTED, ObjectionState.VERIFYING)


OUTCOMES = (ObjectionState.CORRECTED, ObjectionState.REVOKED, ObjectionState.UPHELD)


@dataclass(frozen=True, slots=True)
class Objection:
    """One objection case with its deadlines and KPI timestamps."""

    id: str
    record_id: str
    dataset: str
    credit_code: str | None
    provider_uscc: str
    applicant_name: str
    filed_by: str
    grounds: str
    evidence: tuple[str, ...]
    state: ObjectionState
    received_at: datetime
    verify_due: date | None
    verifying_at: datetime | None
    answer_due: date | None
    extended_days: int
    provider_reply_at: datetime | None
    closed_at: datetime | None
    outcome_note: str | None
    marked_version: int | None
    mark_seq: int | None
    outcome_seq: int | None
    verify_due_provisional: bool | None = None
    """Whether ``verify_due`` counts a day of a provisional calendar year (None: not recorded,
    for cases filed before migration 4)."""
    answer_due_provisional: bool | None = None
    """The same for ``answer_due``."""

    @property
    def due(self) -> date | None:
        """The deadline of the current step (None once closed)."""
        if self.state is ObjectionState.SUBMITTED:
            return self.verify_due
        if self.state is ObjectionState.VERIFYING:
            return self.answer_due
        return None

    def overdue(self, today: date) -> bool:
        """Whether the current step's deadline has passed."""
        return self.due is not None and today > self.due

    def to_dict(self, today: date | None = None) -> dict[str, Any]:
        def iso(value: date | datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "id": self.id,
            "record_id": self.record_id,
            "dataset": self.dataset,
            "credit_code": self.credit_code,
            "provider_uscc": self.provider_uscc,
            "applicant_name": self.applicant_name,
            "grounds": self.grounds,
            "evidence": list(self.evidence),
            "state": self.state.value,
            "received_at": iso(self.received_at),
            "verify_due": iso(self.verify_due),
            "verify_due_provisional": self.verify_due_provisional,
            "verifying_at": iso(self.verifying_at),
            "answer_due": iso(self.answer_due),
            "answer_due_provisional": self.answer_due_provisional,
            "extended_days": self.extended_days,
            "provider_reply_at": iso(self.provider_reply_at),
            "closed_at": iso(self.closed_at),
            "outcome_note": self.outcome_note,
            "due": iso(self.due),
            "overdue": None if today is None else self.overdue(today),
        }

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Objection:
        return cls(
            id=row["id"],
            record_id=row["record_id"],
            dataset=row["dataset"],
            credit_code=row["credit_code"],
            provider_uscc=row["provider_uscc"],
            applicant_name=row["applicant_name"],
            filed_by=row["filed_by"],
            grounds=row["grounds"],
            evidence=tuple(loads(row["evidence"]) or ()),
            state=ObjectionState(row["state"]),
            received_at=aware(row["received_at"]),  # type: ignore[arg-type]
            verify_due=row["verify_due"],
            verifying_at=aware(row["verifying_at"]),
            answer_due=row["answer_due"],
            extended_days=int(row["extended_days"] or 0),
            provider_reply_at=aware(row["provider_reply_at"]),
            closed_at=aware(row["closed_at"]),
            outcome_note=row["outcome_note"],
            marked_version=row["marked_version"],
            mark_seq=row["mark_seq"],
            outcome_seq=row["outcome_seq"],
            verify_due_provisional=_flag(row.get("verify_due_provisional")),
            answer_due_provisional=_flag(row.get("answer_due_provisional")),
        )


def _flag(value: object) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """The answer to :func:`record_outcome`: the case, or why the outcome was not taken."""

    objection: Objection
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def get_objection(store: Store, case_id: str) -> Objection:
    """One case; :class:`CaseNotFoundError` when there is none."""
    with store.engine.connect() as conn:
        row = conn.execute(select(objections).where(objections.c.id == case_id)).mappings().first()
    if row is None:
        raise CaseNotFoundError(f"no objection {case_id!r}")
    return Objection.from_row(row)


def list_objections(
    store: Store,
    *,
    state: ObjectionState | str | None = None,
    record_id: str | None = None,
    provider_uscc: str | None = None,
    overdue_on: date | None = None,
    limit: int | None = None,
) -> list[Objection]:
    """Cases oldest first; ``overdue_on``: only open cases past their deadline on that day;
    at most ``limit`` (all when None)."""
    o = objections.c
    query = select(objections).order_by(o.received_at, o.id).limit(limit)
    if state is not None:
        query = query.where(o.state == ObjectionState(state).value)
    if record_id is not None:
        query = query.where(o.record_id == record_id)
    if provider_uscc is not None:
        query = query.where(o.provider_uscc == provider_uscc)
    if overdue_on is not None:
        query = query.where(
            or_(
                (o.state == ObjectionState.SUBMITTED.value) & (o.verify_due < overdue_on),
                (o.state == ObjectionState.VERIFYING.value) & (o.answer_due < overdue_on),
            )
        )
    with store.engine.connect() as conn:
        return [Objection.from_row(r) for r in conn.execute(query).mappings()]
