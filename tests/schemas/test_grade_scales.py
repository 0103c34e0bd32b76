"""Credit grades are data: the credit-evaluation schema is derived from grade-scales.yaml."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest
import yaml

from publishers import Intake
from schemas import (
    GradeScaleError,
    load_grade_scales,
    read_grade_scales,
    schema_document,
)
from schemas.grades import GRADE_SCALES_FILE, RULE_ID, grade_definition, grade_scale_rules

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2027, 9, 30)


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_grade_scales.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_schema_grade_list_is_the_data() -> None:
    scales = load_grade_scales()
    document = schema_document("credit-evaluation")
    assert document["$defs"]["grade"] == grade_definition(scales), (
        "run: python scripts/gen_grade_scales.py"
    )
    assert document["$defs"]["grade"]["enum"] == list(scales.codes())
    rules = [r for r in document["allOf"] if r.get("x-rule") == RULE_ID]
    assert rules == grade_scale_rules(scales), "run: python scripts/gen_grade_scales.py"
    generator = _generator()
    assert generator.render(document) == document  # type: ignore[attr-defined]


def test_the_scales() -> None:
    scales = load_grade_scales()
    assert scales.scale("公共信用综合评价") is not None
    assert [g.label for g in scales.scale("公共信用综合评价").grades] == ["优", "良", "中", "差"]  # type: ignore[union-attr]
    assert scales.label("企业信用风险分类", "D") == "信用风险高"
    assert scales.label("其他-纳税信用评价", "M") == "M级"
    assert scales.label("公共信用综合评价", "M") is None
    assert scales.scale("其他-未列明评价") is None
    assert scales.codes() == ("A", "B", "C", "D", "M")
    # every scheme of the data is one the evaluation schema accepts
    schemes = schema_document("credit-evaluation")["$defs"]["evaluation_scheme"]["anyOf"]
    for scale in scales.scales:
        assert scale.scheme in schemes[0]["enum"] or scale.scheme.startswith("其他-")


def _record(scheme: str, grade: str) -> dict[str, str]:
    return {
        "counterpart_name": "武汉光谷星辰科技有限公司",
        "counterpart_category": "法人及非法人组织",
        "uscc": "91420100MA4K0A1B6L",
        "legal_rep_name": "王建华",
        "evaluation_scheme": scheme,
        "grade": grade,
        "evaluation_date": "2027-09-30",
        "evaluator_name": "国家税务总局武汉市税务局",
        "evaluator_uscc": "11420100MB18372082",
        "source_org_name": "国家税务总局武汉市税务局",
        "source_org_uscc": "11420100MB18372082",
    }


@pytest.mark.parametrize(
    ("scheme", "grade", "valid"),
    [
        ("其他-纳税信用评价", "M", True),
        ("公共信用综合评价", "M", False),
        ("企业信用风险分类", "D", True),
        ("其他-未列明评价", "M", True),  # an unnamed scheme takes any grade of the union
        ("其他-未列明评价", "E", False),
    ],
)
def test_the_validator_applies_the_scales(scheme: str, grade: str, valid: bool) -> None:
    intake = Intake("credit-evaluation", today=TODAY)
    (row,) = list(intake.records([_record(scheme, grade)]))
    assert row.valid is valid, row.issues
    if not valid:
        assert [i.field for i in row.issues if i.is_error] == ["grade"], row.issues


def test_the_file_is_validated(tmp_path: Path) -> None:
    data = yaml.safe_load(GRADE_SCALES_FILE.read_text("utf-8"))
    data["scales"][0]["grades"][1]["grade"] = "A"
    data["scales"].append(dict(data["scales"][1]))
    bad = tmp_path / "grade-scales.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(GradeScaleError) as caught:
        read_grade_scales(bad)
    message = str(caught.value)
    assert "/scales/0/grades: grade A appears twice" in message
    assert "/scales/3/scheme: 企业信用风险分类 appears twice" in message
    data["scales"][0]["grades"][0]["grade"] = "优"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(GradeScaleError, match="/scales/0/grades/0/grade"):
        read_grade_scales(bad)
