"""The national exchange format both ways, on SQLite and PostgreSQL, with 2027 dates.

Export: rows keyed by the 2021 双公示 codes (from the schemas' annotations), dates YYYY/MM/DD,
DFBM and SJC filled, the government view (natural persons' ID numbers as that view shows them,
withdrawn records absent). Import: 信用中国's repair and objection results take the record
down (``repair_national`` / ``objection-upheld``) or end the objection mark, idempotently,
with located bilingual rejections.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

import schemas
from schemas import id_check_char, org_code_check_char, uscc_check_char
from store import (
    Audience,
    InvalidQueryError,
    Role,
    Store,
    mark_objection,
    national_header,
    national_pages,
    view,
)
from workflows import Caller, NotAllowedError, import_national_results, read_results
from workflows.steps import steps_of

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


def rows(store: Store, dataset: str = "administrative-penalty") -> list[dict[str, str]]:
    return [row for page in national_pages(store, dataset, today=DAY) for row in page]


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


def run(store: Store, lines: list[dict[str, str]], caller: Caller = PLATFORM) -> dict[str, Any]:
    data = json.dumps(lines, ensure_ascii=False)
    receipt = import_national_results(store, read_results(data), caller=caller, now=LATER)
    return receipt.to_dict()


# -- export -----------------------------------------------------------------------------------


def test_header_comes_from_the_schema_annotations() -> None:
    header = national_header("administrative-penalty")
    annotated = [f.national_code for f in schemas.fields("administrative-penalty")]
    assert header[: len([c for c in annotated if c])] == [c for c in annotated if c]
    assert header[0] == "CF_XDR_MC" and "CF_WSH" in header and "CF_CFLB" in header
    assert header[-2:] == ["DFBM", "SJC"]
    assert "sector" not in header and "procedure" not in header
    licences = national_header("administrative-licensing")
    assert licences[0] == "XK_XDR_MC" and "XK_YXQZI" in licences and licences[-1] == "SJC"


def test_a_dataset_without_national_codes_has_no_national_format() -> None:
    with pytest.raises(InvalidQueryError, match="administrative-penalty"):
        national_header("administrative-inspection")


def test_export_rows_dates_codes_dfbm_sjc(db_url: str) -> None:
    from store import open_store

    with open_store(db_url) as store:
        seed(store, 6)
        found = {r["CF_WSH"]: r for r in rows(store)}
    assert len(found) == 6
    company = found["武市监罚〔2027〕1号"]
    assert company["CF_JDRQ"] == "2027/03/01"
    assert company["CF_YXQ"] == "2099/12/31"
    assert company["CF_CFLB"] == "罚款;没收违法所得"
    assert company["CF_NR_FK"] == "0.5"
    assert company["CF_XDR_LB"] == "法人及非法人组织"
    assert company["CF_XDR_SHXYM"] == uscc(1)
    assert company["CF_CFJGDM"] == AMR[1]
    assert company["DFBM"] == "420106"  # the record's district
    assert found["武市监罚〔2027〕2号"]["DFBM"] == "420100"  # none named: Wuhan
    assert company["SJC"] == "2027/03/15 10:30:00"  # China Standard Time
    assert company["CF_XDR_ZJHM"] == ""
    # natural persons: the government view, identity number as that view shows it
    person = found["武市监罚〔2027〕3号"]
    assert person["CF_XDR_LB"] == "自然人"
    assert person["CF_XDR_ZJHM"] == resident_id(3)
    assert person["CF_XDR_SHXYM"] == ""


def test_export_follows_the_government_view_and_skips_withdrawn(db_url: str) -> None:
    from store import open_store

    with open_store(db_url) as store:
        ids = seed(store, 4)
        store.withdraw("administrative-penalty", record_id=ids[0], reason="revoked", actor="t")
        exported = rows(store)
        government = [
            view(r, Audience.GOVERNMENT, today=DAY)
            for r in store.records("administrative-penalty", limit=100)
        ]
        person_views = [v for v in government if v and v.get("person_id_no")]
    assert len(exported) == 3 == len([v for v in government if v])
    for v in person_views:
        assert v["person_id_no"] in {r["CF_XDR_ZJHM"] for r in exported}


def test_export_licences(db_url: str) -> None:
    from store import open_store

    with open_store(db_url) as store:
        store.submit(
            "administrative-licensing", list(enumerate([licence(7)], 1)), actor="t", now=NOW
        )
        (row,) = rows(store, "administrative-licensing")
    assert row["XK_WSH"] == "JY14201000000007"
    assert row["XK_JDRQ"] == "2027/02/26" and row["XK_YXQZI"] == "2032/02/25"
    assert row["XK_XKLB"] == "普通" and row["XK_ZT"] == "1"
    assert row["DFBM"] == "420100" and row["SJC"] == "2027/03/15 10:30:00"


# -- import -----------------------------------------------------------------------------------


def test_repair_takes_the_record_down_idempotently(db_url: str) -> None:
    from store import open_store

    with open_store(db_url) as store:
        ids = seed(store, 3)
        target = next(r for r in ids if store.get(r).payload["decision_doc_no"].endswith("1号"))
        first = run(store, [line(1)])
        assert first["ok"] and first["accepted"] == 1, first
        (done,) = first["lines"]
        assert done["record_id"] == target and done["outcome"] == "accepted"
        stored = store.get(target)
        assert not stored.active and stored.withdrawn_reason == "repair_national"
        event = store.history(target)[-1]
        assert event.reason == "repair_national" and event.op == "delete"
        assert "XYZG-2027-00001" in (event.note or "")
        head = store.head()
        again = run(store, [line(1)])
        assert again["ok"] and again["unchanged"] == 1 and again["accepted"] == 0
        assert store.head() == head  # nothing new
        steps = steps_of(store.engine, case_id="XYZG-2027-00001")
        assert [s.step for s in steps] == ["national-result"]


def test_csv_file_with_authority_code_and_natural_person(db_url: str) -> None:
    from store import open_store

    csv_text = (
        "\ufeffXF_BH,XF_LX,XF_JG,XF_JDRQ,CF_WSH,CF_XDR_ZJHM,CF_CFJGDM,XF_BZ\r\n"
        f"XYZG-2027-9,信用修复,同意修复,2027-03-17,武市监罚〔2027〕3号,{resident_id(3)},"
        f"{AMR[1]},已履行\r\n"
        f"XYZG-2027-8,repair,approved,2027/03/17,武市监罚〔2027〕2号,,{AMR[1]},\r\n"
    )
    with open_store(db_url) as store:
        seed(store, 3)
        receipt = import_national_results(
            store, read_results(csv_text.encode("utf-8")), caller=PLATFORM, now=LATER
        ).to_dict()
        assert receipt["accepted"] == 1 and receipt["rejected"] == 1, receipt
        person = next(ln for ln in receipt["lines"] if ln["line"] == 2)
        assert store.get(person["record_id"]).withdrawn_reason == "repair_national"
        (issue,) = receipt["issues"]
        assert issue["line"] == 3 and issue["code"] == "national-no-subject"
        assert issue["message_zh"] and issue["message"]


def test_located_rejections(db_url: str) -> None:
    from store import open_store

    with open_store(db_url) as store:
        seed(store, 2)
        receipt = run(
            store,
            [
                line(99),  # no such record
                line(1, XF_JDRQ="2027-13-40"),
                line(1, XF_LX="投诉"),
                line(1, XF_JG="部分修复"),
                {k: v for k, v in line(1).items() if k != "XF_BH"},
                {k: v for k, v in line(1).items() if k != "CF_WSH"},
            ],
        )
        assert store.get(store.records("administrative-penalty")[0].record_id).active
    assert not receipt["ok"] and receipt["rejected"] == 6 and receipt["accepted"] == 0
    got = [(i["line"], i["field"], i["code"]) for i in receipt["issues"]]
    assert got == [
        (1, "CF_WSH", "national-record-unknown"),
        (2, "XF_JDRQ", "national-bad-date"),
        (3, "XF_LX", "national-bad-kind"),
        (4, "XF_JG", "national-bad-result"),
        (5, "XF_BH", "national-missing"),
        (6, None, "national-no-dataset"),
    ]
    assert all(i["message_zh"] and i["message"] for i in receipt["issues"])


def test_already_taken_down_is_unchanged(db_url: str) -> None:
    from store import open_store

    with open_store(db_url) as store:
        ids = seed(store, 1)
        store.withdraw("administrative-penalty", record_id=ids[0], reason="repaired", actor="t")
        receipt = run(store, [line(1)])
    assert receipt["ok"] and receipt["unchanged"] == 1
    assert "repaired" in receipt["lines"][0]["note"]


def test_objection_results(db_url: str) -> None:
    from store import open_store

    with open_store(db_url) as store:
        seed(store, 2)
        by_doc = {r.payload["decision_doc_no"]: r.record_id for r in store.records(
            "administrative-penalty")}  # fmt: skip
        first, second = by_doc["武市监罚〔2027〕1号"], by_doc["武市监罚〔2027〕2号"]
        mark_objection(store.engine, second, actor="t", now=NOW)
        assert store.get(second).under_objection
        receipt = run(
            store,
            [
                line(1, XF_LX="异议", XF_JG="异议成立"),
                line(2, XF_LX="objection", XF_JG="upheld"),
                line(1, XF_BH="XYZG-2027-R", XF_JG="不予修复"),
            ],
        )
        assert [ln["outcome"] for ln in receipt["lines"]] == ["accepted", "accepted", "unchanged"]
        assert store.get(first).withdrawn_reason == "objection-upheld"
        kept = store.get(second)
        assert kept.active and not kept.under_objection
        again = run(store, [line(2, XF_LX="异议", XF_JG="异议不成立")])
        assert again["unchanged"] == 1


def test_only_platform_and_admin_import(db_url: str) -> None:
    from store import open_store

    with open_store(db_url) as store:
        seed(store, 1)
        for role in (Role.AGENCY, Role.DEPARTMENT, Role.PUBLIC):
            with pytest.raises(NotAllowedError):
                run(store, [line(1)], Caller("key:x:someone", role, AMR[1]))
        assert run(store, [line(1)], Caller("key:a:admin", Role.ADMIN))["accepted"] == 1
