"""Rate limits per key (and per address for the public), in this process or in Redis, and
the audit trail of authorised reads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from rest_helpers import Api

from gateway.audit import AuditTrail
from gateway.auth import Principal
from gateway.ratelimit import WINDOW_SECONDS, MemoryLimiter
from store import Role, open_store, read_audit

REDIS_URL = "redis://127.0.0.1:6379/0"
PENALTY = "administrative-penalty"


def spend(api: Api, count: int, **kwargs: Any) -> list[int]:
    return [api.get("/api/v1/datasets", **kwargs).status_code for _ in range(count)]


def assert_limited(api: Api, **kwargs: Any) -> None:
    r = api.get("/api/v1/datasets", **kwargs)
    assert r.status_code == 429, r.text
    body = r.json()
    assert body["ok"] is False and body["status"] == 429 and "rate limit" in body["error"]
    assert 1 <= int(r.headers["retry-after"]) <= WINDOW_SECONDS


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A unique prefix on the real Redis; its keys are deleted afterwards."""
    prefix = f"creditgate-test-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # pragma: no cover - the service is part of the setup
        pytest.fail(f"Redis at {REDIS_URL} is needed: {exc}")
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def avoid_window_edge() -> None:
    """Wait out the last seconds of a minute so a test's requests share one window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 3:
        time.sleep(left + 0.1)


def test_keys_and_the_public_have_their_own_limits(make_api: Any) -> None:
    avoid_window_edge()
    with make_api(rate_limit_per_minute=5, public_rate_limit_per_minute=3) as api:
        assert spend(api, 3) == [200] * 3
        assert_limited(api)
        assert spend(api, 5, role=Role.AGENCY) == [200] * 5
        assert_limited(api, role=Role.AGENCY)
        assert spend(api, 5, role=Role.PLATFORM) == [200] * 5  # another key, another count
        assert api.get("/healthz").status_code == 200  # health checks are never limited


def test_limits_in_redis_are_shared_by_every_worker(make_api: Any, redis_prefix: str) -> None:
    avoid_window_edge()
    settings = {"redis_url": REDIS_URL, "redis_prefix": redis_prefix, "rate_limit_per_minute": 4}
    with make_api(**settings) as first:
        key = first.key(Role.AGENCY)
        assert spend(first, 2, key=key) == [200, 200]
        # a second app instance on the same store: another worker behind the same Redis
        with make_api(store=open_store(str(first.store.engine.url)), **settings) as second:
            assert spend(second, 2, key=key) == [200, 200]
            assert_limited(second, key=key)
        assert_limited(first, key=key)
    client = redis.Redis.from_url(REDIS_URL)
    assert list(client.scan_iter(f"{redis_prefix}:rl:key:*"))
    client.close()


def test_limits_fall_back_to_this_process_when_redis_is_down(make_api: Any) -> None:
    avoid_window_edge()
    with make_api(redis_url="redis://127.0.0.1:1/0", public_rate_limit_per_minute=2) as api:
        assert spend(api, 2) == [200, 200]
        assert_limited(api)


@pytest.mark.anyio
async def test_a_memory_window_resets_each_minute(monkeypatch: Any) -> None:
    now = [WINDOW_SECONDS * 1000 + 10.0]
    monkeypatch.setattr("gateway.ratelimit.time.time", lambda: now[0])
    limiter = MemoryLimiter()
    assert [(await limiter.hit("ip:x", 2)).exceeded for _ in range(2)] == [False, False]
    third = await limiter.hit("ip:x", 2)
    assert third.exceeded and third.remaining == 0
    assert third.reset == pytest.approx(WINDOW_SECONDS - 10.0)
    assert await limiter.count("ip:x") == 3
    now[0] += WINDOW_SECONDS
    fresh = await limiter.hit("ip:x", 2)
    assert not fresh.exceeded and fresh.remaining == 1


# -- the audit trail ------------------------------------------------------------------------


def test_keyed_reads_are_audited_and_public_ones_are_not(rest: Api) -> None:
    code = "91420100MA4K0A1B6L"
    rest.get(f"/api/v1/entities/{code}")
    rest.get(f"/api/v1/datasets/{PENALTY}/records")
    assert rest.audit() == []
    head = rest.store.head()
    for url in (
        f"/api/v1/entities/{code}",
        f"/api/v1/datasets/{PENALTY}/records?limit=3",
        f"/api/v1/datasets/{PENALTY}/download.csv",
        f"/api/v1/datasets/{PENALTY}/download.ndjson",
        "/api/v1/changes?limit=2",
    ):
        assert rest.get(url, role=Role.AGENCY).status_code == 200
    entries = rest.audit()
    assert [(e.action, e.target) for e in entries] == [
        ("entity", code),
        ("records", PENALTY),
        ("download.csv", PENALTY),
        ("download.ndjson", PENALTY),
        ("changes", "*"),
    ]
    assert {e.role for e in entries} == {"agency"}
    assert all(e.log_position == head and e.key_id for e in entries)
    assert len({e.key_id for e in entries}) == 1
    admin = rest.json("/api/v1/admin/audit", role=Role.ADMIN)
    assert [e["action"] for e in admin["entries"]] == [e.action for e in entries]
    mine = rest.json(
        f"/api/v1/admin/audit?key_id={entries[0].key_id}&after={entries[1].id}", role=Role.ADMIN
    )
    assert [e["id"] for e in mine["entries"]] == [e.id for e in entries[2:]]


def test_the_trail_is_written_at_shutdown(make_api: Any, tmp_path: Any) -> None:
    with make_api(audit_flush_seconds=3600) as api:
        api.get(f"/api/v1/datasets/{PENALTY}/records", role=Role.PLATFORM)
        engine_url = str(api.store.engine.url)
        assert read_audit(api.store.engine) == []  # still queued
    with open_store(engine_url) as store:
        assert [e.action for e in read_audit(store.engine)] == ["records"]


def test_failed_writes_keep_entries_and_a_full_queue_refuses_reads(tmp_path: Any) -> None:
    from sqlalchemy import create_engine

    from gateway.errors import ApiError

    broken = create_engine(f"sqlite:///{tmp_path / 'no-tables.sqlite'}")
    trail = AuditTrail(broken, flush_seconds=3600, max_pending=3)
    who = Principal(role=Role.AGENCY, name="agency", key_id="k1")
    for n in range(3):
        trail.note(who, "entity", f"target{n}", n)
    assert trail.flush() == 0 and trail.pending == 3  # kept for the next attempt
    with pytest.raises(ApiError) as refused:
        trail.note(who, "entity", "one too many", 3)
    assert refused.value.status == 503
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    trail.engine = store.engine  # the database is back
    assert trail.flush() == 3 and trail.pending == 0
    assert [e.target for e in read_audit(store.engine)] == ["target0", "target1", "target2"]
    store.close()
    broken.dispose()
