"""Synthetic Wuhan entities and authorities with valid codes, for the demo, tests and benchmarks.

Deterministic for a given seed. Codes pass every check the validator applies (GB 32100 check
character and embedded GB 11714 organisation code; GB 11643 ID numbers with real birth dates),
so a generated record is valid unless a test breaks it on purpose.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from schemas import USCC_CHARSET, id_check_char, org_code_check_char, uscc_check_char

DISTRICTS = {
    "420102": "江岸区",
    "420103": "江汉区",
    "420104": "硚口区",
    "420105": "汉阳区",
    "420106": "武昌区",
    "420107": "青山区",
    "420111": "洪山区",
    "420112": "东西湖区",
    "420113": "汉南区",
    "420114": "蔡甸区",
    "420115": "江夏区",
    "420116": "黄陂区",
    "420117": "新洲区",
}
_TRADES = [
    "餐饮",
    "商贸",
    "建筑工程",
    "科技",
    "物流",
    "医药",
    "食品",
    "汽车服务",
    "环保科技",
    "装饰工程",
    "电子",
    "生物科技",
    "房地产开发",
    "物业管理",
    "教育咨询",
    "广告传媒",
]
_WORDS = [
    "长江",
    "汉江",
    "楚天",
    "江城",
    "晴川",
    "黄鹤",
    "东湖",
    "光谷",
    "知音",
    "荆楚",
    "鹦鹉",
    "龟山",
    "蛇山",
    "南湖",
    "汤逊湖",
    "沌口",
    "汉阳",
    "盘龙",
    "金银湖",
    "后湖",
    "梨园",
    "卓刀泉",
]
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌浩宇欣怡晨阳俊峰"
_BODY_CHARS = [c for c in USCC_CHARSET if c != "Y"]

AUTHORITIES = [
    ("武汉市市场监督管理局", "市场监管"),
    ("武汉市生态环境局", "生态环境"),
    ("武汉市应急管理局", "安全生产"),
    ("武汉市消防救援支队", "消防"),
    ("国家税务总局武汉市税务局", "税务"),
    ("武汉市住房和城乡建设局", "住房城乡建设"),
    ("武汉市交通运输局", "交通运输"),
    ("武汉市卫生健康委员会", "卫生健康"),
]


def make_uscc(rng: random.Random, *, prefix: str = "91", region: str = "420100") -> str:
    """A valid 18-character code with a valid embedded organisation code."""
    while True:
        body = "".join(rng.choice(_BODY_CHARS) for _ in range(8))
        org_check = org_code_check_char(body)
        if org_check in USCC_CHARSET:
            head = prefix + region + body + org_check
            return head + uscc_check_char(head)


def make_resident_id(rng: random.Random, *, district: str | None = None) -> str:
    """A valid 18-digit resident ID number of a person born 1955–2003 in Wuhan."""
    district = district or rng.choice(list(DISTRICTS))
    born = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(365 * 48))
    body = f"{district}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check_char(body)


def person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


class Agencies:
    """A fixed set of deciding authorities with valid 机关 codes."""

    def __init__(self, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.items = [
            (name, sector, make_uscc(rng, prefix="11", region="420100"))
            for name, sector in AUTHORITIES
        ]

    def pick(self, rng: random.Random) -> tuple[str, str, str]:
        return rng.choice(self.items)


class Entities:
    """A population of Wuhan market entities and natural persons to attach records to."""

    def __init__(self, count: int = 2000, seed: int = 11) -> None:
        rng = random.Random(seed)
        self.items: list[dict[str, Any]] = []
        for n in range(count):
            district = rng.choice(list(DISTRICTS))
            kind = rng.random()
            if kind < 0.08:
                self.items.append(
                    {
                        "counterpart_name": person_name(rng),
                        "counterpart_category": "自然人",
                        "person_id_type": "身份证",
                        "person_id_no": make_resident_id(rng, district=district),
                        "division_code": district,
                    }
                )
                continue
            individual = kind < 0.25
            rep = person_name(rng)
            name = (
                f"武汉市{DISTRICTS[district]}{rep}{rng.choice(_TRADES)}店"
                if individual
                else f"武汉{rng.choice(_WORDS)}{rng.choice(_TRADES)}有限公司"
                + ("" if n % 7 else f"{DISTRICTS[district]}分公司")
            )
            self.items.append(
                {
                    "counterpart_name": name,
                    "counterpart_category": "个体工商户" if individual else "法人及非法人组织",
                    "uscc": make_uscc(rng, prefix="92" if individual else "91", region=district),
                    "legal_rep_name": rep,
                    "legal_rep_id_type": "身份证",
                    "legal_rep_id_no": make_resident_id(rng, district=district),
                    "division_code": district,
                }
            )

    def pick(self, rng: random.Random) -> dict[str, Any]:
        return dict(rng.choice(self.items))


def date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max((end - start).days, 1)))
