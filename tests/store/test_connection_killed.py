"""PostgreSQL drops the ingest's connection mid-run (what a server restart does to a client):
either the store reconnects and the ingest completes, or it fails with an error (not a hang,
not half a chunk) — and either way the batch does not stay ``running`` and submitting the
same rows again completes the data: nothing lost, no version twice.

The shared PostgreSQL server is never restarted: ``pg_terminate_backend`` ends the
connections to this test's own database only.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, select

import demo
from publishers import Intake
from store import BatchStatus, open_store, read_batch, tables

PENALTY = "administrative-penalty"
N, CHUNK = 300, 50


def valid_rows() -> list[tuple[int, dict[str, object]]]:
    intake = Intake(PENALTY)
    return [
        (v.row, v.record)
        for v in intake.records(demo.penalties(N, seed=7))
        if v.valid and v.record is not None
    ]


def terminate_connections(url: str) -> int:
    """End every other connection to ``url``'s database; answers how many."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        ended = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(ended[0]) if ended else 0


def count(url: str, table: object) -> int:
    with open_store(url) as store, store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("at_chunk", [1, 3])
def test_connections_killed_mid_ingest(db_url: str, at_chunk: int) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL fault")
    rows = valid_rows()
    killed: list[int] = []

    def progress(done: int) -> None:
        if done >= at_chunk * CHUNK and not killed:
            killed.append(terminate_connections(db_url))

    with open_store(db_url) as store:
        try:
            first = store.submit(
                PENALTY,
                rows,
                actor="test:killed",
                batch_id="b-cut",
                chunk_rows=CHUNK,
                progress=progress,
                detail=False,
            )
        except Exception as exc:  # the driver's error, whatever it is: the run stops cleanly
            assert not isinstance(exc, AssertionError)
            first = None
        assert killed and killed[0] >= 1, "no connection was ended"

    with open_store(db_url) as store:
        batch = read_batch(store.engine, "b-cut")
        assert batch is not None and batch["status"] != BatchStatus.RUNNING.value, batch
        if first is not None:  # the store reconnected and carried on
            assert first.status is BatchStatus.COMPLETE and first.accepted == len(rows)
        again = store.submit(PENALTY, rows, actor="test:again", chunk_rows=CHUNK, detail=False)
        assert again.status is BatchStatus.COMPLETE
        assert again.accepted + again.unchanged == len(rows)
    assert count(db_url, tables.records) == len(rows)
    assert count(db_url, tables.changes) == len(rows)  # one version each: nothing twice
