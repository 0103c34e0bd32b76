"""Validation throughput: creditgate against jsonschema and frictionless, in one run.

One generated 行政处罚 CSV (``--rows``, default 100,000; 2 % broken at schema level) is
validated by:

1. creditgate end to end — :func:`publishers.validate_file` (``Intake`` + ``open_table``, the
   path of ``creditgate validate``), :func:`publishers.parallel.validate_file_parallel` (one
   worker per CPU), and the CLI itself in a subprocess (``creditgate validate --json``, wall
   time including start-up);
2. the reference: a plain loop of ``jsonschema`` ``iter_errors`` with format checking
   (``schemas.reference_validator``) over the same normalised records, read beforehand — only
   the loop is timed, on a sample (default 10,000 records) and extrapolated;
3. ``frictionless validate`` with the Table Schema of ``schemas.tableschema`` and, for
   reference, without one (types inferred), each as a CLI subprocess.

Verdict check: the invalid rows found by creditgate (its schema verdict,
``RecordValidator.is_schema_valid``, and its full report) must be exactly those jsonschema
finds on the same records; every record is checked, in worker processes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import schemas
from bench.common import (
    DATASET,
    OUT,
    GeneratedFile,
    Results,
    console,
    penalty_csv,
    progress_bar,
    rate,
)
from catalog import get_entry
from publishers import Intake, RecordValidator, Report, open_table, validate_file
from publishers.parallel import validate_file_parallel
from schemas.tableschema import table_schema

NAME = "validate"
DEFAULT_ROWS = 100_000
QUICK_ROWS = 10_000
SAMPLE = 10_000
"""Records timed with jsonschema (it runs at ~1k records/s); the rate is extrapolated."""
GOAL = 10.0


def _bin(name: str) -> str | None:
    """A console script of the project's venv (next to the interpreter), else on PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def _records(path: Path, today: dt.date) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """``(row, normalised record)`` exactly as creditgate's intake builds them."""
    intake = Intake(DATASET, today=today)
    for row in intake.rows(open_table(path)):
        yield row.row, row.record


def _verdicts(job: tuple[str, int, int, str]) -> tuple[list[int], list[int], int]:
    """Rows ``[start, stop)`` of a file: invalid by jsonschema, invalid by creditgate's schema
    verdict, rows checked. Each worker reads the file from the start (simple, not timed)."""
    path, start, stop, today = job
    day = dt.date.fromisoformat(today)
    schema_id = get_entry(DATASET).schema_id
    reference = schemas.reference_validator(schema_id)
    ours = RecordValidator(schema_id, today=day)
    with_js, with_cg, checked = [], [], 0
    for row, record in _records(Path(path), day):
        if row < start:
            continue
        if row >= stop:
            break
        assert record is not None
        checked += 1
        if not reference.is_valid(record):
            with_js.append(row)
        if not ours.is_schema_valid(record):
            with_cg.append(row)
    return with_js, with_cg, checked


def _all_verdicts(path: Path, rows: int, today: dt.date) -> tuple[set[int], set[int], int]:
    workers = max(os.cpu_count() or 1, 1)
    if rows <= 20_000 or workers == 1:
        theirs, ours, checked = _verdicts((str(path), 1, rows + 1, today.isoformat()))
        return set(theirs), set(ours), checked
    step = -(-rows // (workers * 4))
    jobs = [
        (str(path), a, min(a + step, rows + 1), today.isoformat()) for a in range(1, rows + 1, step)
    ]
    jsonschema_bad: set[int] = set()
    creditgate_bad: set[int] = set()
    checked = 0
    with (
        progress_bar("verdicts (jsonschema, all rows)", rows) as tick,
        ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool,
    ):
        for theirs, ours, n in pool.map(_verdicts, jobs):
            jsonschema_bad.update(theirs)
            creditgate_bad.update(ours)
            checked += n
            tick(checked)
    return jsonschema_bad, creditgate_bad, checked


def _invalid_rows(report: Report) -> set[int]:
    return {i.row for i in report.issues if i.is_error and i.row is not None}


def _run_cli(
    args: list[str], cwd: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    return done, time.perf_counter() - start


def _frictionless(gen: GeneratedFile, schema: Path | None) -> dict[str, Any] | None:
    exe = _bin("frictionless")
    if exe is None:
        return None
    # frictionless refuses absolute paths outside its working directory
    args = [exe, "validate", "--json", "--limit-errors", "1000000000"]
    if schema is not None:
        args += ["--schema", schema.name]
    done, wall = _run_cli([*args, gen.path.name], cwd=gen.path.parent)
    try:
        payload = json.loads(done.stdout)
        task = payload["tasks"][0]
    except (ValueError, KeyError, IndexError):
        console.print(f"frictionless failed ({done.returncode}): {done.stderr[-500:]}")
        return None
    bad_rows = {e["rowNumber"] - 1 for e in task["errors"] if e.get("rowNumber")}
    return {
        "wall": wall,
        "seconds": float(task["stats"]["seconds"]),
        "rows": int(task["stats"].get("rows", gen.rows)),
        "invalid_rows": len(bad_rows),
        "errors": len(task["errors"]),
    }


def run(rows: int | None = None, *, quick: bool = False, out: Path = OUT) -> Results:
    """Run the benchmark and return its figures (also printed and saved by :func:`main`)."""
    count = rows or (QUICK_ROWS if quick else DEFAULT_ROWS)
    sample_size = min(count, SAMPLE // 5 if quick else SAMPLE)
    today = dt.date.today()
    workers = os.cpu_count() or 1
    gen = penalty_csv(count, out=out)
    res = Results(
        NAME,
        {
            "rows": count,
            "bytes": gen.bytes,
            "broken_rows": len(gen.broken),
            "jsonschema_sample": sample_size,
            "workers": workers,
        },
    )

    # 1. creditgate, in process: one process, then one worker per CPU
    with progress_bar("creditgate validate_file", count) as tick:
        start = time.perf_counter()
        single = validate_file(DATASET, gen.path, today=today, progress=tick)
        seconds = time.perf_counter() - start
    res.add("creditgate validate_file (1 process)", rows=count, seconds=seconds)
    with progress_bar(f"creditgate parallel ({workers} workers)", count) as tick:
        start = time.perf_counter()
        multi = validate_file_parallel(DATASET, gen.path, today=today, progress=tick)
        seconds = time.perf_counter() - start
    res.add(f"creditgate validate_file_parallel ({workers} workers)", rows=count, seconds=seconds)
    res.checks["parallel report identical"] = multi == single

    exe = _bin("creditgate")
    if exe is not None:
        done, wall = _run_cli([exe, "validate", DATASET, str(gen.path), "--json"])
        try:
            cli_stats = json.loads(done.stdout)["stats"]
        except (ValueError, KeyError):
            cli_stats = None
            res.notes.append(f"creditgate CLI failed ({done.returncode}): {done.stderr[-300:]}")
        if cli_stats is not None:
            res.add(
                "creditgate CLI validate --json (wall, incl. start-up)", rows=count, seconds=wall
            )
            res.checks["CLI counts equal report"] = cli_stats == single.to_dict()["stats"]

    # 2. jsonschema: records read and normalised once, only the loop timed
    reference = schemas.reference_validator(get_entry(DATASET).schema_id)
    sample = []
    for _row, record in _records(gen.path, today):
        if record is not None:
            sample.append(record)
        if len(sample) >= sample_size:
            break
    with progress_bar("jsonschema iter_errors (sample)", len(sample)) as tick:
        start = time.perf_counter()
        for n, record in enumerate(sample, start=1):
            for _error in reference.iter_errors(record):
                pass
            if n % 500 == 0:
                tick(n)
        seconds = time.perf_counter() - start
    js_rate = rate(len(sample), seconds)
    res.add(
        "jsonschema iter_errors + formats (loop only)",
        rows=len(sample),
        seconds=seconds,
        extrapolated_s=round(count / js_rate, 1),
    )
    del sample

    # 3. frictionless, with the Table Schema and without
    schema_path = gen.path.parent / "administrative-penalty.tableschema.json"
    schema_path.write_text(json.dumps(table_schema(DATASET), ensure_ascii=False), "utf-8")
    fr_schema = _frictionless(gen, schema_path)
    fr_inferred = _frictionless(gen, None)
    for label, fr in (("with Table Schema", fr_schema), ("inferred, no schema", fr_inferred)):
        if fr is None:
            res.notes.append(f"frictionless ({label}) not run: not installed or failed")
            continue
        res.add(
            f"frictionless validate {label} (internal time)",
            rows=fr["rows"],
            seconds=fr["seconds"],
            invalid_rows=fr["invalid_rows"],
        )
        res.add(f"frictionless validate {label} (CLI wall)", rows=fr["rows"], seconds=fr["wall"])

    # verdicts: every record, both validators
    with_js, with_cg, checked = _all_verdicts(gen.path, count, today)
    reported = _invalid_rows(single)
    res.checks["records checked by both"] = checked
    res.checks["invalid rows (jsonschema)"] = len(with_js)
    res.checks["invalid rows (creditgate schema verdict)"] = len(with_cg)
    res.checks["invalid rows (creditgate report)"] = len(reported)
    res.checks["verdicts identical"] = with_js == with_cg == reported
    res.checks["broken rows generated"] = len(gen.broken)

    # ratios, same run
    single_rate = res.rows[0]["rows_per_s"]
    multi_rate = res.rows[1]["rows_per_s"]
    res.checks["creditgate (1 process) / jsonschema"] = round(single_rate / js_rate, 1)
    res.checks["creditgate (parallel) / jsonschema"] = round(multi_rate / js_rate, 1)
    if fr_schema is not None:
        fr_rate = rate(fr_schema["rows"], fr_schema["seconds"])
        res.checks["creditgate (1 process) / frictionless+schema"] = round(single_rate / fr_rate, 2)
        res.checks["creditgate (parallel) / frictionless+schema"] = round(multi_rate / fr_rate, 2)
        cli = res.find("creditgate CLI validate --json (wall, incl. start-up)")
        if cli is not None:
            res.checks["creditgate CLI / frictionless CLI (wall)"] = round(
                fr_schema["wall"] / cli["seconds"], 2
            )
        res.checks[f"goal >= {GOAL:g}x frictionless+schema (parallel)"] = (
            multi_rate / fr_rate >= GOAL
        )
    res.checks[f"goal >= {GOAL:g}x jsonschema (parallel)"] = multi_rate / js_rate >= GOAL
    res.notes.append(
        f"jsonschema timed on {sample_size:,} of {count:,} records, rate extrapolated; "
        "frictionless internal time is its own stats.seconds"
    )
    return res


def check(res: Results) -> None:
    """The bench's assertions: the same verdicts, the same parallel report."""
    assert res.checks["verdicts identical"], res.checks
    assert res.checks["parallel report identical"], res.checks


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as run_all

    return run_all([NAME, *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
