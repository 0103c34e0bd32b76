"""kill -9 at random moments of a 20k-record submission leaves a consistent store, and
running the submission again ends in the same state as one clean run."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from test_changelog import check_invariants

from store import open_store
from store.tables import records

ROOT = Path(__file__).resolve().parents[2]
FACTORY = Path(__file__).with_name("penalty_factory.py")
N, SEED, CHUNK = 20_000, 5, 1_500


def _written(engine: Engine) -> int:
    """Records committed so far (0 while the store is still being created)."""
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM records")).scalar_one())
    except DBAPIError:
        return 0


def _run(url: str, *, kill_at: int | None = None, pause: float = 0.0) -> bool:
    """Run the submission; SIGKILL it ``pause`` seconds after at least ``kill_at`` records
    are committed (so the kill lands while records are being written, however fast the
    machine). True if it finished first."""
    proc = subprocess.Popen(
        [sys.executable, str(FACTORY), url, str(N), str(SEED), str(CHUNK)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if kill_at is not None:
        engine = create_engine(url)
        try:
            while proc.poll() is None and _written(engine) < kill_at:
                time.sleep(0.01)
        finally:
            engine.dispose()
        time.sleep(pause)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    if proc.returncode == -signal.SIGKILL:
        return False
    assert proc.returncode == 0, err.decode()
    return True


def _state(url: str) -> set[tuple[str, int, str, str]]:
    st = open_store(url)
    with st.engine.connect() as conn:
        rows = conn.execute(
            select(records.c.record_id, records.c.version, records.c.hash, records.c.state)
        ).all()
    check_invariants(st)
    st.close()
    return {tuple(r) for r in rows}  # type: ignore[misc]


def _count(url: str) -> int:
    st = open_store(url)  # also proves a migration killed half-way left no damage
    check_invariants(st)
    with st.engine.connect() as conn:
        n = len(conn.execute(select(records.c.record_id)).all())
    st.close()
    return n


def test_kill_9_at_random_points(db_url: str, tmp_path: Path) -> None:
    rng = random.Random()
    partial = []  # record counts left by kills that hit in the middle of the writes
    for _ in range(8):
        already = _count(db_url)
        if _run(db_url, kill_at=already + 1, pause=rng.uniform(0.0, 0.3)):
            break
        written = _count(db_url)
        if 0 < written < N:
            partial.append(written)
            if len(partial) >= 3:
                break
    assert partial, "no kill landed while records were being written"
    assert _run(db_url)
    clean = f"sqlite:///{tmp_path / 'clean.sqlite'}"
    assert _run(clean)
    final, expected = _state(db_url), _state(clean)
    assert len(expected) == N
    assert final == expected
    assert all(version == 1 for _, version, _, _ in final)  # re-runs made no new versions
