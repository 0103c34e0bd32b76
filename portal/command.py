"""The body of ``creditgate publish ckan`` (发布到 CKAN), framework-free: the typer command in
``gateway/cli.py`` only reads its options and calls :func:`publish_command`.

Exit codes (as ``validate``): 0 published, 1 published but CKAN rejected some rows, 2 cannot
run (no URL or key, store or CKAN unreachable, CKAN refusing the key). A rich progress bar
goes to stderr when it is a terminal; with ``as_json`` stdout gets exactly one JSON line
(also when the run fails: ``{"ok": false, "error": ..., "status": ...}``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import date
from functools import partial
from types import TracebackType
from typing import Any

import orjson
from rich.console import Console
from rich.progress import Progress as RichBar
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from catalog import CatalogError
from portal.client import CkanClient
from portal.errors import PortalError
from portal.naming import PortalConfig
from portal.summary import PublishSummary
from portal.sync import DEFAULT_BATCH_ROWS, publish
from store import StoreError, open_store, run_job

EXIT_OK, EXIT_REJECTED, EXIT_CANNOT_RUN = 0, 1, 2
PUBLISH_JOB = "publish-ckan"
"""The job name of publish runs in ``job_runs`` (store/jobs.py)."""


class TerminalProgress:
    """A :class:`portal.Progress` drawn by rich on a terminal: one line per dataset."""

    def __init__(self, console: Console) -> None:
        self._bar = RichBar(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> TerminalProgress:
        self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.stop()

    def dataset(self, name: str, total: int | None) -> None:
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._task = self._bar.add_task(name, total=total)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, rows)


def publish_command(
    *,
    db_url: str,
    ckan_url: str | None,
    api_key: str | None,
    today: date,
    as_json: bool = False,
    datasets: Sequence[str] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    full: bool = False,
    config: PortalConfig | None = None,
    retries: int = 5,
    out: Console | None = None,
    err: Console | None = None,
) -> int:
    """Publish the store at ``db_url`` to CKAN; print a summary; answer the exit code.

    ``retries``: how often an unreachable or failing CKAN is retried (with backoff) per call.
    """
    out = out or Console(soft_wrap=True)
    err = err or Console(stderr=True, soft_wrap=True)
    cannot_run = partial(_cannot_run, err if not as_json else None)
    if not ckan_url:
        return cannot_run("no CKAN URL: set CKAN_URL or pass --ckan-url", 400)
    if not api_key:
        return cannot_run("no CKAN API key: set CKAN_API_KEY", 400)
    try:
        store = open_store(db_url)
    except StoreError as exc:
        return cannot_run(f"store: {exc}", 503)
    try:
        with CkanClient(ckan_url, api_key, retries=retries) as ckan:
            summary, why = _publish_recorded(
                store,
                ckan,
                err,
                today=today,
                config=config,
                batch_rows=batch_rows,
                datasets=datasets,
                full=full,
            )
        if summary is None:
            return cannot_run(f"not published: {why}", 409)
    except PortalError as exc:
        done = exc.summary if isinstance(exc.summary, PublishSummary) else None
        return cannot_run(exc.detail, exc.status, done)
    except (CatalogError, KeyError) as exc:
        return cannot_run(str(exc), 404)
    except StoreError as exc:
        return cannot_run(f"store: {exc}", 503)
    finally:
        store.close()
    if as_json:
        _emit(summary.as_json())
    else:
        _print_summary(out, summary)
    return EXIT_OK if summary.ok else EXIT_REJECTED


def _publish_recorded(
    store: Any, ckan: CkanClient, err: Console, *, today: date, **options: Any
) -> tuple[PublishSummary | None, str | None]:
    """One publication recorded in ``job_runs`` (one publisher at a time, and where
    ``/metrics`` counts the runs): its summary, or None and why it did not run."""
    summaries: list[PublishSummary] = []

    def run() -> dict[str, Any]:
        bar = TerminalProgress(err) if err.is_terminal else None
        with bar or nullcontext():
            summaries.append(publish(store, ckan, today=today, progress=bar, **options))
        done = summaries[0].as_json()
        return {k: done[k] for k in ("rows", "upserted", "deleted", "rejected", "files_uploaded")}

    recorded = run_job(store.engine, PUBLISH_JOB, run, today=today, runner=f"publish:{os.getpid()}")
    return (summaries[0] if summaries else None), recorded.why


def _cannot_run(
    err: Console | None, message: str, status: int = 500, summary: PublishSummary | None = None
) -> int:
    """Say why the run cannot go on — one line on ``err``, or (``err`` None: ``--json``) the
    JSON line with what was done so far — and answer exit code 2."""
    if err is None:
        payload = summary.as_json() if summary else {}
        _emit({**payload, "ok": False, "error": message, "status": status})
    else:
        err.print(f"[bold red]error:[/] {message}", highlight=False)
    return EXIT_CANNOT_RUN


def _emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(payload).decode() + "\n")
    sys.stdout.flush()


def _print_summary(out: Console, summary: PublishSummary) -> None:
    table = Table(title=f"CKAN {summary.ckan_url} — {summary.today.isoformat()}")
    for column in ("dataset", "upserted", "deleted", "rejected", "files", "seq"):
        table.add_column(column, justify="left" if column == "dataset" else "right")
    for d in summary.datasets:
        table.add_row(
            d.name,
            f"{d.upserted:,}",
            f"{d.deleted:,}",
            f"{d.rejected:,}",
            str(d.files_uploaded),
            "" if d.seq is None else str(d.seq),
        )
    out.print(table)
    for row in summary.rejected:
        key = ", ".join(f"{k}={v}" for k, v in row.key.items())
        out.print(f"[red]rejected[/] {row.record_id} ({key}): {row.message}", highlight=False)
    for name in summary.removed:
        out.print(f"removed non-public dataset {name}", highlight=False)
    out.print(
        f"{summary.rows:,} rows in {summary.seconds:.1f} s "
        f"({summary.rows_per_second:,.0f} rows/s); CKAN calls: {summary.reads} reads, "
        f"{summary.writes} writes, {summary.retried} retried",
        highlight=False,
    )
