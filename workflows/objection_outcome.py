"""The provider's answer to an objection (异议处理结果), which closes the case.

=========  ===============================  ==============================================
outcome    what it means                    what happens to the record
=========  ===============================  ==============================================
corrected  the record was wrong; corrected  a new version (validated; same natural key) —
                                            a new version is never under the old mark
revoked    the objection succeeded; the     taken down with store reason
           record should not exist          ``objection-upheld`` (list entries: 移出原因 异议更正)
upheld     the record stands (异议不成立)    the mark ends: an ``objection-closed`` version
=========  ===============================  ==============================================

Mind the two meanings of "upheld": the *outcome* ``upheld`` upholds the record, whereas the
store's take-down reason ``objection-upheld`` (异议成立) says the *objection* was upheld.

The correction or take-down, the end of the mark, the case and the steps are one transaction
(:mod:`workflows.transaction`); a correction that cannot be taken leaves the case open and
comes back as problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from catalog import get_entry
from store import Outcome, Store, StoredRecord
from workflows.caller import Caller
from workflows.checks import LIST_DATASETS
from workflows.errors import InvalidRequestError, StateConflictError
from workflows.listings import RemovalReason, remove_entry_in
from workflows.objection_cases import (
    OUTCOMES,
    Objection,
    ObjectionState,
    OutcomeResult,
    get_objection,
)
from workflows.objections import locked_case, move_case, open_case
from workflows.problems import Problem, problem
from workflows.steps import Workflow
from workflows.transaction import StepTransaction, step_transaction
from workflows.versions import describe


class _RefusedError(Exception):
    """Unwinds an outcome step that cannot be taken (the case stays open, nothing written)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.problems = tuple(problems)


def _correction(
    tx: StepTransaction,
    case: Objection,
    stored: StoredRecord,
    corrected: Mapping[str, Any] | None,
    today: date,
) -> int | None:
    """Store the corrected version (or accept one stored since the mark); refuses with
    :class:`_RefusedError`."""
    if corrected is None:
        if case.marked_version is not None and stored.version > case.marked_version:
            return None  # the provider already stored new content through its channel
        raise _RefusedError([problem("correction-missing")])
    found = get_entry(stored.dataset).record_id(corrected)
    if found != stored.record_id:
        raise _RefusedError([problem("correction-other-record", found=found)])
    result = tx.version(stored.dataset, corrected, today=today, invalid_code="correction-invalid")
    if not result.ok:
        raise _RefusedError(result.problems)
    if result.outcome is Outcome.UNCHANGED:
        raise _RefusedError([problem("correction-unchanged")])
    if result.outcome is Outcome.WITHDRAWN_KEPT:  # pragma: no cover - withdrawn meanwhile
        raise _RefusedError([problem("correction-invalid", detail=describe(list(result.issues)))])
    return result.seq


def record_outcome(
    store: Store,
    case_id: str,
    *,
    outcome: ObjectionState | str,
    caller: Caller,
    today: date,
    note: str | None = None,
    corrected_record: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> OutcomeResult:
    """The provider's answer, which closes the case (see the module doc for each outcome).

    The correction or take-down, the end of the mark, the case and the steps are one
    transaction (:mod:`workflows.transaction`). A correction that is missing, invalid,
    unchanged or for another record leaves the case open, nothing written, and comes back
    as problems.
    """
    result = _outcome_of(outcome)
    open_case(store, case_id, caller, "answering an objection")
    try:
        with step_transaction(store, caller, now, name="objection.outcome") as tx:
            case = locked_case(tx, case_id)
            if case.state is not ObjectionState.VERIFYING:
                raise StateConflictError(
                    f"objection {case_id} is {case.state.value}, not verifying"
                )
            stored = tx.record(case.record_id)
            seq: int | None = None
            if result is ObjectionState.CORRECTED:
                seq = _correction(tx, case, stored, corrected_record, today)
                tx.point("objection.outcome:correction")
            elif result is ObjectionState.REVOKED:
                seq = _revoke(tx, stored, case, today, note)
            cleared = tx.clear(case.record_id, note=f"异议 {case_id}: {result}")
            tx.point("objection.outcome:cleared")
            seq = seq or (cleared.seq if cleared else None)
            closed = {"provider_reply_at": tx.now, "closed_at": tx.now}
            changes = {**closed, "outcome_note": note, "outcome_seq": seq}
            move_case(tx.conn, case, result, [ObjectionState.VERIFYING], changes)
            tx.point("objection.outcome:case")
            tx.log(
                record_id=case.record_id,
                workflow=Workflow.OBJECTION,
                case_id=case_id,
                step="outcome",
                state_from=case.state.value,
                state_to=result.value,
                note=note,
                seq=seq,
            )
    except _RefusedError as refused:
        return OutcomeResult(get_objection(store, case_id), refused.problems)
    return OutcomeResult(get_objection(store, case_id))


def _outcome_of(outcome: ObjectionState | str) -> ObjectionState:
    """The outcome asked for, one of :data:`OUTCOMES`, or a 400."""
    try:
        result = ObjectionState(outcome)
    except ValueError:
        result = None
    if result is None or result not in OUTCOMES:
        known = ", ".join(s.value for s in OUTCOMES)
        raise InvalidRequestError(f"unknown outcome {outcome!r}; use one of {known}")
    return result


def _revoke(
    tx: StepTransaction,
    stored: StoredRecord,
    case: Objection,
    today: date,
    note: str | None,
) -> int | None:
    """Take the record down as ``objection-upheld`` (list entries: 移出原因 异议更正).

    The provider answering the objection it verified acts for the listing authority too
    (they are usually the same department; the provider was checked already): the removal
    is ``authorised`` and the logs name the provider's own key and role, never an admin.
    """
    if not stored.active:
        return None
    why = f"异议成立 {case.id}" + (f": {note}" if note else "")
    if stored.dataset in LIST_DATASETS:
        removal = remove_entry_in(
            tx,
            stored.record_id,
            reason=RemovalReason.OBJECTION,
            removal_date=today,
            today=today,
            note=why,
            case_id=case.id,
            workflow=Workflow.OBJECTION,
            authorised=True,
        )
        if removal.takedown is not None:
            return removal.takedown.seq
    event = tx.withdraw(stored.dataset, stored.record_id, reason="objection-upheld", note=why)
    tx.point("objection.outcome:takedown")
    return event.seq if event is not None else None
