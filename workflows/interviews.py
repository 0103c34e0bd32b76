"""Credit interviews (约谈) after failed rectification — shared between government bodies only.

When a subject does not rectify (a breached commitment, a listing, a penalty whose
obligations stay unmet), the authority summons it: :func:`record_interview` stores the
``interview-record`` (dataset openness 政务共享, publication rule ``interview``: never public)
and links it to the record that prompted it, so both timelines show the step.
:func:`record_rectification` adds the rectification result as a new version. An interview is
a supervisory step, not a penalty: it never restricts anything through the check API.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from store import Store, UnknownRecordError
from workflows.caller import Caller
from workflows.errors import CaseNotFoundError, InvalidRequestError
from workflows.problems import problem
from workflows.steps import Workflow, log_step
from workflows.versions import VersionResult, store_version

DATASET = "interview-record"
GOVERNMENT_SCOPE = "政务共享"


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

    ``about_record_id``: the record whose failed rectification led to the interview.
    """
    caller.require_department(record.get("authority_uscc"), what="recording an interview")
    scope = record.get("publication_scope") or GOVERNMENT_SCOPE
    if scope != GOVERNMENT_SCOPE:
        bad = problem("interview-not-government", scope=scope)
        return VersionResult(None, None, None, problems=(bad,))
    if about_record_id is not None:
        try:
            store.get(about_record_id)
        except UnknownRecordError:
            raise CaseNotFoundError(f"no record {about_record_id!r}") from None
    when = now or datetime.now(UTC)
    result = store_version(
        store,
        DATASET,
        {**record, "publication_scope": GOVERNMENT_SCOPE},
        caller=caller,
        today=today,
        now=when,
    )
    if result.ok and result.record_id is not None:
        with store.engine.begin() as conn:
            log_step(
                conn,
                record_id=result.record_id,
                workflow=Workflow.INTERVIEW,
                step="interview",
                caller=caller,
                now=when,
                seq=result.seq,
                note=record.get("interview_reason"),
                details={"about_record_id": about_record_id},
            )
            if about_record_id is not None:
                log_step(
                    conn,
                    record_id=about_record_id,
                    workflow=Workflow.INTERVIEW,
                    step="interview",
                    caller=caller,
                    now=when,
                    note=record.get("interview_reason"),
                    details={"interview_record_id": result.record_id},
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
) -> VersionResult:
    """Add the rectification result (整改结果) to an interview record as a new version."""
    try:
        stored = store.get(interview_record_id)
    except UnknownRecordError:
        raise CaseNotFoundError(f"no record {interview_record_id!r}") from None
    if stored.dataset != DATASET:
        raise InvalidRequestError(f"{interview_record_id} is not an interview record")
    caller.require_department(stored.payload.get("authority_uscc"), what="recording rectification")
    when = now or datetime.now(UTC)
    version = store_version(
        store,
        DATASET,
        {**stored.payload, "rectification_result": result},
        caller=caller,
        today=today,
        now=when,
    )
    if version.ok:
        with store.engine.begin() as conn:
            log_step(
                conn,
                record_id=interview_record_id,
                workflow=Workflow.INTERVIEW,
                step="rectification",
                caller=caller,
                now=when,
                seq=version.seq,
                note=result,
            )
    return version
