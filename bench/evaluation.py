"""The public credit comprehensive evaluation: grading every entity of a store, and regrading
one entity after one change.

``python -m bench evaluation [--rows N] [--quick]``: a store of ``--rows`` records (default
60,000; the issue's figure is ``--rows 1000000``) — the demo's synthetic mix of every catalogue
dataset (penalties, licences, inspections, commitments, lists, bans …; about six records per
entity) — is built in SQLite (a temporary file) and PostgreSQL (a scratch database, dropped
afterwards). Then:

* ``evaluate_all`` with publication: every entity scored, explained, stored with history, and
  published as the ``public-credit-evaluation`` dataset (first run: every record new);
* ``evaluate_all`` again (the steady state: same grades, history and publication unchanged);
* ``evaluate_incremental`` with nothing new (the cost of a routine run on a quiet log);
* ``--changes`` times (default 20): one new penalty for one entity, then
  ``evaluate_incremental`` — the time to regrade one entity after one change (p50/p95/max).

Correctness checks: every entity is graded; each incremental run after one change regrades
exactly one entity; the grades after the incremental runs equal a full recompute.
Figures: entities per second (``rows/s`` of the full runs), milliseconds per regrade.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    Results,
    console,
    drop_pg_database,
    pg_scratch_database,
    progress_bar,
)

NAME = "evaluation"
DEFAULT_ROWS = 60_000
QUICK_ROWS = 3_000
DEFAULT_CHANGES = 20
RECORDS_PER_ENTITY = 5.8
"""About how many records the demo mix makes per entity (demo.datasets)."""
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
TODAY = date(2027, 9, 1)
SKIP = ("catalogue", "punishment-measures", "public-credit-evaluation")


def _load(url: str, rows: int) -> tuple[float, int]:
    """Build the store; returns (seconds, records stored)."""
    from catalog import load_catalog
    from demo import generate, population, sizes
    from store import open_store

    entities = max(50, int(rows / RECORDS_PER_ENTITY))
    pop = population(entities, seed=21)
    counts = sizes(entities)
    stored = 0
    start = time.perf_counter()
    with open_store(url) as store, progress_bar(f"storing ~{rows:,} records", rows) as tick:
        for n, dataset in enumerate(load_catalog().ids()):
            if dataset in SKIP:
                continue
            count = counts.get(dataset, 0)  # fixed lists (FIXED) ignore the count
            made = list(enumerate(generate(dataset, count, pop=pop, seed=31 + n), 1))
            result = store.submit(dataset, made, actor="bench", source="bench", detail=False)
            stored += result.accepted
            tick(stored)
    return time.perf_counter() - start, stored


def _penalty(i: int, code: str, name: str, decided: date) -> dict[str, Any]:
    authority = ("武汉市市场监督管理局", "11420100MB1320102J")
    return {
        "counterpart_name": name, "counterpart_category": "法人及非法人组织", "uscc": code,
        "legal_rep_name": "基准", "decision_doc_no": f"武市监罚〔2027〕基准{i}号",
        "violation_type": "违反《中华人民共和国食品安全法》第三十四条",
        "violation_facts": "经查，当事人经营超过保质期的食品。",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
        "penalty_categories": ["罚款"], "penalty_content": "罚款人民币5000元",
        "fine_amount_wan": "0.5000", "decision_date": decided.isoformat(),
        "penalty_valid_to": (decided + timedelta(days=365)).isoformat(),
        "authority_name": authority[0], "authority_uscc": authority[1],
        "source_org_name": authority[0], "source_org_uscc": authority[1], "procedure": "普通程序",
    }  # fmt: skip


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50_ms": at(0.5), "p95_ms": at(0.95), "max_ms": round(ordered[-1] * 1000, 3)}


def _grades(store: Any) -> dict[str, tuple[str, float]]:
    from sqlalchemy import select

    from store.schema import entity_grades

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(entity_grades.c.uscc, entity_grades.c.grade, entity_grades.c.score)
        )
        return {r.uscc: (r.grade, r.score) for r in rows}


def _measure(res: Results, backend: str, url: str, rows: int, changes: int) -> None:
    from store import open_store
    from store.evaluation import evaluate_all, evaluate_incremental, grade_counts

    seconds, stored = _load(url, rows)
    res.add(f"{backend}: build the store", rows=stored, seconds=seconds)
    with open_store(url) as store:
        first = evaluate_all(store, today=TODAY)
        res.add(
            f"{backend}: evaluate_all + publish (first run), entities",
            rows=first.entities,
            seconds=first.seconds,
            records=stored,
        )
        again = evaluate_all(store, today=TODAY)
        res.add(
            f"{backend}: evaluate_all again (steady state), entities",
            rows=again.entities,
            seconds=again.seconds,
        )
        quiet = evaluate_incremental(store, today=TODAY)
        res.add(
            f"{backend}: evaluate_incremental, nothing new",
            rows=max(quiet.entities, 1),
            seconds=quiet.seconds,
            regraded=quiet.entities,
        )
        codes = sorted(_grades(store))
        regrade: list[float] = []
        one_each = True
        for i in range(changes):
            code = codes[(i * 7919) % len(codes)]
            store.submit(
                "administrative-penalty",
                [(1, _penalty(i, code, f"基准主体{i}", TODAY - timedelta(days=3)))],
                actor="bench",
                source="bench",
                detail=False,
            )
            run = evaluate_incremental(store, today=TODAY)
            regrade.append(run.seconds)
            one_each = one_each and run.entities == 1
        res.add(
            f"{backend}: one change, then evaluate_incremental",
            rows=len(regrade),
            seconds=sum(regrade),
            **_percentiles(regrade),
        )
        incremental = _grades(store)
        evaluate_all(store, today=TODAY, publish=False)
        res.checks[f"{backend}: every entity graded"] = first.entities == len(codes) > 0
        res.checks[f"{backend}: one change regrades one entity"] = one_each
        res.checks[f"{backend}: incremental equals a full recompute"] = incremental == _grades(
            store
        )
        res.checks[f"{backend}: grades"] = dict(sorted(grade_counts(store.engine).items()))


def run(
    rows: int | None = None, *, quick: bool = False, out: Path = OUT, changes: int | None = None
) -> Results:
    """Run the benchmark and return its figures."""
    count = rows or (QUICK_ROWS if quick else DEFAULT_ROWS)
    changes = changes or (5 if quick or count < 10_000 else DEFAULT_CHANGES)
    res = Results(NAME, {"rows": count, "changes": changes, "today": TODAY.isoformat()})
    with tempfile.TemporaryDirectory(prefix="creditgate-bench-") as tmp:
        _measure(res, "sqlite", f"sqlite:///{Path(tmp) / 'store.db'}", count, changes)
    name = pg_scratch_database()
    if name is None:
        res.notes.append("PostgreSQL not reachable at 127.0.0.1:5432: skipped")
    else:
        try:
            _measure(res, "postgresql", PG_URL.format(name=name), count, changes)
        finally:
            drop_pg_database(name)
    res.notes.append(
        "rows/s of the evaluate_all lines = entities per second; "
        "the regrade line's ms are per incremental run after one change"
    )
    return res


def check(res: Results) -> None:
    """Correctness only (never speed)."""
    for name, value in res.checks.items():
        if not name.endswith("grades"):
            assert value, f"{name}: {value}"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bench.evaluation", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=None, help="records in the store")
    parser.add_argument("--quick", action="store_true", help="small counts (smoke run)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"results (default {OUT})")
    args = parser.parse_args(argv)
    results = run(args.rows, quick=args.quick, out=args.out)
    results.print()
    console.print(f"saved {results.save(args.out)}")
    try:
        check(results)
    except AssertionError as exc:
        console.print(f"[red]check failed:[/] {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
