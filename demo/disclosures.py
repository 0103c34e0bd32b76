"""Synthetic records of the plan's remaining disclosures: 消费投诉信息公示 and 信用承诺事项清单.

Complaints are against the population's businesses only — a consumer complaint is against a
经营者 — and carry nothing about the complainant, because the schema has no such field. The
matter list is fixed reference data (like the measure list): a few matters per department.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from demo.entities import date_between
from demo.population import TODAY, Population, Record

LATEST = TODAY
"""The latest closing date generated."""

ISSUES = (
    ("售后服务", 30), ("质量", 24), ("合同", 18), ("虚假宣传", 8), ("价格", 8), ("安全", 4),
    ("计量", 2), ("假冒", 2), ("人格尊严", 1), ("个人信息", 1), ("其他-预付式消费", 2),
)  # fmt: skip
"""Issue categories with rough weights (售后服务, 质量 and 合同 lead, as in 12315 statistics)."""

RESULTS = (("调解成功", 55), ("调解未成功", 25), ("不予受理", 12), ("消费者撤回投诉", 8))
BUSINESS_FIELDS = ("counterpart_name", "counterpart_category", "uscc", "business_reg_no",
                   "legal_rep_name", "division_code")  # fmt: skip


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def complaints(count: int, *, seed: int, pop: Population) -> Iterator[Record]:
    """Closed consumer complaints against businesses; about 1 in 5 is not accepted or withdrawn
    (kept, never published). The handling authority is the market regulator."""
    rng = random.Random(seed)
    name, _sector, code = pop.agencies.items[0]  # 武汉市市场监督管理局
    for n in range(count):
        business = pop.organisation(rng)
        record = {k: business[k] for k in BUSINESS_FIELDS if k in business}
        complained = date_between(rng, dt.date(2025, 3, 1), LATEST - dt.timedelta(days=30))
        result = _weighted(rng, RESULTS)
        closed = complained + dt.timedelta(days=rng.randint(5, 28))
        record.update(
            complaint_no=f"{record.get('division_code', '420100')}{complained:%Y%m%d}{n:05d}",
            complaint_date=complained.isoformat(),
            issue_category=_weighted(rng, ISSUES),
            handling_result=result,
            closing_date=closed.isoformat(),
            authority_name=name,
            authority_uscc=code,
            source_org_name=name,
            source_org_uscc=code,
        )
        if result != "不予受理":
            record["acceptance_date"] = (
                complained + dt.timedelta(days=rng.randint(0, 4))
            ).isoformat()
        yield record


LETTER = (
    "本人（单位）自愿申请以信用承诺方式办理“{matter}”，已知晓办理条件和违诺后果，承诺所填信息和所交材料"
    "真实、准确、完整，符合办理条件{extra}；如有不实或违背承诺，愿意承担撤销决定、依法处罚和记入信用记录等责任。"
)
SUBSTITUTE_BASIS = (
    "《国务院关于深化“证照分离”改革进一步激发市场主体发展活力的通知》（国发〔2021〕7号）"
)
DEFERRED_BASIS = (
    "《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》"
    "（国办发〔2019〕35号）"
)

MATTERS: tuple[tuple[int, str, str, str, str | None], ...] = (
    # (agency index, matter code suffix, matter name, commitment type, materials that may follow)
    (0, "XK-0031", "食品经营许可", "审批替代型", None),
    (0, "XK-0031", "食品经营许可", "容缺受理型", "食品安全管理制度文本"),
    (0, "XK-0102", "药品零售企业经营许可", "容缺受理型", "执业药师注册证明（注册中的可后补）"),
    (1, "XK-0201", "排污许可证核发（简化管理）", "审批替代型", None),
    (2, "XK-0014", "危险化学品经营许可（不带储存设施）", "容缺受理型", "安全评价报告"),
    (3, "XK-0008", "公众聚集场所投入使用、营业前消防安全检查", "审批替代型", None),
    (4, "QT-0055", "增值税专用发票（增值税税控系统）最高开票限额审批", "审批替代型", None),
    (5, "XK-0107", "建筑工程施工许可证核发", "容缺受理型", "施工图设计文件审查合格书"),
    (5, "XK-0110", "建筑业企业资质（部分类别）", "审批替代型", None),
    (6, "XK-0012", "道路货物运输经营许可", "审批替代型", None),
    (7, "XK-0020", "公共场所卫生许可", "审批替代型", None),
    (7, "XK-0024", "医疗机构执业登记（诊所备案除外）", "容缺受理型", "消防验收或备案证明"),
)
"""The demo list; one matter may accept both types (one record each)."""


def matters(pop: Population) -> Iterator[Record]:
    """The 信用承诺事项清单 of the demo departments; one repealed entry shows the window end."""
    for n, (agency, suffix, matter, kind, deferred) in enumerate(MATTERS):
        name, _sector, code = pop.agencies.items[agency]
        record: Record = {
            "matter_code": f"{code}-{suffix}",
            "matter_name": matter,
            "matter_kind": "其他行政权力" if suffix.startswith("QT") else "行政许可",
            "commitment_type": kind,
            "department_name": name,
            "department_uscc": code,
            "legal_basis": DEFERRED_BASIS if deferred else SUBSTITUTE_BASIS,
            "conditions": (
                "主要申请材料齐全、次要材料暂缺的，申请人书面承诺限期补齐后先行受理。"
                if deferred
                else "申请人书面承诺符合办理条件的，可当场或在承诺时限内作出决定，事后核查。"
            ),
            "breach_consequence": "撤销已作出的决定，依法予以处罚，违诺信息记入信用记录。",
            "effective_date": "2024-01-01" if n % 3 else "2025-07-01",
            "status": "有效",
            "source_org_name": name,
            "source_org_uscc": code,
        }
        extra = "，并在承诺期限内补齐所缺材料" if deferred else ""
        if n % 2:
            record["commitment_letter_url"] = (
                f"https://credit.wuhan.example/commitment-letters/{code.lower()}-{suffix.lower()}.pdf"
            )
        else:
            record["commitment_letter_text"] = LETTER.format(matter=matter, extra=extra)
        if deferred:
            record.update(
                deferred_materials=deferred, supplement_deadline_working_days=10 + n % 3 * 5
            )
        if suffix == "XK-0110":
            record.update(status="已废止", repeal_date="2026-06-30", remarks="已调整为备案管理。")
        yield record
