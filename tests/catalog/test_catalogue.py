"""The catalogue as a dataset of its own (catalog.Catalog.as_records)."""

from __future__ import annotations

import pytest

import schemas
from catalog import Catalog, load_catalog


def test_records_are_valid_catalogue_entries() -> None:
    validator = schemas.reference_validator("catalogue-entry")
    records = list(load_catalog().as_records())
    assert [r["id"] for r in records] == list(load_catalog())
    for record in records:
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(record)]
        assert not errors, (record["id"], errors)


def test_records_carry_the_catalogue_source() -> None:
    catalogue = load_catalog()
    for record in catalogue.as_records():
        assert record["source_org_name"] == "武汉市发展和改革委员会"
        assert record["source_org_uscc"] == catalogue.publisher.uscc
        assert record["catalogue_version"] == catalogue.version


def test_record_fields_follow_the_entry() -> None:
    record = next(r for r in load_catalog().as_records() if r["id"] == "administrative-penalty")
    assert record["natural_key"] == [
        "authority_uscc",
        "decision_doc_no",
        "uscc|business_reg_no|person_id_no",
    ]
    assert record["openness_zh"] == "社会公开"
    assert record["ckan_dataset_name"] == "wuhan-credit-administrative-penalty"
    assert record["disclosure_deadline_working_days"] == 7


def test_absent_values_are_omitted_not_null() -> None:
    record = next(r for r in load_catalog().as_records() if r["id"] == "watch-list")
    assert "disclosure_deadline_working_days" not in record
    assert None not in record.values()


def test_the_schema_refuses_a_broken_record() -> None:
    validator = schemas.reference_validator("catalogue-entry")
    record = next(load_catalog().as_records())
    broken = {**record, "openness_zh": "政务共享", "provider_usccs": ["11420100MB1320102K"]}
    paths = sorted(e.json_path for e in validator.iter_errors(broken))
    assert paths == ["$.openness_zh", "$.provider_usccs[0]"], paths


def test_the_schema_describes_every_record_field() -> None:
    declared = {f.id for f in schemas.fields("catalogue-entry")}
    used = {k for r in load_catalog().as_records() for k in r}
    assert used <= declared
    required = {f.id for f in schemas.fields("catalogue-entry") if f.required}
    assert required <= used


def test_with_schema_finds_both_lists() -> None:
    ids = [e.id for e in load_catalog().with_schema("list-entry")]
    assert ids == ["serious-dishonesty-list", "watch-list"]


def test_a_catalog_refuses_duplicate_ids() -> None:
    catalogue = load_catalog()
    entry = catalogue["market-ban"]
    with pytest.raises(ValueError, match="market-ban"):
        Catalog([entry, entry], publisher=catalogue.publisher, version="1.0.0")
