"""Credit grade scales (信用评价等级) as data: which grades each evaluation scheme uses.

``schemas/data/grade-scales.yaml`` lists, per 评价类型 (公共信用综合评价 A/B/C/D = 优/良/中/差,
企业信用风险分类 A–D = 信用风险低…高, a sector's own scheme such as 其他-纳税信用评价 with
A/B/M/C/D), its grades best first with their labels and, where known, what each grade means
for tiered supervision. :func:`read_grade_scales` validates the file against its own schema
(``grade-scales.schema.json``) and checks that no scheme or grade appears twice.

The ``credit-evaluation`` record schema is derived from it: :func:`grade_definition` is its
``$defs/grade`` (the union of every scale's grades) and :func:`grade_scale_rules` its
``evaluation-grade-scale`` rules (a named scheme takes only its own grades);
``scripts/gen_grade_scales.py`` writes both, and a test holds the schema file equal to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

RULE_ID = "evaluation-grade-scale"


class GradeScaleError(ValueError):
    """The grade-scale file is unreadable or invalid; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class Grade:
    """One grade of a scale: the stored code, its label and its supervisory meaning."""

    grade: str
    label: str
    label_en: str
    supervision: str | None = None


@dataclass(frozen=True, slots=True)
class GradeScale:
    """The grades of one evaluation scheme, best first."""

    scheme: str
    name_en: str
    source: str
    confidence: str
    grades: tuple[Grade, ...]
    evaluator: str | None = None

    def codes(self) -> tuple[str, ...]:
        return tuple(g.grade for g in self.grades)

    def grade(self, code: str) -> Grade | None:
        """The grade ``code`` of this scale, or None."""
        return next((g for g in self.grades if g.grade == code), None)


@dataclass(frozen=True, slots=True)
class GradeScales:
    """Every scale of the file, in file order."""

    version: str
    scales: tuple[GradeScale, ...]

    def scale(self, scheme: str) -> GradeScale | None:
        """The scale of ``scheme``; None for a scheme the file does not name."""
        return next((s for s in self.scales if s.scheme == scheme), None)

    def codes(self) -> tuple[str, ...]:
        """Every grade of every scale, each once, in file order (the schema's code list)."""
        seen: dict[str, None] = {}
        for scale in self.scales:
            seen.update(dict.fromkeys(scale.codes()))
        return tuple(seen)

    def label(self, scheme: str, code: str) -> str | None:
        """The label (等级名称) of ``code`` in ``scheme``'s scale, or None."""
        scale = self.scale(scheme)
        found = scale.grade(code) if scale is not None else None
        return found.label if found is not None else None


def _data(name: str) -> Any:
    return resources.files("schemas") / "data" / name


GRADE_SCALES_FILE = Path(str(_data("grade-scales.yaml")))


def _problems(document: Any) -> list[str]:
    schema = json.loads(_data("grade-scales.schema.json").read_text("utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    out = [f"/{'/'.join(str(p) for p in e.path)}: {e.message}" for e in errors]
    if out:
        return out
    schemes: set[str] = set()
    for i, scale in enumerate(document["scales"]):
        if scale["scheme"] in schemes:
            out.append(f"/scales/{i}/scheme: {scale['scheme']} appears twice")
        schemes.add(scale["scheme"])
        codes = [g["grade"] for g in scale["grades"]]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            out.append(f"/scales/{i}/grades: grade {code} appears twice")
    return out


def read_grade_scales(path: Path = GRADE_SCALES_FILE) -> GradeScales:
    """Read and validate a grade-scale file (raises :class:`GradeScaleError`)."""
    try:
        document = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GradeScaleError(f"cannot read {path.name}: {exc}") from None
    problems = _problems(document)
    if problems:
        raise GradeScaleError(f"{path.name} is invalid:\n" + "\n".join(problems))
    scales = tuple(
        GradeScale(
            scheme=s["scheme"],
            name_en=s["name_en"],
            source=s["source"],
            confidence=s["confidence"],
            evaluator=s.get("evaluator"),
            grades=tuple(Grade(**g) for g in s["grades"]),
        )
        for s in document["scales"]
    )
    return GradeScales(version=document["version"], scales=scales)


@cache
def load_grade_scales() -> GradeScales:
    """The package's own grade scales (read once)."""
    return read_grade_scales()


def grade_definition(scales: GradeScales) -> dict[str, Any]:
    """The ``credit-evaluation`` schema's ``$defs/grade``: the union of the scales' grades."""
    codes = list(scales.codes())
    return {
        "type": "string",
        "x-issue-code": "invalid-choice",
        "description": "评价等级; the grades of schemas/data/grade-scales.yaml (generated).",
        "x-choices": codes,
        "enum": codes,
    }


def grade_scale_rules(scales: GradeScales) -> list[dict[str, Any]]:
    """The ``evaluation-grade-scale`` rules: a scheme named in the file takes its own grades."""
    return [
        {
            "x-rule": RULE_ID,
            "description": (
                f"A {scale.scheme} grade is one of {'/'.join(scale.codes())} "
                "(schemas/data/grade-scales.yaml; generated)."
            ),
            "x-description-zh": (
                f"评价类型为{scale.scheme}时，评价等级须为{'/'.join(scale.codes())}之一。"
            ),
            "if": {
                "required": ["evaluation_scheme"],
                "properties": {"evaluation_scheme": {"const": scale.scheme}},
            },
            "then": {"properties": {"grade": {"enum": list(scale.codes())}}},
        }
        for scale in scales.scales
    ]
