"""The scheduler that runs expiries without a person: APScheduler inside ``serve`` and
``creditgate worker``.

One interval job calls :func:`workflows.expiry.run_expiry_job` — at start, then every
``sweep_interval_seconds`` (default one hour). Every process may schedule it; the job lock
(:mod:`store.jobs`) lets exactly one run each pass, and a pass another process finished for
the same day less than half an interval ago is skipped, so N processes still sweep about once
per interval. A failing pass is logged and retried at the next tick; it never stops the
service.

After each expiries pass the same tick runs the risk early warning
(:func:`workflows.run_alerts`, docs/alerts.md), so alerts see that pass's take-downs. It is
not a locked job: it reads the change log after its own cursor, and its writes are serialised
by the store's writer lock and deduplicated by (rule, entity, evidence), so two processes
running it at once raise each alert once.

With ``evaluate=True`` (setting ``scheduled_evaluation``) each tick also runs, after the pass and
before the alerts,
the incremental credit evaluation
(:func:`store.evaluation.evaluate_incremental`: the entities whose records changed since its
cursor, and those whose ``review_on`` has come — docs/evaluation.md). It is idempotent and
serialised by the writer lock, so it needs no job lock; a failure is logged like the pass's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from store import JobRun, Store
from workflows import AlertRun, run_alerts
from workflows.expiry import EXPIRY_JOB, ExpiryReport, run_expiry_job

log = logging.getLogger("creditgate.scheduler")


def run_once(
    store: Store,
    today: date,
    *,
    runner: str,
    interval_seconds: float = 0,
    now: datetime | None = None,
) -> tuple[JobRun, ExpiryReport | None]:
    """One pass of the expiries job, logged; ``interval_seconds`` > 0 skips a pass another
    process did for ``today`` less than half that interval ago."""
    run, report = run_expiry_job(
        store,
        today,
        runner=runner,
        now=now,
        fresh_for=timedelta(seconds=interval_seconds / 2),
    )
    if report is None:
        log.info("expiries %s skipped: %s", today, run.why)
    else:
        log.info("expiries %s done by %s: %s", today, runner, run.counts)
    return run, report


def evaluate_after_pass(store: Store, today: date) -> None:
    """The incremental credit evaluation the scheduler runs after each expiries pass."""
    from store.evaluation import evaluate_incremental

    run = evaluate_incremental(store, today=today)
    log.info(
        "evaluation %s (%s): %d entities regraded, %d changed",
        today,
        run.mode,
        run.entities,
        run.changed,
    )


class ExpiryScheduler:
    """A background thread running the expiries job at start and every ``interval``."""

    def __init__(
        self,
        store: Store,
        today: Callable[[], date],
        *,
        interval_seconds: float,
        runner: str,
        evaluate: bool = False,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError("the sweep interval must be positive")
        self.store = store
        self.today = today
        self.interval_seconds = interval_seconds
        self.runner = runner
        self.evaluate = evaluate
        self.last: JobRun | None = None
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=interval_seconds, timezone=UTC),
            id=EXPIRY_JOB,
            next_run_time=datetime.now(UTC),  # at start
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def tick(self) -> None:
        """One scheduled pass; errors are logged, never raised into the scheduler."""
        try:
            self.last, _ = run_once(
                self.store,
                self.today(),
                runner=self.runner,
                interval_seconds=self.interval_seconds,
            )
        except Exception:
            log.exception("expiries pass failed; retried at the next interval")
        self.evaluation()
        self.alerts()

    def evaluation(self) -> None:
        """The incremental credit evaluation (when ``evaluate``), before the alerts so a grade
        change is seen by them; errors are logged, never raised."""
        if not self.evaluate:
            return
        try:
            evaluate_after_pass(self.store, self.today())
        except Exception:
            log.exception("incremental evaluation failed; retried at the next interval")

    def alerts(self) -> AlertRun | None:
        """The risk alerts pass (after the expiries); errors are logged, never raised."""
        try:
            run = run_alerts(self.store, today=self.today())
        except Exception:
            log.exception("risk alerts pass failed; retried at the next interval")
            return None
        log.info(
            "risk alerts %s→%s: %s entities, %s raised, %s updated",
            run.after, run.head, run.entities, run.raised, run.updated,
        )  # fmt: skip
        return run

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        """Stop; waits for a pass that is running to finish (its writes are committed)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
