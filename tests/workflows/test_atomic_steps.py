"""kill -9 inside every kind of workflow step leaves the whole step or none of it.

Each run starts ``crash_steps.py`` in a subprocess: it stores a scenario's preconditions,
then takes the step with a fault hook (:mod:`workflows.transaction`) that SIGKILLs the
process at a chosen fault point — before the transaction's first write, between its writes,
just before COMMIT, or just after it. The test reopens the store and asserts that the step's
parts (case state, record version, take-down or mark, workflow steps) are all there or all
absent, that no case is stranded in a transient state, and that the change log is whole.
At least 20 kills per database (SQLite and PostgreSQL) in ``make test``; ``make soak`` runs
many more (marker ``soak``).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from crash_steps import SCENARIOS, stranded
from sqlalchemy import select

from store import Role, open_store
from store.schema import workflow_steps
from store.tables import changes
from workflows import steps_of

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("crash_steps.py")
MAX_POINTS = 5
"""Kill points drawn from 1..MAX_POINTS; a step with fewer completes (also checked)."""


def _run(url: str, scenario: str, index: int, kill_at: int) -> tuple[bool, str, str]:
    """Run one scenario: ``(killed, its record id, the point it died at or 'done')``."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), url, scenario, str(index), str(kill_at)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    killed = proc.returncode == -signal.SIGKILL
    assert killed or proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().strip().splitlines()
    return killed, lines[0].removeprefix("ctx "), lines[-1].removeprefix("killed ")


def _check(url: str, scenario: str, record_id: str, killed_at: str) -> bool:
    """Assert all-or-nothing for the step; True when it was applied."""
    store = open_store(url)
    try:
        parts = SCENARIOS[scenario].parts(store, record_id)
        assert all(parts.values()) or not any(parts.values()), (scenario, killed_at, parts)
        assert stranded(store) == [], (scenario, killed_at)
        with store.engine.connect() as conn:
            logged = set(conn.execute(select(workflow_steps.c.seq)).scalars()) - {None}
            seqs = list(conn.execute(select(changes.c.seq).order_by(changes.c.seq)).scalars())
        assert seqs == list(range(1, len(seqs) + 1)), "the change log has a gap"
        assert logged <= set(seqs), "a workflow step names a change that is not there"
        return all(parts.values())
    finally:
        store.close()


def _crash_many(url: str, *, kills: int, seed: int, max_runs: int) -> None:
    rng = random.Random(seed)
    names = sorted(SCENARIOS)
    killed = applied = absent = 0
    points: set[str] = set()
    for run in range(max_runs):
        if killed >= kills and applied and absent:
            break
        scenario = names[run % len(names)]
        kill_at = rng.randint(1, MAX_POINTS)
        was_killed, record_id, where = _run(url, scenario, 1000 + run, kill_at)
        if was_killed:
            killed += 1
            points.add(where)
        # a kill before COMMIT leaves nothing; after it, or no kill, leaves the whole step
        expected = not was_killed or where.endswith(":committed")
        found = _check(url, scenario, record_id, where)
        assert found == expected, (scenario, where, "applied" if found else "absent")
        applied += found
        absent += not found
    assert killed >= kills, f"only {killed} kills"
    assert applied and absent
    assert len(points) >= 10, sorted(points)  # many different places inside the steps


def test_kill_9_inside_workflow_steps(db_url: str) -> None:
    _crash_many(db_url, kills=20, seed=15, max_runs=40)


@pytest.mark.soak
def test_kill_9_inside_workflow_steps_soak(db_url: str, request: pytest.FixtureRequest) -> None:
    expression = str(request.config.getoption("markexpr") or "")
    if "soak" not in expression or "not soak" in expression:
        pytest.skip("a soak run: make soak (pytest -m soak)")
    _crash_many(db_url, kills=200, seed=random.randrange(1 << 30), max_runs=400)


def test_department_actions_name_the_department(db_url: str) -> None:
    """An objection against a list entry decided by another authority, answered by the
    provider: the removal is logged with the provider's key and role, never as admin."""
    from crash_steps import _revoke, _verifying  # the same scenario, without a kill
    from wf_factory import AMR, dept

    store = open_store(db_url)
    try:
        rid = _verifying("serious-dishonesty-list")(store, 7)
        _revoke(store, rid)
        steps = {s.step: s for s in steps_of(store.engine, record_id=rid)}
        for name in ("removed", "outcome"):
            assert steps[name].actor == dept(AMR).actor
            assert steps[name].role == Role.DEPARTMENT.value
        (takedown,) = [e for e in store.history(rid) if e.payload is None]
        assert takedown.actor == dept(AMR).actor
    finally:
        store.close()


def test_cases_left_claimed_by_an_older_version_are_released(db_url: str) -> None:
    """Revision 0018 gives back the cases the old claim/release dance could strand."""
    from alembic import command
    from crash_steps import _decide_setup, _verifying
    from sqlalchemy import update

    from store.migrations import config, migrate
    from store.schema import objections, repair_applications
    from workflows import get_objection, list_objections, list_repairs

    store = open_store(db_url)
    try:
        repair_rid = _decide_setup("administrative-penalty")(store, 31)
        objection_rid = _verifying("administrative-penalty")(store, 32)
        with store.engine.begin() as conn:  # what a crash between claim and decision left
            conn.execute(update(repair_applications).values(decided_by="key:old:dept"))
            conn.execute(update(objections).values(provider_reply_at=datetime.now(UTC)))
            command.downgrade(config(conn), "0016")  # as a store before revision 0018
        assert stranded(store)
        assert "0018" in migrate(store.engine)
        assert stranded(store) == []
        (case,) = list_repairs(store, record_id=repair_rid)
        assert case.decided_by is None and case.decided_at is None
        (answer,) = list_objections(store, record_id=objection_rid)
        assert get_objection(store, answer.id).provider_reply_at is None
    finally:
        store.close()
