"""Scheduled jobs: exactly one of several concurrent runners runs a pass; runs are recorded."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from store import Store, list_runs, open_store, run_job
from store.jobs import job_runs

DAY = date(2027, 6, 4)


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    yield store
    store.close()


def test_two_concurrent_runners_exactly_one_runs(st: Store, db_url: str) -> None:
    other = open_store(db_url)  # a second process's engine
    entered, release = threading.Event(), threading.Event()
    calls: list[str] = []
    results = {}

    def slow() -> dict[str, int]:
        calls.append("a")
        entered.set()
        assert release.wait(10)
        return {"taken_down": 3}

    def first() -> None:
        results["a"] = run_job(st.engine, "expiries", slow, today=DAY, runner="a")

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert entered.wait(10)
        skipped = run_job(
            other.engine, "expiries", lambda: calls.append("b") or {}, today=DAY, runner="b"
        )
    finally:
        release.set()
        thread.join(10)
        other.close()
    assert skipped.status == "skipped" and skipped.id is None and skipped.why
    assert calls == ["a"]
    done = results["a"]
    assert (done.status, done.counts, done.runner, done.pid) == (
        "done", {"taken_down": 3}, "a", os.getpid()
    )  # fmt: skip
    (run,) = list_runs(st.engine)
    assert run == done and run.finished_at is not None and run.today == DAY


def test_a_pass_just_done_elsewhere_is_skipped_until_it_is_stale(st: Store) -> None:
    t0 = datetime(2027, 6, 4, 1, 0, tzinfo=UTC)
    first = run_job(st.engine, "expiries", dict, today=DAY, runner="a", clock=lambda: t0)
    assert first.status == "done"
    soon = t0 + timedelta(minutes=20)
    hour = timedelta(minutes=30)
    again = run_job(st.engine, "expiries", dict, today=DAY, runner="b", clock=lambda: soon,
                    fresh_for=hour)  # fmt: skip
    assert again.status == "skipped" and "did 2027-06-04" in (again.why or "")
    later = t0 + timedelta(minutes=31)
    assert run_job(st.engine, "expiries", dict, today=DAY, runner="b", clock=lambda: later,
                   fresh_for=hour).status == "done"  # fmt: skip
    next_day = DAY + timedelta(days=1)  # a new day is never "just done"
    assert run_job(st.engine, "expiries", dict, today=next_day, runner="c", clock=lambda: later,
                   fresh_for=hour).status == "done"  # fmt: skip
    assert [r.runner for r in list_runs(st.engine)] == ["c", "b", "a"]


def test_a_failed_run_is_recorded_and_a_dead_claim_is_abandoned(st: Store) -> None:
    def boom() -> dict[str, int]:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        run_job(st.engine, "expiries", boom, today=DAY, runner="a")
    (failed,) = list_runs(st.engine)
    assert failed.status == "failed" and failed.error == "RuntimeError: disk full"
    # a runner that died mid-run leaves its claim "running" (a pid that no longer exists)
    with st.engine.begin() as conn:
        conn.execute(update(job_runs).values(status="running", pid=2**22 + 12345))
    run = run_job(st.engine, "expiries", dict, today=DAY, runner="b")
    assert run.status == "done"
    assert [r.status for r in list_runs(st.engine)] == ["done", "abandoned"]


def test_job_summaries_count_runs_and_name_the_last_success(st: Store) -> None:
    from store import job_summaries

    assert job_summaries(st.engine) == []
    clock = iter(datetime(2027, 6, 4, 8, 0, s, tzinfo=UTC) for s in range(0, 60, 3))
    for _ in range(2):
        run_job(
            st.engine,
            "expiries",
            lambda: {"n": 1},
            today=DAY,
            runner="t",
            clock=lambda: next(clock),
        )

    def broken() -> dict[str, int]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_job(st.engine, "publish-ckan", broken, today=DAY, runner="t")
    by_job = {s.job: s for s in job_summaries(st.engine)}
    assert by_job["expiries"].runs == {"done": 2}
    last = by_job["expiries"].last_done
    assert last is not None and last.id == max(
        r.id or 0 for r in list_runs(st.engine, job="expiries")
    )
    assert by_job["expiries"].last_seconds == 3.0
    assert by_job["publish-ckan"].runs == {"failed": 1}
    assert by_job["publish-ckan"].last_done is None and by_job["publish-ckan"].last_seconds is None
