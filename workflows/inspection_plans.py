"""Inspection plans (双随机抽查计划): one department's draw, as a data file.

A plan (YAML or JSON, validated by ``data/inspection-plan.schema.json``) names the department,
the population (datasets, authorities, sectors, districts), the grade source options, the
per-grade sampling ratios and minimum yearly frequencies (configuration per department with
``valid_from``, inline or from ``data/inspection-rates.yaml``), the inspector roster, the
conflict rules and the team size. :func:`plan_hash` is the SHA-256 of the plan's canonical
JSON, so the same plan gives the same hash whether it was written as YAML or JSON.
Documented in docs/inspections.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import yaml
from jsonschema import Draft202012Validator

from catalog import UnknownDatasetError, get_entry
from workflows.datafiles import DATA, read_data_file
from workflows.errors import InvalidRequestError

GRADES = ("A", "B", "C", "D")
RATES_FILE = DATA / "inspection-rates.yaml"


class PlanError(InvalidRequestError):
    """The plan does not validate or contradicts itself (status 400)."""


@dataclass(frozen=True, slots=True)
class Rate:
    """The sampling ratio and minimum yearly frequency of one grade."""

    grade: str
    sampling_ratio: float
    min_frequency_per_year: int
    valid_from: str


@dataclass(frozen=True, slots=True)
class Inspector:
    """One inspector of the roster."""

    id: str
    name: str
    unit: str
    unit_uscc: str | None
    district: str | None


@dataclass(frozen=True, slots=True)
class Plan:
    """A validated plan; ``document`` is what was read, ``hash`` its canonical SHA-256."""

    document: dict[str, Any]
    hash: str

    @property
    def plan_id(self) -> str:
        return str(self.document["plan_id"])

    @property
    def department_uscc(self) -> str:
        return str(self.document["department"]["uscc"])

    @property
    def draw_date(self) -> dt.date:
        return dt.date.fromisoformat(self.document["draw_date"])

    @property
    def draws_per_year(self) -> int:
        return int(self.document.get("draws_per_year", 1))

    @property
    def draw_no(self) -> int:
        return int(self.document.get("draw_no", 1))

    @property
    def population(self) -> dict[str, Any]:
        return dict(self.document["population"])

    @property
    def scheme(self) -> str | None:
        scheme = self.document.get("grading", {}).get("scheme")
        return None if scheme is None else str(scheme)

    @property
    def default_grade(self) -> str:
        return str(self.document.get("grading", {}).get("default_grade", "B"))

    @property
    def team_size(self) -> int:
        return int(self.document.get("team_size", 2))

    @property
    def same_district(self) -> bool:
        return bool(self.document.get("conflicts", {}).get("same_district", False))

    @property
    def exclusions(self) -> frozenset[tuple[str, str]]:
        items = self.document.get("conflicts", {}).get("exclusions", [])
        return frozenset((str(e["inspector"]), str(e["uscc"])) for e in items)

    @property
    def public_grades(self) -> bool:
        return bool(self.document.get("public_grades", False))

    @property
    def inspectors(self) -> tuple[Inspector, ...]:
        return tuple(
            Inspector(i["id"], i["name"], i["unit"], i.get("unit_uscc"), i.get("district"))
            for i in self.document["inspectors"]
        )

    def rates(self) -> dict[str, Rate]:
        """The rate in force on the draw date for each grade."""
        rows = self.document.get("rates") or department_rates(self.department_uscc)
        return rates_in_force(rows, self.draw_date)


def rates_in_force(rows: list[dict[str, Any]], day: dt.date) -> dict[str, Rate]:
    """Per grade, the row with the latest ``valid_from`` on or before ``day``; a grade without
    one is a :class:`PlanError`."""
    chosen: dict[str, Rate] = {}
    for row in rows:
        if dt.date.fromisoformat(row["valid_from"]) > day:
            continue
        rate = Rate(
            row["grade"],
            float(row["sampling_ratio"]),
            int(row["min_frequency_per_year"]),
            row["valid_from"],
        )
        held = chosen.get(rate.grade)
        if held is None or rate.valid_from > held.valid_from:
            chosen[rate.grade] = rate
    missing = [g for g in GRADES if g not in chosen]
    if missing:
        raise PlanError(f"no sampling rate in force on {day} for grade {', '.join(missing)}")
    return chosen


def department_rates(dept: str, path: Path = RATES_FILE) -> list[dict[str, Any]]:
    """The rows of ``inspection-rates.yaml`` (or ``path``) of one department."""
    return [r for r in _rates_file(path)["rates"] if r["dept"] == dept]


@cache
def _rates_file(path: Path) -> dict[str, Any]:
    return read_data_file(path, "inspection-rates.schema.json")


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((DATA / "inspection-plan.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def plan_hash(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of the plan's canonical JSON (keys sorted, no whitespace)."""
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def parse_plan(document: Any) -> Plan:
    """Validate a plan document; raises :class:`PlanError` listing every problem."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    problems = [f"/{'/'.join(str(p) for p in e.path)}: {e.message}" for e in errors]
    if not problems:
        problems = _semantic_problems(document)
    if problems:
        raise PlanError("the inspection plan is invalid:\n" + "\n".join(problems))
    plan = Plan(document, plan_hash(document))
    plan.rates()  # every grade has a rate in force
    return plan


def _semantic_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    for i, dataset in enumerate(document["population"]["datasets"]):
        try:
            get_entry(dataset)
        except UnknownDatasetError:
            problems.append(f"/population/datasets/{i}: unknown dataset {dataset!r}")
    if document.get("draw_no", 1) > document.get("draws_per_year", 1):
        problems.append("/draw_no: greater than draws_per_year")
    try:
        dt.date.fromisoformat(document["draw_date"])
    except ValueError:
        problems.append(f"/draw_date: not a date: {document['draw_date']!r}")
    ids = [i["id"] for i in document["inspectors"]]
    if len(set(ids)) != len(ids):
        problems.append("/inspectors: inspector ids must be unique")
    return problems


def load_plan(path: Path) -> Plan:
    """Read and validate a plan file (YAML or JSON)."""
    try:
        document = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanError(f"cannot read {path}: {exc}") from None
    return parse_plan(_plain(document))


def _plain(value: Any) -> Any:
    """YAML dates (``draw_date: 2027-03-01`` unquoted) as ISO strings, as JSON would have them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
