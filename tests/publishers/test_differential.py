"""The compiled validator's verdicts equal the reference ``jsonschema`` verdicts.

Generated valid records and records broken in every way the rules know are run through both;
``jsonschema`` (with the same format callables) is the reference.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schemas
from demo import Entities, licences, penalties
from publishers import RecordValidator

ENTITIES = Entities(count=300, seed=21)
PENALTIES = list(penalties(400, seed=22, entities=ENTITIES))
LICENCES = list(licences(200, seed=23, entities=ENTITIES))

Mutation = Callable[[dict[str, Any], random.Random], None]


def _drop(r: dict[str, Any], rng: random.Random) -> None:
    r.pop(rng.choice(sorted(r)))


def _corrupt_code(r: dict[str, Any], rng: random.Random) -> None:
    present = [
        f for f in ("uscc", "authority_uscc", "source_org_uscc") if isinstance(r.get(f), str)
    ]
    field = rng.choice(present or ["authority_uscc"])
    value = r.get(field) if isinstance(r.get(field), str) else "914201007713589677"
    value = (value + "0" * 18)[:18]
    pos = rng.randrange(18)
    r[field] = value[:pos] + rng.choice("0123456789ABXYZIO") + value[pos + 1 :]


def _bad_date(r: dict[str, Any], rng: random.Random) -> None:
    r["decision_date"] = rng.choice(
        ["2024-02-30", "2024/02/01", "2024-13-01", "20240101", "2024-1-1", "x"]
    )


def _flip_category(r: dict[str, Any], rng: random.Random) -> None:
    r["counterpart_category"] = rng.choice(["自然人", "个体工商户", "法人及非法人组织", "企业", ""])


def _amount(r: dict[str, Any], rng: random.Random) -> None:
    key = rng.choice(["fine_amount_wan", "confiscated_amount_wan"])
    r[key] = rng.choice(["-1", "1.1234567", "01", "1e3", "0.5", "3", "１"])


def _categories(r: dict[str, Any], rng: random.Random) -> None:
    if "penalty_categories" in r:
        r["penalty_categories"] = rng.sample(
            [
                "警告",
                "罚款",
                "没收违法所得",
                "吊销许可证件",
                "其他",
                "其他-责令改正",
                "乱写",
                "罚款",
            ],
            k=rng.randrange(0, 4),
        )


def _wrong_type(r: dict[str, Any], rng: random.Random) -> None:
    r[rng.choice(sorted(r))] = rng.choice([1, 1.5, None, True, ["a"], {"a": 1}])


def _extra(r: dict[str, Any], rng: random.Random) -> None:
    r[rng.choice(["zzz", "record", "备注2"])] = "x"


def _ids(r: dict[str, Any], rng: random.Random) -> None:
    r["legal_rep_id_type"] = rng.choice(["身份证", "护照号", "其他-军官证", "军官证"])
    r["legal_rep_id_no"] = rng.choice(
        ["11010519491231002X", "110105199001011234", "E12345678", "１１"]
    )


def _long(r: dict[str, Any], rng: random.Random) -> None:
    r["counterpart_name"] = "长" * rng.choice([199, 200, 201, 1000])


def _placeholder(r: dict[str, Any], rng: random.Random) -> None:
    r["uscc"] = "00000000000000000X"
    if rng.random() < 0.5:
        r["business_reg_no"] = "420100600123456"


MUTATIONS: list[Mutation] = [
    _drop,
    _corrupt_code,
    _bad_date,
    _flip_category,
    _amount,
    _categories,
    _wrong_type,
    _extra,
    _ids,
    _long,
    _placeholder,
]


def _verdicts(name: str, record: dict[str, Any]) -> tuple[bool, bool]:
    fast = RecordValidator(name).is_schema_valid(record)
    reference = schemas.reference_validator(name).is_valid(record)
    return fast, reference


@pytest.mark.parametrize(
    ("name", "records"),
    [("administrative-penalty", PENALTIES), ("administrative-licensing", LICENCES)],
)
def test_valid_records_agree(name: str, records: list[dict[str, Any]]) -> None:
    for record in records:
        assert _verdicts(name, record) == (True, True), record


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["administrative-penalty", "administrative-licensing"]),
    st.integers(min_value=0, max_value=10_000),
    st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
)
def test_broken_records_agree(
    name: str, pick: int, mutations: list[Mutation], rng: random.Random
) -> None:
    pool = PENALTIES if name == "administrative-penalty" else LICENCES
    record = copy.deepcopy(pool[pick % len(pool)])
    for mutate in mutations:
        mutate(record, rng)
    fast, reference = _verdicts(name, record)
    assert fast == reference, record
    if not fast:
        assert RecordValidator(name).check(record), "an invalid record must produce issues"
