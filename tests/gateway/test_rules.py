"""rules window (the docs' national-field examples, the JSON contract) and rules recompute."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gateway.commands.rules import window_of
from store import Role

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "publication-windows.md"
EXE = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"
KEYS = {"publishable", "start", "end", "min_end", "rule_set", "explanation"}


def doc_examples() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(case, record, expected) for every row of the examples table in the doc."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- national-examples:start -->\n(.*?)<!-- national-examples:end -->", text, re.S
    )
    assert block is not None
    out = []
    for line in block.group(1).splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        case, record, publishable, start, min_end, end, rule_set, flags = cells

        def day(cell: str) -> str | None:
            return None if cell in ("—", "open") else cell

        out.append(
            (
                case,
                json.loads(record.strip("`")),
                {
                    "publishable": publishable == "yes",
                    "start": day(start),
                    "min_end": day(min_end),
                    "end": day(end),
                    "rule_set": rule_set.strip("`"),
                    "flags": () if flags == "—" else tuple(flags.split(",")),
                },
            )
        )
    return out


EXAMPLES = doc_examples()


def test_the_doc_has_the_cases_of_the_issue() -> None:
    assert len(EXAMPLES) >= 10
    for record in (r for _, r, _ in EXAMPLES):
        assert all(key.startswith("CF_") for key in record)  # national fields only


@pytest.mark.parametrize(("case", "record", "expected"), EXAMPLES, ids=[c for c, _, _ in EXAMPLES])
def test_every_doc_example_is_explained(
    case: str, record: dict[str, Any], expected: dict[str, Any]
) -> None:
    window = window_of("administrative-penalty", record)
    answer = window.as_json()
    assert {k: answer[k] for k in ("publishable", "start", "min_end", "end", "rule_set")} == {
        k: expected[k] for k in ("publishable", "start", "min_end", "end", "rule_set")
    }, case
    assert window.flags == expected["flags"], case
    assert {e["source"] for e in answer["explanation"]} <= {"declared", "derived", "inferred"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120)


def test_cli_contract_inline_and_at_file(tmp_path: Path) -> None:
    _case, record, expected = next(e for e in EXAMPLES if "special-equipment fine" in e[0])
    inline = run(
        "rules",
        "window",
        "administrative-penalty",
        "--record",
        json.dumps(record, ensure_ascii=False),
        "--json",
    )
    assert inline.returncode == 0, inline.stderr
    answer = json.loads(inline.stdout)
    assert answer.keys() == KEYS
    assert (answer["start"], answer["min_end"], answer["end"]) == (
        expected["start"],
        expected["min_end"],
        expected["end"],
    )
    by_input = {e["input"]: e for e in answer["explanation"]}
    assert by_input["system"]["source"] == "derived"
    assert by_input["procedure"]["source"] == "derived"
    assert by_input["low_fine_threshold"] == {
        "input": "low_fine_threshold",
        "value": None,
        "source": "inferred",
        "how": by_input["low_fine_threshold"]["how"],
    }
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    from_file = run("rules", "window", "administrative-penalty", "--record", f"@{path}", "--json")
    assert json.loads(from_file.stdout) == answer
    human = run("rules", "window", "administrative-penalty", "--record", f"@{path}")
    assert human.returncode == 0 and "derived" in human.stdout


def test_cli_errors_exit_2() -> None:
    assert run("rules", "window", "no-such", "--record", "{}", "--json").returncode == 2
    bad = run("rules", "window", "administrative-penalty", "--record", "[1]", "--json")
    assert bad.returncode == 2 and "JSON object" in bad.stderr


def test_cli_recompute_dry_run_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    result = run("rules", "recompute", "--db", db, "--dry-run", "--json", "--today", "2027-10-01")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["dry_run"] is True and body["today"] == "2027-10-01"
    assert body["total"] == {"shorten": 0, "lengthen": 0, "end_now": 0, "start": 0}


def test_rest_recompute_is_admin_only_and_idempotent(rest: Any) -> None:
    url = "/api/v1/admin/rules/recompute"
    assert rest.post(url + "?dryRun=true").status_code == 401
    assert rest.post(url + "?dryRun=true", role=Role.PLATFORM).status_code == 403
    dry = rest.post(url + "?dryRun=true", role=Role.ADMIN)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    applied = rest.post(url, role=Role.ADMIN).json()
    assert applied["datasets"] == dry.json()["datasets"]
    again = rest.post(url, role=Role.ADMIN).json()
    assert again["total"] == {"shorten": 0, "lengthen": 0, "end_now": 0, "start": 0}
    assert rest.post(url + "?today=x", role=Role.ADMIN).status_code == 400
