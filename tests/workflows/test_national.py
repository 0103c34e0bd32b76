"""The national exchange format both ways, on SQLite and PostgreSQL, with 2027 dates.

Export: rows keyed by the 2021 双公示 codes (from the schemas' annotations), dates YYYY/MM/DD,
DFBM and SJC filled, the government view (natural persons' ID numbers as that view shows them,
withdrawn records absent). Import: 信用中国's repair and objection results take the record
down (``repair_national`` / ``objection-upheld``) or end the objection mark, idempotently,
with located bilingual rejections.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from national_factory import AMR, DAY, LATER, NOW, PLATFORM, licence, line, resident_id, seed, uscc

import schemas
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


def rows(store: Store, dataset: str = "administrative-penalty") -> list[dict[str, str]]:
    return [row for page in national_pages(store, dataset, today=DAY) for row in page]


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
