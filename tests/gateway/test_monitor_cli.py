"""``creditgate monitor report`` on SQLite and PostgreSQL: JSON, XLSX and HTML."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook
from penalty_factory import AUTHORITY, DATASET, penalties
from typer.testing import CliRunner

from gateway.cli import app as cli
from store import open_store


def _seed(db_url: str) -> None:
    with open_store(db_url) as store:
        days = ((date(2027, 3, 1), 3), (date(2027, 3, 4), 16))  # 7 working days: 03-10, 03-15
        for record, (decided, published) in zip(penalties(2, seed=5), days, strict=True):
            dated = record | {
                "decision_date": decided.isoformat(),
                "penalty_valid_to": "2028-03-01",
                "division_code": "420106",
                "penalty_categories": ["罚款"],
                "fine_amount_wan": "0.5000",
            }
            store.submit(
                DATASET, [(1, dated)], actor="t", now=datetime(2027, 3, published, 2, tzinfo=UTC)
            )


def test_the_three_formats(db_url: str, tmp_path: Path) -> None:
    _seed(db_url)
    runner = CliRunner()
    args = ["monitor", "report", "--month", "2027-03", "--today", "2027-04-02", "--db", db_url]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    (line,) = doc["departments"]
    assert line["key"] == AUTHORITY[1] and line["rank"] == 1
    assert (line["month"]["on_time"], line["month"]["late"]) == (1, 1)  # 03-04 → 03-16: late
    wuchang = next(d for d in doc["districts"] if d["key"] == "WH-WC")
    assert wuchang["name"] == "武昌区" and wuchang["month"]["on_time_rate"] == 0.5
    out = tmp_path / "m.xlsx"
    assert runner.invoke(cli, [*args, "--format", "xlsx", "--out", str(out)]).exit_code == 0
    assert load_workbook(out)["排名 Ranking"]["C2"].value == AUTHORITY[1]
    page = runner.invoke(cli, [*args, "--format", "html", "--audience", "public"])
    assert page.exit_code == 0 and "武昌区" in page.stdout and "逾期事项" not in page.stdout
    bad = runner.invoke(cli, [*args[:2], "--month", "2027-3", "--db", db_url])
    assert bad.exit_code == 2
    assert runner.invoke(cli, [*args, "--format", "xlsx"]).exit_code == 2  # needs --out
