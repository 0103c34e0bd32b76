"""The failed-authentication throttle and the upload slots, shared by workers through the real
Redis at 127.0.0.1:6379 (each test under its own key prefix): two app instances on one store
stand for two worker processes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from rest_helpers import Api

from gateway.ratelimit import WINDOW_SECONDS
from gateway.slots import RedisSlots, slots_of
from store import Role, authenticate, open_store

REDIS_URL = "redis://127.0.0.1:6379/0"
SUBMIT = "/api/v1/datasets/administrative-penalty/submissions"
WRONG = {"authorization": "Bearer cg_wrong_key"}


@pytest.fixture
def prefix() -> Iterator[str]:
    """A unique prefix on the real Redis; its keys are deleted afterwards."""
    name = f"creditgate-http-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # pragma: no cover - the service is part of the setup
        pytest.fail(f"Redis at {REDIS_URL} is needed: {exc}")
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def same_window() -> None:
    """Wait out the last seconds of a minute so a test's requests share one window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 5:
        time.sleep(left + 0.1)


def second_worker(make_api: Callable[..., Any], first: Api, **settings: Any) -> Any:
    """Another app instance on the same store and settings: another worker process."""
    return make_api(store=open_store(str(first.store.engine.url)), **settings)


def submit(api: Api, key: str | None) -> int:
    r = api.post(SUBMIT, key=key, content=b"[]", headers={"content-type": "application/json"})
    return r.status_code


def test_a_blocked_address_is_blocked_in_every_worker(
    make_api: Callable[..., Any], prefix: str
) -> None:
    same_window()
    settings = {"redis_url": REDIS_URL, "redis_prefix": prefix, "failed_auth_per_minute": 3}
    with make_api(**settings) as first:
        good = first.key(Role.AGENCY)
        assert [first.get("/api/v1/datasets", headers=WRONG).status_code for _ in range(3)] == [
            401
        ] * 3
        with second_worker(make_api, first, **settings) as second:
            # the fourth failure, in the other worker, crosses the limit
            assert second.get("/api/v1/datasets", headers=WRONG).status_code == 429
            blocked = second.get("/api/v1/datasets", key=good)
            assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
            assert second.get("/api/v1/datasets").status_code == 200  # the public is not
        # the first worker never saw the fourth failure: it learns the block from Redis
        assert first.get("/api/v1/datasets", key=good).status_code == 429
    client = redis.Redis.from_url(REDIS_URL)
    assert list(client.scan_iter(f"{prefix}:rl:authfail:*"))
    client.close()


def test_upload_slots_are_shared_by_every_worker(make_api: Callable[..., Any], prefix: str) -> None:
    settings = {"redis_url": REDIS_URL, "redis_prefix": prefix, "max_concurrent_uploads": 1}
    with make_api(seed=False, **settings) as first:
        secret = first.key(Role.ADMIN)
        key = authenticate(first.store.engine, secret or "")
        assert key is not None
        slots = slots_of(first.app)
        assert isinstance(slots, RedisSlots)
        held = first.portal.call(slots.take, key.key_id, 1)  # an upload in progress in worker 1
        assert held is not None and held.shared
        with second_worker(make_api, first, seed=False, **settings) as second:
            refused = second.post(
                SUBMIT, key=secret, content=b"[]", headers={"content-type": "application/json"}
            )
            assert refused.status_code == 429 and "in progress" in refused.json()["error"]
            first.portal.call(slots.give_back, held)
            assert submit(second, secret) == 400  # the slot is free: on to the (empty) body
        client = redis.Redis.from_url(REDIS_URL)
        assert client.zcard(f"{prefix}:up:{key.key_id}") == 0  # given back after the upload
        client.close()


def test_a_slot_of_a_dead_worker_ends_with_its_lease(prefix: str) -> None:
    async def scenario() -> tuple[bool, bool]:
        slots = RedisSlots(REDIS_URL, prefix=prefix, lease_seconds=1)
        try:
            held = await slots.take("k1", 1)
            full = await slots.take("k1", 1) is None
            assert held is not None  # ... and never given back: its worker was killed
            time.sleep(1.2)
            again = await slots.take("k1", 1) is not None
            return full, again
        finally:
            await slots.close()

    import anyio

    full, again = anyio.run(scenario)
    assert full and again


def test_without_redis_the_bounds_hold_in_each_process(make_api: Callable[..., Any]) -> None:
    same_window()
    down = {"redis_url": "redis://127.0.0.1:1/0"}
    with make_api(failed_auth_per_minute=2, **down) as api:
        answers = [api.get("/api/v1/datasets", headers=WRONG).status_code for _ in range(3)]
        assert answers == [401, 401, 429]
    with make_api(max_concurrent_uploads=1, **down) as api:
        secret = api.key(Role.ADMIN)
        key = authenticate(api.store.engine, secret or "")
        assert key is not None
        slots = slots_of(api.app)
        held = api.portal.call(slots.take, key.key_id, 1)
        assert held is not None and not held.shared  # counted in this process
        refused = api.post(
            SUBMIT, key=secret, content=b"[]", headers={"content-type": "application/json"}
        )
        assert refused.status_code == 429 and "in progress" in refused.json()["error"]
        api.portal.call(slots.give_back, held)
        assert submit(api, secret) == 400
