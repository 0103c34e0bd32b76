"""A small population for the random-inspection tests: licensees of two district bureaus in
two districts, credit evaluations giving every grade (some entities have none), and a plan."""

from __future__ import annotations

import copy
import random
from typing import Any

from penalty_factory import uscc

from store import Store

AMR = "11420100MB1320102J"  # 武汉市市场监督管理局 (the department)
WUCHANG = "11420106MB23456789"  # 武昌区市场监督管理局
JIANGAN = "11420102MB2345678X"  # 江岸区市场监督管理局
OTHER = "11420100MB1575738A"  # a unit that decided nothing in the population
LICENSING = "administrative-licensing"
EVALUATION = "credit-evaluation"
GRADES = "ABCD"


def entities(n: int = 80, seed: int = 5) -> list[dict[str, Any]]:
    """``n`` entities: even ones licensed in 江岸 by its bureau, odd ones in 武昌 by its own;
    entity ``i`` has grade ``GRADES[i % 4]`` unless ``i % 5 == 0`` (no evaluation)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        odd = i % 2 == 1
        out.append(
            {
                "i": i,
                "uscc": uscc(rng),
                "name": f"武汉抽查测试{i}有限公司",
                "authority": WUCHANG if odd else JIANGAN,
                "district": "420106" if odd else "420102",
                "grade": None if i % 5 == 0 else GRADES[i % 4],
            }
        )
    return out


def licence(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "counterpart_name": e["name"],
        "counterpart_category": "法人及非法人组织",
        "uscc": e["uscc"],
        "decision_doc_no": f"武市监许〔2027〕{e['i']}号",
        "licence_category": "普通",
        "content": "准予核发食品经营许可证",
        "decision_date": "2027-01-05",
        "authority_name": "区市场监督管理局",
        "authority_uscc": e["authority"],
        "source_org_name": "区市场监督管理局",
        "source_org_uscc": e["authority"],
        "division_code": e["district"],
    }


def evaluation(e: dict[str, Any], grade: str, day: str = "2027-01-10") -> dict[str, Any]:
    return {
        "counterpart_name": e["name"],
        "counterpart_category": "法人及非法人组织",
        "uscc": e["uscc"],
        "evaluation_scheme": "企业信用风险分类",
        "grade": grade,
        "evaluation_date": day,
        "evaluator_name": "武汉市市场监督管理局",
        "evaluator_uscc": AMR,
        "source_org_name": "武汉市市场监督管理局",
        "source_org_uscc": AMR,
    }


def seed_population(store: Store, n: int = 80) -> list[dict[str, Any]]:
    """Store the licences and evaluations of :func:`entities`; returns the entities."""
    es = entities(n)
    store.submit(LICENSING, list(enumerate((licence(e) for e in es), 1)), actor="test")
    evals = [evaluation(e, e["grade"]) for e in es if e["grade"]]
    store.submit(EVALUATION, list(enumerate(evals, 1)), actor="test")
    return es


ROSTER = (
    [
        {
            "id": f"W{i}",
            "name": f"武昌检查员{i}",
            "unit": "武昌区市场监督管理局",
            "unit_uscc": WUCHANG,
            "district": "420106",
        }
        for i in range(3)
    ]
    + [
        {
            "id": f"J{i}",
            "name": f"江岸检查员{i}",
            "unit": "江岸区市场监督管理局",
            "unit_uscc": JIANGAN,
            "district": "420102",
        }
        for i in range(3)
    ]
    + [
        {
            "id": f"S{i}",
            "name": f"市局检查员{i}",
            "unit": "武汉市市场监督管理局",
            "unit_uscc": AMR,
            "district": "420100",
        }
        for i in range(2)
    ]
)

PLAN: dict[str, Any] = {
    "plan_id": "amr-2027-food-1",
    "title": "2027年第一批食品经营双随机抽查",
    "department": {"name": "武汉市市场监督管理局", "uscc": AMR},
    "draw_date": "2027-03-01",
    "draws_per_year": 2,
    "draw_no": 1,
    "population": {"datasets": [LICENSING], "authorities": [WUCHANG, JIANGAN]},
    "grading": {"scheme": "企业信用风险分类", "default_grade": "B"},
    "rates": [
        {
            "grade": "A",
            "sampling_ratio": 0.05,
            "min_frequency_per_year": 0,
            "valid_from": "2027-01-01",
        },
        {
            "grade": "B",
            "sampling_ratio": 0.1,
            "min_frequency_per_year": 0,
            "valid_from": "2027-01-01",
        },
        {
            "grade": "C",
            "sampling_ratio": 0.3,
            "min_frequency_per_year": 1,
            "valid_from": "2027-01-01",
        },
        {
            "grade": "D",
            "sampling_ratio": 0.5,
            "min_frequency_per_year": 2,
            "valid_from": "2027-01-01",
        },
        {
            "grade": "B",
            "sampling_ratio": 0.9,
            "min_frequency_per_year": 0,
            "valid_from": "2028-01-01",
        },
    ],
    "inspectors": ROSTER,
    "team_size": 2,
}


def plan_document(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`PLAN` with top-level ``changes``."""
    return copy.deepcopy(PLAN) | changes
