"""Expiry without a person (到期自动处理): everything that ends or falls due with the date.

:func:`run_expiries` is the one service the ``creditgate sweep`` command, the scheduler of
``creditgate serve`` and ``creditgate worker`` all call, in this order:

1. **list and ban expiries** — an active list entry or market ban whose window closed
   (planned expiry ``valid_to`` / ``ban_to`` passed, or a removal dated in the past): a
   removal as :func:`workflows.listings.remove_entry` makes it — a version with 状态 已移出,
   移出日期 (the first day off the list) and 移出原因 期满移出, then the take-down ``expired``
   — and the ``removed`` step in the workflow log. An entry that already carries its removal
   (a department sent 已移出 / 已撤销 with a date) is taken down with its own reason
   (信用修复 → ``repaired``, 决定撤销 → ``revoked`` …), not as an expiry. An entry whose removal
   version cannot be stored (it no longer validates) is left to step 2.
2. **the sweep** of publication windows (:func:`store.takedowns.sweep`): every other active,
   publishable record whose window ended before ``today`` is taken down as ``expired``.
3. **commitment deadlines** — a commitment whose 承诺有效期 passed with no 承诺履行状态 is
   flagged once, a ``fulfilment-overdue`` step in its timeline: the accepting unit has to
   record 全部履行 / 部分履行 / 全部未履行 (also once its publication window has ended:
   the sweep's ``expired`` take-down does not settle the fulfilment). Nothing more: a breach
   and its consequences are the unit's finding (:func:`workflows.record_fulfilment`),
   never presumed.
4. **workflow time limits** — an objection past its verify or answer deadline and a repair
   application past its decision deadline are flagged once per deadline
   (``verify-overdue`` / ``answer-overdue`` / ``decision-overdue`` steps) and listed in the
   report. Nothing is decided for the department.

Every step is idempotent: a second run on the same day writes nothing. Exactly one process
runs it at a time when called through :func:`store.run_job` (the scheduler does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from store import JobRun, Role, Store, SweepResult, WithdrawalReason, run_job
from store.schema import records, workflow_steps
from store.takedowns import SWEEP_ACTOR
from workflows.caller import Caller
from workflows.checks import LIST_DATASETS
from workflows.errors import InvalidRequestError, WorkflowError
from workflows.listings import RemovalReason, remove_entry
from workflows.objections import ObjectionState, list_objections
from workflows.repair import RepairState, list_repairs
from workflows.steps import Workflow, loads, log_step
from workflows.transaction import step_transaction

EXPIRY_JOB = "expiries"
"""The job name in ``job_runs``."""
EXPIRY_CALLER = Caller(actor=SWEEP_ACTOR, role=Role.ADMIN)
"""Who the automatic steps are logged as."""
COMMITMENT_DATASET = "credit-commitment"
_PAGE = 1000


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    """What one run did (and what is overdue on ``today``)."""

    today: date
    sweep: SweepResult
    lists_ended: dict[str, int] = field(default_factory=dict)
    list_fallbacks: tuple[str, ...] = ()
    commitments_flagged: tuple[str, ...] = ()
    objections_overdue: tuple[str, ...] = ()
    objections_flagged: int = 0
    repairs_overdue: tuple[str, ...] = ()
    repairs_flagged: int = 0

    @property
    def expired(self) -> int:
        """Records taken down as ``expired`` (lists and sweep)."""
        return self.sweep.expired + self.lists_ended.get(WithdrawalReason.EXPIRED.value, 0)

    @property
    def taken_down(self) -> int:
        """Every take-down this run wrote."""
        return self.sweep.expired + sum(self.lists_ended.values())

    def counts(self) -> dict[str, int]:
        """The figures recorded with the run (``job_runs.counts``)."""
        return {
            "taken_down": self.taken_down,
            "expired": self.expired,
            "swept": self.sweep.expired,
            "lists_ended": sum(self.lists_ended.values()),
            "list_fallbacks": len(self.list_fallbacks),
            "commitments_flagged": len(self.commitments_flagged),
            "objections_overdue": len(self.objections_overdue),
            "objections_flagged": self.objections_flagged,
            "repairs_overdue": len(self.repairs_overdue),
            "repairs_flagged": self.repairs_flagged,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "expired": self.expired,
            "by_dataset": self.sweep.by_dataset,
            "lists_ended": self.lists_ended,
            "list_fallbacks": list(self.list_fallbacks),
            "commitments_flagged": list(self.commitments_flagged),
            "objections_overdue": list(self.objections_overdue),
            "repairs_overdue": list(self.repairs_overdue),
            "counts": self.counts(),
        }


def run_expiries(store: Store, today: date, *, now: datetime | None = None) -> ExpiryReport:
    """Run every expiry of ``today`` (module doc); ``now`` stamps what is written."""
    when = now or datetime.now(UTC)
    ended, fallbacks = _end_lists(store, today, when)
    swept = store.sweep(today, occurred_at=when)
    commitments = _flag_commitments(store, today, when)
    objections, objections_new = _flag_objections(store, today, when)
    repairs, repairs_new = _flag_repairs(store, today, when)
    return ExpiryReport(
        today=today,
        sweep=swept,
        lists_ended=ended,
        list_fallbacks=fallbacks,
        commitments_flagged=commitments,
        objections_overdue=objections,
        objections_flagged=objections_new,
        repairs_overdue=repairs,
        repairs_flagged=repairs_new,
    )


def _closed_entries(store: Store, today: date) -> list[str]:
    r = records.c
    query = (
        select(r.record_id)
        .where(
            r.dataset.in_(LIST_DATASETS),
            r.state == "active",
            r.publishable.is_(True),
            r.window_end < today,
        )
        .order_by(r.record_id)
    )
    with store.engine.connect() as conn:
        return list(conn.scalars(query))


def _end_lists(store: Store, today: date, now: datetime) -> tuple[dict[str, int], tuple[str, ...]]:
    """Step 1: remove entries whose window closed; counts by take-down reason."""
    ended: dict[str, int] = {}
    fallbacks: list[str] = []
    for record_id in _closed_entries(store, today):
        stored = store.get(record_id)
        payload = stored.payload
        end = stored.window_end
        assert end is not None
        declared = payload.get("removal_reason")
        try:
            reason = RemovalReason.parse(declared) if declared else RemovalReason.EXPIRY
        except InvalidRequestError:
            reason = RemovalReason.EXPIRY
        if declared and payload.get("removal_date"):
            if _take_down_removed(store, stored.dataset, record_id, reason, payload, now):
                ended[reason.withdrawal.value] = ended.get(reason.withdrawal.value, 0) + 1
            continue
        try:
            removal = remove_entry(
                store,
                record_id,
                reason=RemovalReason.EXPIRY,
                removal_date=end + timedelta(days=1),
                caller=EXPIRY_CALLER,
                today=today,
                now=now,
                note=f"期满移出：计划移出日期 {end.isoformat()} 已过",
            )
        except WorkflowError:
            fallbacks.append(record_id)
            continue
        if removal.takedown is None:
            fallbacks.append(record_id)  # the version did not validate: the sweep ends it
            continue
        ended[removal.takedown.reason or ""] = ended.get(removal.takedown.reason or "", 0) + 1
    return dict(sorted(ended.items())), tuple(fallbacks)


def _take_down_removed(
    store: Store,
    dataset: str,
    record_id: str,
    reason: RemovalReason,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Take down an entry whose declared removal date came, with its ``removed`` step, in
    one transaction; False when it was already down."""
    day = str(payload["removal_date"])
    with step_transaction(store, EXPIRY_CALLER, now, name="expiry.remove") as tx:
        event = tx.withdraw(
            dataset, record_id, reason=reason.withdrawal.value, note=f"{reason.value} ({day})"
        )
        if event is None:
            return False
        tx.point("expiry.remove:takedown")
        tx.log(
            record_id=record_id,
            workflow=Workflow.LISTING,
            step="removed",
            note=f"{reason.value}（移出日期 {day}，到期自动撤下）",
            seq=event.seq,
            details={"removal_reason": reason.value, "removal_date": day},
        )
    return True


