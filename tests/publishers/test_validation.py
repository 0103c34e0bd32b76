"""Record validation of penalties and licences: each rule, each code, located and bilingual."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from demo import Entities, licences, penalties
from publishers import RecordValidator

TODAY = dt.date(2026, 11, 28)
ENTITIES = Entities(count=200, seed=3)


def _penalty(**changes: Any) -> dict[str, Any]:
    record = next(
        r
        for r in penalties(50, seed=5, entities=ENTITIES)
        if r["counterpart_category"] == "法人及非法人组织" and "罚款" in r["penalty_categories"]
    )
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def _person_penalty(**changes: Any) -> dict[str, Any]:
    record = next(
        r
        for r in penalties(200, seed=5, entities=ENTITIES)
        if r["counterpart_category"] == "自然人"
    )
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


@pytest.fixture(scope="module")
def pen() -> RecordValidator:
    return RecordValidator("administrative-penalty", today=TODAY)


@pytest.fixture(scope="module")
def lic() -> RecordValidator:
    return RecordValidator("administrative-licensing", today=TODAY)


def codes(issues: list[Any]) -> set[tuple[str | None, str]]:
    return {(i.field, i.code) for i in issues}


def test_generated_records_are_valid(pen: RecordValidator, lic: RecordValidator) -> None:
    for record in penalties(300, seed=9, entities=ENTITIES, until=TODAY):
        assert [i for i in pen.check(record) if i.is_error] == [], record
    for record in licences(300, seed=9, entities=ENTITIES):
        assert [i for i in lic.check(record) if i.is_error] == [], record


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"counterpart_name": None}, ("counterpart_name", "missing-value")),
        ({"authority_uscc": "11420100MB1529176X"}, ("authority_uscc", "invalid-uscc")),
        ({"authority_uscc": "00000000000000000X"}, ("authority_uscc", "invalid-uscc")),
        ({"decision_date": "2024-02-30"}, ("decision_date", "invalid-date")),
        (
            {"decision_date": "2027-01-05", "penalty_valid_to": "2099-12-31"},
            ("decision_date", "future-date"),
        ),
        ({"penalty_valid_to": "2019-01-01"}, ("penalty_valid_to", "date-order")),
        ({"fine_amount_wan": "-1"}, ("fine_amount_wan", "invalid-amount")),
        ({"fine_amount_wan": "0.1234567"}, ("fine_amount_wan", "invalid-amount")),
        ({"fine_amount_wan": None}, ("fine_amount_wan", "conditional-required")),
        (
            {"penalty_categories": ["罚款", "没收违法所得"], "confiscated_amount_wan": None},
            ("confiscated_amount_wan", "conditional-required"),
        ),
        (
            {"penalty_categories": ["吊销许可证件"], "suspended_licence": None},
            ("suspended_licence", "conditional-required"),
        ),
        ({"penalty_categories": ["其他"]}, ("penalty_categories", "invalid-choice")),
        ({"penalty_categories": ["罚款", "罚款"]}, ("penalty_categories", "duplicate-value")),
        ({"penalty_categories": []}, ("penalty_categories", "missing-value")),
        ({"division_code": "420108"}, ("division_code", "invalid-division-code")),
        ({"counterpart_category": "企业"}, ("counterpart_category", "invalid-choice")),
        ({"uscc": None}, ("uscc", "conditional-required")),
        ({"legal_rep_name": None}, ("legal_rep_name", "conditional-required")),
        ({"person_id_no": "420102199001011234"}, ("person_id_no", "must-be-empty")),
        ({"legal_rep_id_type": None}, ("legal_rep_id_type", "conditional-required")),
        ({"legal_rep_id_no": "420102199013011234"}, ("legal_rep_id_no", "invalid-id-number")),
        ({"legal_rep_id_type": "军官证"}, ("legal_rep_id_type", "invalid-choice")),
        ({"decision_doc_no": "号" * 129}, ("decision_doc_no", "too-long")),
        ({"remarks": 12}, ("remarks", "wrong-type")),
        ({"org_code": "MB15-2917"}, ("org_code", "invalid-org-code")),
        # a legal person with the placeholder: the code is wrong (not the category, and no
        # registration number is asked of it)
        ({"uscc": "00000000000000000X"}, ("uscc", "uscc-placeholder-misused")),
        (
            {"uscc": "00000000000000000X", "business_reg_no": "420100000123456"},
            ("uscc", "uscc-placeholder-misused"),
        ),
        (
            {"uscc": "00000000000000000X", "counterpart_category": "个体工商户"},
            ("business_reg_no", "conditional-required"),
        ),
    ],
)
def test_each_rule_gives_its_code(
    pen: RecordValidator, changes: dict[str, Any], expected: tuple[str, str]
) -> None:
    issues = pen.check(_penalty(**changes), row=4)
    assert expected in codes(issues), [i.to_dict() for i in issues]
    hit = next(i for i in issues if (i.field, i.code) == expected)
    assert hit.row == 4
    assert hit.severity == "error"
    assert hit.message and hit.message_zh and hit.message != hit.message_zh


def test_natural_person_rules(pen: RecordValidator) -> None:
    assert [i for i in pen.check(_person_penalty()) if i.is_error] == []
    issues = pen.check(_person_penalty(person_id_no=None))
    assert ("person_id_no", "conditional-required") in codes(issues)
    issues = pen.check(_person_penalty(uscc="914201007713589677"))
    assert ("uscc", "must-be-empty") in codes(issues)
    issues = pen.check(_person_penalty(person_id_no="420102199001011234"))
    bad = next(i for i in issues if i.code == "invalid-id-number")
    assert bad.value == "420102********1234", "personal ID numbers are masked in reports"


def test_placeholder_is_accepted_for_an_individual_business(pen: RecordValidator) -> None:
    record = _penalty(
        uscc="00000000000000000X",
        counterpart_category="个体工商户",
        business_reg_no="420100600123456",
    )
    assert [i for i in pen.check(record) if i.is_error] == []


def test_uscc_warnings(pen: RecordValidator) -> None:
    issues = pen.check(_penalty(uscc="91420100MA4KL8QH5N"))
    assert ("uscc", "uscc-org-code-mismatch") in codes(issues)
    assert all(not i.is_error for i in issues if i.field == "uscc")
    record = _penalty()
    record["counterpart_category"] = "个体工商户"
    warn = next(i for i in pen.check(record) if i.code == "uscc-category-mismatch")
    assert warn.severity == "warning"


def test_indefinite_end_date_is_accepted(pen: RecordValidator) -> None:
    assert [i for i in pen.check(_penalty(penalty_valid_to="2099-12-31")) if i.is_error] == []


def test_licensing_rules(lic: RecordValidator) -> None:
    base = next(licences(1, seed=3, entities=ENTITIES))
    assert [i for i in lic.check(base) if i.is_error] == []
    issues = lic.check({**base, "valid_from": "2030-01-01", "valid_to": "2029-01-01"})
    assert ("valid_to", "date-order") in codes(issues)
    issues = lic.check({**base, "licence_category": "其他-备案"})
    assert [i for i in issues if i.is_error] == []
    issues = lic.check({**base, "licence_category": "其他"})
    assert ("licence_category", "invalid-choice") in codes(issues)
    issues = lic.check({**base, "status": "0"})
    assert ("status", "invalid-choice") in codes(issues)


def test_skip_suppresses_errors_of_missing_columns(pen: RecordValidator) -> None:
    record = _penalty(decision_date=None)
    assert ("decision_date", "missing-value") in codes(pen.check(record))
    assert ("decision_date", "missing-value") not in codes(
        pen.check(record, skip=frozenset({"decision_date"}))
    )
