"""消费投诉信息公示 and 信用承诺事项清单 end to end in the store, on SQLite and PostgreSQL.

The example records are submitted through the department path (normalise, validate, store);
each lands in the public view inside its publication window and nowhere outside it; nothing
about a complainant can get in, so nothing about one can get out (views, entity profile,
public change feed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import schemas
from catalog import get_entry
from store import Audience, Store, open_store, submit_records, view
from store.profiles import entity_profile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
COMPLAINTS, MATTERS = "consumer-complaint", "commitment-matters"
COMPLAINANT = {
    "complainant_name": "王小明",
    "complainant_phone": "13912345678",
    "complainant_id_no": "420106198808081234",
}
"""What a regulator's export might carry about the complainant (a natural person)."""


def examples(schema: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((FIXTURES / f"{schema}.valid.json").read_text("utf-8"))
    return data


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = open_store(db_url)
    for dataset in (COMPLAINTS, MATTERS):
        receipt = submit_records(st, dataset, examples(get_entry(dataset).schema_id), actor="dept")
        assert (receipt.accepted, receipt.rejected) == (3, 0), receipt.to_dict()
    yield st
    st.close()


def by_key(st: Store, dataset: str, field: str) -> dict[str, Any]:
    return {r.payload[field]: r for r in st.records(dataset, state="all", limit=100)}


def test_mediated_complaints_are_public_for_one_year_from_closing(store: Store) -> None:
    stored = by_key(store, COMPLAINTS, "complaint_no")
    mediated = stored["1420106202603150012"]  # 调解成功, closed 2026-04-02
    assert (mediated.window_start, mediated.window_end) == (date(2026, 4, 2), date(2027, 4, 2))
    assert view(mediated, Audience.PUBLIC, today=date(2026, 4, 1)) is None
    shown = view(mediated, Audience.PUBLIC, today=date(2027, 4, 2))
    assert shown is not None
    assert shown["handling_result"] == "调解成功" and shown["uscc"] == "91420106MA4K2C3D17"
    assert view(mediated, Audience.PUBLIC, today=date(2027, 4, 3)) is None
    failed = stored["1420106202605080031"]  # 调解未成功 is published too
    assert view(failed, Audience.PUBLIC, today=date(2027, 6, 19)) is not None


def test_a_complaint_not_accepted_is_kept_but_never_public(store: Store) -> None:
    refused = by_key(store, COMPLAINTS, "complaint_no")["1420111202607010007"]
    assert refused.publishable is False
    for day in (date(2026, 7, 8), date(2027, 1, 1), date(2028, 1, 1)):
        assert view(refused, Audience.PUBLIC, today=day) is None
    assert view(refused, Audience.GOVERNMENT, today=date(2027, 1, 1)) is not None


def test_complainant_columns_are_dropped_and_never_stored(store: Store) -> None:
    """The schema has no complainant field: such columns are reported and ignored."""
    leaked = dict(examples("consumer-complaint")[0], complaint_no="1420106202604010099")
    receipt = submit_records(store, COMPLAINTS, [leaked | COMPLAINANT], actor="dept")
    assert (receipt.accepted, receipt.rejected) == (1, 0)
    flagged = {i.value for i in receipt.issues if i.code == "unknown-column"}
    assert flagged == set(COMPLAINANT), receipt.to_dict()
    everything = json.dumps(
        [r.payload for r in store.records(COMPLAINTS, state="all", limit=100)], ensure_ascii=False
    )
    assert not any(value in everything for value in COMPLAINANT.values())


def test_no_complainant_field_in_any_public_answer(store: Store) -> None:
    envelope = {"_meta", "record_id", "dataset"}
    allowed = set(schemas.schema_document("consumer-complaint")["properties"]) | envelope
    day = date(2027, 1, 1)
    for stored in store.records(COMPLAINTS, state="all", limit=100):
        shown = view(stored, Audience.PUBLIC, today=day)
        if shown is not None:
            assert set(shown) <= allowed
            assert not [k for k in shown if "complainant" in k or "投诉人" in k]
    feed = b"".join(store.feed_ndjson(0, 1000, [COMPLAINTS], Audience.PUBLIC, today=day))
    lines = [json.loads(line) for line in feed.splitlines()]
    assert lines and "complainant" not in feed.decode("utf-8")
    profile = entity_profile(store, "91420106MA4K2C3D17", Audience.PUBLIC, today=day)
    complaints = next(s for s in profile.sections if s.key == "complaints")
    assert [r["complaint_no"] for r in complaints.records] == ["1420106202603150012"]


def test_commitment_matters_are_public_until_repealed(store: Store) -> None:
    stored = by_key(store, MATTERS, "matter_code")
    current = stored["11420100MB1320102J-XK-0031"]
    assert current.window_end is None
    shown = view(current, Audience.PUBLIC, today=date(2027, 3, 1))
    assert shown is not None and shown["commitment_type"] == "审批替代型"
    assert "本单位（人）自愿申请" in shown["commitment_letter_text"]
    deferred = view(stored["11420100MB1354046H-XK-0107"], Audience.PUBLIC, today=date(2027, 3, 1))
    assert deferred is not None and deferred["supplement_deadline_working_days"] == 10
    assert deferred["commitment_letter_url"].startswith("https://")
    repealed = stored["11420100MB1097748C-XK-0012"]  # repealed 2026-06-30
    assert view(repealed, Audience.PUBLIC, today=date(2026, 6, 29)) is not None
    assert view(repealed, Audience.PUBLIC, today=date(2026, 6, 30)) is None


def test_resubmitting_is_idempotent(store: Store) -> None:
    for dataset in (COMPLAINTS, MATTERS):
        again = submit_records(store, dataset, examples(get_entry(dataset).schema_id), actor="d")
        assert (again.accepted, again.unchanged, again.rejected) == (0, 3, 0)