def _flagged(store: Store, workflow: Workflow, step: str) -> set[tuple[str, str]]:
    """``(record or case id, due date)`` of the flags already logged."""
    w = workflow_steps.c
    query = select(w.record_id, w.case_id, w.details).where(
        w.workflow == workflow.value, w.step == step
    )
    found: set[tuple[str, str]] = set()
    with store.engine.connect() as conn:
        for record_id, case_id, details in conn.execute(query):
            due = str((loads(details) or {}).get("due", ""))
            found.add((case_id or record_id, due))
    return found


def _flag(
    store: Store,
    *,
    record_id: str,
    workflow: Workflow,
    step: str,
    due: date,
    now: datetime,
    note: str,
    case_id: str | None = None,
    state: str | None = None,
) -> None:
    with store.engine.begin() as conn:
        log_step(
            conn,
            record_id=record_id,
            workflow=workflow,
            step=step,
            caller=EXPIRY_CALLER,
            now=now,
            case_id=case_id,
            state_from=state,
            state_to=state,
            note=note,
            details={"due": due.isoformat()},
        )


def _flag_commitments(store: Store, today: date, now: datetime) -> tuple[str, ...]:
    """Step 3: commitments whose validity ended with no fulfilment status recorded."""
    done = _flagged(store, Workflow.COMMITMENT, "fulfilment-overdue")
    flagged: list[str] = []
    after: str | None = None
    while True:
        page = store.records(COMMITMENT_DATASET, after_record_id=after, limit=_PAGE, state=None)
        for stored in page:
            if not stored.active and stored.withdrawn_reason != WithdrawalReason.EXPIRED:
                continue  # revoked, corrected …: nothing left to confirm
            valid_to = _day(stored.payload.get("commitment_valid_to"))
            if valid_to is None or valid_to >= today or stored.payload.get("fulfilment_status"):
                continue
            if (stored.record_id, valid_to.isoformat()) in done:
                continue
            _flag(
                store,
                record_id=stored.record_id,
                workflow=Workflow.COMMITMENT,
                step="fulfilment-overdue",
                due=valid_to,
                now=now,
                note=f"承诺有效期已于 {valid_to.isoformat()} 届满，承诺履行状态尚未认定",
            )
            flagged.append(stored.record_id)
        if len(page) < _PAGE:
            return tuple(flagged)
        after = page[-1].record_id


