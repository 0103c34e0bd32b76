"""Entity search over the public view, on SQLite and PostgreSQL: names as people type them,
natural persons never findable, and the index following the change log."""

from __future__ import annotations

import random
from datetime import date

import pytest
from penalty_factory import DATASET, penalties, penalty, rows

from store import EntityIndex, normalise_name, open_store

TODAY = date(2026, 6, 1)


def _named(i: int, name: str) -> dict[str, object]:
    record = penalty(i, random.Random(i))
    record.update(counterpart_name=name, decision_date="2026-05-20", penalty_valid_to="2027-05-20")
    assert record["counterpart_category"] == "法人及非法人组织"
    return record


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("武漢（漢陽）華夏有限責任公司", "武汉(汉阳)华夏"),
        ("武汉市 汤逊湖食品 股份有限公司", "武汉市汤逊湖食品"),
        ("ＡＢＣ科技有限公司", "abc科技"),
        ("有限公司", "有限公司"),  # nothing but a suffix stays as it is
    ],
)
def test_normalise_name(name: str, expected: str) -> None:
    assert normalise_name(name) == expected


def test_search_finds_entities_as_people_type_them(db_url: str) -> None:
    with open_store(db_url) as store:
        store.submit(
            DATASET,
            rows([_named(0, "武汉汤逊湖食品有限公司"), _named(2, "武汉光谷芯片科技有限公司")]),
            actor="t",
        )
        index = EntityIndex(store)
        index.refresh(TODAY)
        code = store.records(DATASET)[0].uscc
        target = next(
            r.uscc
            for r in store.records(DATASET)
            if r.payload["counterpart_name"] == "武汉汤逊湖食品有限公司"
        )
        assert code
        for query in (
            "汤逊湖",
            "湯遜湖食品",
            "tangxunhu",
            "whtxh",
            "whtxhsp",
            "武汉汤逊湖食品有限责任公司",
            "汤逊糊食品",
            target.lower(),
        ):
            hits = index.search(query)
            assert hits and hits[0].uscc == target, (query, hits)
        assert index.search("完全无关的名字") == []
        assert index.search("   ") == []


def test_natural_persons_are_never_indexed(db_url: str) -> None:
    with open_store(db_url) as store:
        records = penalties(20, seed=3)
        store.submit(DATASET, rows(records), actor="t")
        index = EntityIndex(store)
        index.refresh(TODAY)
        persons = [r["counterpart_name"] for r in records if r["counterpart_category"] == "自然人"]
        assert persons
        for name in persons:
            assert all(h.name != name for h in index.search(str(name))), name
        assert all(not h.name.startswith("张") for h in index.search("张", limit=100))


def test_index_follows_the_change_log(db_url: str) -> None:
    with open_store(db_url) as store:
        store.submit(DATASET, rows([_named(0, "武汉汤逊湖食品有限公司")]), actor="t")
        index = EntityIndex(store)
        index.refresh(TODAY)
        assert len(index) == 1
        position = index.position
        store.submit(DATASET, rows([_named(2, "武汉光谷芯片科技有限公司")]), actor="t")
        index.refresh(TODAY)
        assert index.position > position
        assert [h.name for h in index.search("光谷芯片")] == ["武汉光谷芯片科技有限公司"]
        gone = next(
            r
            for r in store.records(DATASET)
            if r.payload["counterpart_name"] == "武汉光谷芯片科技有限公司"
        )
        store.withdraw(DATASET, record_id=gone.record_id, reason="revoked", note="撤销", actor="t")
        index.refresh(TODAY)
        assert index.search("光谷芯片") == []  # a take-down leaves the index too
