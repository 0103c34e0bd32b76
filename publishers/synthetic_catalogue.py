"""Synthetic records for every dataset of the catalogue (合成数据), beyond penalties and licences.

:func:`generate` yields valid records of one catalogue dataset, deterministic for a seed;
:func:`population` builds the shared entities and authorities so that one entity collects
records across datasets (what an entity lookup shows). The shapes follow the valid examples
of each schema (``tests/fixtures/records/*.valid.json``); a test validates every generator's
output against its schema, so a schema change that the generators miss fails loudly.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from catalog import load_catalog
from publishers.synthetic import (
    DISTRICTS,
    Agencies,
    Entities,
    _date_between,
    licences,
    make_uscc,
    penalties,
    person_name,
)
from publishers.synthetic_disclosures import complaints, matters
from schemas import load_grade_scales

Record = dict[str, Any]
OPEN_ENDED = "2099-12-31"
TODAY = dt.date(2026, 11, 20)
"""The latest decision date generated (records are about the past)."""

OTHER_AUTHORITIES = [
    ("武汉市发展和改革委员会", "发改"),
    ("武汉市人力资源和社会保障局", "人社"),
    ("武汉市民政局", "民政"),
    ("武汉市科学技术局", "科技"),
    ("武汉市知识产权局", "知识产权"),
    ("武汉市水务局", "水务"),
    ("武汉市城乡建设局", "城建"),
    ("武汉市洪山区人民政府", "区政府"),
]

SUBJECT_FIELDS = (
    "counterpart_name", "counterpart_category", "uscc", "legal_rep_name", "legal_rep_id_type",
    "legal_rep_id_no", "person_id_type", "person_id_no",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Population:
    """Who the records are about (entities) and who decides (authorities)."""

    entities: Entities
    agencies: Agencies
    others: list[tuple[str, str, str]]

    def other(self, rng: random.Random, sector: str | None = None) -> tuple[str, str, str]:
        """One of the non-enforcement authorities (by sector when given)."""
        if sector is not None:
            return next(a for a in self.others if a[1] == sector)
        return rng.choice(self.others)

    def organisation(self, rng: random.Random) -> Record:
        """An entity with a USCC (a company or an individual business)."""
        while True:
            subject = self.entities.pick(rng)
            if "uscc" in subject:
                return subject


def population(entities: int = 2000, *, seed: int = 11) -> Population:
    """Entities across Wuhan's districts and every authority, deterministic for a seed."""
    rng = random.Random(seed + 1)
    others = [(name, sector, make_uscc(rng, prefix="11")) for name, sector in OTHER_AUTHORITIES]
    return Population(Entities(entities, seed=seed), Agencies(), others)


def _subject(rng: random.Random, pop: Population, *, division: bool = True) -> Record:
    subject = pop.entities.pick(rng)
    if not division:
        subject.pop("division_code", None)
    return subject


def _decided(rng: random.Random, since: dt.date = dt.date(2020, 1, 1)) -> dt.date:
    return _date_between(rng, since, TODAY)


def _authority(record: Record, authority: tuple[str, str, str]) -> None:
    """The deciding authority is also the data-source unit (数据来源单位)."""
    name, _sector, code = authority
    record.update(
        authority_name=name, authority_uscc=code, source_org_name=name, source_org_uscc=code
    )


def _doc_no(authority: tuple[str, str, str], kind: str, day: dt.date, n: int) -> str:
    return f"武{authority[1][:2]}{kind}〔{day.year}〕{n + 1:05d}号"


# -- the eight other administrative actions --------------------------------------------------

ActionFiller = Callable[[random.Random, Record, dt.date], None]


def _enforcement(rng: random.Random, r: Record, day: dt.date) -> None:
    kind = rng.choice(["查封场所设施财物", "扣押财物", "加处罚款或者滞纳金", "代履行"])
    r.update(
        decision_doc_title="查封（扣押）决定书"
        if kind != "加处罚款或者滞纳金"
        else "加处罚款决定书",
        action_category="行政强制措施"
        if kind in ("查封场所设施财物", "扣押财物")
        else "行政强制执行",
        content=f"依法对当事人采取{kind}措施。",
        legal_basis="《中华人民共和国行政强制法》第九条",
        enforcement_kind=kind,
    )
    if kind == "加处罚款或者滞纳金":
        r["amount_wan"] = f"{rng.randrange(1, 300) / 100:.2f}"
    else:
        r["property_description"] = rng.choice(["生产设备2台", "小型货车1辆", "库存商品一批"])
        r["term_from"] = day.isoformat()
        r["term_to"] = (day + dt.timedelta(days=29)).isoformat()


def _confirmation(rng: random.Random, r: Record, day: dt.date) -> None:
    item = rng.choice(
        ["高新技术企业认定", "科技型中小企业评价入库", "工伤认定", "守合同重信用企业认定"]
    )
    r.update(
        decision_doc_title=f"{item}结果",
        action_category="认定",
        content=f"经审核，予以{item}。",
        legal_basis="《科技型中小企业评价办法》第九条",
        confirmation_item=item,
        valid_from=day.isoformat(),
        valid_to=(day + dt.timedelta(days=1095)).isoformat(),
    )


