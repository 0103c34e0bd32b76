"""Record openness by subject (store.subjects) on real SQLite and PostgreSQL: natural persons'
records are authorised query and government sharing only — no public view, no public feed
item (take-downs included) — unknown categories fail closed, individual businesses stay public
without their operator's ID number."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import orjson
import pytest
from penalty_factory import DATASET, penalties, resident_id, rows

import schemas
from store import Audience, Store, open_store, view, view_event

TODAY = date(2027, 3, 1)


@pytest.fixture
def st(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    yield store
    store.close()


def _person(i: int, **changes: Any) -> dict[str, Any]:
    """A natural person's penalty (factory record 4, 9, … are persons), changed."""
    record = dict(penalties(1, start=5 * i + 4)[0])
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def _store(st: Store, records: list[dict[str, Any]]) -> list[str]:
    result = st.submit(DATASET, rows(records), actor="dept", now=None)
    ids = [o.record_id for o in result.outcomes]
    assert all(ids) and result.rejected == 0
    return [i for i in ids if i is not None]


def _feed(st: Store, audience: Audience, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    lines = b"".join(st.feed_ndjson(after, limit, [DATASET], audience, today=TODAY))
    return [orjson.loads(x) for x in lines.splitlines()]


def test_unknown_category_with_a_person_id_fails_closed(st: Store) -> None:
    number = "420102199003074513"
    assert schemas.is_valid_resident_id(number)
    records = [
        _person(0, counterpart_category=None),  # missing
        _person(1, counterpart_category="01"),  # local numeric code of 自然人
        _person(2, counterpart_category="居民"),  # unrecognised, a person's ID number
        _person(3, counterpart_category="法人及非法人组织", person_id_no=number),
    ]
    ids = _store(st, records)
    for record_id in ids:
        stored = st.get(record_id)
        day = stored.window_start or TODAY
        assert view(stored, Audience.PUBLIC, today=day) is None, stored.payload
        agency = view(stored, Audience.AGENCY, today=day)
        assert agency is not None
        assert agency["person_id_no"] == schemas.mask_id_number(stored.payload["person_id_no"])
        assert view(stored, Audience.GOVERNMENT, today=day) is not None
    assert not {i["record_id"] for i in _feed(st, Audience.PUBLIC)} & set(ids)
    assert {i["record_id"] for i in _feed(st, Audience.AGENCY)} == set(ids)


def test_a_natural_persons_take_down_is_not_in_the_public_feed(st: Store) -> None:
    company, person = penalties(2, start=3)[0], _person(0)
    company_id, person_id = _store(st, [company, person])
    head = st.head()
    st.withdraw(DATASET, record_id=person_id, reason="repaired", actor="office")
    st.withdraw(DATASET, record_id=company_id, reason="repaired", actor="office")
    public = _feed(st, Audience.PUBLIC, after=head)
    assert [(i["record_id"], i["op"]) for i in public] == [(company_id, "delete")]
    agency = _feed(st, Audience.AGENCY, after=head)
    assert [i["record_id"] for i in agency] == [person_id, company_id]
    # view_event agrees when given what Store.hidden finds
    events = st.changes(head)
    hidden = st.hidden(events, Audience.PUBLIC)
    assert hidden == {person_id}
    items = [view_event(e, Audience.PUBLIC, today=TODAY, hidden=hidden) for e in events]
    assert [i and i["record_id"] for i in items] == [None, company_id]
    assert st.hidden(events, Audience.AGENCY) == frozenset()


def test_a_public_feed_page_is_full_until_the_end_of_the_log(st: Store) -> None:
    """``limit`` counts lines: hidden events never make a page look like the end."""
    records = penalties(40)  # every 5th about a natural person
    _store(st, records)
    everything = _feed(st, Audience.PUBLIC)
    assert len(everything) == 32
    cursor, seen = 0, []
    while True:
        page = _feed(st, Audience.PUBLIC, after=cursor, limit=3)
        seen.extend(page)
        if len(page) < 3:
            break
        cursor = page[-1]["seq"]
    assert seen == everything


def test_individual_business_is_public_without_the_operators_id(st: Store) -> None:
    operator = resident_id(random.Random(5))
    business = dict(
        penalties(1, start=3)[0],
        counterpart_name="武汉市江岸区张伟餐饮店",
        counterpart_category="个体工商户",
        uscc="92420102MA4K0A1B6L",
        legal_rep_name="张伟",
        legal_rep_id_no=operator,
        remarks=f"经营者身份证号{operator}。",
    )
    (record_id,) = _store(st, [business])
    stored = st.get(record_id)
    public = view(stored, Audience.PUBLIC, today=stored.window_start or TODAY)
    assert public is not None and public["counterpart_name"] == "武汉市江岸区张伟餐饮店"
    text = orjson.dumps(public).decode()
    assert operator not in text and "legal_rep_id_no" not in public
    assert public["remarks"] == f"经营者身份证号{schemas.mask_id_number(operator)}。"
    (item,) = _feed(st, Audience.PUBLIC)
    assert item["record"] == public
    government = view(stored, Audience.GOVERNMENT, today=TODAY)
    assert government is not None and government["legal_rep_id_no"] == operator
