"""Synthetic records of the eight other administrative actions (行政强制、确认、征收、给付、裁决、
补偿、奖励、检查), one filler per dataset on a shared decision skeleton.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator

from demo.population import Population, Record, authority_of, decided, doc_no, subject

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
        day = decided(rng)
        authority = pop.agencies.pick(rng) if rng.random() < 0.5 else pop.other(rng)
        record = subject(rng, pop)
        record["decision_doc_no"] = doc_no(authority, kind, day, n)
        record["decision_date"] = day.isoformat()
        fill(rng, record, day)
        authority_of(record, authority)
        yield record
