"""Synthetic credit constraints (失信约束): the measure list, the two lists, market bans and
interviews (约谈).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from demo.entities import person_name
from demo.population import TODAY, Population, Record, authority_of, decided, doc_no, subject

MEASURES = [
    ("GJ-1-001", "1", "依法限制参与政府采购活动", "政府采购与招标投标"),
    ("GJ-1-012", "1", "限制乘坐民用航空器、列车软卧及G字头动车组全部座位", "乘坐飞机与高铁"),
    ("GJ-1-020", "1", "限制取得政府供应土地", "其他-土地供应"),
    ("GJ-2-003", "2", "列为重点监管对象，提高抽查比例和频次", "其他-日常监管"),
    ("GJ-2-007", "2", "在申请财政资金项目时作为审核参考", "其他-财政资金"),
    ("WH-1-004", "1", "限制申请市级财政性资金项目", "其他-财政资金"),
    ("WH-3-001", "3", "取消已获得的市级荣誉称号", "其他-评优评先"),
]


BOTH_LISTS = ["严重失信主体名单", "重点关注对象名单"]
SERIOUS_TARGET = "严重失信主体名单所列主体"
BOTH_TARGET = "严重失信主体名单和重点关注对象名单所列主体"
MEASURE_BASIS = (
    "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）"
)


def measures(pop: Population) -> Iterator[Record]:
    """The joint-punishment measure list (失信惩戒措施清单)."""
    name, _sector, code = pop.other(random.Random(0), "发改")
    for measure_id, measure_class, title, scenario in MEASURES:
        serious_only = measure_class in ("1", "3")
        yield {
            "measure_id": measure_id,
            "measure_class": measure_class,
            "name": title,
            "target": SERIOUS_TARGET if serious_only else BOTH_TARGET,
            "legal_basis": [MEASURE_BASIS],
            "implementer": "各级行政机关",
            "list_types": BOTH_LISTS[:1] if serious_only else list(BOTH_LISTS),
            "scenarios": [scenario],
            "valid_from": "2022-01-01",
            "status": "有效",
            "source_org_name": name,
            "source_org_uscc": code,
        }


LISTS = {
    "serious-dishonesty-list": (
        "严重失信主体名单",
        ["拖欠农民工工资失信联合惩戒对象名单", "严重违法失信企业名单", "税收违法失信主体名单"],
        ["GJ-1-001", "GJ-1-012", "WH-1-004"],
        1095,
    ),
    "watch-list": (
        "重点关注对象名单",
        ["市场监管领域重点关注对象名单", "安全生产重点关注对象名单"],
        ["GJ-2-003", "GJ-2-007"],
        365,
    ),
}


def list_entries(dataset: str, count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """严重失信主体名单 / 重点关注对象名单 entries; some removed, some already expired."""
    list_type, names, measure_ids, days = LISTS[dataset]
    rng = random.Random(seed)
    for n in range(count):
        listed = decided(rng, dt.date(2021, 1, 1))
        authority = pop.agencies.pick(rng) if rng.random() < 0.6 else pop.other(rng)
        record = subject(rng, pop)
        record.update(
            list_type=list_type,
            list_name=rng.choice(names),
            listing_reason="一年内多次受到行政处罚，情节严重。",
            listing_basis="《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》",
            listing_decision_doc_no=doc_no(authority, "失信", listed, n),
            deciding_authority=authority[0],
            deciding_authority_uscc=authority[2],
            listing_date=listed.isoformat(),
            valid_to=(listed + dt.timedelta(days=days - 1)).isoformat(),
            measures=rng.sample(measure_ids, rng.randint(1, len(measure_ids))),
            status="有效",
            source_org_name=authority[0],
            source_org_uscc=authority[2],
        )
        if rng.random() < 0.1:
            removed = listed + dt.timedelta(days=rng.randrange(30, days))
            if removed <= TODAY:
                record.update(
                    status="已移出", removal_date=removed.isoformat(), removal_reason="信用修复"
                )
        yield record


def market_bans(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """市场禁入 decisions, a few with their banned responsible persons (restricted)."""
    rng = random.Random(seed)
    for n in range(count):
        day = decided(rng, dt.date(2021, 1, 1))
        authority = pop.agencies.pick(rng)
        record = subject(rng, pop)
        record.update(
            ban_scope=rng.choice(["行业", "市场"]),
            ban_content="五年内不得从事相关生产经营管理工作。",
            legal_basis="《中华人民共和国食品安全法》第一百三十五条第一款",
            decision_doc_no=doc_no(authority, "禁", day, n),
            deciding_authority=authority[0],
            deciding_authority_uscc=authority[2],
            decision_date=day.isoformat(),
            ban_from=day.isoformat(),
            ban_to=(day + dt.timedelta(days=5 * 365)).isoformat(),
            status="有效",
            source_org_name=authority[0],
            source_org_uscc=authority[2],
        )
        if "legal_rep_name" in record:
            record["responsible_persons"] = [
                {"name": record["legal_rep_name"], "role": "法定代表人"}
            ]
        yield record


def interviews(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """约谈 records (government only)."""
    rng = random.Random(seed)
    for n in range(count):
        day = decided(rng, dt.date(2022, 1, 1))
        authority = pop.agencies.pick(rng)
        record = subject(rng, pop)
        record.update(
            record_no=doc_no(authority, "约谈", day, n),
            interview_kind=("提示约谈", "警示约谈", "告诫约谈")[n % 3],
            interview_reason="一年内多次因同类违法行为受到行政处罚。",
            interview_basis="《武汉市公共信用信息管理办法》第二十八条",
            interview_date=day.isoformat(),
            participants=f"执法负责人；当事人代表{person_name(rng)}",
            rectification_requirements="30日内完成整改并提交整改报告。",
            rectification_deadline=(day + dt.timedelta(days=30)).isoformat(),
            publication_scope="政务共享",
        )
        authority_of(record, authority)
        yield record
