"""The serving benchmark still runs: both servers start, every target answers 200, the feed
and the downloads are counted (figures are not checked)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.__main__ import main


def test_serve_bench_runs(tmp_path: Path) -> None:
    assert main(["serve", "--quick", "--rows", "300", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "serve.json").read_text("utf-8"))
    rows = {r["what"]: r for r in result["results"]}
    for what in (
        "datasette table filter JSON",
        "REST entity (public)",
        "GraphQL entity (public)",
        "REST entity (agency key, audited)",
    ):
        assert rows[what]["rows"] > 0 and rows[what]["errors"] == 0, rows[what]
    feed = rows["change feed NDJSON (government, limit=50000)"]
    assert feed["rows"] > 0 and feed["rows"] % 3 == 0  # the same whole log, three times
    csv_rows = rows["download csv (administrative-licensing, government)"]["rows"]
    assert csv_rows == rows["download ndjson (administrative-licensing, government)"]["rows"] > 300
    assert result["checks"]["every request answered 200"] is True
