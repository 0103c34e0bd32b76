"""A partner keeps a copy in sync over REST: it downloads a dataset, then follows the change
feed while records are added, corrected and taken down, acknowledges, and ends with exactly
the records a fresh download gives."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from rest_helpers import REST_ENTITIES, REST_TODAY, Api

import demo
from store import Role, submit_records

PENALTY = "administrative-penalty"
FEED_PAGE = 7


def download(api: Api, role: Role | None) -> tuple[dict[str, dict[str, Any]], int]:
    r = api.get(f"/api/v1/datasets/{PENALTY}/download.ndjson", role=role)
    assert r.status_code == 200, r.text
    rows = [orjson.loads(line) for line in r.content.splitlines()]
    return {row["record_id"]: row for row in rows}, int(r.headers["x-creditgate-log-position"])


def download_by_pages(
    api: Api, role: Role | None, between: Any
) -> tuple[dict[str, dict[str, Any]], int]:
    """Page through ``/records`` (5 per page), calling ``between()`` after each page."""
    rows: dict[str, dict[str, Any]] = {}
    url: str | None = f"/api/v1/datasets/{PENALTY}/records?limit=5"
    position = None
    while url:
        body = api.json(url, role=role)
        position = body["log_position"] if position is None else position
        rows.update((r["record_id"], r) for r in body["records"])
        url = body["next_url"]
        between()
    assert position is not None
    return rows, position


def follow(api: Api, role: Role | None, rows: dict[str, dict[str, Any]], cursor: int) -> int:
    """Apply the feed after ``cursor`` until it is drained; answers the new cursor."""
    while True:
        r = api.get(
            f"/api/v1/changes?after={cursor}&limit={FEED_PAGE}&dataset={PENALTY}", role=role
        )
        assert r.status_code == 200, r.text
        items = [orjson.loads(line) for line in r.content.splitlines()]
        for item in items:
            assert item["seq"] > cursor and item["dataset"] == PENALTY, item
            cursor = item["seq"]
            if item["op"] == "upsert":
                assert item["record"]["record_id"] == item["record_id"]
                rows[item["record_id"]] = item["record"]
            else:
                assert item["op"] == "delete" and item["record"] is None and item["reason"]
                rows.pop(item["record_id"], None)
        if len(items) < FEED_PAGE:
            # fewer lines than asked: every event up to the head has been delivered
            return max(cursor, int(r.headers["x-creditgate-head"]))


class Departments:
    """The writers: new penalties over REST, corrections and take-downs in the store."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.fresh = iter(demo.penalties(400, seed=77, entities=REST_ENTITIES))
        self.round = 0

    def add(self, count: int) -> None:
        records = [next(self.fresh) for _ in range(count)]
        r = self.api.post(f"/api/v1/datasets/{PENALTY}/submissions", json=records, role=Role.ADMIN)
        assert r.status_code == 200 and r.json()["accepted"] == count, r.text

    def active(self) -> list[Any]:
        return self.api.store.records(PENALTY, limit=10_000)

    def correct(self, count: int) -> None:
        for stored in self.active()[3 : 3 + count]:
            changed = dict(stored.payload, penalty_content=f"更正第{self.round}次。")
            receipt = submit_records(self.api.store, PENALTY, [changed], actor="test:dept")
            assert receipt.accepted == 1, receipt.issues

    def take_down(self, count: int, reason: str) -> list[Any]:
        taken = self.active()[-count:]
        for stored in taken:
            assert self.api.store.withdraw(
                PENALTY, record_id=stored.record_id, reason=reason, actor="test:dept"
            )
        return taken

    def step(self) -> None:
        """One round of every kind of change."""
        self.round += 1
        self.add(4)
        self.correct(2)
        self.take_down(2, "repaired")
        for stored in self.take_down(1, "corrected"):  # withdrawn for correction, re-sent
            fixed = dict(stored.payload, penalty_content=f"已更正（第{self.round}轮）。")
            assert submit_records(self.api.store, PENALTY, [fixed], actor="test:dept").accepted


@pytest.mark.parametrize("role", [Role.PLATFORM, Role.AGENCY, None], ids=str)
@pytest.mark.parametrize("how", ["download", "pages"])
def test_download_then_follow_ends_with_what_a_download_gives(
    rest: Api, role: Role | None, how: str
) -> None:
    departments = Departments(rest)
    if how == "download":
        rows, cursor = download(rest, role)
    else:  # writes land between the pages of the initial copy
        rows, cursor = download_by_pages(rest, role, departments.step)
    assert rows
    for _ in range(3):
        departments.step()
        cursor = follow(rest, role, rows, cursor)
    rest.store.sweep(REST_TODAY)  # expiries arrive as delete events
    departments.step()
    cursor = follow(rest, role, rows, cursor)

    final, position = download(rest, role)
    assert set(rows) == set(final)
    assert rows == final
    assert cursor == position == rest.store.head()

    if role is not None:
        ack = rest.post("/api/v1/changes/ack", json={"cursor": cursor}, role=role)
        assert ack.status_code == 200, ack.text
        assert ack.json()["lag"] == 0
        older = rest.post("/api/v1/changes/ack", json={"cursor": 1}, role=role)
        assert older.json()["cursor"] == cursor  # never moves backwards
        lag = rest.json("/api/v1/admin/acks", role=Role.ADMIN)
        mine = [a for a in lag["acks"] if a["role"] == role.value]
        assert len(mine) == 1 and mine[0]["seq"] == cursor and mine[0]["lag"] == 0
