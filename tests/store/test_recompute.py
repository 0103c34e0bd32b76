"""Rule changes reach stored records: recompute counts (dry run), applies, and is idempotent."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from penalty_factory import DATASET, penalty, rows

from store import Audience, Op, RecordState, Store, WithdrawalReason, open_store, view
from store.recompute import recompute
from store.windows import RULES_DIR, RuleBook, read_rules

TODAY = date(2027, 10, 1)
AT = datetime(2027, 10, 1, 2, 0, tzinfo=UTC)
SAMR = ("武汉市洪山区市场监督管理局", "《中华人民共和国食品安全法》第一百二十四条第一款")
ROAD = ("武汉市交通运输局", "《中华人民共和国道路运输条例》第六十三条")


def national(i: int, decided: str, authority: tuple[str, str], fine: str) -> dict[str, Any]:
    """A stored penalty of an organisation, national fields only (no sector / procedure)."""
    record = penalty(i * 5, random.Random(i))  # i * 5: never a natural person
    record.pop("procedure")
    record.update(
        decision_date=decided,
        penalty_valid_to="2099-12-31",
        penalty_categories=["罚款"],
        fine_amount_wan=fine,
        authority_name=authority[0],
        source_org_name=authority[0],
        legal_basis=authority[1],
        violation_type=authority[1],
    )
    return record


RECORDS = {
    "ends": national(1, "2027-06-10", SAMR, "0.5"),  # 1 year now; 3 months once low → ended
    "shortens": national(2, "2027-09-20", SAMR, "0.5"),  # 1 year now; 3 months: still shown
    "starts": national(3, "2027-06-10", ROAD, "0.01"),  # 100 yuan: simple now; not once 50
    "reopens": national(4, "2026-05-01", ROAD, "2"),  # ended 2027-05-01, swept; 2 years now
    "lengthens": national(5, "2027-06-10", ROAD, "2"),  # 1 year → 2 years
}


def changed_rules(tmp_path: Path) -> RuleBook:
    """Hubei's threshold set (1 万元), Art. 51 limit 50 yuan, Order 36 general max 2 years."""
    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(RULES_DIR / "rules.schema.json", tmp_path / "rules.schema.json")
    path = tmp_path / "penalty.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("        max_wan: null\n", '        max_wan: "1"\n'),
        ('个体工商户: "200", default: "3000"}', '个体工商户: "200", default: "50"}'),
        (
            "      general: {min: P3M, max: P1Y}\n      serious: {min: P1Y, max: P3Y}",
            "      general: {min: P3M, max: P2Y}\n      serious: {min: P1Y, max: P3Y}",
        ),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return read_rules(tmp_path)


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    result = store.submit(DATASET, rows(list(RECORDS.values())), actor="dept", now=AT)
    assert result.accepted == len(RECORDS)
    store.sweep(TODAY, occurred_at=AT)  # "reopens" ended on 2027-05-01
    yield store
    store.close()


def ids(st: Store) -> dict[str, str]:
    events = st.changes(0, 100)
    by_doc = {e.payload["decision_doc_no"]: e.record_id for e in events if e.payload}
    return {name: by_doc[record["decision_doc_no"]] for name, record in RECORDS.items()}


def test_current_rules_change_nothing(st: Store) -> None:
    result = recompute(st.engine, TODAY, dry_run=True)
    assert result.total == {"shorten": 0, "lengthen": 0, "end_now": 0, "start": 0}
    assert recompute(st.engine, TODAY).last_seq is None


def test_dry_run_counts_and_writes_nothing(st: Store, tmp_path: Path) -> None:
    book = changed_rules(tmp_path)
    head = st.head()
    result = recompute(st.engine, TODAY, dry_run=True, book=book)
    assert result.by_dataset == {DATASET: {"shorten": 1, "lengthen": 1, "end_now": 1, "start": 2}}
    assert st.head() == head
    again = recompute(st.engine, TODAY, dry_run=True, book=book)
    assert again.by_dataset == result.by_dataset


def test_apply_writes_the_change_log_and_is_idempotent(st: Store, tmp_path: Path) -> None:
    book = changed_rules(tmp_path)
    rid = ids(st)
    head = st.head()
    dry = recompute(st.engine, TODAY, dry_run=True, book=book)
    applied = recompute(st.engine, TODAY, book=book, occurred_at=AT)
    assert applied.by_dataset == dry.by_dataset
    events = {e.record_id: e for e in st.changes(head, 100)}
    assert len(events) == 5 and applied.first_seq == head + 1 and applied.last_seq == head + 5
    assert all(e.reason == WithdrawalReason.RULE_CHANGE.value for e in events.values())

    ended = events[rid["ends"]]
    assert ended.op is Op.DELETE and ended.state is RecordState.WITHDRAWN
    assert ended.window_end == date(2027, 9, 10)
    assert st.get(rid["ends"]).withdrawn_reason == "rule_change"

    for name in ("starts", "reopens"):
        started = events[rid[name]]
        assert started.op is Op.UPSERT and started.state is RecordState.ACTIVE, name
        assert view(st.get(rid[name]), Audience.PUBLIC, today=TODAY) is not None, name
    assert events[rid["reopens"]].window_end == date(2028, 5, 1)
    assert events[rid["shortens"]].window_end == date(2027, 12, 20)
    assert events[rid["lengthens"]].window_end == date(2029, 6, 10)
    assert st.get(rid["shortens"]).version == 2  # same payload, a new version with the window

    second = recompute(st.engine, TODAY, book=book, occurred_at=AT)
    assert second.total == {"shorten": 0, "lengthen": 0, "end_now": 0, "start": 0}
    assert second.last_seq is None and st.head() == head + 5
    assert recompute(st.engine, TODAY, dry_run=True, book=book).by_dataset == {}


def test_other_take_downs_are_never_undone(st: Store, tmp_path: Path) -> None:
    rid = ids(st)
    st.withdraw(DATASET, record_id=rid["starts"], reason="revoked", actor="dept")
    result = recompute(st.engine, TODAY, book=changed_rules(tmp_path))
    assert result.by_dataset[DATASET]["start"] == 1  # "reopens" only
    assert st.get(rid["starts"]).state is RecordState.WITHDRAWN
