"""Synthetic 行政处罚 and 行政许可 decisions (the two datasets every test and benchmark uses).

Deterministic for a seed; the subjects come from :class:`demo.entities.Entities`, the deciding
authorities from :class:`demo.entities.Agencies`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from demo.entities import Agencies, Entities, date_between

LEGAL_BASES = {
    "市场监管": ("《中华人民共和国食品安全法》第一百二十六条第一款", "经营超过保质期的食品"),
    "生态环境": ("《中华人民共和国大气污染防治法》第一百零八条", "未采取有效措施防止排放恶臭气体"),
    "安全生产": (
        "《中华人民共和国安全生产法》第九十七条",
        "未按规定对从业人员进行安全生产教育和培训",
    ),
    "消防": ("《中华人民共和国消防法》第六十条第一款", "消防设施、器材未保持完好有效"),
    "税务": ("《中华人民共和国税收征收管理法》第六十二条", "未按照规定期限办理纳税申报"),
    "住房城乡建设": ("《建设工程质量管理条例》第五十六条", "施工图设计文件未经审查擅自施工"),
    "交通运输": ("《中华人民共和国道路运输条例》第六十三条", "未取得道路运输经营许可擅自从事经营"),
    "卫生健康": (
        "《公共场所卫生管理条例实施细则》第三十六条",
        "未按规定对顾客用品用具进行清洗消毒",
    ),
}


def penalties(
    count: int,
    *,
    seed: int = 1,
    entities: Entities | None = None,
    agencies: Agencies | None = None,
    since: dt.date = dt.date(2019, 7, 1),
    until: dt.date = dt.date(2026, 11, 20),
) -> Iterator[dict[str, Any]]:
    """Valid 行政处罚 records spread over every rule generation (2019 rules, Order 58, Order 36)."""
    rng = random.Random(seed)
    entities = entities or Entities()
    agencies = agencies or Agencies()
    for n in range(count):
        subject = entities.pick(rng)
        authority, sector, authority_uscc = agencies.pick(rng)
        basis, fact = LEGAL_BASES[sector]
        decided = date_between(rng, since, until)
        roll = rng.random()
        categories = (
            ["警告"]
            if roll < 0.15
            else ["警告", "罚款"]
            if roll < 0.45
            else ["罚款"]
            if roll < 0.75
            else ["罚款", "没收违法所得"]
            if roll < 0.9
            else ["吊销许可证件"]
            if roll < 0.95
            else ["责令停产停业", "罚款"]
        )
        record: dict[str, Any] = {
            **subject,
            "decision_doc_no": f"武{authority[2:4]}罚字〔{decided.year}〕{n % 100000 + 1:05d}号",
            "violation_type": basis,
            "violation_facts": f"经查，当事人{fact}，违反了{basis.split('》')[0]}》的规定。",
            "legal_basis": basis,
            "penalty_categories": categories,
            "penalty_content": "、".join(categories) + "。",
            "decision_date": decided.isoformat(),
            "penalty_valid_to": (
                decided + dt.timedelta(days=rng.choice((90, 365, 1095)))
            ).isoformat(),
            "authority_name": authority,
            "authority_uscc": authority_uscc,
            "source_org_name": authority,
            "source_org_uscc": authority_uscc,
            "sector": sector,
            "procedure": "简易程序"
            if categories == ["警告"] and rng.random() < 0.5
            else "普通程序",
        }
        if "罚款" in categories:
            record["fine_amount_wan"] = str(round(rng.choice((0.05, 0.2, 0.5, 1, 2, 5, 10, 30)), 6))
        if "没收违法所得" in categories:
            record["confiscated_amount_wan"] = f"{rng.randrange(1, 500) / 100:.2f}"
        if "吊销许可证件" in categories:
            record["suspended_licence"] = f"食品经营许可证 JY1420{rng.randrange(10**9):09d}"
        yield record


def licences(
    count: int,
    *,
    seed: int = 2,
    entities: Entities | None = None,
    agencies: Agencies | None = None,
) -> Iterator[dict[str, Any]]:
    """Valid 行政许可 records."""
    rng = random.Random(seed)
    entities = entities or Entities()
    agencies = agencies or Agencies()
    kinds = [
        ("食品经营许可证", "许可", "普通"),
        ("排污许可证", "许可", "普通"),
        ("建筑工程施工许可证", "许可", "普通"),
        ("道路运输经营许可证", "许可", "特许"),
        ("公共场所卫生许可证", "许可", "普通"),
        ("营业执照", "登记", "登记"),
    ]
    for n in range(count):
        subject = entities.pick(rng)
        authority, _sector, authority_uscc = agencies.pick(rng)
        cert, _, category = rng.choice(kinds)
        decided = date_between(rng, dt.date(2019, 1, 1), dt.date(2026, 11, 20))
        indefinite = rng.random() < 0.2
        record = {
            **subject,
            "decision_doc_title": f"关于准予核发{cert}的决定",
            "decision_doc_no": f"武{authority[2:4]}许字〔{decided.year}〕{n % 100000 + 1:05d}号",
            "licence_category": category,
            "certificate_name": cert,
            "licence_no": f"JY{rng.randrange(10**13):013d}",
            "content": f"准予核发{cert}",
            "decision_date": decided.isoformat(),
            "valid_from": decided.isoformat(),
            "valid_to": "2099-12-31"
            if indefinite
            else (decided + dt.timedelta(days=1825)).isoformat(),
            "authority_name": authority,
            "authority_uscc": authority_uscc,
            "status": "1",
            "source_org_name": authority,
            "source_org_uscc": authority_uscc,
        }
        yield record