def _flag_objections(store: Store, today: date, now: datetime) -> tuple[tuple[str, ...], int]:
    """Step 4a: objections past the deadline of their current step."""
    overdue = list_objections(store, overdue_on=today)
    new = 0
    for step in ("verify-overdue", "answer-overdue"):
        done = _flagged(store, Workflow.OBJECTION, step)
        for case in overdue:
            submitted = case.state is ObjectionState.SUBMITTED
            if (step == "verify-overdue") != submitted or case.due is None:
                continue
            if (case.id, case.due.isoformat()) in done:
                continue
            what = "核实" if submitted else "答复"
            _flag(
                store,
                record_id=case.record_id,
                workflow=Workflow.OBJECTION,
                step=step,
                due=case.due,
                now=now,
                case_id=case.id,
                state=case.state.value,
                note=f"异议{what}期限 {case.due.isoformat()} 已过，尚未办结",
            )
            new += 1
    return tuple(c.id for c in overdue), new


def _flag_repairs(store: Store, today: date, now: datetime) -> tuple[tuple[str, ...], int]:
    """Step 4b: repair applications still pending after their decision deadline."""
    overdue = [
        a
        for a in list_repairs(store, state=RepairState.PENDING)
        if a.decision_due is not None and a.decision_due < today
    ]
    done = _flagged(store, Workflow.REPAIR, "decision-overdue")
    new = 0
    for case in overdue:
        assert case.decision_due is not None
        if (case.id, case.decision_due.isoformat()) in done:
            continue
        _flag(
            store,
            record_id=case.record_id,
            workflow=Workflow.REPAIR,
            step="decision-overdue",
            due=case.decision_due,
            now=now,
            case_id=case.id,
            state=case.state.value,
            note=f"信用修复决定期限 {case.decision_due.isoformat()} 已过，尚未决定",
        )
        new += 1
    return tuple(c.id for c in overdue), new


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def run_expiry_job(
    store: Store,
    today: date,
    *,
    runner: str,
    now: datetime | None = None,
    fresh_for: timedelta = timedelta(0),
) -> tuple[JobRun, ExpiryReport | None]:
    """:func:`run_expiries` as the ``expiries`` job: run by this process only if no other
    runs it (or, with ``fresh_for``, just ran it for ``today``), recorded in ``job_runs``.
    The report is None when the pass was skipped."""
    reports: list[ExpiryReport] = []

    def body() -> dict[str, int]:
        report = run_expiries(store, today, now=now)
        reports.append(report)
        return report.counts()

    run = run_job(
        store.engine,
        EXPIRY_JOB,
        body,
        today=today,
        runner=runner,
        clock=(lambda: now) if now is not None else None,
        fresh_for=fresh_for,
    )
    return run, (reports[0] if reports else None)
