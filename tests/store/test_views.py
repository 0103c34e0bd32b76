"""Audience views: no ID number ever reaches the public, agencies see masks, openness holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from penalty_factory import DATASET, fixture_records, penalties, rows

import schemas
from catalog import Openness, dataset_ids, get_entry
from store import Audience, Store, StoredRecord, open_store, view, view_event
from store.subjects import record_openness
from store.views import _redact, _Rule, disclosure_rules

RESIDENT_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])"
)
PERSONAL_FIELDS = ("person_id_no", "legal_rep_id_no", "responsible_persons", "contact_phone")


@pytest.fixture
def mixed(db_url: str) -> Iterator[Store]:
    """Every dataset with example records, plus 200 penalties (40 about natural persons)."""
    st = open_store(db_url)
    loaded = 0
    for dataset in dataset_ids():
        records = fixture_records(get_entry(dataset).schema_id)
        if records:
            result = st.submit(dataset, rows(records), actor="fixture")
            loaded += result.accepted
    st.submit(DATASET, rows(penalties(200)), actor="dept")
    assert loaded >= 20, "the mixed data set needs the publishers' fixture records"
    yield st
    st.close()


def _all(st: Store) -> list[StoredRecord]:
    out: list[StoredRecord] = []
    for dataset in dataset_ids():
        out.extend(st.records(dataset, state="all", limit=5000))
    return out


def _days(stored: StoredRecord) -> list[date]:
    """Days to look on: inside the window (so the view exists) and a fixed day."""
    days = [date(2026, 6, 1)]
    if stored.window_start:
        days.append(stored.window_start)
    if stored.window_end:
        days.append(stored.window_end - timedelta(days=1))
    return days


def _id_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for item in value for v in _id_values(item)]
    if isinstance(value, dict):
        return [v for k, item in value.items() if k == "id_no" for v in _id_values(item)]
    return []


def test_no_id_number_in_any_public_view(mixed: Store) -> None:
    shown = 0
    personal_seen = 0
    for stored in _all(mixed):
        secrets = [
            v for f in PERSONAL_FIELDS for v in _id_values(stored.payload.get(f)) if len(v) >= 15
        ]
        personal_seen += bool(secrets)
        for day in _days(stored):
            public = view(stored, Audience.PUBLIC, today=day)
            if public is None:
                continue
            shown += 1
            text = orjson.dumps(public).decode()
            assert not RESIDENT_ID.search(text), text
            for secret in secrets:
                assert secret not in text, (secret, text)
            for field in PERSONAL_FIELDS:
                assert field not in public, (field, public)
            fields = {f.id: f for f in schemas.fields(get_entry(stored.dataset).schema_id)}
            for key in public:
                if key not in ("record_id", "dataset", "_meta"):
                    assert fields[key].disclosure == "public", key
    assert shown > 200 and personal_seen > 100


def test_agency_sees_masks_not_numbers(mixed: Store) -> None:
    masked = 0
    for stored in _all(mixed):
        agency = view(stored, Audience.AGENCY, today=stored.window_start or date(2026, 6, 1))
        if agency is None:
            continue
        for field in ("person_id_no", "legal_rep_id_no"):
            original = stored.payload.get(field)
            if original:
                assert agency[field] == schemas.mask_id_number(original) != original
                assert original not in orjson.dumps(agency).decode()
                masked += 1
        assert "responsible_persons" not in agency  # restricted: government only
        assert "contact_phone" not in agency
    assert masked > 100


def test_government_sees_everything_active(mixed: Store) -> None:
    for stored in _all(mixed):
        gov = view(stored, Audience.GOVERNMENT, today=date(2000, 1, 1))  # window not required
        assert gov is not None
        assert {k: v for k, v in gov.items() if k not in ("record_id", "dataset", "_meta")} == (
            stored.payload
        )


def test_openness_decides_who_sees_a_dataset(mixed: Store) -> None:
    seen: dict[Openness, set[Audience]] = {}
    for stored in _all(mixed):
        openness = get_entry(stored.dataset).openness
        for audience in Audience:
            for day in _days(stored):
                if view(stored, audience, today=day) is not None:
                    seen.setdefault(openness, set()).add(audience)
    assert seen[Openness.PUBLIC] == set(Audience)
    assert seen[Openness.AUTHORISED] == {Audience.AGENCY, Audience.GOVERNMENT}
    assert seen[Openness.GOVERNMENT] == {Audience.GOVERNMENT}


def test_window_and_state_rules(db_url: str) -> None:
    st = open_store(db_url)
    (record,) = penalties(1)
    rid = st.submit(DATASET, rows([record]), actor="dept").outcomes[0].record_id
    assert rid is not None
    stored = st.get(rid)
    assert stored.window_start and stored.window_end
    inside, before, after = (
        stored.window_start,
        stored.window_start - timedelta(days=1),
        (stored.window_end + timedelta(days=1)),
    )
    for audience in (Audience.PUBLIC, Audience.AGENCY):
        assert view(stored, audience, today=inside) is not None
        assert view(stored, audience, today=before) is None
        assert view(stored, audience, today=after) is None
    assert view(stored, Audience.GOVERNMENT, today=after) is not None
    st.withdraw(DATASET, record_id=rid, reason="repaired", actor="office")
    gone = st.get(rid)
    assert all(view(gone, a, today=inside) is None for a in Audience)
    st.close()


def test_nested_rules_come_from_the_schema() -> None:
    rules = disclosure_rules("market-ban")
    nested = rules["responsible_persons"].nested
    assert nested is not None
    assert nested["id_no"].disclosure == "masked" and nested["name"].disclosure == "restricted"
    # the walk applies nested annotations wherever the parent itself is shown
    shown_parent = {"people": _Rule("public", nested), "note": _Rule("public", None)}
    record = {
        "people": [{"name": "李红梅", "id_no": "420106198006051027", "role": "法定代表人"}],
        "note": "x",
        "undeclared": "420106198006051027",
    }
    assert _redact(record, shown_parent, Audience.PUBLIC) == {"people": [{}], "note": "x"}
    assert _redact(record, shown_parent, Audience.AGENCY) == {
        "people": [{"id_no": schemas.mask_id_number("420106198006051027")}],
        "note": "x",
    }
    assert _redact(record, shown_parent, Audience.GOVERNMENT) == record


def test_view_event_feed_matches_views(mixed: Store) -> None:
    """Applying the public feed in order ends with exactly the public views."""
    today = date(2026, 6, 1)
    some = mixed.records(DATASET, limit=3)
    mixed.withdraw(DATASET, record_id=some[0].record_id, reason="repaired", actor="office")
    for audience in Audience:
        applied: dict[str, dict[str, Any]] = {}
        for event in mixed.iter_changes():
            item = view_event(event, audience, today=today, hidden=mixed.hidden([event], audience))
            if item is None:
                # natural persons' records are not the public's (Order 272, store.subjects)
                payload = event.payload or mixed.get(event.record_id).payload
                assert record_openness(event.dataset, payload) not in _open_for(audience)
                continue
            if item["op"] == "upsert":
                applied[event.record_id] = item["record"]
            else:
                applied.pop(event.record_id, None)
        expected = {
            s.record_id: v for s in _all(mixed) if (v := view(s, audience, today=today)) is not None
        }
        assert set(applied) == set(expected)
        for rid, shown in applied.items():
            assert {k: v for k, v in shown.items() if k != "_meta"} == {
                k: v for k, v in expected[rid].items() if k != "_meta"
            }


def _open_for(audience: Audience) -> set[Openness]:
    return {
        Audience.PUBLIC: {Openness.PUBLIC},
        Audience.AGENCY: {Openness.PUBLIC, Openness.AUTHORISED},
        Audience.GOVERNMENT: set(Openness),
    }[audience]
