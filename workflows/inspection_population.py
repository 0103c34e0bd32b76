"""The population snapshot of a draw (抽查对象名录库快照): who may be drawn, with their grade.

:func:`build_snapshot` reads the store once: every entity (a real USCC) with an active record
in the plan's datasets that passes its filters (deciding authorities, sectors, districts), with
its credit grade, sector, district, the units that supervise it (the authorities of its
records) and how many random inspections it has had this year. The snapshot is canonical JSON
(keys sorted, entities sorted by USCC) and :func:`snapshot_hash` is the SHA-256 of those bytes;
it is what a draw is computed from and what anyone reruns a published draw with.

The grade comes from one function, ``grade_of(store, uscc) -> (grade, source)``
(:data:`GradeOf`): by default :func:`evaluation_grade`, the latest credit-evaluation record in
force, else the plan's default grade with source ``default``. The comprehensive evaluation
plugs its own function in by passing ``grade_of=`` (or replacing :data:`GRADE_SOURCE`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import orjson

from catalog import USCC_PLACEHOLDER
from store import Store, StoredRecord
from workflows.inspection_plans import Plan, PlanError

SNAPSHOT_TYPE = "creditgate-inspection-population"
SNAPSHOT_VERSION = "1.0"
EVALUATIONS = "credit-evaluation"
INSPECTIONS = "administrative-inspection"
RANDOM_INSPECTION = "双随机抽查"
PAGE = 5000

GradeOf = Callable[[Store, str], tuple[str, str]]
"""``grade_of(store, uscc) -> (grade, source)``: the pluggable grade source."""


def evaluation_grade(
    store: Store,
    uscc: str,
    *,
    scheme: str | None = None,
    default: str = "B",
    as_of: dt.date | None = None,
) -> tuple[str, str]:
    """The grade of the latest active credit-evaluation record of ``uscc`` (of ``scheme`` when
    given, evaluated on or before ``as_of`` and still valid then): ``(grade, "credit-evaluation")``;
    without one ``(default, "default")``."""
    best: tuple[str, str, str] | None = None
    for record in store.by_uscc(uscc, state="active"):
        if record.dataset != EVALUATIONS:
            continue
        p = record.payload
        if scheme is not None and p.get("evaluation_scheme") != scheme:
            continue
        day = str(p.get("evaluation_date", ""))
        if as_of is not None and (
            day > as_of.isoformat() or str(p.get("valid_to") or "9999-12-31") < as_of.isoformat()
        ):
            continue
        candidate = (day, record.record_id, str(p.get("grade")))
        if best is None or candidate > best:
            best = candidate
    if best is None:
        return default, "default"
    return best[2], EVALUATIONS


GRADE_SOURCE: Callable[[Plan], GradeOf] = lambda plan: partial(  # noqa: E731
    evaluation_grade, scheme=plan.scheme, default=plan.default_grade, as_of=plan.draw_date
)
"""The grade function a plan gets when none is passed (swap it to change the source)."""


def _records(store: Store, dataset: str) -> Iterator[StoredRecord]:
    after: str | None = None
    while True:
        page = store.records(dataset, after_record_id=after, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].record_id


def _sector(payload: dict[str, Any], authority_sectors: dict[str, str]) -> str | None:
    sector = payload.get("sector")
    if sector:
        return str(sector)
    return authority_sectors.get(str(payload.get("authority_uscc")))


def _matches(payload: dict[str, Any], population: dict[str, Any], sector: str | None) -> bool:
    authorities = population.get("authorities")
    if authorities and payload.get("authority_uscc") not in authorities:
        return False
    sectors = population.get("sectors")
    if sectors and sector not in sectors:
        return False
    districts = population.get("districts")
    return not (districts and payload.get("division_code") not in districts)


def _inspected(store: Store, uscc: str, year: int, units: set[str]) -> int:
    """Random inspections of ``uscc`` in ``year`` by the department or its units."""
    prefix = f"{year:04d}-"
    return sum(
        1
        for r in store.by_uscc(uscc, state="active")
        if r.dataset == INSPECTIONS
        and r.payload.get("inspection_type") == RANDOM_INSPECTION
        and str(r.payload.get("decision_date", "")).startswith(prefix)
        and r.payload.get("authority_uscc") in units
    )


def build_snapshot(store: Store, plan: Plan, *, grade_of: GradeOf | None = None) -> dict[str, Any]:
    """The population of ``plan`` from the store, with grades (see the module docstring)."""
    population = plan.population
    authority_sectors = dict(population.get("authority_sectors", {}))
    latest: dict[str, tuple[str, str, dict[str, Any], str | None]] = {}
    units: dict[str, set[str]] = {}
    log_position = store.head()
    for dataset in population["datasets"]:
        for record in _records(store, dataset):
            code = record.uscc
            if not code or code == USCC_PLACEHOLDER:
                continue
            sector = _sector(record.payload, authority_sectors)
            if not _matches(record.payload, population, sector):
                continue
            order = (str(record.payload.get("decision_date", "")), record.record_id)
            held = latest.get(code)
            if held is None or order > held[:2]:
                latest[code] = (*order, record.payload, sector)
            if authority := record.payload.get("authority_uscc"):
                units.setdefault(code, set()).add(str(authority))
    grade = grade_of or GRADE_SOURCE(plan)
    counted = {
        plan.department_uscc,
        *population.get("authorities", ()),
        *(i.unit_uscc for i in plan.inspectors if i.unit_uscc),
    }
    entities = []
    for code in sorted(latest):
        _, _, payload, sector = latest[code]
        value, source = grade(store, code)
        entities.append(
            {
                "uscc": code,
                "name": payload.get("counterpart_name"),
                "grade": value,
                "grade_source": source,
                "sector": sector,
                "district": payload.get("division_code"),
                "units": sorted(units.get(code, ())),
                "inspected_this_year": _inspected(store, code, plan.draw_date.year, counted),
            }
        )
    return {
        "type": SNAPSHOT_TYPE,
        "version": SNAPSHOT_VERSION,
        "department_uscc": plan.department_uscc,
        "population": population,
        "grading": plan.document.get("grading", {}),
        "year": plan.draw_date.year,
        "log_position": log_position,
        "entities": entities,
    }


def snapshot_bytes(snapshot: dict[str, Any]) -> bytes:
    """The canonical bytes of a snapshot (what is published and hashed)."""
    return orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS)


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 (hex) of :func:`snapshot_bytes`."""
    return hashlib.sha256(snapshot_bytes(snapshot)).hexdigest()


def check_snapshot(snapshot: Any, plan: Plan) -> dict[str, Any]:
    """A snapshot read from a file, checked to be one of ``plan``'s population."""
    if not isinstance(snapshot, dict) or snapshot.get("type") != SNAPSHOT_TYPE:
        raise PlanError(f"not a population snapshot (type must be {SNAPSHOT_TYPE!r})")
    if snapshot.get("department_uscc") != plan.department_uscc:
        raise PlanError("the snapshot is of another department than the plan's")
    if snapshot.get("population") != plan.population:
        raise PlanError("the snapshot's population filter is not the plan's")
    entities = snapshot.get("entities")
    if not isinstance(entities, list) or any(
        not isinstance(e, dict)
        or not isinstance(e.get("uscc"), str)
        or e.get("grade") not in ("A", "B", "C", "D")
        for e in entities
    ):
        raise PlanError("the snapshot's entities must each have a uscc and a grade A-D")
    codes = [e["uscc"] for e in entities]
    if codes != sorted(set(codes)):
        raise PlanError("the snapshot's entities must be sorted by uscc, each once")
    return snapshot
