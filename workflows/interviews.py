"""Credit interviews (约谈) after failed rectification — shared between government bodies only.

When a subject does not rectify (a breached commitment, a listing, a penalty whose
obligations stay unmet), the authority summons it: :func:`record_interview` stores the
``interview-record`` (dataset openness 政务共享, publication rule ``interview``: never public)
and links it to the record that prompted it, so both timelines show the step.
:func:`record_rectification` adds the rectification result as a new version. An interview is
a supervisory step, not a penalty: it never restricts anything through the check API.

Every interview has its kind (约谈类型, schema field ``interview_kind``), in rising severity
提示约谈, 警示约谈, 告诫约谈 (the short forms 提示 / 警示 / 告诫 are read as these); the kind is
the state of the ``interview`` step on both timelines. Records stored before the field existed
have none: they stay as stored (nothing invents a severity), and a new version of one — a
rectification — needs the kind from the authority (problem ``interview-kind-missing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from schemas import schema_document
from store import Outcome, Store, UnknownRecordError
from workflows.caller import Caller
from workflows.errors import CaseNotFoundError, InvalidRequestError
from workflows.problems import problem
from workflows.steps import Workflow
from workflows.transaction import step_transaction
from workflows.versions import VersionResult

DATASET = "interview-record"
GOVERNMENT_SCOPE = "政务共享"


def interview_kinds() -> tuple[str, ...]:
    """The kinds of interview (约谈类型), mildest first, from the interview-record schema."""
    node = schema_document(DATASET)["$defs"]["interview_kind"]
    return tuple(node["enum"])


def interview_kind(value: object) -> str | None:
    """The kind ``value`` names (a kind or its short form), or None for none or an unknown one."""
    text = str(value or "").strip()
    if text in interview_kinds():
        return text
    aliases: dict[str, str] = schema_document(DATASET)["$defs"]["interview_kind"].get(
        "x-choice-aliases", {}
    )
    return aliases.get(text)


def _kind_missing(record_id: str | None = None) -> VersionResult:
    bad = problem("interview-kind-missing", kinds=" / ".join(interview_kinds()))
    return VersionResult(record_id, None, None, problems=(bad,))


def record_interview(
    store: Store,
    record: Mapping[str, Any],
    *,
    caller: Caller,
    today: date,
    about_record_id: str | None = None,
    now: datetime | None = None,
) -> VersionResult:
    """Store an interview held by the caller's department (公开范围 政务共享 only).

    ``about_record_id``: the record whose failed rectification led to the interview. The
    record needs its ``interview_kind`` (problem ``interview-kind-missing`` otherwise).
    """
    caller.require_department(record.get("authority_uscc"), what="recording an interview")
    scope = record.get("publication_scope") or GOVERNMENT_SCOPE
    if scope != GOVERNMENT_SCOPE:
        bad = problem("interview-not-government", scope=scope)
        return VersionResult(None, None, None, problems=(bad,))
    kind = interview_kind(record.get("interview_kind"))
    if not str(record.get("interview_kind") or "").strip():
        return _kind_missing()
    with step_transaction(store, caller, now, name="interview.record") as tx:
        if about_record_id is not None:
            tx.record(about_record_id)  # CaseNotFoundError for an unknown record
        result = tx.version(
            DATASET,
            {
                **record,
                "interview_kind": kind or record.get("interview_kind"),
                "publication_scope": GOVERNMENT_SCOPE,
            },
            today=today,
        )
        if (
            result.ok
            and result.record_id is not None
            and result.outcome is not Outcome.UNCHANGED  # the same interview again: no step
        ):
            tx.point("interview.record:version")
            tx.log(
                record_id=result.record_id,
                workflow=Workflow.INTERVIEW,
                step="interview",
                state_to=kind,
                seq=result.seq,
                note=record.get("interview_reason"),
                details={"about_record_id": about_record_id, "interview_kind": kind},
            )
            if about_record_id is not None:
                tx.point("interview.record:step")
                tx.log(
                    record_id=about_record_id,
                    workflow=Workflow.INTERVIEW,
                    step="interview",
                    state_to=kind,
                    note=record.get("interview_reason"),
                    details={"interview_record_id": result.record_id, "interview_kind": kind},
                )
    return result


def record_rectification(
    store: Store,
    interview_record_id: str,
    *,
    result: str,
    caller: Caller,
    today: date,
    now: datetime | None = None,
    kind: str | None = None,
) -> VersionResult:
    """Add the rectification result (整改结果) to an interview record as a new version.

    ``kind``: the 约谈类型 of a record stored without one (legacy); it may not change a kind
    already recorded (:class:`InvalidRequestError`).
    """
    try:
        stored = store.get(interview_record_id)
    except UnknownRecordError:
        raise CaseNotFoundError(f"no record {interview_record_id!r}") from None
    if stored.dataset != DATASET:
        raise InvalidRequestError(f"{interview_record_id} is not an interview record")
    caller.require_department(stored.payload.get("authority_uscc"), what="recording rectification")
    recorded = stored.payload.get("interview_kind")
    given = interview_kind(kind) if kind else None
    if kind and given is None:
        known = ", ".join(interview_kinds())
        raise InvalidRequestError(f"unknown interview kind {kind!r}; use one of {known}")
    if recorded and given and given != recorded:
        raise InvalidRequestError(f"{interview_record_id} is a {recorded}, not a {given}")
    if not (recorded or given):
        return _kind_missing(interview_record_id)
    with step_transaction(store, caller, now, name="interview.rectify") as tx:
        version = tx.version(
            DATASET,
            {**stored.payload, "interview_kind": recorded or given, "rectification_result": result},
            today=today,
        )
        if version.ok and version.outcome is not Outcome.UNCHANGED:
            tx.point("interview.rectify:version")
            tx.log(
                record_id=interview_record_id,
                workflow=Workflow.INTERVIEW,
                step="rectification",
                state_to=recorded or given,
                seq=version.seq,
                note=result,
            )
    return version
