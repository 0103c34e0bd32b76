"""Batches whose process died: found when a store is opened, marked ``interrupted``.

A submission writes its rows in chunks, one transaction each (:mod:`store.records`), so a
process killed mid-ingest leaves whole chunks and a batch row that says ``running`` — for
ever, since nobody is left to finish it. Each batch row therefore names its ``owner`` (host,
process id and the process's start time, so a reused id is not mistaken for the owner) and
a ``heartbeat_at`` renewed with every committed chunk.

:func:`mark_interrupted` (run by :func:`store.open_store`) marks a ``running`` batch
``interrupted`` when its owner is on this host and no longer running, or, for an owner on
another host, when its heartbeat is older than ``stale_after``. The rows it stored stay
stored; submitting the same file again makes a new batch that stores the rest and finds the
stored rows ``unchanged`` (submissions are idempotent) — nothing lost, nothing twice.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Engine, select, update

from store import tables
from store.db import write_transaction
from store.outcomes import BatchStatus

STALE_AFTER = timedelta(hours=1)
"""How long a batch of another host may go without committing a chunk before it is
considered dead."""


def _start_time(pid: int) -> str:
    """The start time of process ``pid`` in clock ticks (Linux), "" where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return ""
    fields = stat.rsplit(b")", 1)[-1].split()
    return fields[19].decode() if len(fields) > 19 else ""


@cache
def _host() -> str:
    return socket.gethostname()[:100]


def process_owner() -> str:
    """``host|pid|start`` of this process, as batch rows name their owner."""
    pid = os.getpid()
    return f"{_host()}|{pid}|{_start_time(pid)}"


def _alive_here(owner: str) -> bool | None:
    """Whether the owner process still runs (None: it is on another host)."""
    host, _, rest = owner.partition("|")
    pid_text, _, started = rest.partition("|")
    if host != _host() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    return not started or _start_time(pid) in ("", started)


def mark_interrupted(
    engine: Engine, *, now: datetime | None = None, stale_after: timedelta = STALE_AFTER
) -> list[str]:
    """Mark the dead ``running`` batches ``interrupted``; answers their ids."""
    b = tables.batches
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        running = conn.execute(
            select(b.c.batch_id, b.c.owner, b.c.heartbeat_at, b.c.submitted_at).where(
                b.c.status == BatchStatus.RUNNING.value
            )
        ).all()
    dead: list[str] = []
    for batch_id, owner, heartbeat, submitted in running:
        alive = _alive_here(owner) if owner else None
        if alive is None:
            last = heartbeat or submitted
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=UTC)
            alive = last is not None and now - last < stale_after
        if not alive:
            dead.append(batch_id)
    if dead:
        with write_transaction(engine) as conn:
            conn.execute(
                update(b)
                .where(b.c.batch_id.in_(dead), b.c.status == BatchStatus.RUNNING.value)
                .values(status=BatchStatus.INTERRUPTED.value, finished_at=now)
            )
    return dead


def read_batch(engine: Engine, batch_id: str) -> dict[str, Any] | None:
    """One batch row as a dict (None when there is no such batch)."""
    b = tables.batches
    with engine.connect() as conn:
        row = conn.execute(select(b).where(b.c.batch_id == batch_id)).mappings().first()
    if row is None:
        return None
    found = dict(row)
    for key in ("submitted_at", "finished_at", "heartbeat_at"):
        value = found.get(key)
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            found[key] = value.isoformat()
    return found
