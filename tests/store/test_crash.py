"""kill -9 at random moments of a 20k-record submission leaves a consistent store, and
running the submission again ends in the same state as one clean run."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from test_changelog import check_invariants

from store import open_store
from store.tables import records

ROOT = Path(__file__).resolve().parents[2]
FACTORY = Path(__file__).with_name("penalty_factory.py")
N, SEED, CHUNK = 20_000, 5, 1_500


def _run(url: str, *, kill_after: float | None = None) -> bool:
    """Run the submission; SIGKILL it after ``kill_after`` seconds. True if it finished."""
    proc = subprocess.Popen(
        [sys.executable, str(FACTORY), url, str(N), str(SEED), str(CHUNK)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
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
    delay = rng.uniform(0.4, 1.2)
    partial = []  # record counts left by kills that hit in the middle of the writes
    for _ in range(8):
        if _run(db_url, kill_after=delay):
            break
        written = _count(db_url)
        if 0 < written < N:
            partial.append(written)
            if len(partial) >= 3:
                break
        delay += rng.uniform(0.3, 1.0)
    assert partial, "no kill landed while records were being written"
    assert _run(db_url)
    clean = f"sqlite:///{tmp_path / 'clean.sqlite'}"
    assert _run(clean)
    final, expected = _state(db_url), _state(clean)
    assert len(expected) == N
    assert final == expected
    assert all(version == 1 for _, version, _, _ in final)  # re-runs made no new versions
