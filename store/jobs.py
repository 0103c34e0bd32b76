"""Scheduled jobs run by exactly one process at a time, and the record of every run.

Several gateway processes (``serve`` replicas, ``creditgate worker``) schedule the same jobs;
:func:`run_job` makes sure one of them runs each pass and the others skip it, never wait:

* PostgreSQL: ``pg_try_advisory_lock`` on a connection of its own, held for the whole run (a
  session lock, so a crashed runner's lock ends with its connection);
* SQLite: a ``running`` row in ``job_runs``, claimed under the database's write lock
  (``BEGIN IMMEDIATE``, :func:`store.db.write_transaction`). A claim whose process is gone
  (same host, no such pid) or that is older than ``stale_after`` is marked ``abandoned``.

A pass is also skipped when the same job already finished for the same day less than
``fresh_for`` ago (another process just did it): with N processes on an hourly interval the
job still runs about once an hour, not N times.

``job_runs`` (store migration 6) keeps one row per run that started: job, status
(``running`` / ``done`` / ``failed`` / ``abandoned``), the day it ran for, start and end,
its counts (JSON) or error, and who ran it (runner name, host, pid). Skipped passes are not
recorded; they come back to the caller as a :class:`JobRun` with status ``skipped``.
"""

from __future__ import annotations

import os
import socket
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    select,
    text,
    update,
)

