"""The penalty memo (store.window_templates) answers exactly what the full computation does."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from store.window_templates import _boundaries
from store.windows import RuleBook, load_rulebook

CATEGORIES = ["警告", "罚款", "通报批评", "没收违法所得", "吊销许可证件", "责令停产停业", "乱写"]
AUTHORITIES = [
    ("武汉市市场监督管理局", "11420100MB1320102J"),
    ("武汉市生态环境局", "114201003BJ1XG618Y"),
    ("武汉市交通运输局", None),
    (None, None),
]
BASES = [None, "《中华人民共和国食品安全法》第一百二十二条", "《中华人民共和国消防法》第六十条"]
SECTORS = [None, "", "特种设备", "交通运输", "税务", "食品安全"]


def _edges() -> list[date]:
    """Era boundaries and the days around them, month ends and leap days."""
    rules = load_rulebook().rules("penalty")
    days = []
    for edge in _boundaries(rules):
        days += [edge - timedelta(days=1), edge, edge + timedelta(days=1)]
    days += [date(2024, 2, 29), date(2023, 1, 31), date(2025, 8, 31), date(2021, 12, 31)]
    return days


def fresh_book() -> RuleBook:
    """A rule book with empty memos over the default rules (read once)."""
    base = load_rulebook()
    return RuleBook({ref: base.rules(ref) for ref in base.rule_refs}, base.directory)


@st.composite
def penalties(draw: st.DrawFn) -> dict[str, Any]:
    day = draw(st.one_of(st.dates(date(2015, 1, 1), date(2030, 12, 31)), st.sampled_from(_edges())))
    name, uscc = draw(st.sampled_from(AUTHORITIES))
    shown = draw(st.sampled_from(["iso", "slash", "date", "blank", "bad"]))
    decided: Any = {
        "iso": day.isoformat(),
        "slash": day.isoformat().replace("-", "/"),
        "date": day,
        "blank": "",
        "bad": "2024-02-30",
    }[shown]
    return {
        "decision_date": decided,
        "penalty_categories": draw(st.lists(st.sampled_from(CATEGORIES), max_size=3)),
        "fine_amount_wan": draw(st.sampled_from([None, "0.01", "0.3", "1", "100", "x"])),
        "counterpart_category": draw(st.sampled_from([None, "法人及非法人组织", "自然人"])),
        "authority_name": name,
        "authority_uscc": uscc,
        "legal_basis": draw(st.sampled_from(BASES)),
        "violation_type": draw(st.sampled_from(BASES)),
        "sector": draw(st.sampled_from(SECTORS)),
        "procedure": draw(st.sampled_from([None, "简易程序", "普通程序"])),
        "severity": draw(st.sampled_from([None, "严重", "一般"])),
    }


@settings(max_examples=250, deadline=None)
@given(st.lists(penalties(), min_size=1, max_size=8))
def test_memo_equals_the_full_computation(records: list[dict[str, Any]]) -> None:
    book = fresh_book()  # the memo fills as the records come
    for record in records:
        fast = book.window("penalty", record)
        full = book._window("penalty", book._memo_key("penalty", record))
        assert fast == full
        assert fast.explanation == full.explanation
        assert fast.flags == full.flags


def test_the_memo_is_used_across_dates() -> None:
    book = fresh_book()
    memo = book._memos["penalty"]
    for day in range(1, 29):
        book.window(
            "penalty", {"decision_date": f"2024-02-{day:02d}", "penalty_categories": ["罚款"]}
        )
    assert len(memo.memo) == 1
