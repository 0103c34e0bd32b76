"""Synthetic records entities declare or are graded by: credit commitments (信用承诺), voluntary
registrations (自愿注册) and credit evaluations (信用评价, 公共信用综合评价).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from demo.entities import DISTRICTS, person_name
from demo.population import Population, Record, decided, subject
from schemas import load_grade_scales


def commitments(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """信用承诺 records; most declared public, some 特定范围内公开."""
    rng = random.Random(seed)
    kinds = ["审批替代型", "容缺受理型", "证明事项型", "信用修复型", "行业自律型", "主动型"]
    for n in range(count):
        day = decided(rng, dt.date(2023, 1, 1))
        authority = pop.agencies.pick(rng) if rng.random() < 0.5 else pop.other(rng)
        record = subject(rng, pop, division=False)
        district = rng.choice(list(DISTRICTS))
        record.update(
            code=f"{district}{day:%Y%m%d}{n % 1_000_000:06d}",
            commitment_type=rng.choice(kinds),
            reason="申请办理行政许可（告知承诺制）",
            content="本单位承诺所提交材料真实有效，并接受监管部门核查。",
            liability_for_breach="如违背承诺，自愿接受撤销许可、依法处罚并记入信用记录。",
            commitment_date=day.isoformat(),
            commitment_valid_to=(day + dt.timedelta(days=364)).isoformat(),
            acceptance_unit_name=authority[0],
            acceptance_unit_uscc=authority[2],
            handler_name=person_name(rng),
            publication_type="可向社会公开" if rng.random() < 0.85 else "特定范围内公开",
            source_org_name=authority[0],
            source_org_uscc=authority[2],
        )
        yield record


def registrations(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """自愿注册 records (authorised query)."""
    rng = random.Random(seed)
    registrar = pop.other(rng, "发改")
    items = [
        ("纳税信用等级", "纳税信用A级"),
        ("获得荣誉", "湖北省专精特新中小企业"),
        ("经营承诺", "坚持使用合格原料，明码标价。"),
    ]
    for n in range(count):
        day = decided(rng, dt.date(2024, 1, 1))
        record = subject(rng, pop, division=False)
        name, value = rng.choice(items)
        verified = rng.random() < 0.7
        record.update(
            registration_no=f"ZYZC-420100-{day.year}-{n + 1:06d}",
            identity_verified="已核验" if verified else "未核验",
            contact_name=person_name(rng),
            contact_phone=f"139{rng.randrange(10**8):08d}",
            items=[{"item_name": name, "item_value": value}],
            information_source="市场主体自愿提供",
            authenticity_commitment="是",
            consent_public=rng.choice(["是", "否"]),
            registered_at=day.isoformat(),
            # 已核实 only after the identity was verified (the schema's rule)
            verification_status="已核实" if verified and rng.random() < 0.5 else "自我声明",
            source_org_name=registrar[0],
            source_org_uscc=registrar[2],
        )
        yield record


def evaluations(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """信用评价 results: public credit scores and market-regulation risk classes."""
    rng = random.Random(seed)
    evaluator = pop.other(rng, "发改")
    market = pop.agencies.items[0]
    scales = load_grade_scales()
    seen: set[tuple[str, str, str]] = set()
    while len(seen) < count:
        entity = pop.organisation(rng)
        entity.pop("division_code", None)
        comprehensive = rng.random() < 0.5
        day = dt.date(
            2026 if comprehensive else rng.choice((2025, 2026)),
            7 if comprehensive else 9,
            1 if comprehensive else 30,
        )
        scheme = "公共信用综合评价" if comprehensive else "企业信用风险分类"
        key = (entity["uscc"], scheme, day.isoformat())
        if key in seen:
            continue
        seen.add(key)
        grade = rng.choices("ABCD", weights=(40, 45, 12, 3))[0]
        who = evaluator if comprehensive else market
        record = {
            **entity,
            "evaluation_scheme": scheme,
            "grade": grade,
            "grade_label": scales.label(scheme, grade),
            "evaluation_date": day.isoformat(),
            "valid_to": (day.replace(year=day.year + 1) - dt.timedelta(days=1)).isoformat(),
            "evaluator_name": who[0],
            "evaluator_uscc": who[2],
            "source_org_name": who[0],
            "source_org_uscc": who[2],
        }
        if comprehensive:
            record["score"] = f"{rng.randrange(550, 990) / 10:.1f}"
        yield record


def public_evaluations(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """公共信用综合评价 results as the gateway publishes them (one per entity; the demo computes
    the real ones from the store instead, see store.evaluation)."""
    rng = random.Random(seed)
    evaluator = pop.other(rng, "发改")
    scheme = "公共信用综合评价"
    scales = load_grade_scales()
    seen: set[str] = set()
    while len(seen) < count:
        entity = pop.organisation(rng)
        entity.pop("division_code", None)
        if entity["uscc"] in seen:
            continue
        seen.add(entity["uscc"])
        grade = rng.choices("ABCD", weights=(30, 50, 15, 5))[0]
        yield {
            **entity,
            "evaluation_scheme": scheme,
            "model_version": "2026.1",
            "grade": grade,
            "grade_label": scales.label(scheme, grade),
            "score": f"{rng.randrange(400, 1000) / 10:.1f}",
            "evaluation_date": "2026-09-01",
            "evaluator_name": evaluator[0],
            "evaluator_uscc": evaluator[2],
            "source_org_name": evaluator[0],
            "source_org_uscc": evaluator[2],
        }
