"""Natural keys and record ids (catalog.keys): the record id is a public contract."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import (
    DEVELOPMENT_IDENTITY_SECRET,
    RECORD_ID_PATTERN,
    USCC_PLACEHOLDER,
    record_id_for,
    split_record_id,
)
from catalog.keys import format_key_part, key_fields, key_value, key_values, parse_key

PARTS = parse_key(["authority_uscc", "decision_doc_no", {"coalesce": ["uscc", "business_reg_no"]}])

dataset_ids = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)
values = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1f"), min_size=1
)
value_lists = st.lists(values, min_size=1, max_size=5)


def documented_record_id(dataset_id: str, key: list[str]) -> str:
    """The format as docs/catalogue.md states it, implemented independently."""
    material = "\x1f".join([dataset_id, *key]).encode()
    mac = hmac.new(DEVELOPMENT_IDENTITY_SECRET, material, hashlib.sha256).digest()
    return dataset_id + ":" + base64.b32encode(mac).decode()[:26].lower()


def test_record_id_is_pinned() -> None:
    # Partners apply the change feed by this id: if this value changes, every id changes.
    # Cross-checked with openssl: printf ... | openssl dgst -sha256 -mac HMAC -macopt key:...
    key = ["11420100MB1320102J", "武市监罚〔2024〕1号", "914201007713589677"]
    assert record_id_for("administrative-penalty", key) == (
        "administrative-penalty:2o36teryzgeizzbn6jenrvcisb"
    )


@given(dataset_ids, value_lists)
def test_record_id_follows_the_documented_format(dataset_id: str, key: list[str]) -> None:
    rid = record_id_for(dataset_id, key)
    assert rid == documented_record_id(dataset_id, key)
    assert RECORD_ID_PATTERN.match(rid), rid
    assert split_record_id(rid) == (dataset_id, rid.partition(":")[2])


@given(dataset_ids, value_lists, value_lists)
def test_different_keys_give_different_ids(dataset_id: str, a: list[str], b: list[str]) -> None:
    assert (record_id_for(dataset_id, a) == record_id_for(dataset_id, b)) == (a == b)


def test_value_boundaries_and_dataset_matter() -> None:
    assert record_id_for("watch-list", ["ab", "c"]) != record_id_for("watch-list", ["a", "bc"])
    assert record_id_for("watch-list", ["a"]) != record_id_for("market-ban", ["a"])
    assert record_id_for("watch-list", ("a", "b")) == record_id_for("watch-list", ["a", "b"])


@pytest.mark.parametrize(
    ("dataset_id", "key"),
    [
        ("Watch-List", ["a"]),
        ("watch:list", ["a"]),
        ("", ["a"]),
        ("watch-list", []),
        ("watch-list", "abc"),
        ("watch-list", ["a", ""]),
        ("watch-list", ["a\x1fb"]),
    ],
)
def test_record_id_for_refuses_unusable_input(dataset_id: str, key: list[str]) -> None:
    with pytest.raises(ValueError):
        record_id_for(dataset_id, key)


@pytest.mark.parametrize(
    "text", ["", "watch-list", "watch-list:ABC", "x:" + "a" * 25, "x:" + "1" * 26]
)
def test_split_record_id_refuses_non_ids(text: str) -> None:
    with pytest.raises(ValueError):
        split_record_id(text)


def test_key_fields_lists_coalesce_members_once_in_order() -> None:
    assert key_fields(PARTS) == ("authority_uscc", "decision_doc_no", "uscc", "business_reg_no")
    assert key_fields(("a", ("b", "a"), "c")) == ("a", "b", "c")
    assert [format_key_part(p) for p in PARTS] == [
        "authority_uscc",
        "decision_doc_no",
        "uscc|business_reg_no",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" 武市监罚〔2024〕1号 ", "武市监罚〔2024〕1号"),
        (42, "42"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        ("", None),
        ("   ", None),
        (None, None),
        (True, None),
        (1.5, None),
        (["a"], None),
        ({"a": 1}, None),
        (USCC_PLACEHOLDER, None),
        (USCC_PLACEHOLDER.lower(), None),
        ("a\x1fb", None),
    ],
)
def test_key_value(value: object, expected: str | None) -> None:
    assert key_value(value) == expected


def test_coalesce_takes_the_first_usable_value() -> None:
    record = {"authority_uscc": "A", "decision_doc_no": "D", "uscc": "U", "business_reg_no": "B"}
    assert key_values(PARTS, record) == ("A", "D", "U")
    assert key_values(PARTS, {**record, "uscc": " "}) == ("A", "D", "B")
    assert key_values(PARTS, {**record, "uscc": USCC_PLACEHOLDER}) == ("A", "D", "B")
    del record["uscc"]
    assert key_values(PARTS, record) == ("A", "D", "B")


def test_a_missing_part_gives_none() -> None:
    record = {"authority_uscc": "A", "decision_doc_no": "D", "uscc": USCC_PLACEHOLDER}
    assert key_values(PARTS, record) is None
    assert key_values(PARTS, {"decision_doc_no": "D", "uscc": "U"}) is None
    assert key_values(PARTS, {"authority_uscc": "A", "decision_doc_no": "", "uscc": "U"}) is None


@given(st.dictionaries(st.sampled_from(key_fields(PARTS)), st.none() | values))
def test_key_values_are_usable_record_id_input(record: dict[str, str | None]) -> None:
    found = key_values(PARTS, record)
    if found is None:
        return
    assert len(found) == len(PARTS)
    assert RECORD_ID_PATTERN.match(record_id_for("administrative-penalty", found))


def test_record_ids_are_keyed_so_personal_keys_cannot_be_guessed() -> None:
    # A natural person's key holds his ID number; with the public parts known, a plain hash
    # could be inverted by trying every number. A different secret gives different ids.
    import catalog.keys as keys

    key = ["11420100MB1320102J", "武市监罚〔2024〕1号", "420102199001011237"]
    plain = (
        base64.b32encode(
            hashlib.sha256("\x1f".join(["administrative-penalty", *key]).encode()).digest()
        )
        .decode()[:26]
        .lower()
    )
    default = record_id_for("administrative-penalty", key)
    assert default.partition(":")[2] != plain
    try:
        keys.use_identity_secret("another deployment's secret")
        assert not keys.identity_secret_is_default()
        assert record_id_for("administrative-penalty", key) != default
    finally:
        keys.use_identity_secret(DEVELOPMENT_IDENTITY_SECRET)
    assert keys.identity_secret_is_default()
    with pytest.raises(ValueError):
        keys.use_identity_secret("short")
