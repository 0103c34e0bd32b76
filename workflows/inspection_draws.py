"""The graded random draw (分级分类 双随机抽查) and its verification.

:func:`draw` is a pure function of (plan, population snapshot, seed): the same inputs give
the same document, and :func:`draw_bytes` its canonical bytes (the contract of
``creditgate sample draw --json``). Per grade, in the order A, B, C, D (docs/inspections.md):

* ``N`` entities of the grade; the rate in force on the draw date gives ``ratio`` and the
  minimum yearly frequency ``f``; ``R = draws_per_year - draw_no + 1`` draws remain this year;
* an entity's deficit is ``max(0, f - inspected_this_year)``; entities whose deficit is at least
  ``R`` are *due*: they are drawn now (in USCC order), or they cannot reach the minimum;
* ``quota = min(N, max(ceil(ratio × N), |due|, ceil(Σ deficit / R)))`` (ratio read as the
  exact decimal written in the plan);
* the rest of the quota is drawn uniformly from the other entities (USCC order) with
  :func:`workflows.draw_prng.sample` on the stream ``targets/<grade>``.

Then each target, in target order, gets ``team_size`` inspectors drawn from the roster (id
order) minus conflicts — an inspector whose unit decided any of the entity's records or is the
entity, one of the entity's district when ``conflicts.same_district`` is on, a declared
exclusion — on the stream ``inspectors/<uscc>``. Too few inspectors is an issue
(``too-few-inspectors``), not an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import orjson

from publishers import make_issue
from workflows.draw_prng import Stream, sample, seed_commitment
from workflows.errors import WorkflowError
from workflows.inspection_plans import GRADES, Inspector, Plan, parse_plan, plan_hash
from workflows.inspection_population import check_snapshot, snapshot_hash

DRAW_TYPE = "creditgate-inspection-draw"
DRAW_VERSION = "1.0"
ALGORITHM = "creditgate-draw/1: HMAC-SHA256 counter stream, rejection, partial Fisher-Yates"


def _quota(ratio: float, n: int, due: int, deficit: int, remaining: int) -> int:
    by_ratio = math.ceil(Fraction(str(ratio)) * n)
    by_frequency = -(-deficit // remaining)
    return min(n, max(by_ratio, due, by_frequency))


def _conflict(inspector: Inspector, entity: dict[str, Any], plan: Plan) -> bool:
    if inspector.unit_uscc in entity.get("units", ()) or inspector.unit_uscc == entity["uscc"]:
        return True
    if plan.same_district and inspector.district and inspector.district == entity.get("district"):
        return True
    return (inspector.id, entity["uscc"]) in plan.exclusions


def _targets(
    plan: Plan, snapshot: dict[str, Any], seed: str
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], bool]]]:
    """Per grade: every entity due by the minimum frequency, then a seeded sample of the
    others up to the quota; the strata and the ``(entity, due)`` targets in order."""
    rates = plan.rates()
    remaining = plan.draws_per_year - plan.draw_no + 1
    strata: list[dict[str, Any]] = []
    targets: list[tuple[dict[str, Any], bool]] = []
    for grade in GRADES:
        members = [e for e in snapshot["entities"] if e["grade"] == grade]
        rate = rates[grade]
        deficits = {
            e["uscc"]: max(0, rate.min_frequency_per_year - int(e.get("inspected_this_year", 0)))
            for e in members
        }
        due = [e for e in members if deficits[e["uscc"]] >= remaining]
        quota = _quota(
            rate.sampling_ratio, len(members), len(due), sum(deficits.values()), remaining
        )
        others = [e for e in members if deficits[e["uscc"]] < remaining]
        picked = sample(others, quota - len(due), Stream(seed, f"targets/{grade}"))
        strata.append(
            {
                "grade": grade,
                "population": len(members),
                "sampling_ratio": rate.sampling_ratio,
                "min_frequency_per_year": rate.min_frequency_per_year,
                "rate_valid_from": rate.valid_from,
                "due": len(due),
                "drawn": quota,
            }
        )
        targets += [(e, True) for e in due] + [(e, False) for e in picked]
    return strata, targets


def _teams(
    plan: Plan, targets: list[tuple[dict[str, Any], bool]], seed: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A seeded team of inspectors without a conflict for each target; the targets and the
    issues (a target for which too few inspectors are free)."""
    roster = sorted(plan.inspectors, key=lambda i: i.id)
    out, issues = [], []
    for n, (entity, mandatory) in enumerate(targets, start=1):
        eligible = [i for i in roster if not _conflict(i, entity, plan)]
        team = sample(eligible, plan.team_size, Stream(seed, f"inspectors/{entity['uscc']}"))
        if len(team) < plan.team_size:
            issues.append(
                make_issue(
                    "too-few-inspectors",
                    row=n,
                    field="inspectors",
                    value=entity["uscc"],
                    detail=len(team),
                    expected=plan.team_size,
                ).to_dict()
            )
        out.append(
            {
                "n": n,
                "uscc": entity["uscc"],
                "name": entity.get("name"),
                "grade": entity["grade"],
                "grade_source": entity.get("grade_source"),
                "sector": entity.get("sector"),
                "district": entity.get("district"),
                "due": mandatory,
                "inspectors": [{"id": i.id, "name": i.name, "unit": i.unit} for i in team],
            }
        )
    return out, issues


