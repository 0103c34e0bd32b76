"""Publication windows: rule-set boundaries, classes, sectors, other record kinds, rule files."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from catalog import dataset_ids, get_entry, meta_schema
from store.windows import (
    RULES_DIR,
    SCHEMA_FILE,
    PublicationWindow,
    RuleBook,
    RulesError,
    Severity,
    UnknownRuleError,
    add_months,
    add_period,
    load_rulebook,
    publication_window,
    read_rules,
)

L, G, S = Severity.LIGHT, Severity.GENERAL, Severity.SERIOUS
MARKET = "penalty/order-58+samr-order-45"


def penalty(decided: str, *categories: str, **fields: Any) -> dict[str, Any]:
    return {"decision_date": decided, "penalty_categories": list(categories), **fields}


def d(text: str) -> date:
    return date.fromisoformat(text)


# Case tables stay one case per few lines, as they are read as tables.
# fmt: off
# (record, rule_set, severity, min_end, end); start is always the decision date.
PUBLISHED = {
    "2019 rules, last day": (
        penalty("2023-04-30", "罚款", fine_amount_wan="1"),
        "penalty/2019-527", G, "2023-07-30", "2024-04-30",
    ),
    "Order 58, first day": (
        penalty("2023-05-01", "罚款", fine_amount_wan="1"),
        "penalty/order-58", G, "2023-08-01", "2026-05-01",
    ),
    "Order 58, last day, light still published": (
        penalty("2026-03-31", "警告"), "penalty/order-58", L, "2026-06-30", "2029-03-31",
    ),
    "Order 36 general: 3 months to 1 year": (
        penalty("2026-04-01", "罚款"), "penalty/order-36", G, "2026-07-01", "2027-04-01",
    ),
    "Order 36 serious: 1 to 3 years": (
        penalty("2026-05-10", "吊销许可证件"), "penalty/order-36", S, "2027-05-10", "2029-05-10",
    ),
    "2019 serious: 6 months to 3 years": (
        penalty("2020-01-31", "责令关闭"), "penalty/2019-527", S, "2020-07-31", "2023-01-31",
    ),
    "2019 general, clamped to month end": (
        penalty("2020-02-29", "罚款"), "penalty/2019-527", G, "2020-05-29", "2021-02-28",
    ),
    "2019 has no light class: light counts as general": (
        penalty("2021-06-30", "警告"), "penalty/2019-527", G, "2021-09-30", "2022-06-30",
    ),
    "before 2019-07-01: the 2019 rules": (
        penalty("2018-05-02", "罚款"), "penalty/pre-2019", G, "2018-08-02", "2019-05-02",
    ),
    "Order 58 special sector: 1-year minimum": (
        penalty("2024-01-31", "罚款", sector="消防"),
        "penalty/order-58", G, "2025-01-31", "2027-01-31",
    ),
    "Order 58 other sector: 3-month minimum": (
        penalty("2024-01-31", "罚款", sector="税务"),
        "penalty/order-58", G, "2024-04-30", "2027-01-31",
    ),
    "2019 rules: no special-sector minimum": (
        penalty("2022-01-10", "罚款", sector="安全生产"),
        "penalty/2019-527", G, "2022-04-10", "2023-01-10",
    ),
    "Order 36: no special-sector minimum": (
        penalty("2026-06-01", "罚款", sector="特种设备"),
        "penalty/order-36", G, "2026-09-01", "2027-06-01",
    ),
    "several types, Order 36: the longest (serious)": (
        penalty("2026-04-01", "警告", "吊销许可证件"),
        "penalty/order-36", S, "2027-04-01", "2029-04-01",
    ),
    "several types, 2019: the longest (serious)": (
        penalty("2020-03-10", "罚款", "责令停产停业"),
        "penalty/2019-527", S, "2020-09-10", "2023-03-10",
    ),
    "several types as one delimited cell": (
        {"decision_date": "2020-03-10", "penalty_categories": "罚款；责令停产停业"},
        "penalty/2019-527", S, "2020-09-10", "2023-03-10",
    ),
    "declared severity beats the categories": (
        penalty("2026-04-01", "警告", severity="严重"),
        "penalty/order-36", S, "2027-04-01", "2029-04-01",
    ),
    "other-category penalties are general": (
        penalty("2026-04-01", "其他-责令改正"), "penalty/order-36", G, "2026-07-01", "2027-04-01",
    ),
    "market regulation, 通报批评 only: 3 months": (
        penalty("2024-03-15", "通报批评", sector="市场监管"), MARKET, L, "2024-06-15", "2024-06-15",
    ),
    "market regulation, warning and 通报批评: 3 months": (
        penalty("2024-03-15", "警告", "通报批评", sector="市场监管"),
        MARKET, L, "2024-06-15", "2024-06-15",
    ),
    "market regulation, fine (no low-fine threshold set): 3 years": (
        # 5,000 yuan: above 行政处罚法 Art. 51's on-the-spot limit, so no simple procedure is
        # inferred (0.1 万元 = 1,000 yuan would now be inferred 简易程序, unpublished by Order 45)
        penalty("2024-03-15", "罚款", fine_amount_wan="0.5", sector="市场监管"),
        MARKET, G, "2024-06-15", "2027-03-15",
    ),
    "market regulation under the 2019 rules: the shorter end wins": (
        penalty("2022-03-01", "罚款", sector="市场监管", procedure="普通程序"),
        "penalty/2019-527+samr-order-45", G, "2022-06-01", "2023-03-01",
    ),
    "market regulation under Order 36: the shorter end wins": (
        penalty("2026-05-01", "罚款", sector="市场监管"),
        "penalty/order-36+samr-order-45", G, "2026-08-01", "2027-05-01",
    ),
    "market regulation before Order 45: warnings published": (
        penalty("2021-08-31", "警告", sector="市场监管"),
        "penalty/2019-527", G, "2021-11-30", "2022-08-31",
    ),
}

# (record, rule_set, severity)
NOT_PUBLISHED = {
    "Order 36, first day: light not published": (
        penalty("2026-04-01", "警告"), "penalty/order-36", L,
    ),
    "Order 36: 通报批评 only is light": (penalty("2026-07-01", "通报批评"), "penalty/order-36", L),
    "Order 36: declared light beats serious categories": (
        penalty("2026-04-01", "吊销许可证件", severity="轻微"), "penalty/order-36", L,
    ),
    "Order 36: simple procedure is light": (
        penalty("2026-04-01", "罚款", procedure="简易程序"), "penalty/order-36", L,
    ),
    "market regulation, warning only": (
        penalty("2024-03-15", "警告", sector="市场监管"), MARKET, L,
    ),
    "market regulation, Order 45 first day": (
        penalty("2021-09-01", "警告", sector="市场监管"), "penalty/2019-527+samr-order-45", G,
    ),
    "market regulation, simple procedure": (
        penalty("2024-03-15", "罚款", sector="市场监管", procedure="简易程序"), MARKET, L,
    ),
    "market regulation, Order 36 light": (
        penalty("2026-05-01", "通报批评", sector="市场监管"), "penalty/order-36", L,
    ),
}
# fmt: on


@pytest.mark.parametrize(
    ("record", "rule_set", "severity", "min_end", "end"),
    list(PUBLISHED.values()),
    ids=list(PUBLISHED),
)
def test_published_penalties(
    record: dict[str, Any], rule_set: str, severity: Severity, min_end: str, end: str
) -> None:
    window = publication_window("penalty", record)
    assert window.publishable, window
    assert (window.rule_set, window.severity) == (rule_set, severity), window
    assert window.start == d(record["decision_date"])
    assert (window.min_end, window.end) == (d(min_end), d(end)), window
    assert window.reason and window.reason_zh


@pytest.mark.parametrize(
    ("record", "rule_set", "severity"), list(NOT_PUBLISHED.values()), ids=list(NOT_PUBLISHED)
)
def test_unpublished_penalties(record: dict[str, Any], rule_set: str, severity: Severity) -> None:
    window = publication_window("penalty", record)
    assert not window.publishable, window
    assert (window.rule_set, window.severity) == (rule_set, severity), window
    assert (window.start, window.end, window.min_end) == (None, None, None)
    assert not window.contains(d(record["decision_date"]))
    assert window.reason and window.reason_zh


@pytest.mark.parametrize("sector", ["特种设备", "安全生产", "消防"])
def test_order_58_special_sectors_have_a_one_year_minimum(sector: str) -> None:
    special = publication_window("penalty", penalty("2025-03-03", "警告", sector=sector))
    ordinary = publication_window("penalty", penalty("2025-03-03", "警告", sector="税务"))
    assert special.min_end == date(2026, 3, 3)
    assert ordinary.min_end == date(2025, 6, 3)
    assert special.end == ordinary.end == date(2028, 3, 3)
    assert "1-year minimum" in special.reason
    assert "最短公示一年" in special.reason_zh


def test_several_categories_are_reported() -> None:
    window = publication_window("penalty", penalty("2026-04-01", "警告", "吊销许可证件"))
    assert "longest" in window.reason
    assert "最长公示期" in window.reason_zh


def test_contains_is_inclusive_at_both_edges() -> None:
    window = publication_window("penalty", penalty("2023-05-01", "罚款"))
    assert window.start is not None and window.end is not None
    assert not window.contains(window.start - timedelta(days=1))
    assert window.contains(window.start)
    assert window.contains(window.end)
    assert not window.contains(window.end + timedelta(days=1))


def test_contains_for_open_and_closed_windows() -> None:
    always = PublicationWindow(True, None, None, None, None, "x/y", "r", "r")
    never = PublicationWindow(False, None, None, None, None, "x/y", "r", "r")
    open_ended = PublicationWindow(True, date(2020, 1, 1), None, None, None, "x/y", "r", "r")
    assert always.contains(date(1900, 1, 1)) and always.contains(date(2999, 1, 1))
    assert not never.contains(date(2020, 1, 1))
    assert open_ended.contains(date(2999, 1, 1))
    assert not open_ended.contains(date(2019, 12, 31))


def test_the_providers_publication_end_is_ignored() -> None:
    plain = penalty("2024-02-01", "罚款")
    claimed = {**plain, "publication_end": "2099-12-31", "penalty_valid_to": "2099-12-31"}
    assert publication_window("penalty", claimed) == publication_window("penalty", plain)


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"penalty_categories": ["罚款"]}, "decision_date is missing"),
        (penalty("2024-13-01", "罚款"), "decision_date is not a date"),
        (penalty("yesterday", "罚款"), "decision_date is not a date"),
        (penalty("2024-03-01"), "no penalty category"),
    ],
)
def test_bad_penalty_data_is_not_published_and_does_not_raise(
    record: dict[str, Any], words: str
) -> None:
    window = publication_window("penalty", record)
    assert not window.publishable
    assert words in window.reason
    assert window.rule_set == "penalty"


def test_dates_may_be_date_objects_or_slashed_text() -> None:
    iso = publication_window("penalty", penalty("2024-02-01", "罚款"))
    assert publication_window("penalty", penalty("2024/02/01", "罚款")) == iso
    record = {"decision_date": date(2024, 2, 1), "penalty_categories": ("罚款",)}
    assert publication_window("penalty", record) == iso


# --- other record kinds ----------------------------------------------------------------------

# fmt: off
# (rule_ref, record, publishable, start, end, rule_set)
OTHER = {
    "licence valid long-term": (
        "licence", {"decision_date": "2024-05-06", "valid_to": "2099-12-31", "status": "1"},
        True, "2024-05-06", None, "licence/while-valid",
    ),
    "licence with an end": (
        "licence", {"decision_date": "2024-05-06", "valid_to": "2029-05-05", "status": "1"},
        True, "2024-05-06", "2029-05-05", "licence/while-valid",
    ),
    "licence no longer valid": (
        "licence", {"decision_date": "2024-05-06", "valid_to": "2029-05-05", "status": "2"},
        False, None, None, "licence/while-valid",
    ),
    "list entry in force": (
        "list-entry", {"listing_date": "2023-01-10", "valid_to": "2026-01-09", "status": "有效"},
        True, "2023-01-10", "2026-01-09", "list-entry/while-listed",
    ),
    "list entry removed early: shown until the day before": (
        "list-entry",
        {"listing_date": "2023-01-10", "valid_to": "2026-01-09", "status": "已移出",
         "removal_date": "2024-03-01"},
        True, "2023-01-10", "2024-02-29", "list-entry/while-listed",
    ),
    "list entry revoked": (
        "list-entry", {"listing_date": "2023-01-10", "status": "已撤销"},
        False, None, None, "list-entry/while-listed",
    ),
    "list entry removed without a removal date": (
        "list-entry", {"listing_date": "2023-01-10", "status": "已移出"},
        False, None, None, "list-entry/while-listed",
    ),
    "list entry removed on its listing day": (
        "list-entry",
        {"listing_date": "2023-01-10", "status": "已移出", "removal_date": "2023-01-10"},
        False, None, None, "list-entry/while-listed",
    ),
    "market ban running": (
        "market-ban",
        {"decision_date": "2022-06-01", "ban_from": "2022-06-01", "ban_to": "2032-05-31",
         "status": "有效"},
        True, "2022-06-01", "2032-05-31", "market-ban/while-banned",
    ),
    "lifelong market ban": (
        "market-ban", {"decision_date": "2022-06-01", "ban_to": "2099-12-31", "status": "有效"},
        True, "2022-06-01", None, "market-ban/while-banned",
    ),
    "public credit commitment": (
        "credit-commitment",
        {"commitment_date": "2025-01-02", "commitment_valid_to": "2026-01-01",
         "publication_type": "可向社会公开"},
        True, "2025-01-02", "2026-01-01", "credit-commitment/declared-public",
    ),
    "commitment shared in a limited scope": (
        "credit-commitment",
        {"commitment_date": "2025-01-02", "publication_type": "特定范围内公开"},
        False, None, None, "credit-commitment/declared-public",
    ),
    "commitment without a publication type": (
        "credit-commitment", {"commitment_date": "2025-01-02"},
        False, None, None, "credit-commitment/declared-public",
    ),
    "evaluation": (
        "evaluation", {"evaluation_date": "2025-03-01", "valid_to": "2026-02-28"},
        True, "2025-03-01", "2026-02-28", "evaluation/while-valid",
    ),
    "interview": (
        "interview", {"interview_date": "2025-03-01"}, False, None, None, "interview/not-public",
    ),
    "voluntary registration": (
        "voluntary-registration", {"registered_at": "2025-03-01"},
        True, None, None, "voluntary-registration/authorised-query",
    ),
    "other administrative action": (
        "administrative-action", {"decision_date": "2025-03-01"},
        True, "2025-03-01", None, "administrative-action/open",
    ),
    "no period": ("none", {}, True, None, None, "none/always"),
}
# fmt: on


@pytest.mark.parametrize(
    ("rule_ref", "record", "publishable", "start", "end", "rule_set"),
    list(OTHER.values()),
    ids=list(OTHER),
)
def test_other_record_kinds(
    rule_ref: str,
    record: dict[str, Any],
    publishable: bool,
    start: str | None,
    end: str | None,
    rule_set: str,
) -> None:
    window = publication_window(rule_ref, record)
    assert window.publishable is publishable, window
    assert window.start == (d(start) if start else None), window
    assert window.end == (d(end) if end else None), window
    assert (window.rule_set, window.min_end, window.severity) == (rule_set, None, None)
    assert window.reason and window.reason_zh


def test_records_missing_their_start_are_not_published() -> None:
    window = publication_window("list-entry", {"status": "有效"})
    assert not window.publishable
    assert "listing_date" in window.reason


def test_unknown_rule_reference_raises() -> None:
    with pytest.raises(UnknownRuleError, match="no-such-rule"):
        publication_window("no-such-rule", {})


def test_window_reads_only_the_declared_inputs() -> None:
    book = load_rulebook()
    assert set(book.inputs("penalty")) >= {
        "decision_date",
        "penalty_categories",
        "sector",
        "severity",
        "procedure",
        "fine_amount_wan",
    }
    assert book.inputs("interview") == ()
    record = {**penalty("2024-02-01", "罚款"), "counterpart_name": "某公司", "remarks": "x"}
    assert book.window("penalty", record) == book.window("penalty", penalty("2024-02-01", "罚款"))


# --- rules as data -----------------------------------------------------------------------------


def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_rules_files_validate_against_their_schema() -> None:
    schema = json.loads((RULES_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    files = sorted(RULES_DIR.glob("*.yaml"))
    assert files
    for path in files:
        # Dates are quoted in the files, so a plain safe_load keeps them as strings.
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]
        assert errors == [], path.name
        assert data["rule_ref"] == path.stem


def test_every_catalogue_rule_has_a_rules_file() -> None:
    book = load_rulebook()
    declared = set(meta_schema()["properties"]["publication_rule"]["enum"])
    assert set(book.rule_refs) == declared
    used = {get_entry(dataset).publication_rule for dataset in dataset_ids()}
    assert used <= set(book.rule_refs)


def test_rule_sets_cover_every_decision_date_once() -> None:
    rule_sets = load_rulebook().rules("penalty")["rule_sets"]
    assert [rs["id"] for rs in rule_sets] == [
        "penalty/pre-2019",
        "penalty/2019-527",
        "penalty/order-58",
        "penalty/order-36",
    ]
    for day in ("2019-06-30", "2019-07-01", "2023-04-30", "2023-05-01", "2026-03-31", "2026-04-01"):
        covering = [rs for rs in rule_sets if _covers(rs, d(day))]
        assert len(covering) == 1, day


def _covers(rule_set: dict[str, Any], day: date) -> bool:
    begins, ends = rule_set["from"], rule_set["until"]
    return (begins is None or d(begins) <= day) and (ends is None or day <= d(ends))


@pytest.mark.parametrize(
    ("old", "new", "line_text", "path", "words"),
    [
        pytest.param(
            "serious: {min: P6M, max: P3Y}\n\n  - id: penalty/2019-527",
            "serious: {min: P6M, max: three years}\n\n  - id: penalty/2019-527",
            "serious: {min: P6M, max: three years}",
            "$.rule_sets[0].classes.serious.max",
            "does not match",
            id="bad-period",
        ),
        pytest.param(
            'until: "2023-04-30"',
            'until: "2023-04-31"',
            'until: "2023-04-31"',
            "$.rule_sets[1].until",
            "is not a 'date'",
            id="impossible-date",
        ),
        pytest.param(
            "    label: NDRC Order 58\n",
            "    label: NDRC Order 58\n    colour: red\n",
            "colour: red",
            "$.rule_sets[2].colour",
            "colour",
            id="unknown-key",
        ),
        pytest.param(
            'from: "2023-05-01"',
            'from: "2023-05-02"',
            'from: "2023-05-02"',
            "$.rule_sets[2].from",
            "day after the previous until",
            id="gap-between-rule-sets",
        ),
        pytest.param(
            "general: {min: P3M, max: P1Y}\n      serious: {min: P1Y",
            "general: {min: P2Y, max: P1Y}\n      serious: {min: P1Y",
            "general: {min: P2Y, max: P1Y}",
            "$.rule_sets[3].classes.general",
            "longer than max",
            id="min-above-max",
        ),
        pytest.param(
            "rule_ref: penalty",
            "rule_ref: penalties",
            "rule_ref: penalties",
            "$.rule_ref",
            "file name",
            id="name-mismatch",
        ),
    ],
)
def test_broken_rules_give_a_located_error(
    tmp_path: Path, old: str, new: str, line_text: str, path: str, words: str
) -> None:
    directory = rules_copy(tmp_path)
    edit(directory, "penalty.yaml", old, new)
    lines = (directory / "penalty.yaml").read_text(encoding="utf-8").splitlines()
    expected_line = next(i for i, text in enumerate(lines, 1) if line_text in text)
    with pytest.raises(RulesError) as info:
        read_rules(directory)
    problems = [p for p in info.value.problems if p.file == "penalty.yaml"]
    assert len(problems) >= 1, info.value
    problem = problems[0]
    assert problem.path == path, problem
    assert words in problem.message, problem
    assert problem.line == expected_line, problem
    assert f"penalty.yaml:{problem.line}" in str(info.value)


def test_yaml_syntax_errors_are_located_and_all_files_reported(tmp_path: Path) -> None:
    directory = rules_copy(tmp_path)
    edit(directory, "none.yaml", "title: No publication period", "title: [unclosed")
    edit(directory, "licence.yaml", "confidence: I", "confidence: X")
    with pytest.raises(RulesError) as info:
        read_rules(directory)
    by_file = {p.file: p for p in info.value.problems}
    assert set(by_file) == {"none.yaml", "licence.yaml"}
    assert by_file["none.yaml"].line is not None
    assert by_file["licence.yaml"].path == "$.rule_sets[0].confidence"
    licence_lines = (directory / "licence.yaml").read_text(encoding="utf-8").splitlines()
    assert "confidence: X" in licence_lines[by_file["licence.yaml"].line - 1]


def test_an_empty_rules_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no rules files"):
        read_rules(tmp_path)


def custom_book(tmp_path: Path, *edits: tuple[str, str]) -> RuleBook:
    directory = rules_copy(tmp_path)
    for old, new in edits:
        edit(directory, "penalty.yaml", old, new)
    return read_rules(directory)


def test_fine_bands_raise_the_class(tmp_path: Path) -> None:
    book = custom_book(
        tmp_path, ("    bands: []", '    bands: [{at_least_wan: "100", severity: serious}]')
    )
    small = book.window("penalty", penalty("2026-05-01", "罚款", fine_amount_wan="99.999999"))
    large = book.window("penalty", penalty("2026-05-01", "罚款", fine_amount_wan="100"))
    assert (small.severity, small.end) == (G, date(2027, 5, 1))
    assert (large.severity, large.end) == (S, date(2029, 5, 1))


def test_low_fine_threshold_per_counterpart_category(tmp_path: Path) -> None:
    book = custom_book(
        tmp_path, ("        max_wan: null", '        max_wan: {自然人: "0.5", default: "5"}')
    )

    def end(amount: str, category: str) -> date | None:
        record = penalty(
            "2024-03-15",
            "罚款",
            fine_amount_wan=amount,
            sector="市场监管",
            counterpart_category=category,
        )
        return book.window("penalty", record).end

    assert end("0.5", "自然人") == date(2024, 6, 15)
    assert end("0.6", "自然人") == date(2027, 3, 15)
    assert end("5", "法人及非法人组织") == date(2024, 6, 15)
    assert end("5.01", "法人及非法人组织") == date(2027, 3, 15)
    mixed = penalty("2024-03-15", "罚款", "没收违法所得", fine_amount_wan="0.1", sector="市场监管")
    assert book.window("penalty", mixed).end == date(2027, 3, 15)


def test_longest_period_is_taken_literally(tmp_path: Path) -> None:
    # A rule set whose light period outlasts its serious one: the longest still wins.
    book = custom_book(
        tmp_path,
        ("      light: {min: P3M, max: P3Y}", "      light: {min: P3M, max: P5Y}"),
    )
    window = book.window("penalty", penalty("2024-02-01", "警告", "罚款", "吊销许可证件"))
    assert (window.severity, window.end) == (L, date(2029, 2, 1))


def test_a_sector_may_publish_light_penalties_under_order_36(tmp_path: Path) -> None:
    override = (
        "    sector_overrides:\n"
        "      - sectors: [交通运输]\n"
        "        classes: [light]\n"
        "        publish: true\n"
        "        min: P0D\n"
        "        max: P3M\n"
        "        source: test\n"
        "        reason: deemed necessary\n"
        "        reason_zh: 确有必要\n"
    )
    book = custom_book(tmp_path, ("    sector_overrides: []\n", override))
    window = book.window("penalty", penalty("2026-04-15", "警告", sector="交通运输"))
    assert (window.publishable, window.min_end, window.end) == (
        True,
        date(2026, 4, 15),
        date(2026, 7, 15),
    )
    other = book.window("penalty", penalty("2026-04-15", "警告", sector="税务"))
    assert not other.publishable


# --- invariants ----------------------------------------------------------------------------------


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31)), st.integers(-600, 600))
def test_add_months_clamps_to_the_month_end(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31)))
def test_periods_in_years_are_twelve_months(day: date) -> None:
    assert add_period(day, "P1Y") == add_months(day, 12) == add_period(day, "P12M")
    assert add_period(day, "P1Y6M10D") == add_months(day, 18) + timedelta(days=10)


CATEGORIES = ["警告", "通报批评", "罚款", "没收违法所得", "暂扣许可证件", "吊销许可证件"]


@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2032, 12, 31)),
    st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True),
    st.sampled_from([None, "特种设备", "消防", "市场监管", "税务"]),
    st.sampled_from([None, "简易程序", "普通程序"]),
)
def test_penalty_windows_stay_within_the_national_maxima(
    decided: date, categories: list[str], sector: str | None, procedure: str | None
) -> None:
    record = penalty(decided.isoformat(), *categories, sector=sector, procedure=procedure)
    window = publication_window("penalty", record)
    assert window.rule_set.startswith("penalty/")
    if not window.publishable:
        assert window.start is window.end is window.min_end is None
        return
    assert window.start == decided
    assert window.end is not None and window.min_end is not None
    assert decided < window.min_end <= window.end <= add_months(decided, 36)
    assert window.contains(decided) and window.contains(window.end)
    if decided >= date(2026, 4, 1):
        assert window.end <= add_months(decided, 12) or window.severity is S