def _levy(rng: random.Random, r: Record, day: dt.date) -> None:
    item = rng.choice(["污水处理费", "城市基础设施配套费", "水土保持补偿费"])
    r.update(
        decision_doc_title=f"{item}缴纳通知书",
        action_category="行政事业性收费",
        content=f"依法征收{item}。",
        legal_basis="《城镇排水与污水处理条例》第三十二条",
        levy_item=item,
        amount_wan=f"{rng.randrange(10, 400000) / 1000:.3f}".rstrip("0").rstrip("."),
    )


def _payment(rng: random.Random, r: Record, day: dt.date) -> None:
    item = rng.choice(["失业保险稳岗返还", "城市最低生活保障金", "创业补贴", "就业见习补贴"])
    r.update(
        decision_doc_title=f"{item}发放决定",
        action_category="社会救助" if "保障" in item else "就业补助",
        content=f"向当事人发放{item}。",
        legal_basis="《失业保险条例》第十条",
        payment_item=item,
        payment_form="现金",
        amount_wan=f"{rng.randrange(10, 50000) / 100:.2f}",
    )


def _adjudication(rng: random.Random, r: Record, day: dt.date) -> None:
    dispute = rng.choice(["权属纠纷", "侵权纠纷", "损害赔偿纠纷", "补偿纠纷"])
    r.update(
        decision_doc_title="行政裁决书",
        action_category="专利侵权纠纷裁决" if dispute == "侵权纠纷" else "行政裁决",
        content=f"就当事人之间的{dispute}作出裁决。",
        legal_basis="《中华人民共和国专利法》第六十五条",
        dispute_type=dispute,
        adjudication_result="驳回请求人的请求。"
        if rng.random() < 0.4
        else "责令被请求人停止侵权行为。",
    )


def _compensation(rng: random.Random, r: Record, day: dt.date) -> None:
    form = rng.choice(["货币补偿", "产权调换"])
    r.update(
        decision_doc_title="房屋征收补偿决定书",
        action_category="征收补偿",
        content=f"对被征收人给予{form}。",
        legal_basis="《国有土地上房屋征收与补偿条例》第十七条",
        compensation_reason="因旧城区改建需要征收国有土地上房屋。",
        compensation_form=form,
    )
    if form == "货币补偿":
        r["amount_wan"] = f"{rng.randrange(5000, 50000) / 100:.2f}"


def _reward(rng: random.Random, r: Record, day: dt.date) -> None:
    name = rng.choice(
        ["武汉市科学技术进步奖", "武汉市技术能手", "武汉市守合同重信用企业", "武汉市质量奖"]
    )
    r.update(
        decision_doc_title=f"关于{day.year}年度{name}的决定",
        action_category="表彰",
        content=f"授予当事人{name}。",
        reward_name=name,
        reward_level=rng.choice(["市级", "区级"]),
    )


def _inspection(rng: random.Random, r: Record, day: dt.date) -> None:
    result = rng.choice(
        ["未发现问题", "未发现问题", "发现问题已责令改正", "未按规定公示应当公示的信息"]
    )
    r.update(
        decision_doc_title="双随机抽查结果告知书",
        action_category="监督检查",
        content="对经营活动及信息公示情况进行抽查。",
        inspection_type=rng.choice(["双随机抽查", "专项检查", "日常检查"]),
        inspection_result=result,
    )
    if result == "发现问题已责令改正":
        r["rectification_deadline"] = (day + dt.timedelta(days=15)).isoformat()


ACTIONS: dict[str, tuple[str, ActionFiller]] = {
    "administrative-enforcement": ("强", _enforcement),
    "administrative-confirmation": ("认", _confirmation),
    "administrative-levy": ("征", _levy),
    "administrative-payment": ("给", _payment),
    "administrative-adjudication": ("裁", _adjudication),
    "administrative-compensation": ("补", _compensation),
    "administrative-reward": ("奖", _reward),
    "administrative-inspection": ("查", _inspection),
}


