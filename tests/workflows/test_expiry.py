"""Expiry without a person: run_expiries ends windows, lists and bans, and flags what is
overdue, idempotently; the take-downs reach the feed and the partners' lag."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from wf_factory import AMR, HRSS, PLATFORM, commitment, list_entry, penalty

from store import (
    Audience,
    Role,
    Store,
    acknowledge,
    acknowledgements,
    create_key,
    list_runs,
    open_store,
    view,
)
from store.schema import repair_applications
from workflows import file_objection, get_repair, list_objections, steps_of
from workflows.expiry import run_expiries, run_expiry_job

DECIDED = date(2026, 6, 3)  # a 1-year fine: shown until 2027-06-03
LAST_DAY = date(2027, 6, 3)
NEXT_DAY = date(2027, 6, 4)
AT = datetime(2027, 6, 4, 0, 5, tzinfo=UTC)


def _store(store: Store, dataset: str, record: dict[str, Any]) -> str:
    result = store.submit(dataset, [(1, record)], actor="dept")
    rid = result.outcomes[0].record_id
    assert rid is not None, result.issues
    return rid


def _feed(store: Store, audience: Audience, after: int, today: date) -> list[dict[str, Any]]:
    data = b"".join(store.feed_ndjson(after, 1000, None, audience, today=today))
    return [orjson.loads(line) for line in data.splitlines()]


def test_a_window_closing_in_2027_is_taken_down_and_reaches_feed_and_lag(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(1, decided=DECIDED))
    assert store.get(rid).window_end == LAST_DAY
    key, _ = create_key(store.engine, role=Role.PLATFORM, name="partner")
    acknowledge(store.engine, key.key_id, store.head())
    (ack,) = acknowledgements(store.engine)
    assert (ack.lag, ack.pending_takedowns) == (0, 0)  # a quiet week, nothing written

    on_last_day = run_expiries(store, LAST_DAY, now=AT)
    assert on_last_day.expired == 0 and view(store.get(rid), Audience.PUBLIC, today=LAST_DAY)
    head = store.head()
    # even before the sweep runs, the public view judges the window by the day
    assert view(store.get(rid), Audience.PUBLIC, today=NEXT_DAY) is None

    report = run_expiries(store, NEXT_DAY, now=AT)
    assert report.expired == 1 and report.sweep.by_dataset == {"administrative-penalty": 1}
    event = store.history(rid)[-1]
    assert (event.op, event.reason, event.seq) == ("delete", "expired", head + 1)
    assert view(store.get(rid), Audience.GOVERNMENT, today=NEXT_DAY) is None
    (item,) = _feed(store, Audience.PUBLIC, head, NEXT_DAY)
    assert (item["op"], item["record_id"], item["reason"]) == ("delete", rid, "expired")
    (ack,) = acknowledgements(store.engine)
    assert (ack.lag, ack.pending_takedowns) == (1, 1)  # the take-down not yet delivered

    again = run_expiries(store, NEXT_DAY, now=AT)
    assert again.taken_down == 0 and store.head() == head + 1  # idempotent


def test_a_planned_list_expiry_removes_the_entry_as_the_workflow_does(store: Store) -> None:
    rid = _store(store, "serious-dishonesty-list", list_entry(2, valid_to=date(2027, 3, 1)))
    assert not run_expiries(store, date(2027, 3, 1)).lists_ended
    report = run_expiries(store, date(2027, 3, 2), now=AT)
    assert report.lists_ended == {"expired": 1} and report.sweep.expired == 0
    stored = store.get(rid)
    assert stored.withdrawn_reason == "expired"
    assert stored.payload["status"] == "已移出"
    assert stored.payload["removal_date"] == "2027-03-02"  # the first day off the list
    assert stored.payload["removal_reason"] == "期满移出"
    (step,) = [s for s in steps_of(store.engine, record_id=rid) if s.step == "removed"]
    assert step.actor == "system:sweep" and step.details["removal_reason"] == "期满移出"
    head = store.head()
    assert run_expiries(store, date(2027, 3, 3)).taken_down == 0 and store.head() == head


def test_a_declared_removal_is_taken_down_with_its_own_reason(store: Store) -> None:
    removed = {
        **list_entry(3, valid_to=date(2028, 3, 1), authority=HRSS),
        "status": "已移出",
        "removal_date": "2027-05-01",
        "removal_reason": "决定撤销",
    }
    rid = _store(store, "serious-dishonesty-list", removed)
    report = run_expiries(store, date(2027, 5, 1), now=AT)
    assert report.lists_ended == {"revoked": 1}
    assert store.get(rid).withdrawn_reason == "revoked"  # not "expired"


def test_a_commitment_past_its_validity_is_flagged_once_not_judged(store: Store) -> None:
    rid = _store(store, "credit-commitment", commitment(4, made=date(2026, 1, 10)))
    valid_to = store.get(rid).payload["commitment_valid_to"]
    assert valid_to == "2028-01-10"
    assert run_expiries(store, date(2028, 1, 10)).commitments_flagged == ()
    report = run_expiries(store, date(2028, 1, 11), now=AT)
    assert report.commitments_flagged == (rid,)
    (step,) = [s for s in steps_of(store.engine, record_id=rid) if s.step == "fulfilment-overdue"]
    assert step.details == {"due": "2028-01-10"} and step.workflow.value == "commitment"
    assert "fulfilment_status" not in store.get(rid).payload  # no breach is presumed
    assert run_expiries(store, date(2028, 1, 12)).commitments_flagged == ()


def test_an_overdue_objection_is_flagged_once_and_listed(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(5, decided=date(2026, 11, 2)))
    case = file_objection(
        store,
        rid,
        applicant_name="武汉测试",
        grounds="处罚对象错误",
        caller=PLATFORM,
        today=date(2027, 3, 1),
    )
    assert case.verify_due is not None and case.verify_due.year == 2027
    before = run_expiries(store, case.verify_due)
    assert before.objections_overdue == () and before.objections_flagged == 0
    day_after = date.fromordinal(case.verify_due.toordinal() + 1)
    report = run_expiries(store, day_after, now=AT)
    assert report.objections_overdue == (case.id,) and report.objections_flagged == 1
    flags = [s for s in steps_of(store.engine, case_id=case.id) if s.step == "verify-overdue"]
    assert len(flags) == 1 and flags[0].state_to == "submitted"
    again = run_expiries(store, day_after)
    assert again.objections_overdue == (case.id,) and again.objections_flagged == 0
    assert list_objections(store)[0].state.value == "submitted"  # nothing decided for them


def test_a_repair_past_its_decision_deadline_is_flagged_once(store: Store) -> None:
    rid = _store(store, "administrative-penalty", penalty(7, decided=date(2026, 11, 2)))
    with store.engine.begin() as conn:  # a pending case as apply_for_repair files it
        conn.execute(
            repair_applications.insert().values(
                id="rp-2027-1", record_id=rid, dataset="administrative-penalty",
                authority_uscc=AMR[1], applicant_name="武汉测试", filed_by="key:plat",
                obligations_fulfilled=True, state="pending", filed_at=AT,
                decision_due=date(2027, 3, 8), decision_from=date(2027, 3, 1), decision_days=5,
            )
        )  # fmt: skip
    assert run_expiries(store, date(2027, 3, 8)).repairs_overdue == ()
    report = run_expiries(store, date(2027, 3, 9), now=AT)
    assert report.repairs_overdue == ("rp-2027-1",) and report.repairs_flagged == 1
    (flag,) = [s for s in steps_of(store.engine, case_id="rp-2027-1")]
    assert (flag.step, flag.details, flag.state_to) == (
        "decision-overdue", {"due": "2027-03-08"}, "pending"
    )  # fmt: skip
    assert run_expiries(store, date(2027, 3, 10)).repairs_flagged == 0
    assert get_repair(store, "rp-2027-1").state.value == "pending"  # not decided for them


def test_the_job_records_its_run(store: Store) -> None:
    _store(store, "administrative-penalty", penalty(6, decided=DECIDED))
    run, report = run_expiry_job(store, NEXT_DAY, runner="test", now=AT)
    assert report is not None and run.status == "done" and run.id is not None
    assert run.counts["expired"] == 1 and run.counts == report.counts()
    assert (run.today, run.started_at, run.runner) == (NEXT_DAY, AT, "test")


def test_two_gateways_ticking_together_sweep_once(store: Store, wf_url: str) -> None:
    rids = [
        _store(store, "administrative-penalty", penalty(10 + i, decided=DECIDED)) for i in range(3)
    ]
    other = open_store(wf_url)  # the second gateway process's store
    start = threading.Barrier(2)
    runs: dict[str, Any] = {}

    def tick(name: str, st: Store) -> None:
        start.wait(10)
        runs[name] = run_expiry_job(st, NEXT_DAY, runner=name, fresh_for=timedelta(minutes=30))

    threads = [threading.Thread(target=tick, args=(n, s)) for n, s in (("a", store), ("b", other))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other.close()
    statuses = sorted(run.status for run, _ in runs.values())
    assert statuses == ["done", "skipped"]
    (report,) = [r for _, r in runs.values() if r is not None]
    assert report.expired == 3
    assert all(store.get(rid).withdrawn_reason == "expired" for rid in rids)
    deletes = [e for e in store.changes(0, 100) if e.op.value == "delete"]
    assert len(deletes) == 3  # each record taken down once
    assert [r.status for r in list_runs(store.engine)] == ["done"]
