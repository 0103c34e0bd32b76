"""The demo's random-inspection draw (双随机抽查): a committed seed and one published draw.

The market regulator of the synthetic population draws from the licensees of three districts,
with inspectors from five authorities (each never drawn for an entity its unit licensed), so
``/api/v1/inspections/draws`` has something to show on ``make demo``. The seed is derived
from the demo seed, so the demo's draw is the same every time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from demo.population import population
from store import Store, commit_seed
from workflows import parse_plan, publish_draw, seed_commitment

RATES = (("A", 0.03, 0), ("B", 0.05, 0), ("C", 0.2, 0), ("D", 0.5, 1))
DISTRICTS = ["420102", "420106", "420111"]


def demo_plan(today: dt.date) -> dict[str, Any]:
    """The demo plan: the regulator, three districts, ten inspectors of five authorities."""
    agencies = population(1).agencies.items
    name, _sector, uscc = agencies[0]
    inspectors = [
        {
            "id": f"D{u}{k}",
            "name": f"检查员{u}{k}",
            "unit": unit,
            "unit_uscc": code,
            "district": DISTRICTS[(u + k) % len(DISTRICTS)],
        }
        for u, (unit, _s, code) in enumerate(agencies[:5])
        for k in range(2)
    ]
    return {
        "plan_id": f"demo-{today.year}-licensees-1",
        "title": f"{today.year}年度许可对象“双随机、一公开”抽查（演示）",
        "department": {"name": name, "uscc": uscc},
        "draw_date": today.isoformat(),
        "population": {
            "datasets": ["administrative-licensing"],
            "districts": DISTRICTS,
            "authority_sectors": {code: sector for _n, sector, code in agencies},
        },
        "rates": [
            {
                "grade": g,
                "sampling_ratio": r,
                "min_frequency_per_year": f,
                "valid_from": f"{today.year}-01-01",
            }
            for g, r, f in RATES
        ],
        "inspectors": inspectors,
        "conflicts": {"same_district": True},
        "team_size": 2,
    }


def demo_draw(store: Store, *, seed: int, today: dt.date, actor: str) -> str:
    """Commit a seed, then draw and publish; the draw id."""
    plan = parse_plan(demo_plan(today))
    secret = hashlib.sha256(f"creditgate-demo-draw-{seed}".encode()).hexdigest()
    commit_seed(
        store.engine,
        seed_commitment(secret),
        department_uscc=plan.department_uscc,
        actor=actor,
        plan_id=plan.plan_id,
        plan_hash=plan.hash,
    )
    return publish_draw(store, plan, secret, actor=actor).draw_id
