"""The command line contracts: validate, submit, withdraw, sweep, catalog (exit codes, JSON)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "fixtures" / "files"
EXE = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"

ISSUE_KEYS = {"row", "field", "code", "severity", "message", "message_zh", "value"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize(
    "name",
    [
        "penalty-utf8.csv",
        "penalty-gbk.csv",
        "penalty-gb18030.csv",
        "penalty-utf8-bom.csv",
        "penalty-codes.csv",
        "penalty-slash-dates.csv",
        "penalty.xlsx",
        "penalty.json",
        "penalty.ndjson",
    ],
)
def test_valid_files_exit_0_with_the_json_contract(name: str) -> None:
    result = run("validate", "administrative-penalty", str(FILES / name), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"valid", "dataset", "stats", "issues"}
    assert report["valid"] is True
    assert report["dataset"] == "administrative-penalty"
    assert set(report["stats"]) == {"rows", "valid_rows", "invalid_rows"}
    assert report["stats"]["rows"] == report["stats"]["valid_rows"] > 0
    for issue in report["issues"]:
        assert set(issue) == ISSUE_KEYS
        assert issue["severity"] == "warning"


def test_missing_column_is_one_header_issue_and_every_row_invalid() -> None:
    result = run(
        "validate", "administrative-penalty", str(FILES / "penalty-missing-column.csv"), "--json"
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["stats"]["valid_rows"] == 0
    assert report["stats"]["invalid_rows"] == report["stats"]["rows"] > 0
    missing = [i for i in report["issues"] if i["code"] == "missing-column"]
    assert missing == [i for i in report["issues"] if i["field"] == "decision_date"]
    assert len(missing) == 1 and missing[0]["row"] is None


def test_full_width_codes_are_normalised_with_a_warning() -> None:
    result = run(
        "validate", "administrative-penalty", str(FILES / "penalty-fullwidth.csv"), "--json"
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert any(i["code"] == "full-width-normalised" for i in report["issues"])


def test_broken_ndjson_rows_are_located() -> None:
    result = run(
        "validate", "administrative-penalty", str(FILES / "penalty-broken.ndjson"), "--json"
    )
    assert result.returncode == 1
    report = json.loads(result.stdout)
    codes = {(i["row"], i["code"]) for i in report["issues"]}
    assert any(code == "invalid-json" and row for row, code in codes)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["validate", "no-such-dataset", str(FILES / "penalty-utf8.csv")], "no-such-dataset"),
        (
            ["validate", "administrative-penalty", str(FILES / "does-not-exist.csv")],
            "does-not-exist",
        ),
        (["validate", "administrative-penalty", str(FILES / "latin1-garbage.csv")], "encoding"),
        (
            [
                "validate",
                "administrative-penalty",
                str(FILES / "penalty-gbk.csv"),
                "--encoding",
                "utf-8",
            ],
            "utf-8",
        ),
        (
            [
                "validate",
                "administrative-penalty",
                str(FILES / "penalty-utf8.csv"),
                "--format",
                "xml",
            ],
            "--format",
        ),
    ],
)
def test_cannot_run_is_exit_2_with_one_clear_line(args: list[str], needle: str) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert needle.lower() in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_terminal_output_is_a_bilingual_table() -> None:
    result = run("validate", "administrative-penalty", str(FILES / "penalty-missing-column.csv"))
    assert result.returncode == 1
    assert "missing-column" in result.stdout
    assert "缺少必填列" in result.stdout
    assert "INVALID" in result.stdout and "未通过" in result.stdout


def test_catalog_list_and_show() -> None:
    listed = run("catalog", "list", "--json")
    assert listed.returncode == 0
    ids = [e["id"] for e in json.loads(listed.stdout)]
    assert "administrative-penalty" in ids and "catalogue" in ids and len(ids) == 22
    shown = run("catalog", "show", "administrative-penalty")
    assert shown.returncode == 0 and "CF_XDR_MC" in shown.stdout
    assert run("catalog", "show", "nope").returncode == 2


def test_submit_is_idempotent_and_withdraw_and_sweep_work(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    file = str(FILES / "penalty-gbk.csv")
    first = run("submit", "administrative-penalty", file, "--db", db, "--json")
    assert first.returncode == 0, first.stderr
    receipt = json.loads(first.stdout)
    assert set(receipt) == {"batch_id", "accepted", "unchanged", "rejected", "issues"}
    assert receipt["accepted"] > 0 and receipt["unchanged"] == 0 and receipt["rejected"] == 0
    second = json.loads(run("submit", "administrative-penalty", file, "--db", db, "--json").stdout)
    assert second["accepted"] == 0 and second["unchanged"] == receipt["accepted"]
    assert second["batch_id"] != receipt["batch_id"]

    bad = run(
        "submit",
        "administrative-penalty",
        str(FILES / "penalty-missing-column.csv"),
        "--db",
        db,
        "--json",
    )
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["accepted"] == 0

    from store import open_store

    with open_store(db) as store:
        head = store.head()
        rid = store.records("administrative-penalty", limit=1)[0].record_id
    done = run(
        "withdraw",
        "administrative-penalty",
        "--record-id",
        rid,
        "--reason",
        "repaired",
        "--note",
        "信用修复",
        "--db",
        db,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["withdrawn"] is True
    again = json.loads(
        run(
            "withdraw",
            "administrative-penalty",
            "--record-id",
            rid,
            "--reason",
            "repaired",
            "--db",
            db,
            "--json",
        ).stdout
    )
    assert again["withdrawn"] is False
    with open_store(db) as store:
        assert store.head() == head + 1
        event = store.history(rid)[-1]
        assert (event.op, event.reason, event.note) == ("delete", "repaired", "信用修复")
    unknown = run(
        "withdraw", "administrative-penalty", "--record-id", rid, "--reason", "nope", "--db", db
    )
    assert unknown.returncode == 2 and "objection-upheld" in unknown.stderr

    swept = json.loads(run("sweep", "--now", "2099-01-01", "--db", db, "--json").stdout)
    assert swept["expired"] > 0
    assert (
        json.loads(run("sweep", "--now", "2099-01-01", "--db", db, "--json").stdout)["expired"] == 0
    )


def test_all_or_nothing_stores_nothing_when_a_row_is_rejected(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    lines = (FILES / "penalty-broken.ndjson").read_text("utf-8")
    (tmp_path / "b.ndjson").write_text(lines, "utf-8")
    result = run(
        "submit",
        "administrative-penalty",
        str(tmp_path / "b.ndjson"),
        "--db",
        db,
        "--all-or-nothing",
        "--json",
    )
    assert result.returncode == 1
    receipt = json.loads(result.stdout)
    assert receipt["accepted"] == 0
    from store import open_store

    with open_store(db) as store:
        assert store.head() == 0
