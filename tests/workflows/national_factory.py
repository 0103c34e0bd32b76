"""Records and result lines for the national exchange tests (2027 dates, valid identifiers)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from schemas import id_check_char, org_code_check_char, uscc_check_char
from store import Role, Store
from workflows import Caller

DAY = date(2027, 3, 15)
NOW = datetime(2027, 3, 15, 2, 30, tzinfo=UTC)  # 10:30 in Beijing
LATER = datetime(2027, 3, 18, 1, 0, tzinfo=UTC)
AMR = ("武汉市市场监督管理局", "11420100MB1320102J")
PLATFORM = Caller("key:plat1:xinyong-china-intake", Role.PLATFORM)


def uscc(i: int) -> str:
    body8 = f"{i:08d}"
    first17 = "91420100" + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


def resident_id(i: int) -> str:
    body = f"42010219800101{i % 1000:03d}"
    return body + id_check_char(body)


def penalty(i: int, *, person: bool = False, decided: date = date(2027, 3, 1)) -> dict[str, Any]:
    record: dict[str, Any] = {
        "decision_doc_no": f"武市监罚〔2027〕{i}号",
        "violation_type": "违反《中华人民共和国食品安全法》第三十四条",
        "violation_facts": "经查，当事人经营超过保质期的食品。",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
        "penalty_categories": ["罚款", "没收违法所得"],
        "penalty_content": "罚款人民币5000元，没收违法所得300元",
        "fine_amount_wan": "0.5",
        "confiscated_amount_wan": "0.03",
        "decision_date": decided.isoformat(),
        "penalty_valid_to": "2099-12-31",
        "authority_name": AMR[0],
        "authority_uscc": AMR[1],
        "source_org_name": AMR[0],
        "source_org_uscc": AMR[1],
        "procedure": "普通程序",
    }
    if person:
        record.update(
            counterpart_name=f"张{i}",
            counterpart_category="自然人",
            person_id_type="身份证",
            person_id_no=resident_id(i),
        )
    else:
        record.update(
            counterpart_name=f"武汉测试{i}商贸有限公司",
            counterpart_category="法人及非法人组织",
            uscc=uscc(i),
            legal_rep_name=f"李{i}",
            division_code="420106" if i % 2 else None,
        )
        record = {k: v for k, v in record.items() if v is not None}
    return record


def licence(i: int) -> dict[str, Any]:
    return {
        "counterpart_name": f"武汉测试{i}商贸有限公司",
        "counterpart_category": "法人及非法人组织",
        "uscc": uscc(i),
        "legal_rep_name": f"李{i}",
        "decision_doc_title": "食品经营许可决定书",
        "decision_doc_no": f"JY1420100{i:07d}",
        "licence_category": "普通",
        "certificate_name": "食品经营许可证",
        "licence_no": f"JY1420100{i:07d}",
        "content": "预包装食品销售",
        "decision_date": "2027-02-26",
        "valid_from": "2027-02-26",
        "valid_to": "2032-02-25",
        "authority_name": AMR[0],
        "authority_uscc": AMR[1],
        "status": "1",
        "source_org_name": AMR[0],
        "source_org_uscc": AMR[1],
    }


def seed(store: Store, n: int = 6) -> list[str]:
    """``n`` penalties (every third about a natural person); their record ids."""
    records = [penalty(i, person=i % 3 == 0) for i in range(1, n + 1)]
    result = store.submit(
        "administrative-penalty", list(enumerate(records, 1)), actor="test", now=NOW
    )
    assert result.accepted == n
    return [store.records("administrative-penalty", limit=100)[k].record_id for k in range(n)]


def line(i: int, **extra: str) -> dict[str, str]:
    """A repair-approved line for penalty ``i`` (a company)."""
    return {
        "XF_BH": f"XYZG-2027-{i:05d}",
        "XF_LX": "信用修复",
        "XF_JG": "同意修复",
        "XF_JDRQ": "2027/03/17",
        "CF_WSH": f"武市监罚〔2027〕{i}号",
        "CF_XDR_SHXYM": uscc(i),
        **extra,
    }
