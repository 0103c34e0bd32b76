"""The evaluation model (公共信用综合评价模型) as data: read, validate, serve.

``store/evaluation/model-<version>.yaml`` holds the indicators, their points, recency bands
and caps, the base score, the grade bands and the grade ceilings; ``model.schema.json`` is
its structure. :func:`read_model` validates both the structure and what a schema cannot say:
indicator ids are unique, every dataset is one of the catalogue (or ``*`` for an ``age``
indicator), every band and ceiling grade is a grade of the scheme's scale in
``schemas/data/grade-scales.yaml`` (each band grade exactly once, best first, descending
scores), and every ceiling names an indicator of the file. A file that fails raises
:class:`ModelError` listing every problem; the gateway never grades with an invalid model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from catalog import load_catalog
from schemas.grades import load_grade_scales

HERE = Path(__file__).resolve().parent
MODEL_FILE = HERE / "model-2026.1.yaml"
SCHEMA_FILE = HERE / "model.schema.json"


class ModelError(ValueError):
    """The model file is unreadable or invalid; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class Band:
    """A recency band: records at most ``within_days`` old count ``factor`` of their points."""

    within_days: int
    factor: float


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator of the model (see the model file's header for the fields)."""

    id: str
    name: str
    name_en: str
    kind: str
    dataset: str
    points: float
    cap: float
    date_field: str | None
    recency: tuple[Band, ...]
    active: bool
    in_force: bool
    include_expired: bool
    withdrawn_reasons: frozenset[str]
    severity: frozenset[str]
    field: str | None
    values: frozenset[str]

    def factor(self, day: date | None, as_of: date) -> tuple[float, date | None]:
        """The recency factor of a record dated ``day`` and the day it next changes."""
        if not self.recency:
            return 1.0, None
        if day is None:
            return self.recency[-1].factor, None
        age = (as_of - day).days
        for band in self.recency:
            if age <= band.within_days:
                return band.factor, date.fromordinal(day.toordinal() + band.within_days + 1)
        return 0.0, None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "name_en": self.name_en,
            "kind": self.kind,
            "dataset": self.dataset,
            "points": self.points,
            "cap": self.cap,
            "date_field": self.date_field,
            "recency": [{"within_days": b.within_days, "factor": b.factor} for b in self.recency],
        }


@dataclass(frozen=True, slots=True)
class EvaluationModel:
    """A whole model: what :func:`store.evaluation.score_entity` applies."""

    version: str
    scheme: str
    base: float
    floor: float
    ceiling: float
    bands: tuple[tuple[str, float], ...]
    ceilings: tuple[tuple[str, str], ...]
    indicators: tuple[Indicator, ...]
    labels: dict[str, str]
    document: dict[str, Any]

    @property
    def grades(self) -> tuple[str, ...]:
        """Grades best first."""
        return tuple(g for g, _ in self.bands)

    @property
    def datasets(self) -> frozenset[str]:
        """The datasets whose records the model reads."""
        return frozenset(i.dataset for i in self.indicators if i.dataset != "*")

    def grade_for(self, score: float) -> str:
        for grade, low in self.bands:
            if score >= low:
                return grade
        return self.bands[-1][0]

    def worse(self, a: str, b: str) -> str:
        """The worse of two grades of the scale."""
        order = self.grades
        return a if order.index(a) >= order.index(b) else b

    def published(self) -> dict[str, Any]:
        """The model as ``GET /api/v1/evaluation/model`` serves it (the file, plus labels)."""
        return {**self.document, "grade_labels": dict(self.labels)}


def _problems(document: Any) -> list[str]:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    out = [f"/{'/'.join(str(p) for p in e.path)}: {e.message}" for e in errors]
    if out:
        return out
    scale = load_grade_scales().scale(document["scheme"])
    if scale is None:
        return [f"/scheme: {document['scheme']} is not a scheme of grade-scales.yaml"]
    codes = list(scale.codes())
    bands = document["bands"]
    if [b["grade"] for b in bands] != codes:
        out.append(f"/bands: the grades must be {'/'.join(codes)}, each once, best first")
    scores = [b["min_score"] for b in bands]
    if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
        out.append("/bands: min_score must strictly decrease")
    ids = [i["id"] for i in document["indicators"]]
    for n, dup in enumerate(ids):
        if ids.index(dup) != n:
            out.append(f"/indicators/{n}/id: {dup} appears twice")
    datasets = set(load_catalog().ids())
    for n, ind in enumerate(document["indicators"]):
        kind = ind.get("kind", "count")
        if kind == "age" and ind["dataset"] != "*":
            out.append(f"/indicators/{n}/dataset: an age indicator reads every dataset: '*'")
        if kind == "count" and ind["dataset"] not in datasets:
            out.append(f"/indicators/{n}/dataset: {ind['dataset']} is not a catalogue dataset")
        if kind == "count" and not ind.get("select"):
            out.append(f"/indicators/{n}/select: a count indicator selects its records")
    for n, cap in enumerate(document["ceilings"]):
        if cap["indicator"] not in ids:
            out.append(f"/ceilings/{n}/indicator: {cap['indicator']} is not an indicator")
        if cap["grade"] not in codes:
            out.append(f"/ceilings/{n}/grade: {cap['grade']} is not a grade of the scale")
    return out


def _indicator(raw: dict[str, Any]) -> Indicator:
    select = raw.get("select") or {}
    return Indicator(
        id=raw["id"],
        name=raw["name"],
        name_en=raw["name_en"],
        kind=raw.get("kind", "count"),
        dataset=raw["dataset"],
        points=float(raw["points"]),
        cap=float(raw["cap"]),
        date_field=raw.get("date_field"),
        recency=tuple(Band(b["within_days"], float(b["factor"])) for b in raw.get("recency", ())),
        active=bool(select.get("active", False)),
        in_force=bool(select.get("in_force", False)),
        include_expired=bool(select.get("include_expired", False)),
        withdrawn_reasons=frozenset(select.get("withdrawn_reasons", ())),
        severity=frozenset(select.get("severity", ())),
        field=select.get("field"),
        values=frozenset(select.get("values", ())),
    )


def read_model(path: Path = MODEL_FILE) -> EvaluationModel:
    """Read and validate a model file (raises :class:`ModelError`)."""
    try:
        document = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"cannot read {path.name}: {exc}") from None
    problems = _problems(document)
    if problems:
        raise ModelError(f"{path.name} is invalid:\n" + "\n".join(problems))
    scale = load_grade_scales().scale(document["scheme"])
    assert scale is not None  # checked by _problems
    return EvaluationModel(
        version=document["version"],
        scheme=document["scheme"],
        base=float(document["base"]),
        floor=float(document["floor"]),
        ceiling=float(document["ceiling"]),
        bands=tuple((b["grade"], float(b["min_score"])) for b in document["bands"]),
        ceilings=tuple((c["indicator"], c["grade"]) for c in document["ceilings"]),
        indicators=tuple(_indicator(i) for i in document["indicators"]),
        labels={g.grade: g.label for g in scale.grades},
        document=document,
    )


@cache
def load_model() -> EvaluationModel:
    """The package's current model (read and validated once)."""
    return read_model()
