"""Concurrent writers: no lost updates, and a polling reader never sees a gap in seq."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from penalty_factory import DATASET, penalties, rows
from test_changelog import check_invariants

from store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
FACTORY = Path(__file__).with_name("penalty_factory.py")
N = 150


class GapWatcher(threading.Thread):
    """Polls the log by cursor while writers run; records any seq it skipped."""

    def __init__(self, st: Store) -> None:
        super().__init__(daemon=True)
        self.st, self.cursor, self.gaps, self.polls = st, 0, [], 0
        self.stop = threading.Event()

    def run(self) -> None:
        while True:
            stopping = self.stop.is_set()
            for event in self.st.changes(after=self.cursor, limit=97):
                if event.seq != self.cursor + 1:
                    self.gaps.append((self.cursor, event.seq))
                self.cursor = event.seq
            self.polls += 1
            if stopping and self.cursor == self.st.head():
                return


def _assert_all_versions(st: Store, writers: int) -> None:
    stored = st.records(DATASET, limit=N + 1)
    assert len(stored) == N
    # every writer's content differs from every other's: each one must have made a version
    assert {r.version for r in stored} == {writers}
    for r in stored[:5]:
        remarks = {e.payload["remarks"] for e in st.history(r.record_id) if e.payload}
        assert len(remarks) == writers
    check_invariants(st)


def test_threads_lose_no_update(db_url: str) -> None:
    st = open_store(db_url)
    watcher = GapWatcher(st)
    watcher.start()
    base = penalties(N, seed=11)

    def write(k: int) -> None:
        batch = [dict(r, remarks=f"thread {k}") for r in base]
        st.submit(DATASET, rows(batch), actor=f"t{k}", chunk_rows=25)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    watcher.stop.set()
    watcher.join(timeout=60)
    assert watcher.gaps == []
    assert watcher.cursor == st.head() == 4 * N
    _assert_all_versions(st, 4)
    st.close()


def test_two_processes_lose_no_update(db_url: str) -> None:
    st = open_store(db_url)
    watcher = GapWatcher(st)
    watcher.start()
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen(
            [sys.executable, str(FACTORY), db_url, str(N), "11", "20", f"process {k}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for k in range(2)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    watcher.stop.set()
    watcher.join(timeout=60)
    assert watcher.gaps == [] and watcher.polls > 1
    assert st.head() == 2 * N
    _assert_all_versions(st, 2)
    st.close()
