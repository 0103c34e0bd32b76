"""Declared data is consistent: problem codes documented, templates aligned, data files checked,
the check bench still runs."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml

from workflows import ProceduresError, problem, problem_codes, read_procedures
from workflows.procedures import PROCEDURES_FILE

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "workflows.md").read_text("utf-8")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(problem_codes()))
def test_every_problem_code_is_documented_in_both_languages(code: str) -> None:
    assert f"| `{code}` |" in DOC
    templates = problem_codes()[code]
    assert set(templates) == {"zh", "en"}
    assert _fields(templates["zh"]) == _fields(templates["en"]), code
    rendered = problem(code, **dict.fromkeys(_fields(templates["en"]), "X"))
    assert rendered.code == code and "{" not in rendered.message_zh + rendered.message_en


def test_unknown_codes_fail_loudly() -> None:
    with pytest.raises(KeyError):
        problem("no-such-code")


def test_procedures_file_is_validated(tmp_path: Path) -> None:
    procedures = read_procedures()
    assert procedures.objection_verify_days == 3 and procedures.objection_answer_days == 10
    assert procedures.repair_commitment_type == "信用修复型"
    data = yaml.safe_load(PROCEDURES_FILE.read_text("utf-8"))
    data["objections"]["verify_within_working_days"] = 0
    del data["repairs"]["datasets"]["market-ban"]["reason"]
    bad = tmp_path / "procedures.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ProceduresError) as caught:
        read_procedures(bad)
    assert "/objections/verify_within_working_days" in caught.value.message
    assert "/repairs/datasets/market-ban" in caught.value.message


def test_check_bench_runs(tmp_path: Path) -> None:
    from bench import checks

    results = checks.run(200, out=tmp_path, checks=100)
    checks.check(results)  # correctness: every entity indexed, repairs lifted at once
    measured = {r["what"] for r in results.rows}
    assert "sqlite: check, log read + check_log write each call" in measured
    assert all("p99_ms" in r for r in results.rows if "check" in r["what"])
