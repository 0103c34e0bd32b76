"""The GraphQL types of the credit workflows (信用流程): cases, check answers, stored versions,
timelines, and the :class:`Problem` every workflow field answers when it says no.

Each type is built from the body of a :class:`workflows.Answer` — the very dict REST sends
and ``creditgate … --json`` prints — so the three faces cannot show different things. A
workflow field's result is a union of its type and :class:`Problem` (strawberry's advice for
expected failures): clients switch on ``__typename``; ``Problem.problems`` is REST's
``errors``, with the same codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from workflows import Answer, ObjectionState, RepairState

RepairStateEnum = strawberry.enum(RepairState, name="RepairState", description="修复申请状态")
ObjectionStateEnum = strawberry.enum(
    ObjectionState, name="ObjectionState", description="异议状态 (the last three close the case)"
)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@strawberry.type(description="One reason a step was refused (codes: docs/workflows.md).")
class ProblemDetail:
    code: str
    message_zh: str
    message_en: str
    params: JSON

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> ProblemDetail:
        return cls(
            code=raw["code"],
            message_zh=raw["message_zh"],
            message_en=raw["message_en"],
            params=JSON(raw.get("params") or {}),
        )


@strawberry.type(
    description="The step was refused or could not go on: REST's error body, typed. `status` "
    "is REST's status (422: the procedure's problems; 400, 401, 403, 404, 409: why it could "
    "not go on), `problems` its `errors`, `context` what REST sends alongside (the case)."
)
class Problem:
    code: str = strawberry.field(description="The first problem's code.")
    status: int
    message: str
    problems: list[ProblemDetail]
    context: JSON | None

    @classmethod
    def of(cls, answer: Answer) -> Problem:
        body = answer.to_dict()
        context = {k: v for k, v in body.items() if k not in ("ok", "error", "errors", "status")}
        return cls(
            code=answer.codes[0],
            status=answer.status,
            message=body["error"],
            problems=[ProblemDetail.of(p) for p in body["errors"]],
            context=JSON(context) if context else None,
        )


@strawberry.type(description="A credit-repair application (信用修复申请).")
class RepairApplication:
    id: str
    record_id: str
    dataset: str
    credit_code: str | None
    authority_uscc: str = strawberry.field(description="Who decides (谁认定、谁修复).")
    applicant_name: str
    statement: str | None
    obligations_fulfilled: bool
    evidence: list[str]
    commitment_record_id: str | None
    state: RepairStateEnum  # type: ignore[valid-type]
    problems: list[ProblemDetail] = strawberry.field(description="Why it was refused.")
    filed_at: datetime
    decision_due: date | None
    decision_due_provisional: bool | None
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    takedown_seq: int | None

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> RepairApplication:
        return cls(
            **{k: raw[k] for k in _PLAIN_REPAIR},
            evidence=list(raw["evidence"]),
            state=RepairState(raw["state"]),
            problems=[ProblemDetail.of(p) for p in raw["problems"]],
            filed_at=datetime.fromisoformat(raw["filed_at"]),
            decision_due=_day(raw["decision_due"]),
            decided_at=_moment(raw["decided_at"]),
        )


_PLAIN_REPAIR = (
    "id", "record_id", "dataset", "credit_code", "authority_uscc", "applicant_name",
    "statement", "obligations_fulfilled", "commitment_record_id", "decision_due_provisional",
    "decided_by", "decision_note", "takedown_seq",
)  # fmt: skip


@strawberry.type(description="Repair applications, oldest first.")
class RepairApplications:
    count: int
    applications: list[RepairApplication]

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> RepairApplications:
        return cls(
            count=body["count"],
            applications=[RepairApplication.of(a) for a in body["applications"]],
        )


@strawberry.type(description="An objection case (异议) with its deadlines (working days).")
class Objection:
    id: str
    record_id: str
    dataset: str
    credit_code: str | None
    provider_uscc: str = strawberry.field(description="The providing department: it answers.")
    applicant_name: str
    grounds: str
    evidence: list[str]
    state: ObjectionStateEnum  # type: ignore[valid-type]
    received_at: datetime
    verify_due: date | None
    verify_due_provisional: bool | None
    verifying_at: datetime | None
    answer_due: date | None
    answer_due_provisional: bool | None
    extended_days: int
    provider_reply_at: datetime | None
    closed_at: datetime | None
    outcome_note: str | None
    due: date | None = strawberry.field(description="The current step's deadline.")
    overdue: bool | None

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Objection:
        values: dict[str, Any] = {k: raw[k] for k in _PLAIN_OBJECTION}
        values.update({k: _day(raw[k]) for k in ("verify_due", "answer_due", "due")})
        for k in ("verifying_at", "provider_reply_at", "closed_at"):
            values[k] = _moment(raw[k])
        return cls(
            **values,
            evidence=list(raw["evidence"]),
            state=ObjectionState(raw["state"]),
            received_at=datetime.fromisoformat(raw["received_at"]),
        )


_PLAIN_OBJECTION = (
    "id", "record_id", "dataset", "credit_code", "provider_uscc", "applicant_name", "grounds",
    "verify_due_provisional", "answer_due_provisional", "extended_days", "outcome_note",
    "overdue",
)  # fmt: skip


@strawberry.type(description="Objection cases, oldest first, as of `today`.")
class Objections:
    today: date
    count: int
    objections: list[Objection]

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Objections:
        return cls(
            today=date.fromisoformat(body["today"]),
            count=body["count"],
            objections=[Objection.of(o) for o in body["objections"]],
        )


@strawberry.type(description="A joint-punishment measure (失信惩戒措施) that restricts.")
class PunishmentMeasure:
    measure_id: str
    measure_class: str
    name: str
    legal_basis: list[str]
    implementer: str
    scenarios: list[str]
    persons: bool = strawberry.field(description="It also reaches linked persons.")


@strawberry.type(description="A list entry or ban in force for the subject checked.")
class CheckEntry:
    record_id: str
    dataset: str
    subject_name: str | None
    list_type: str | None
    list_name: str | None
    ban_scope: str | None
    decision_doc_no: str | None
    basis: str | None
    deciding_authority: str | None
    in_force_from: date | None
    in_force_until: date | None
    under_objection: bool
    via: str = strawberry.field(description="subject, or the linked person's role.")
    measure_ids: list[str]


@strawberry.type(description="The answer to a joint-punishment check (联合惩戒核查), logged.")
class CheckAnswer:
    check_id: int | None
    credit_code: str
    scenario: str | None
    restricted: bool
    measures: list[PunishmentMeasure]
    basis: list[str]
    entries: list[CheckEntry]
    checked_at: datetime
    log_position: int = strawberry.field(description="The change-log seq the answer reflects.")
    measure_list_version: str
    incentives: JSON = strawberry.field(description="守信激励 measures granted (a list).")
    incentive_list_version: str | None

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> CheckAnswer:
        entries = [
            CheckEntry(
                **{
                    **e,
                    "in_force_from": _day(e["in_force_from"]),
                    "in_force_until": _day(e["in_force_until"]),
                }
            )
            for e in body["entries"]
        ]
        return cls(
            **{k: body[k] for k in _PLAIN_CHECK},
            measures=[PunishmentMeasure(**m) for m in body["measures"]],
            basis=list(body["basis"]),
            entries=entries,
            checked_at=datetime.fromisoformat(body["checked_at"]),
            incentives=JSON(list(body["incentives"])),
        )


_PLAIN_CHECK = (
    "check_id", "credit_code", "scenario", "restricted", "log_position",
    "measure_list_version", "incentive_list_version",
)  # fmt: skip


@strawberry.type(description="A record a workflow stored: its id, version and what happened.")
class StoredVersion:
    record_id: str | None
    version: int | None
    outcome: str | None = strawberry.field(description="new, updated, unchanged …")

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> StoredVersion:
        return cls(record_id=raw["record_id"], version=raw["version"], outcome=raw["outcome"])


@strawberry.type(description="A commitment's fulfilment and what its breach led to.")
class FulfilmentRecorded:
    commitment: StoredVersion
    listing: StoredVersion | None = strawberry.field(description="The breach's list entry.")
    breach: JSON | None = strawberry.field(
        description="commitment_type, consequence (listed | recorded), basis …; null if kept."
    )

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> FulfilmentRecorded:
        listing = body["listing"]
        return cls(
            commitment=StoredVersion.of(body["commitment"]),
            listing=None if listing is None else StoredVersion.of(listing),
            breach=None if body["breach"] is None else JSON(body["breach"]),
        )


@strawberry.type(description="An entry removed from its list (移出).")
class Removal:
    record_id: str
    version: StoredVersion
    taken_down: bool = strawberry.field(description="False while the removal date is ahead.")
    takedown_seq: int | None

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Removal:
        raw = body["removal"]
        return cls(
            record_id=raw["record_id"],
            version=StoredVersion.of(raw["version"]),
            taken_down=raw["taken_down"],
            takedown_seq=raw["takedown_seq"],
        )


@strawberry.type(description="A person linked to an entry (关联人员; personal data).")
class PersonLink:
    record_id: str
    person_name: str | None
    id_type: str | None
    id_no: str | None
    role: str
    source: str = strawberry.field(description="record (named in it) or manual.")
    link_id: int | None


@strawberry.type(description="Everyone linked to an entry.")
class LinkedPersons:
    record_id: str
    persons: list[PersonLink]

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> LinkedPersons:
        return cls(record_id=body["record_id"], persons=[PersonLink(**p) for p in body["persons"]])


@strawberry.type(description="A manual link that was ended.")
class PersonUnlinked:
    link_id: int
    unlinked: bool


@strawberry.type(description="One thing that happened to a record.")
class TimelineItem:
    at: datetime
    kind: str = strawberry.field(description="version, take-down or step.")
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
    record: JSON | None = None
    details: JSON | None = None


@strawberry.type(description="A record's timeline (记录时间线) in change-log order.")
class Timeline:
    record_id: str
    view: str = strawberry.field(description="full or entity.")
    items: list[TimelineItem]

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Timeline:
        items = [
            TimelineItem(
                **{
                    **i,
                    "at": datetime.fromisoformat(i["at"]),
                    "record": JSON(i["record"]) if "record" in i else None,
                    "details": JSON(i["details"]) if "details" in i else None,
                }
            )
            for i in body["items"]
        ]
        return cls(record_id=body["record_id"], view=body["view"], items=items)