def actions(dataset: str, count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """Valid records of one of the eight other administrative actions."""
    kind, fill = ACTIONS[dataset]
    rng = random.Random(seed)
    for n in range(count):
        day = _decided(rng)
        authority = pop.agencies.pick(rng) if rng.random() < 0.5 else pop.other(rng)
        record = _subject(rng, pop)
        record["decision_doc_no"] = _doc_no(authority, kind, day, n)
        record["decision_date"] = day.isoformat()
        fill(rng, record, day)
        _authority(record, authority)
        yield record


# -- lists, bans, commitments, measures, interviews, registrations, evaluations ---------------

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
        listed = _decided(rng, dt.date(2021, 1, 1))
        authority = pop.agencies.pick(rng) if rng.random() < 0.6 else pop.other(rng)
        record = _subject(rng, pop)
        record.update(
            list_type=list_type,
            list_name=rng.choice(names),
            listing_reason="一年内多次受到行政处罚，情节严重。",
            listing_basis="《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》",
            listing_decision_doc_no=_doc_no(authority, "失信", listed, n),
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
        day = _decided(rng, dt.date(2021, 1, 1))
        authority = pop.agencies.pick(rng)
        record = _subject(rng, pop)
        record.update(
            ban_scope=rng.choice(["行业", "市场"]),
            ban_content="五年内不得从事相关生产经营管理工作。",
            legal_basis="《中华人民共和国食品安全法》第一百三十五条第一款",
            decision_doc_no=_doc_no(authority, "禁", day, n),
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


def commitments(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """信用承诺 records; most declared public, some 特定范围内公开."""
    rng = random.Random(seed)
    kinds = ["审批替代型", "容缺受理型", "证明事项型", "信用修复型", "行业自律型", "主动型"]
    for n in range(count):
        day = _decided(rng, dt.date(2023, 1, 1))
        authority = pop.agencies.pick(rng) if rng.random() < 0.5 else pop.other(rng)
        record = _subject(rng, pop, division=False)
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


def interviews(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """约谈 records (government only)."""
    rng = random.Random(seed)
    for n in range(count):
        day = _decided(rng, dt.date(2022, 1, 1))
        authority = pop.agencies.pick(rng)
        record = _subject(rng, pop)
        record.update(
            record_no=_doc_no(authority, "约谈", day, n),
            interview_kind=("提示约谈", "警示约谈", "告诫约谈")[n % 3],
            interview_reason="一年内多次因同类违法行为受到行政处罚。",
            interview_basis="《武汉市公共信用信息管理办法》第二十八条",
            interview_date=day.isoformat(),
            participants=f"执法负责人；当事人代表{person_name(rng)}",
            rectification_requirements="30日内完成整改并提交整改报告。",
            rectification_deadline=(day + dt.timedelta(days=30)).isoformat(),
            publication_scope="政务共享",
        )
        _authority(record, authority)
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
        day = _decided(rng, dt.date(2024, 1, 1))
        record = _subject(rng, pop, division=False)
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
        subject = pop.organisation(rng)
        subject.pop("division_code", None)
        comprehensive = rng.random() < 0.5
        day = dt.date(
            2026 if comprehensive else rng.choice((2025, 2026)),
            7 if comprehensive else 9,
            1 if comprehensive else 30,
        )
        scheme = "公共信用综合评价" if comprehensive else "企业信用风险分类"
        key = (subject["uscc"], scheme, day.isoformat())
        if key in seen:
            continue
        seen.add(key)
        grade = rng.choices("ABCD", weights=(40, 45, 12, 3))[0]
        who = evaluator if comprehensive else market
        record = {
            **subject,
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
        subject = pop.organisation(rng)
        subject.pop("division_code", None)
        if subject["uscc"] in seen:
            continue
        seen.add(subject["uscc"])
        grade = rng.choices("ABCD", weights=(30, 50, 15, 5))[0]
        yield {
            **subject,
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


# -- every dataset --------------------------------------------------------------------------

SHARE: dict[str, float] = {
    "administrative-penalty": 2.0,
    "administrative-licensing": 1.5,
    "administrative-inspection": 0.5,
    "credit-commitment": 0.4,
    "consumer-complaint": 0.3,
}
"""Records per entity by dataset (default :data:`DEFAULT_SHARE`)."""
DEFAULT_SHARE = 0.1
FIXED = ("catalogue", "punishment-measures", "commitment-matters")
"""Reference datasets with fixed contents (no size)."""


def sizes(entities: int) -> dict[str, int]:
    """How many records :func:`generate` makes per dataset for a population size."""
    out: dict[str, int] = {}
    for dataset in load_catalog().ids():
        if dataset in FIXED:
            continue
        out[dataset] = max(3, int(entities * SHARE.get(dataset, DEFAULT_SHARE)))
    return out


def generate(dataset: str, count: int, *, pop: Population, seed: int = 1) -> Iterator[Record]:
    """Valid records of a catalogue dataset (``count`` is ignored for the catalogue, the
    measure list and the commitment matter list, which have fixed contents)."""
    if dataset == "catalogue":
        return load_catalog().as_records()
    if dataset == "punishment-measures":
        return measures(pop)
    if dataset == "commitment-matters":
        return matters(pop)
    if dataset == "administrative-penalty":
        return penalties(count, seed=seed, entities=pop.entities, agencies=pop.agencies)
    if dataset == "administrative-licensing":
        return licences(count, seed=seed, entities=pop.entities, agencies=pop.agencies)
    if dataset in ACTIONS:
        return actions(dataset, count, seed=seed, pop=pop)
    if dataset in LISTS:
        return list_entries(dataset, count, seed=seed, pop=pop)
    makers: dict[str, Callable[..., Iterator[Record]]] = {
        "market-ban": market_bans,
        "credit-commitment": commitments,
        "interview-record": interviews,
        "voluntary-registration": registrations,
        "credit-evaluation": evaluations,
        "consumer-complaint": complaints,
        "public-credit-evaluation": public_evaluations,
    }
    if dataset not in makers:
        raise KeyError(f"no generator for dataset {dataset!r}")
    return makers[dataset](count, seed=seed, pop=pop)
