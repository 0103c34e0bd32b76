"""Catalogue entries (catalog.entry): keys, record ids, CKAN names, openness."""

from __future__ import annotations

import dataclasses

import pytest

from catalog import USCC_PLACEHOLDER, CatalogEntry, Openness, get_entry, record_id_for

PENALTY = {
    "authority_uscc": "11420100MB1320102J",
    "decision_doc_no": "武市监罚〔2024〕1号",
    "counterpart_category": "个体工商户",
    "uscc": USCC_PLACEHOLDER,
    "business_reg_no": "420100000123456",
}


def test_penalty_key_skips_the_placeholder() -> None:
    entry = get_entry("administrative-penalty")
    assert entry.key_fields() == (
        "authority_uscc",
        "decision_doc_no",
        "uscc",
        "business_reg_no",
        "person_id_no",
    )
    values = ("11420100MB1320102J", "武市监罚〔2024〕1号", "420100000123456")
    assert entry.key_values(PENALTY) == values
    assert entry.record_id(PENALTY) == record_id_for("administrative-penalty", values)


def test_person_id_is_the_last_resort() -> None:
    entry = get_entry("administrative-penalty")
    record = {**PENALTY, "business_reg_no": "", "person_id_no": "11010519491231002X"}
    assert entry.key_values(record) == (
        "11420100MB1320102J",
        "武市监罚〔2024〕1号",
        "11010519491231002X",
    )


def test_no_counterpart_code_means_no_record_id() -> None:
    entry = get_entry("administrative-penalty")
    record = {**PENALTY, "business_reg_no": None}
    assert entry.key_values(record) is None
    assert entry.record_id(record) is None


def test_record_id_is_stable_across_other_fields() -> None:
    entry = get_entry("administrative-penalty")
    changed = {
        **PENALTY,
        "penalty_content": "罚款2000元",
        "decision_doc_no": " 武市监罚〔2024〕1号",
    }
    assert entry.record_id(changed) == entry.record_id(PENALTY)


def test_same_key_in_two_datasets_gives_two_ids() -> None:
    # Both lists share the list-entry schema; their records must never collide.
    record = {
        "deciding_authority_uscc": "11420100MB1320102J",
        "listing_decision_doc_no": "武市监列〔2024〕3号",
        "uscc": "914201007713589677",
    }
    serious, watch = get_entry("serious-dishonesty-list"), get_entry("watch-list")
    assert serious.key_values(record) == watch.key_values(record)
    assert serious.record_id(record) != watch.record_id(record)


def test_evaluation_of_a_subject_without_uscc_has_no_id() -> None:
    entry = get_entry("credit-evaluation")
    record = {
        "evaluator_uscc": "11420100MB10185288",
        "evaluation_scheme": "公共信用综合评价",
        "uscc": USCC_PLACEHOLDER,
        "evaluation_date": "2025-06-30",
    }
    assert entry.record_id(record) is None
    assert entry.key_values({**record, "uscc": "914201007713589677"}) == (
        "11420100MB10185288",
        "公共信用综合评价",
        "914201007713589677",
        "2025-06-30",
    )


@pytest.mark.parametrize(
    ("dataset_id", "record", "values"),
    [
        ("credit-commitment", {"code": "42010220240301000017"}, ("42010220240301000017",)),
        ("punishment-measures", {"measure_id": "1-01"}, ("1-01",)),
        ("interview-record", {"authority_uscc": "A", "record_no": "7"}, ("A", "7")),
        ("voluntary-registration", {"registration_no": "ZY001"}, ("ZY001",)),
        ("catalogue", {"id": "watch-list"}, ("watch-list",)),
    ],
)
def test_single_keys(dataset_id: str, record: dict[str, str], values: tuple[str, ...]) -> None:
    assert get_entry(dataset_id).key_values(record) == values
    assert get_entry(dataset_id).key_values({}) is None


def test_ckan_dataset_name() -> None:
    assert get_entry("market-ban").ckan_dataset_name() == "wuhan-credit-market-ban"


def test_openness_labels() -> None:
    assert [(o.value, o.zh) for o in Openness] == [
        ("public", "社会公开"),
        ("authorised", "授权查询"),
        ("government", "政务共享"),
    ]
    assert Openness("government") is Openness.GOVERNMENT
    assert get_entry("interview-record").openness == "government"


def test_entries_are_frozen_and_hashable() -> None:
    entry = get_entry("watch-list")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.id = "x"  # type: ignore[misc]
    assert hash(entry) == hash(get_entry("watch-list"))
    assert entry.raw["id"] == "watch-list"


def test_from_raw_reads_every_field() -> None:
    entry = get_entry("credit-evaluation")
    rebuilt = CatalogEntry.from_raw(entry.raw)
    assert rebuilt == entry
    assert entry.title_zh == entry.raw["title"]["zh"]
    assert entry.category_en == entry.raw["category"]["en"]
    assert entry.schema_version == entry.raw["schema"]["version"]
    assert entry.main_provider == entry.providers[0]
    assert entry.ckan.tags == tuple(entry.raw["ckan"]["tags"])
