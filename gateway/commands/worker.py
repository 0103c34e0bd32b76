"""The worker: expiries and webhook deliveries without a person, outside the HTTP service.

``creditgate worker`` runs the same expiries job as ``serve`` (:mod:`gateway.scheduler`): at
start and every ``--interval`` seconds until interrupted; ``--once`` runs one pass and exits
(for cron or a systemd timer). Several workers and gateways may run against one store: the
job lock lets exactly one of them do each pass. Unless ``webhook_delivery`` is off, the
running worker also delivers webhooks (:mod:`gateway.delivery`; each message is claimed by one
process); ``creditgate webhooks deliver`` drains them once.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gateway.clikit import DEFAULT_DB, DbOpt, JsonOpt, app, emit_json, fail, open_store_or_fail, out
from store import Store, StoreError

if TYPE_CHECKING:
    from gateway.settings import Settings


def _today(fixed: str | None) -> dt.date:
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


@app.command()
def worker(
    db: DbOpt = DEFAULT_DB,
    interval: Annotated[
        int | None,
        typer.Option(
            "--interval",
            min=1,
            help="Seconds between passes (default: CREDITGATE_SWEEP_INTERVAL_SECONDS, 3600).",
        ),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Run one pass and exit.")] = False,
    now: Annotated[
        str | None, typer.Option("--now", help="The day to run for (YYYY-MM-DD); default today.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the expiries (window sweep, list and ban ends, overdue flags) on a schedule."""
    from gateway.settings import Settings

    settings = Settings(db=db)
    try:
        fixed = now or settings.today
        if fixed:
            dt.date.fromisoformat(fixed)
    except ValueError:
        fail(f"--now must be a date YYYY-MM-DD, not {now!r}")
    every = interval or settings.sweep_interval_seconds
    runner = f"worker:{os.getpid()}"
    store = open_store_or_fail(db)
    with store:
        if once:
            _run_once(store, fixed, runner, as_json)
        else:
            _run_until_stopped(store, fixed, runner, every, settings)


def _run_once(store: Store, fixed: str | None, runner: str, as_json: bool) -> None:
    """One pass, its outcome printed (``--once``)."""
    from gateway.scheduler import run_once

    try:
        run, report = run_once(store, _today(fixed), runner=runner)
    except StoreError as exc:
        fail(str(exc))
    payload: dict[str, Any] = run.to_dict()
    if report is not None:
        payload["report"] = report.to_dict()
    if as_json:
        emit_json(payload)
    else:
        out.print(f"expiries {run.today}: {run.status} {run.why or run.counts}", highlight=False)


def _run_until_stopped(
    store: Store, fixed: str | None, runner: str, every: int, settings: Settings
) -> None:
    """Passes every ``every`` seconds until SIGINT or SIGTERM."""
    from gateway.scheduler import ExpiryScheduler

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    jobs = ExpiryScheduler(
        store,
        lambda: _today(fixed),
        interval_seconds=every,
        runner=runner,
        evaluate=settings.scheduled_evaluation,
    )
    jobs.start()
    pushes = None
    if settings.webhook_delivery:
        from gateway.delivery import delivery_service

        pushes = delivery_service(store, settings, lambda: _today(fixed), worker=runner)
        pushes.start()
    webhooks = ", webhooks" if pushes else ""
    out.print(
        f"worker {runner}: expiries every {every} s{webhooks} on {store.url}", highlight=False
    )
    try:
        stop.wait()
    finally:
        if pushes is not None:
            pushes.stop()
        jobs.stop()
        out.print("worker stopped", highlight=False)