def draw(plan: Plan, snapshot: dict[str, Any], seed: str) -> dict[str, Any]:
    """The draw document (see the module docstring)."""
    check_snapshot(snapshot, plan)
    strata, targets = _targets(plan, snapshot, seed)
    out, issues = _teams(plan, targets, seed)
    return {
        "type": DRAW_TYPE,
        "version": DRAW_VERSION,
        "algorithm": ALGORITHM,
        "plan_id": plan.plan_id,
        "plan_hash": plan.hash,
        "plan": plan.document,
        "department_uscc": plan.department_uscc,
        "draw_date": plan.draw_date.isoformat(),
        "population_hash": snapshot_hash(snapshot),
        "population_size": len(snapshot["entities"]),
        "log_position": snapshot.get("log_position"),
        "seed_commitment": seed_commitment(seed),
        "seed": seed,
        "strata": strata,
        "targets": out,
        "issues": issues,
    }


def draw_bytes(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a draw document (keys sorted, no whitespace, UTF-8)."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True, slots=True)
class DrawCheck:
    """The answer of :func:`verify_draw`; ``checks`` names each check and whether it held."""

    valid: bool
    checks: dict[str, bool]
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "checks": self.checks, "reason": self.reason}


def verify_draw(data: bytes, snapshot: dict[str, Any]) -> DrawCheck:
    """Rerun the draw in ``data`` (the published bytes) from ``snapshot`` and compare."""
    checks: dict[str, bool] = {}
    try:
        document = orjson.loads(data)
        seed, plan_doc = str(document["seed"]), document["plan"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        return DrawCheck(False, checks, f"not a draw document: {exc}")
    checks["seed_matches_commitment"] = seed_commitment(seed) == document.get("seed_commitment")
    checks["plan_hash"] = plan_hash(plan_doc) == document.get("plan_hash")
    checks["population_hash"] = snapshot_hash(snapshot) == document.get("population_hash")
    try:
        rerun = draw_bytes(draw(parse_plan(plan_doc), snapshot, seed))
    except (WorkflowError, KeyError, TypeError, ValueError, AttributeError) as exc:
        checks["rerun_identical"] = False
        return DrawCheck(False, checks, f"the draw cannot be rerun: {exc}")
    checks["rerun_identical"] = rerun == data.rstrip(b"\n")
    failed = [name for name, ok in checks.items() if not ok]
    return DrawCheck(not failed, checks, f"failed: {', '.join(failed)}" if failed else None)
