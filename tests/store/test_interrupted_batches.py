"""A batch whose process is killed mid-ingest is marked ``interrupted`` when the store is next
opened, and submitting the same rows again completes the data (nothing lost, nothing twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

import demo
from publishers import Intake
from store import BatchStatus, mark_interrupted, open_store, read_batch, tables

ROOT = Path(__file__).resolve().parents[2]
PENALTY = "administrative-penalty"
N, CHUNK = 300, 50

CHILD = textwrap.dedent(f"""
    import sys, time
    import demo
    from publishers import Intake
    from store import open_store
    intake = Intake({PENALTY!r})
    rows = [(v.row, v.record) for v in intake.records(demo.penalties({N}, seed=5))
            if v.valid]
    store = open_store(sys.argv[1])

    def progress(done):
        print("chunk", done, flush=True)
        if done >= {2 * CHUNK}:
            time.sleep(600)  # killed here, between chunks

    result = store.submit({PENALTY!r}, rows, actor="test:child", batch_id="b-killed",
                          chunk_rows={CHUNK}, progress=progress, detail=False)
""")


def valid_rows() -> list[tuple[int, dict[str, object]]]:
    intake = Intake(PENALTY)
    return [
        (v.row, v.record)
        for v in intake.records(demo.penalties(N, seed=5))
        if v.valid and v.record is not None
    ]


def count(url: str, table: object) -> int:
    with open_store(url) as store, store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_a_killed_ingest_is_interrupted_and_resumable(db_url: str) -> None:
    open_store(db_url).close()  # migrated before the child starts
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == f"chunk {2 * CHUNK}":
            break
    else:
        raise AssertionError(proc.stderr.read() if proc.stderr else "the child ended")
    with open_store(db_url) as store:  # the owner is alive: still running
        assert read_batch(store.engine, "b-killed")["status"] == "running"  # type: ignore[index]
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)

    with open_store(db_url) as store:  # the next open marks it
        batch = read_batch(store.engine, "b-killed")
        assert batch is not None and batch["status"] == BatchStatus.INTERRUPTED.value
        assert batch["accepted"] == 2 * CHUNK and batch["finished_at"]
        rows = valid_rows()
        again = store.submit(PENALTY, rows, actor="test:again", chunk_rows=CHUNK, detail=False)
        assert again.status is BatchStatus.COMPLETE
        assert again.unchanged == 2 * CHUNK and again.accepted == len(rows) - 2 * CHUNK
        assert read_batch(store.engine, "b-killed")["status"] == "interrupted"  # type: ignore[index]
    assert count(db_url, tables.records) == len(rows)
    assert count(db_url, tables.changes) == len(rows)  # one version each: nothing twice


def test_owners_elsewhere_are_judged_by_their_heartbeat(db_url: str) -> None:
    with open_store(db_url) as store:
        rows = valid_rows()[:10]
        store.submit(PENALTY, rows, actor="t", batch_id="b-fresh", detail=False)
        store.submit(PENALTY, rows, actor="t", batch_id="b-stale", detail=False)
        store.submit(PENALTY, rows, actor="t", batch_id="b-mine", detail=False)
        now = datetime.now(UTC)
        b = tables.batches
        with store.engine.begin() as conn:
            conn.execute(
                update(b)
                .where(b.c.batch_id == "b-fresh")
                .values(status="running", owner="elsewhere|1|1", heartbeat_at=now)
            )
            conn.execute(
                update(b)
                .where(b.c.batch_id == "b-stale")
                .values(
                    status="running", owner="elsewhere|1|1", heartbeat_at=now - timedelta(hours=2)
                )
            )
            conn.execute(update(b).where(b.c.batch_id == "b-mine").values(status="running"))
        assert mark_interrupted(store.engine) == ["b-stale"]
        statuses = {
            i: read_batch(store.engine, i)["status"]  # type: ignore[index]
            for i in ("b-fresh", "b-stale", "b-mine")
        }
    assert statuses == {"b-fresh": "running", "b-stale": "interrupted", "b-mine": "running"}
