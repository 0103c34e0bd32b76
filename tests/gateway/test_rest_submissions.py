"""Submissions over REST: every body format gives the CLI's receipt; a department may submit
only its own records; rejections are 422 in the one error shape with the receipt."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rest_helpers import FIXTURES, Api

from store import Role

PENALTY = "administrative-penalty"
FILES = FIXTURES / "files"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECEIPT = {
    "ok",
    "status",
    "dataset",
    "rows",
    "stored",
    "batch_id",
    "accepted",
    "unchanged",
    "rejected",
    "issues",
}


def penalty_json() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((FILES / "penalty.json").read_text("utf-8"))
    return records


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("penalty.json", "application/json"),
        ("penalty.ndjson", "application/x-ndjson"),
        ("penalty-utf8.csv", "text/csv"),
        ("penalty-utf8-bom.csv", "text/csv; charset=utf-8"),
        ("penalty-gbk.csv", "text/csv; charset=gbk"),
        ("penalty-gbk.csv", "text/csv"),  # detected
        ("penalty-gb18030.csv", "text/csv; charset=GB18030"),
        ("penalty.xlsx", XLSX),
    ],
)
def test_every_format_gives_a_receipt(rest_empty: Api, name: str, content_type: str) -> None:
    body = (FILES / name).read_bytes()
    r = rest_empty.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        content=body,
        headers={"content-type": content_type},
        role=Role.ADMIN,
    )
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert set(receipt) == RECEIPT
    assert receipt["ok"] is True and receipt["status"] == 200 and receipt["stored"] is True
    assert receipt["rejected"] == 0 and receipt["accepted"] == receipt["rows"] > 0
    assert len(rest_empty.store.records(PENALTY)) == receipt["accepted"]
    again = rest_empty.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        content=body,
        headers={"content-type": content_type},
        role=Role.ADMIN,
    )
    assert again.json()["unchanged"] == receipt["accepted"]


def test_a_records_object_is_accepted_and_decimals_keep_their_text(rest_empty: Api) -> None:
    records = penalty_json()
    raw = json.dumps({"records": records}, ensure_ascii=False).replace('"0.2"', "0.2")
    r = rest_empty.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        content=raw.encode(),
        headers={"content-type": "application/json"},
        role=Role.ADMIN,
    )
    assert r.status_code == 200, r.text
    amounts = {s.payload.get("fine_amount_wan") for s in rest_empty.store.records(PENALTY)}
    assert "0.2" in amounts


def test_a_department_submits_only_its_own_records(rest_empty: Api) -> None:
    records = penalty_json()
    own = "11420103MB0H3T618F"
    counts = Counter(r["source_org_uscc"] for r in records)
    r = rest_empty.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        json=records,
        role=Role.DEPARTMENT,
        department=own,
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert {"ok", "error", "errors", "status"} <= set(body) and body["ok"] is False
    assert body["status"] == 422
    assert body["accepted"] == counts[own] and body["rejected"] == len(records) - counts[own]
    codes = Counter(issue["code"] for issue in body["errors"])
    assert codes == {"not-own-record": len(records) - counts[own]}
    stored = rest_empty.store.records(PENALTY)
    assert {s.payload["source_org_uscc"] for s in stored} == {own}
    batch = [s for s in stored]
    assert batch and all(s.version == 1 for s in batch)


def test_a_department_cannot_touch_another_departments_records(rest: Api) -> None:
    """Re-sending another department's record with changed content is refused."""
    theirs = rest.store.records(PENALTY, limit=1)[0]
    changed = dict(theirs.payload, penalty_content="篡改。")
    own = "11420103MB0H3T618F"
    assert theirs.payload["source_org_uscc"] != own
    r = rest.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        json=[changed],
        role=Role.DEPARTMENT,
        department=own,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "not-own-record"
    assert rest.store.get(theirs.record_id).version == theirs.version


def test_a_department_cannot_claim_another_departments_record(rest: Api) -> None:
    theirs = rest.store.records(PENALTY, limit=1)[0]
    own = "11420103MB0H3T618F"
    claimed = dict(theirs.payload, penalty_content="篡改。", source_org_uscc=own)
    r = rest.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        json=[claimed],
        role=Role.DEPARTMENT,
        department=own,
    )
    assert rest.store.get(theirs.record_id).payload == theirs.payload, r.text
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "not-own-record"


def test_all_or_nothing_stores_nothing_when_a_row_fails(rest_empty: Api) -> None:
    records = penalty_json()
    records[2]["decision_date"] = "2024-02-30"
    url = f"/api/v1/datasets/{PENALTY}/submissions?all_or_nothing=true"
    r = rest_empty.post(url, json=records, role=Role.ADMIN)
    assert r.status_code == 422
    body = r.json()
    assert body["stored"] is False and body["accepted"] == 0
    assert any(i["row"] == 3 and i["field"] == "decision_date" for i in body["errors"])
    assert rest_empty.store.records(PENALTY) == []
    partial = rest_empty.post(
        f"/api/v1/datasets/{PENALTY}/submissions", json=records, role=Role.ADMIN
    )
    assert partial.status_code == 422 and partial.json()["accepted"] == len(records) - 1


def test_an_unreadable_file_is_a_400_with_its_code(rest_empty: Api) -> None:
    r = rest_empty.post(
        f"/api/v1/datasets/{PENALTY}/submissions",
        content=b"PK\x03\x04junk",
        headers={"content-type": XLSX},
        role=Role.ADMIN,
    )
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["code"]


def test_submitted_records_reach_the_feed_with_the_actor(rest_empty: Api, tmp_path: Path) -> None:
    r = rest_empty.post(
        f"/api/v1/datasets/{PENALTY}/submissions", json=penalty_json(), role=Role.ADMIN
    )
    assert r.status_code == 200
    events = rest_empty.store.changes(0, 100)
    assert len(events) == 8 and all(e.actor.startswith("key:") for e in events)
    assert {e.batch_id for e in events} == {r.json()["batch_id"]}
