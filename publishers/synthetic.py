"""Synthetic but realistic records: Wuhan entities with valid codes, for demo, tests and benchmarks.

Deterministic for a given seed. Codes pass every check the validator applies (GB 32100 check
character and embedded GB 11714 organisation code; GB 11643 ID numbers with real birth dates),
so a generated record is valid unless a test breaks it on purpose.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
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


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max((end - start).days, 1)))


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
        decided = _date_between(rng, since, until)
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
        decided = _date_between(rng, dt.date(2019, 1, 1), dt.date(2026, 11, 20))
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
