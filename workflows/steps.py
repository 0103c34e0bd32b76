"""The workflow log (流程日志): every state change of every procedure, append-only.

Each step names the record it concerns, the workflow and case, the states before and after,
who took it and when, why (``note``), structured ``details``, the change-log ``seq`` it
produced (if it changed the exchange store) and ``log_position``, the head of the change log
when it was written. The change log is one total order, so ``log_position`` places each step
exactly among the record's versions, whatever the clocks say. Steps are written in the same
transaction as the case row they describe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, select

from store.events import utc
from store.schema import changes, workflow_steps
from workflows.caller import Caller


class Workflow(StrEnum):
    """Which procedure a step belongs to."""

    LISTING = "listing"
    REPAIR = "repair"
    OBJECTION = "objection"
    COMMITMENT = "commitment"
    INTERVIEW = "interview"
    REGISTRATION = "registration"
    PERSONS = "persons"


@dataclass(frozen=True, slots=True)
class Step:
    """One logged state change."""

    id: int
    record_id: str
    workflow: Workflow
    case_id: str | None
    step: str
    state_from: str | None
    state_to: str | None
    actor: str
    role: str | None
    occurred_at: datetime
    note: str | None
    details: dict[str, Any]
    seq: int | None
    log_position: int

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Step:
        return cls(
            id=int(row["id"]),
            record_id=row["record_id"],
            workflow=Workflow(row["workflow"]),
            case_id=row["case_id"],
            step=row["step"],
            state_from=row["state_from"],
            state_to=row["state_to"],
            actor=row["actor"],
            role=row["role"],
            occurred_at=utc(row["occurred_at"]),  # type: ignore[arg-type]
            note=row["note"],
            details=loads(row["details"]) or {},
            seq=None if row["seq"] is None else int(row["seq"]),
            log_position=int(row["log_position"]),
        )


def aware(value: datetime | None) -> datetime | None:
    """A stored timestamp as aware UTC (SQLite hands back naive UTC)."""
    return utc(value)


def dumps(value: Any) -> str | None:
    """JSON text for a Text column (None stays NULL)."""
    return None if value is None else orjson.dumps(value).decode()


def loads(value: str | None) -> Any:
    return None if value is None else orjson.loads(value)


def log_step(
    conn: Connection,
    *,
    record_id: str,
    workflow: Workflow,
    step: str,
    caller: Caller,
    now: datetime,
    case_id: str | None = None,
    state_from: str | None = None,
    state_to: str | None = None,
    note: str | None = None,
    details: Mapping[str, Any] | None = None,
    seq: int | None = None,
) -> None:
    """Append one step (inside the caller's transaction)."""
    position = conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one()
    conn.execute(
        workflow_steps.insert().values(
            record_id=record_id,
            workflow=workflow.value,
            case_id=case_id,
            step=step,
            state_from=state_from,
            state_to=state_to,
            actor=caller.actor,
            role=caller.role.value,
            occurred_at=now,
            note=note,
            details=dumps(dict(details)) if details else None,
            seq=seq,
            log_position=position,
        )
    )


def steps_of(
    engine: Engine, *, record_id: str | None = None, case_id: str | None = None
) -> list[Step]:
    """The steps of a record or of a case, oldest first."""
    query = select(workflow_steps).order_by(workflow_steps.c.id)
    if record_id is not None:
        query = query.where(workflow_steps.c.record_id == record_id)
    if case_id is not None:
        query = query.where(workflow_steps.c.case_id == case_id)
    with engine.connect() as conn:
        return [Step.from_row(row) for row in conn.execute(query).mappings()]
