"""A record's timeline (记录时间线): every version, take-down and workflow step, in order.

Two sources merged in change-log order (:mod:`workflows.steps`): the change log
(:meth:`store.Store.history` — versions, objection marks, take-downs with their reasons) and
the workflow log (repair, objection, commitment, interview, listing steps with their states).
Each item says who, when and why.

Two audiences:

* ``full`` — admins and the departments responsible for the record: every field of every
  version, every step with its details and actor.
* ``entity`` — the subject itself: versions redacted as for the public (no identity numbers,
  no restricted fields), steps without their details, actors shown by role, and steps about
  linked persons left out altogether.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from catalog import get_entry
from store import Audience, ChangeEvent, Op, Store, UnknownRecordError, redact
from workflows.errors import CaseNotFoundError
from workflows.steps import Step, Workflow, steps_of


class TimelineAudience(StrEnum):
    """Who reads the timeline."""

    FULL = "full"
    ENTITY = "entity"


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One thing that happened to a record."""

    at: datetime
    kind: str  # version | take-down | step
    actor: str
    why: str | None
    seq: int | None = None
    version: int | None = None
    reason: str | None = None
    workflow: str | None = None
    case_id: str | None = None
    step: str | None = None
    state_from: str | None = None
    state_to: str | None = None
    record: dict[str, Any] | None = None
    details: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "actor": self.actor,
            "why": self.why,
        }
        for name in (
            "seq",
            "version",
            "reason",
            "workflow",
            "case_id",
            "step",
            "state_from",
            "state_to",
            "record",
            "details",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


def _role_of(actor: str, role: str | None = None) -> str:
    """How the entity sees an actor: by role, never by key name."""
    if role:
        return role
    if actor.startswith("system:"):
        return "system"
    return "department" if actor.startswith("key:") else "provider"


def _event_item(event: ChangeEvent, schema_id: str, who: TimelineAudience) -> TimelineItem:
    entity = who is TimelineAudience.ENTITY
    if event.op is Op.DELETE:
        return TimelineItem(
            at=event.occurred_at,
            kind="take-down",
            seq=event.seq,
            version=event.version,
            reason=event.reason,
            actor=_role_of(event.actor) if entity else event.actor,
            why=event.note,
        )
    payload = event.payload or {}
    shown = redact(payload, schema_id, Audience.PUBLIC) if entity else dict(payload)
    return TimelineItem(
        at=event.occurred_at,
        kind="version",
        seq=event.seq,
        version=event.version,
        reason=event.reason,
        actor=_role_of(event.actor) if entity else event.actor,
        why=event.note,
        record=shown,
    )


def _step_item(step: Step, who: TimelineAudience) -> TimelineItem:
    entity = who is TimelineAudience.ENTITY
    return TimelineItem(
        at=step.occurred_at,
        kind="step",
        seq=step.seq,
        workflow=step.workflow.value,
        case_id=step.case_id,
        step=step.step,
        state_from=step.state_from,
        state_to=step.state_to,
        actor=_role_of(step.actor, step.role) if entity else step.actor,
        why=step.note,
        details=None if entity else (step.details or None),
    )


def timeline(
    store: Store, record_id: str, *, audience: TimelineAudience | str = TimelineAudience.FULL
) -> list[TimelineItem]:
    """Every version, take-down and workflow step of ``record_id``, oldest first.

    Raises :class:`CaseNotFoundError` for a record never stored.
    """
    who = TimelineAudience(audience)
    try:
        events = store.history(record_id)
    except UnknownRecordError:
        raise CaseNotFoundError(f"no record {record_id!r}") from None
    schema_id = get_entry(events[0].dataset).schema_id
    # the change log orders everything: an event at its seq, a step right after the head of
    # the log when it was written (steps at the same position in the order they were logged)
    items = [(e.seq, 0, 0, _event_item(e, schema_id, who)) for e in events]
    for step in steps_of(store.engine, record_id=record_id):
        if who is TimelineAudience.ENTITY and step.workflow is Workflow.PERSONS:
            continue  # links to persons are personal data of others
        items.append((step.log_position, 1, step.id, _step_item(step, who)))
    items.sort(key=lambda item: item[:3])
    return [item[3] for item in items]
