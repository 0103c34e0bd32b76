"""The public table: which columns exist, and how a view becomes a row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import demo
import schemas
from catalog import CatalogEntry, Openness, load_catalog
from portal import PublicTable
from portal.table import META_COLUMNS, RECORD_ID
from store import Audience, open_store, view

PUBLIC = [e for e in load_catalog().values() if e.openness is Openness.PUBLIC]


@pytest.mark.parametrize("entry", PUBLIC, ids=lambda e: e.id)
def test_only_public_fields_get_a_column(entry: CatalogEntry) -> None:
    table = PublicTable(entry, meta=entry.id != "catalogue")
    disclosure = {f.id: f.disclosure for f in schemas.fields(entry.schema_id)}
    fields = [c for c in table.ids if c != RECORD_ID and c not in META_COLUMNS]
    assert fields and all(disclosure[c] == "public" for c in fields)
    assert "person_id_no" not in table.ids and "legal_rep_id_no" not in table.ids
    assert table.ids[0] == RECORD_ID
    labels = [c.label for c in table.columns]
    assert len(set(labels)) == len(labels)
    assert set(table.key_columns) <= set(table.ids)


def test_datastore_fields_have_types_and_a_data_dictionary() -> None:
    table = PublicTable(load_catalog()["administrative-penalty"])
    fields = {f["id"]: f for f in table.datastore_fields()}
    assert fields["decision_date"]["type"] == "date" and fields["window_end"]["type"] == "date"
    assert fields["fine_amount_wan"]["type"] == "text"  # the provider's decimal text, kept
    assert fields["decision_doc_no"]["info"]["label"] == "行政处罚决定书文号"
    assert "Decision document number" in fields["decision_doc_no"]["info"]["notes"]
    assert list(fields)[-len(META_COLUMNS) :] == list(META_COLUMNS)


def test_an_individual_business_becomes_a_row_without_id_numbers_a_person_none(
    tmp_path: Path,
) -> None:
    # Natural persons' records are not public (Order 272, catalogue subject_openness), so
    # they give no view and no row; an individual business's row omits the operator's ID.
    today = date(2026, 11, 28)
    generated = list(demo.penalties(400))
    persons = [r for r in generated if r.get("person_id_no")][:5]
    businesses = [r for r in generated if r["counterpart_category"] == "个体工商户"][:5]
    records = persons + businesses
    with open_store(f"sqlite:///{tmp_path / 's.sqlite'}") as store:
        store.submit("administrative-penalty", enumerate(records, 1), actor="test")
        stored = store.records("administrative-penalty", limit=100)
    shown = [v for s in stored if (v := view(s, Audience.PUBLIC, today=today))]
    assert shown and all(v["counterpart_category"] == "个体工商户" for v in shown)
    numbers = [r.get("person_id_no") or r["legal_rep_id_no"] for r in records]
    table = PublicTable(load_catalog()["administrative-penalty"])
    for item in shown:
        row = table.cells(item)
        assert set(row) == set(table.ids)
        assert all(n not in str(row) for n in numbers)
        assert row["record_version"] == "1" and row["window_start"] == item["_meta"]["window_start"]
        assert row["penalty_categories"] == ";".join(item["penalty_categories"])
        assert table.json_row(item)["penalty_categories"] == item["penalty_categories"]


def test_lists_are_joined_objects_are_json_and_missing_values_none() -> None:
    table = PublicTable(load_catalog()["catalogue"], meta=False)
    row = table.cells(
        {
            "record_id": "catalogue:x",
            "id": "a",
            "ckan_tags": ["甲", "乙"],
            "disclosure_deadline_working_days": 7,
        }
    )
    assert row["ckan_tags"] == "甲;乙"
    assert row["disclosure_deadline_working_days"] == "7"
    assert row["title"] is None
    objects = PublicTable(load_catalog()["voluntary-registration"])
    items = [{"item": "纳税信用", "value": "A级"}]
    assert objects.cells({"record_id": "x", "items": items})["items"] == (
        '[{"item":"纳税信用","value":"A级"}]'
    )
    assert objects.json_row({"record_id": "x", "items": items})["items"] == items