from store.db import JOB_LOCK_KEY, is_postgresql, write_transaction
from store.events import utc
from store.tables import metadata

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("job", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("today", Date, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("runner", String(100), nullable=False),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("counts", Text),
    Column("error", Text),
    Index(None, "job", "id"),
)  # fmt: skip

JOB_TABLES = (job_runs,)

RUNNING, DONE, FAILED, ABANDONED, SKIPPED = "running", "done", "failed", "abandoned", "skipped"
STALE_AFTER = timedelta(hours=6)
"""A claim older than this is taken to belong to a runner that died (SQLite only)."""


@dataclass(frozen=True, slots=True)
class JobRun:
    """One run of a job (or a skipped pass: ``id`` None, ``status`` skipped, ``why``)."""

    id: int | None
    job: str
    status: str
    today: date
    started_at: datetime
    finished_at: datetime | None
    runner: str
    host: str
    pid: int
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    why: str | None = None

    @property
    def ran(self) -> bool:
        return self.status in (DONE, FAILED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "job": self.job,
            "status": self.status,
            "today": self.today.isoformat(),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "runner": self.runner,
            "host": self.host,
            "pid": self.pid,
            "counts": self.counts,
            "error": self.error,
            **({"why": self.why} if self.why else {}),
        }


def _from_row(row: Mapping[Any, Any]) -> JobRun:
    return JobRun(
        id=int(row["id"]),
        job=row["job"],
        status=row["status"],
        today=row["today"] if isinstance(row["today"], date) else date.fromisoformat(row["today"]),
        started_at=utc(row["started_at"]),  # type: ignore[arg-type]
        finished_at=utc(row["finished_at"]),
        runner=row["runner"],
        host=row["host"],
        pid=int(row["pid"]),
        counts=orjson.loads(row["counts"]) if row["counts"] else {},
        error=row["error"],
    )


def lock_key(job: str) -> int:
    """The advisory-lock key of a job (one per job name)."""
    return JOB_LOCK_KEY - 16 - zlib.crc32(job.encode("utf-8")) % 1_000_000


def _alive(host: str, pid: int) -> bool:
    """Whether a claim's process may still run (unknown for another host: assume it does)."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim(
    conn: Connection,
    job: str,
    *,
    today: date,
    now: datetime,
    runner: str,
    fresh_for: timedelta,
    stale_after: timedelta,
    exclusive_lock: bool,
) -> tuple[int | None, str | None]:
    """Insert the ``running`` row; ``(None, why)`` when the pass must be skipped."""
    r = job_runs.c
    for claim in conn.execute(select(job_runs).where(r.job == job, r.status == RUNNING)).mappings():
        started = utc(claim["started_at"])
        assert started is not None
        held = not exclusive_lock and _alive(claim["host"], int(claim["pid"]))
        if held and now - started < stale_after:
            return None, f"run {claim['id']} by {claim['runner']} (pid {claim['pid']}) is running"
        conn.execute(
            update(job_runs)
            .where(r.id == claim["id"])
            .values(status=ABANDONED, finished_at=now, error="its runner stopped before the end")
        )
    if fresh_for > timedelta(0):
        last = conn.execute(
            select(r.id, r.started_at, r.today)
            .where(r.job == job, r.status == DONE)
            .order_by(r.id.desc())
            .limit(1)
        ).first()
        if last is not None:
            started = utc(last.started_at)
            assert started is not None
            same_day = str(last.today) == today.isoformat()
            if same_day and now - started < fresh_for:
                return None, f"run {last.id} did {today.isoformat()} at {started:%H:%M:%S}"
    new_id = conn.execute(
        job_runs.insert()
        .values(
            job=job,
            status=RUNNING,
            today=today,
            started_at=now,
            runner=runner,
            host=socket.gethostname(),
            pid=os.getpid(),
        )
        .returning(r.id)
    ).scalar_one()
    return int(new_id), None


def run_job(
    engine: Engine,
    job: str,
    body: Callable[[], Mapping[str, Any]],
    *,
    today: date,
    runner: str,
    clock: Callable[[], datetime] | None = None,
    fresh_for: timedelta = timedelta(0),
    stale_after: timedelta = STALE_AFTER,
) -> JobRun:
    """Run ``body`` (which returns the run's counts) unless another process is running the
    job or just ran it; the answer says what happened. An exception of ``body`` is recorded
    (``failed``, with its message) and raised again."""
    now_of = clock or (lambda: datetime.now(UTC))
    lock_conn: Connection | None = None
    try:
        if is_postgresql(engine):
            lock_conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = lock_conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(job)}
            ).scalar_one()
            if not got:
                return _skipped(job, today, runner, now_of(), "another process holds the lock")
        with write_transaction(engine) as conn:
            run_id, why = _claim(
                conn,
                job,
                today=today,
                now=now_of(),
                runner=runner,
                fresh_for=fresh_for,
                stale_after=stale_after,
                exclusive_lock=lock_conn is not None,
            )
        if run_id is None:
            return _skipped(job, today, runner, now_of(), why)
        try:
            counts = dict(body())
        except BaseException as exc:
            _finish(engine, run_id, FAILED, now_of(), error=f"{type(exc).__name__}: {exc}")
            raise
        return _finish(engine, run_id, DONE, now_of(), counts=counts)
    finally:
        if lock_conn is not None:
            try:
                lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(job)})
            finally:
                lock_conn.close()


def _skipped(job: str, today: date, runner: str, now: datetime, why: str | None) -> JobRun:
    return JobRun(
        None, job, SKIPPED, today, now, now, runner, socket.gethostname(), os.getpid(), why=why
    )


def _finish(
    engine: Engine,
    run_id: int,
    status: str,
    now: datetime,
    *,
    counts: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> JobRun:
    with engine.begin() as conn:
        conn.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id)
            .values(
                status=status,
                finished_at=now,
                counts=orjson.dumps(dict(counts)).decode() if counts is not None else None,
                error=error,
            )
        )
        row = conn.execute(select(job_runs).where(job_runs.c.id == run_id)).mappings().one()
    return _from_row(row)


def list_runs(engine: Engine, *, job: str | None = None, limit: int = 50) -> list[JobRun]:
    """The latest runs, newest first (optionally of one job)."""
    query = select(job_runs).order_by(job_runs.c.id.desc()).limit(max(1, min(limit, 1000)))
    if job is not None:
        query = query.where(job_runs.c.job == job)
    with engine.connect() as conn:
        return [_from_row(r) for r in conn.execute(query).mappings()]


@dataclass(frozen=True, slots=True)
class JobSummary:
    """What monitoring needs of one job: runs by status and the last successful run."""

    job: str
    runs: dict[str, int]
    last_done: JobRun | None

    @property
    def last_seconds(self) -> float | None:
        """How long the last successful run took."""
        done = self.last_done
        if done is None or done.finished_at is None:
            return None
        return (done.finished_at - done.started_at).total_seconds()


def job_summaries(engine: Engine) -> list[JobSummary]:
    """Every job that ever ran: its runs counted by status, and its last successful run."""
    r = job_runs.c
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for job, status, n in conn.execute(
            select(r.job, r.status, func.count()).group_by(r.job, r.status)
        ):
            counts.setdefault(job, {})[status] = int(n)
        last_ids = select(func.max(r.id)).where(r.status == DONE).group_by(r.job)
        last = {
            row["job"]: _from_row(row)
            for row in conn.execute(select(job_runs).where(r.id.in_(last_ids))).mappings()
        }
    return [JobSummary(job, counts[job], last.get(job)) for job in sorted(counts)]
