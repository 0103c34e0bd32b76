"""Windows from the national fields alone: system, domain and procedure derived, and said how."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from store.derivation import Source
from store.windows import LOW_FINE_UNSET, RULES_DIR, publication_window, read_rules

ORG, PERSON, SOLE = "法人及非法人组织", "自然人", "个体工商户"
SAMR = "武汉市江汉区市场监督管理局"
SPECIAL = "《中华人民共和国特种设备安全法》第八十四条第一项"
FOOD = "《中华人民共和国食品安全法》第一百二十四条第一款"
ROAD = ("武汉市交通运输局", "《中华人民共和国道路运输条例》第六十三条")


def national(
    decided: str,
    categories: list[str],
    authority: str,
    basis: str,
    fine: str | None = None,
    who: str = ORG,
    **extra: Any,
) -> dict[str, Any]:
    """A penalty with only national-standard fields (no sector / procedure / severity)."""
    record: dict[str, Any] = {
        "decision_date": decided,
        "penalty_categories": categories,
        "authority_name": authority,
        "legal_basis": basis,
        "counterpart_category": who,
        **extra,
    }
    if fine is not None:
        record["fine_amount_wan"] = fine
    return record


def sources(record: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    window = publication_window("penalty", record)
    return {e.input: (e.value, e.source.value) for e in window.explanation}


def test_samr_warning_only_special_equipment_is_not_published_order_45() -> None:
    record = national("2025-06-10", ["警告"], SAMR, SPECIAL)
    window = publication_window("penalty", record)
    assert not window.publishable
    assert window.rule_set == "penalty/order-58+samr-order-45"
    got = sources(record)
    assert got["system"] == ("市场监管", "derived")
    assert got["domain"] == (["特种设备"], "derived")
    assert got["procedure"] == ("简易程序", "inferred")
    # the same in 2027 (Order 36 would not publish a warning either)
    assert not publication_window(
        "penalty", national("2027-06-10", ["警告"], SAMR, SPECIAL)
    ).publishable


def test_samr_warning_only_not_published_even_when_declared_ordinary() -> None:
    record = national("2025-06-10", ["警告"], SAMR, SPECIAL, procedure="普通程序")
    window = publication_window("penalty", record)
    assert not window.publishable
    assert "warning-only" in window.reason
    assert sources(record)["procedure"] == ("普通程序", "declared")


def test_samr_special_equipment_fine_gets_order_58_one_year_minimum() -> None:
    window = publication_window("penalty", national("2025-06-10", ["罚款"], SAMR, SPECIAL, "3"))
    assert window.publishable
    assert (str(window.start), str(window.min_end), str(window.end)) == (
        "2025-06-10",
        "2026-06-10",
        "2028-06-10",
    )
    assert window.rule_set == "penalty/order-58+samr-order-45"
    assert "1-year minimum" in window.reason


def test_small_fine_after_2026_04_01_is_inferred_simple_and_not_published() -> None:
    record = national("2027-06-10", ["罚款"], *ROAD, fine="0.01")
    window = publication_window("penalty", record)
    assert not window.publishable
    assert window.rule_set == "penalty/order-36"
    assert window.severity is not None and window.severity.value == "light"
    assert sources(record)["procedure"] == ("简易程序", "inferred")


@pytest.mark.parametrize(
    ("who", "fine", "procedure", "source"),
    [
        (ORG, "0.3", "简易程序", "inferred"),  # 3,000 yuan: the organisation limit, inclusive
        (ORG, "0.3001", "普通程序", "derived"),
        (PERSON, "0.02", "简易程序", "inferred"),  # 200 yuan: the citizen limit
        (PERSON, "0.03", "普通程序", "derived"),
        (SOLE, "0.03", "普通程序", "derived"),  # 个体工商户: the citizen limit is taken
    ],
)
def test_article_51_limits(who: str, fine: str, procedure: str, source: str) -> None:
    got = sources(national("2028-03-01", ["罚款"], *ROAD, fine=fine, who=who))
    assert got["procedure"] == (procedure, source)


def test_a_declared_procedure_wins_over_inference() -> None:
    record = national("2027-06-10", ["罚款"], *ROAD, fine="0.01", procedure="普通程序")
    window = publication_window("penalty", record)
    assert window.publishable and str(window.end) == "2028-06-10"
    assert sources(record)["procedure"] == ("普通程序", "declared")


def test_a_declared_sector_wins_and_nothing_is_derived() -> None:
    record = national("2025-06-10", ["罚款"], SAMR, SPECIAL, "3", sector="税务")
    window = publication_window("penalty", record)
    assert window.rule_set == "penalty/order-58"  # no SAMR regime, no special-equipment floor
    assert str(window.min_end) == "2025-09-10"
    got = sources(record)
    assert got["sector"] == ("税务", "declared")
    assert "system" not in got and "domain" not in got


def test_hubei_threshold_unset_takes_the_longer_rule_and_flags() -> None:
    record = national("2027-06-10", ["罚款"], SAMR, FOOD, "0.5")
    window = publication_window("penalty", record)
    assert (str(window.min_end), str(window.end)) == ("2027-09-10", "2028-06-10")
    assert window.flags == (LOW_FINE_UNSET,)
    assert "flagged" in window.reason
    assert sources(record)["low_fine_threshold"] == (None, "inferred")
    # a penalty whose length does not hang on the threshold is not flagged
    other = national("2027-06-10", ["罚款", "没收违法所得"], SAMR, FOOD, "0.5")
    assert publication_window("penalty", other).flags == ()


def test_setting_the_threshold_gives_three_months_and_no_flag(tmp_path: Path) -> None:
    for path in RULES_DIR.glob("*.y*ml"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(RULES_DIR / "rules.schema.json", tmp_path / "rules.schema.json")
    penalty_file = tmp_path / "penalty.yaml"
    text = penalty_file.read_text(encoding="utf-8")
    assert "        max_wan: null\n" in text
    penalty_file.write_text(
        text.replace("        max_wan: null\n", '        max_wan: "1"\n'), "utf-8"
    )
    book = read_rules(tmp_path)
    window = book.window("penalty", national("2027-06-10", ["罚款"], SAMR, FOOD, "0.5"))
    assert (str(window.end), window.flags) == ("2027-09-10", ())


@pytest.mark.parametrize(
    ("basis", "violation", "domains"),
    [
        ("《中华人民共和国安全生产法》第九十九条", None, ["安全生产"]),
        ("《中华人民共和国消防法》第六十条", None, ["消防"]),
        ("《中华人民共和国药品管理法》第一百二十五条", None, ["药品"]),
        (
            "《中华人民共和国行政处罚法》第二十八条",
            "使用未经定期检验的电梯",
            ["特种设备"],
        ),  # keyword
        ("《中华人民共和国产品质量法》第四十九条", None, None),
    ],
)
def test_domain_from_legal_basis_and_violation_type(
    basis: str, violation: str | None, domains: list[str] | None
) -> None:
    extra = {"violation_type": violation} if violation else {}
    got = sources(national("2027-02-01", ["罚款"], SAMR, basis, "2", **extra))
    assert got.get("domain", (None, ""))[0] == domains


def test_work_safety_under_order_58_from_the_emergency_bureau() -> None:
    record = national(
        "2024-09-02", ["罚款"], "武汉市应急管理局", "《中华人民共和国安全生产法》第九十九条", "2"
    )
    window = publication_window("penalty", record)
    assert (str(window.min_end), str(window.end)) == ("2025-09-02", "2027-09-02")
    assert sources(record)["system"] == ("应急管理", "derived")


def test_every_district_market_bureau_is_samr() -> None:
    data = yaml.safe_load(
        (RULES_DIR.parents[1] / "catalog" / "departments.yaml").read_text("utf-8")
    )
    bureaus = [d["name"] for d in data["departments"] if "市场监督管理局" in d["name"]]
    assert len(bureaus) >= 13
    for name in [*bureaus, "武汉市某新区市场监督管理局"]:
        got = sources(national("2027-02-01", ["罚款"], name, FOOD, "2"))
        assert got["system"] == ("市场监管", "derived"), name


def test_explanation_sources_are_the_three_words() -> None:
    window = publication_window("penalty", national("2027-06-10", ["罚款"], SAMR, FOOD, "0.5"))
    assert {e.source for e in window.explanation} == set(Source)
    for item in window.as_json()["explanation"]:
        assert {"input", "value", "source"} <= item.keys() <= {"input", "value", "source", "how"}
