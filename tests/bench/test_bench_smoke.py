"""The benchmarks still run: each one on a few hundred rows (figures are not checked, only
that every stage ran and the correctness checks held)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import main
from bench.common import BREAKAGES, penalty_csv

ROWS = 300


def run_bench(name: str, out: Path) -> dict[str, Any]:
    assert main([name, "--rows", str(ROWS), "--out", str(out)]) == 0
    result: dict[str, Any] = json.loads((out / f"{name}.json").read_text("utf-8"))
    assert result["params"]["rows"] == ROWS
    return result


def test_generated_file_breaks_every_fiftieth_row(tmp_path: Path) -> None:
    gen = penalty_csv(ROWS, out=tmp_path)
    assert gen.broken == frozenset(range(50, ROWS + 1, 50))
    assert gen.path.read_bytes().count(b"\n") == ROWS + 1
    assert len(BREAKAGES) > 1  # several kinds of breakage, not one repeated
    again = penalty_csv(ROWS, out=tmp_path)  # cached: same file, same answer
    assert again == gen


def test_validate_bench_runs(tmp_path: Path) -> None:
    result = run_bench("validate", tmp_path)
    what = [r["what"] for r in result["results"]]
    assert any(w.startswith("creditgate validate_file ") for w in what), what
    assert any(w.startswith("creditgate validate_file_parallel") for w in what), what
    assert any(w.startswith("jsonschema") for w in what), what
    assert any(w.startswith("frictionless validate with Table Schema") for w in what), what
    checks = result["checks"]
    assert checks["verdicts identical"] is True, checks
    assert checks["invalid rows (jsonschema)"] == ROWS // 50, checks
    assert checks["records checked by both"] == ROWS, checks
    assert checks["parallel report identical"] is True, checks


@pytest.mark.postgres
def test_ingest_bench_runs(tmp_path: Path) -> None:
    result = run_bench("ingest", tmp_path)
    backends = {r["what"].split(":")[0] for r in result["results"] if ":" in r["what"]}
    assert backends == {"sqlite", "postgresql"}, result["results"]
    for backend in backends:
        assert result["checks"][f"{backend}: all rows stored"] is True
        assert result["checks"][f"{backend}: second submit all unchanged"] is True
        assert result["checks"][f"{backend}: change log has one event per row"] is True
    peak = [r["peak_rss_mb"] for r in result["results"] if "peak_rss_mb" in r]
    assert peak and all(m > 0 for m in peak), peak


def test_search_bench_runs(tmp_path: Path) -> None:
    result = run_bench("search", tmp_path)
    what = [r["what"] for r in result["results"]]
    assert "GET /search (rendered page)" in what and "index.search" in what, what
    assert any(w.startswith("baseline") for w in what), what


@pytest.mark.postgres
def test_evaluation_bench_runs(tmp_path: Path) -> None:
    result = run_bench("evaluation", tmp_path)
    what = [r["what"] for r in result["results"]]
    for backend in ("sqlite", "postgresql"):
        assert f"{backend}: evaluate_all + publish (first run), entities" in what, what
        assert f"{backend}: one change, then evaluate_incremental" in what, what
        assert result["checks"][f"{backend}: every entity graded"] is True
        assert result["checks"][f"{backend}: one change regrades one entity"] is True
        assert result["checks"][f"{backend}: incremental equals a full recompute"] is True
