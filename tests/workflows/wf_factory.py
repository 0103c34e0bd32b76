"""Records, callers and days shared by the workflow tests (deterministic by number).

Identifiers are well-formed (check characters computed) so the records pass the same intake
as a department's upload; authorities are the catalogue's providers.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from schemas import id_check_char, org_code_check_char, uscc_check_char
from store import Role
from workflows import Caller

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)

DRC = ("武汉市发展和改革委员会", "11420100MB10185288")
AMR = ("武汉市市场监督管理局", "11420100MB1320102J")
TAX = ("国家税务总局武汉市税务局", "11420100MB18372082")
HRSS = ("武汉市人力资源和社会保障局", "11420100MB143285XU")
HOUSING = ("武汉市住房和城乡建设局", "11420100MB1354046H")

ADMIN = Caller("key:admin1:city-credit-office", Role.ADMIN)
PLATFORM = Caller("key:plat1:credit-wuhan-portal", Role.PLATFORM)
AGENCY = Caller("key:agcy1:bank", Role.AGENCY)


def dept(authority: tuple[str, str]) -> Caller:
    return Caller(f"key:{authority[1][-6:].lower()}:{authority[0]}", Role.DEPARTMENT, authority[1])


RESIDENT_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])"
)


def uscc(i: int) -> str:
    rng = random.Random(i)
    body8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    org = body8 + org_code_check_char(body8)
    first17 = "91420100" + org
    return first17 + uscc_check_char(first17)


def resident_id(i: int) -> str:
    born = date(1965, 1, 1) + timedelta(days=(i * 97) % 12000)
    body = f"420102{born:%Y%m%d}{i % 1000:03d}"
    return body + id_check_char(body)


def org(i: int) -> dict[str, Any]:
    """The counterpart block of an organisation with a legal representative."""
    code = uscc(i)
    return {
        "counterpart_name": f"武汉测试{i}建设工程有限公司",
        "counterpart_category": "法人及非法人组织",
        "uscc": code,
        "org_code": code[8:17],
        "legal_rep_name": f"陈{i}",
        "legal_rep_id_type": "身份证",
        "legal_rep_id_no": resident_id(i),
    }


def person(i: int) -> dict[str, Any]:
    return {
        "counterpart_name": f"张{i}",
        "counterpart_category": "自然人",
        "person_id_type": "身份证",
        "person_id_no": resident_id(10_000 + i),
    }


def list_entry(
    i: int,
    *,
    watch: bool = False,
    listing_date: date = date(2025, 3, 2),
    valid_to: date = date(2028, 3, 1),
    authority: tuple[str, str] = HRSS,
    measures: list[str] | None = None,
    subject: dict[str, Any] | None = None,
) -> dict[str, Any]:
    record = {
        **(subject or org(i)),
        "list_type": "重点关注对象名单" if watch else "严重失信主体名单",
        "list_name": "拖欠农民工工资重点关注名单"
        if watch
        else "拖欠农民工工资失信联合惩戒对象名单",
        "listing_reason": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准。",
        "listing_basis": "《保障农民工工资支付条例》第四十八条",
        "listing_decision_doc_no": f"武人社失信〔2025〕{i}号",
        "deciding_authority": authority[0],
        "deciding_authority_uscc": authority[1],
        "listing_date": listing_date.isoformat(),
        "valid_to": valid_to.isoformat(),
        "status": "有效",
        "source_org_name": authority[0],
        "source_org_uscc": authority[1],
    }
    if measures is not None:
        record["measures"] = measures
    return record


def market_ban(
    i: int,
    *,
    scope: str = "行业",
    ban_from: date = date(2026, 2, 15),
    ban_to: date = date(2031, 2, 14),
    authority: tuple[str, str] = AMR,
) -> dict[str, Any]:
    subject = org(i)
    return {
        **subject,
        "ban_scope": scope,
        "ban_content": "吊销食品经营许可证；法定代表人五年内不得从事食品生产经营管理工作。",
        "legal_basis": "《中华人民共和国食品安全法》第一百三十五条第一款",
        "decision_doc_no": f"武市监处罚〔2026〕{i}号",
        "deciding_authority": authority[0],
        "deciding_authority_uscc": authority[1],
        "decision_date": ban_from.isoformat(),
        "ban_from": ban_from.isoformat(),
        "ban_to": ban_to.isoformat(),
        "responsible_persons": [
            {
                "name": subject["legal_rep_name"],
                "id_type": "身份证",
                "id_no": subject["legal_rep_id_no"],
                "role": "法定代表人",
            },
            {
                "name": f"何{i}",
                "id_type": "身份证",
                "id_no": resident_id(20_000 + i),
                "role": "直接负责的主管人员",
            },
        ],
        "status": "有效",
        "source_org_name": authority[0],
        "source_org_uscc": authority[1],
    }


def commitment(
    i: int,
    *,
    kind: str = "信用修复型",
    made: date = date(2026, 5, 20),
    publication_type: str = "可向社会公开",
    subject: dict[str, Any] | None = None,
    unit: tuple[str, str] = DRC,
) -> dict[str, Any]:
    return {
        **(subject or org(i)),
        "code": f"420100{made:%Y%m%d}{i:06d}",
        "commitment_type": kind,
        "reason": "申请信用修复"
        if kind == "信用修复型"
        else "申请办理食品经营许可证（告知承诺制）",
        "content": "本单位承诺已纠正失信行为、履行法定义务，并在今后经营中依法诚信经营。",
        "liability_for_breach": "如违背承诺，自愿接受依法处理并记入信用记录。",
        "commitment_date": made.isoformat(),
        "commitment_valid_to": (made + timedelta(days=730)).isoformat(),
        "acceptance_unit_name": unit[0],
        "acceptance_unit_uscc": unit[1],
        "publication_type": publication_type,
        "source_org_name": unit[0],
        "source_org_uscc": unit[1],
    }


def penalty(
    i: int,
    *,
    decided: date = date(2025, 6, 3),
    categories: tuple[str, ...] = ("罚款",),
    authority: tuple[str, str] = AMR,
    sector: str | None = None,
) -> dict[str, Any]:
    record = {
        **org(i),
        "decision_doc_no": f"武市监罚〔{decided.year}〕{i}号",
        "violation_type": "违反《中华人民共和国食品安全法》第三十四条",
        "violation_facts": "经查，当事人经营超过保质期的食品。",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
        "penalty_categories": list(categories),
        "penalty_content": "罚款人民币5000元",
        "decision_date": decided.isoformat(),
        "penalty_valid_to": (decided + timedelta(days=365)).isoformat(),
        "authority_name": authority[0],
        "authority_uscc": authority[1],
        "source_org_name": authority[0],
        "source_org_uscc": authority[1],
        "procedure": "普通程序",
    }
    if "罚款" in categories:
        record["fine_amount_wan"] = "0.5000"
    if "吊销许可证件" in categories:
        record["suspended_licence"] = "食品经营许可证 JY14201000012345"
    if sector:
        record["sector"] = sector
    return record


def interview(i: int, *, authority: tuple[str, str] = AMR, **extra: Any) -> dict[str, Any]:
    return {
        **org(i),
        "record_no": f"武市监约〔2026〕{i}号",
        "interview_kind": "警示约谈",
        "interview_reason": "信用承诺未履行，整改逾期未完成",
        "interview_basis": "《武汉市公共信用信息管理办法》",
        "interview_date": "2026-05-28",
        "authority_name": authority[0],
        "authority_uscc": authority[1],
        "participants": f"陈{i}（法定代表人）",
        "rectification_requirements": "30日内完成整改并提交报告",
        "rectification_deadline": "2026-06-27",
        "source_org_name": authority[0],
        "source_org_uscc": authority[1],
        **extra,
    }


def registration(i: int, *, identity: str = "已核验", **extra: Any) -> dict[str, Any]:
    subject = org(i)
    return {
        **subject,
        "registration_no": f"ZYZC2026{i:06d}",
        "identity_verified": identity,
        "contact_name": f"王{i}",
        "contact_phone": "027-85550000",
        "items": [
            {"item_name": "荣誉", "item_value": "2025年度守合同重信用企业", "evidence": "证书"}
        ],
        "information_source": "市场主体自愿提供",
        "authenticity_commitment": "是",
        "consent_public": "否",
        "registered_at": "2026-05-30",
        "verification_status": "自我声明",
        "source_org_name": DRC[0],
        "source_org_uscc": DRC[1],
        **extra,
    }
