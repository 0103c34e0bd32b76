"""Webhooks end to end: a partner registers over REST, changes are posted to a real HTTP
receiver signed per Standard Webhooks, in the partner's view (the feed's items), retried
after a 500, dead-lettered, replayed from a cursor; a take-down reaches a running deliverer's
subscriber; the console's lag counts what is undelivered. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from receiver import Receiver, receiving
from rest_helpers import NO_LIMITS, REST_ENTITIES, REST_TODAY, Api, serving
from standardwebhooks.webhooks import Webhook

import demo as synthetic
from gateway.app import create_app
from gateway.delivery import Deliverer, DeliveryConfig, backoff, signed_headers
from gateway.settings import Settings
from store import Role, open_store

PENALTY = "administrative-penalty"
HOOKS = {
    "webhook_allow_private_urls": True,
    "webhook_allow_http": True,
    "webhook_backoff_seconds": 0.01,
    "webhook_backoff_max_seconds": 0.05,
    "webhook_max_attempts": 3,
    "webhook_poll_seconds": 0.05,
}


@pytest.fixture
def api(db_url: str, make_api: Callable[..., Any]) -> Iterator[Api]:
    # one post in flight per endpoint: arrivals in claim order (more may arrive out of order)
    with make_api(store=open_store(db_url), seed=False, webhook_per_endpoint=1, **HOOKS) as the_api:
        yield the_api


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


class Penalties:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.fresh = iter(synthetic.penalties(200, seed=91, entities=REST_ENTITIES))

    def add(self, count: int) -> None:
        records = [next(self.fresh) for _ in range(count)]
        r = self.api.post(f"/api/v1/datasets/{PENALTY}/submissions", json=records, role=Role.ADMIN)
        assert r.status_code == 200 and r.json()["accepted"] == count, r.text

    def take_down(self) -> int:
        victim = self.api.store.records(PENALTY, limit=1)[0]
        event = self.api.store.withdraw(
            PENALTY, record_id=victim.record_id, reason="repaired", actor="test"
        )
        assert event is not None
        return event.seq


def subscribe(api: Api, url: str, **extra: Any) -> tuple[str, str]:
    r = api.post("/api/v1/webhooks", json={"url": url, "datasets": [PENALTY], **extra},
                 role=Role.AGENCY)  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    return body["subscription"]["id"], body["secret"]


def deliver(api: Api) -> Counter[str]:
    config = DeliveryConfig.from_settings(api.app.state.settings)
    deliverer = Deliverer(api.store, config, lambda: REST_TODAY, worker="test")
    return asyncio.run(deliverer.drain())


def deliver_until(api: Api, done: Callable[[], bool]) -> None:
    """Drain again while retries come due (backoff is tens of milliseconds here)."""
    for _ in range(500):
        deliver(api)
        if done():
            return
        time.sleep(0.02)
    raise AssertionError("deliveries did not settle")


def verified(secret: str, post: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(post.body, post.headers)
    return payload


def test_the_signature_is_the_standard_webhooks_test_vector() -> None:
    # the published example of the Standard Webhooks specification
    when = datetime.fromtimestamp(1614265330, UTC)
    headers = signed_headers(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
        b'{"test": 2432232314}', when,
    )  # fmt: skip
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-timestamp"] == "1614265330"


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    waits = [backoff(n, 5.0, 60.0, rng) for n in range(1, 8)]
    for n, wait in enumerate(waits, start=1):
        ceiling = min(60.0, 5.0 * 2 ** (n - 1))
        assert ceiling / 2 <= wait <= ceiling


def test_signed_changes_in_the_partners_view_then_a_tombstone(api: Api, receiver: Receiver) -> None:
    writers = Penalties(api)
    writers.add(2)  # before the subscription: not sent
    start = api.store.head()
    sub_id, secret = subscribe(api, receiver.url)
    writers.add(3)
    gone = writers.take_down()
    assert deliver(api) == {"delivered": 4}
    posts = receiver.posts
    payloads = [verified(secret, p) for p in posts]
    # the take-down jumped the queue; the rest came in log order
    assert payloads[0]["type"] == "record.delete" and payloads[0]["data"]["seq"] == gone
    assert payloads[0]["data"]["reason"] == "repaired" and payloads[0]["data"]["record"] is None
    assert [p["data"]["seq"] for p in payloads[1:]] == [start + 1, start + 2, start + 3]
    assert {p.headers["webhook-id"] for p in posts} == {
        f"msg_{sub_id}_{p['data']['seq']}" for p in payloads
    }
    # each message is the feed's item for the agency, byte for byte in JSON
    r = api.get(f"/api/v1/changes?after={start}&dataset={PENALTY}", role=Role.AGENCY)
    feed = {i["seq"]: i for i in map(orjson.loads, r.content.splitlines())}
    assert {p["data"]["seq"]: p["data"] for p in payloads} == feed
    masked = [p for p in payloads if p["type"] == "record.upsert"]
    assert all(p["data"]["record"]["record_id"] == p["data"]["record_id"] for p in masked)
    # nothing is sent twice
    assert deliver(api) == {}
    hooks = api.json(f"/api/v1/webhooks/{sub_id}", role=Role.AGENCY)["subscription"]
    assert (hooks["pending"], hooks["delivered"], hooks["dead"]) == (0, 4, 0)


def test_retry_after_a_500_then_dead_letter_and_replay(api: Api, receiver: Receiver) -> None:
    writers = Penalties(api)
    sub_id, secret = subscribe(api, receiver.url)
    receiver.answers = [500]
    writers.add(1)
    deliver_until(api, lambda: len(receiver.posts) == 2)
    first, second = receiver.posts
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert verified(secret, second)["data"]["seq"] == api.store.head()
    # a receiver that keeps failing: dead after webhook_max_attempts (3)
    receiver.always = 500
    writers.add(1)
    head = api.store.head()
    deliver_until(api, lambda: api.json(f"/api/v1/webhooks/{sub_id}/messages",
                                        role=Role.AGENCY)["messages"] != [])  # fmt: skip
    dead = api.json(f"/api/v1/webhooks/{sub_id}/messages", role=Role.AGENCY)["messages"]
    assert [(m["seq"], m["status"], m["attempts"], m["last_status"]) for m in dead] == [
        (head, "dead", 3, 500)
    ]
    # the console's lag counts it: dead letters and nothing delivered
    acks = api.json("/api/v1/admin/acks", role=Role.ADMIN)["webhooks"]
    assert [(b["pending"], b["dead"], b["delivered"]) for b in acks.values()] == [(0, 1, 1)]
    # replay from a cursor once the receiver is back: sent again, same webhook-id
    receiver.always = None
    r = api.post(f"/api/v1/webhooks/{sub_id}/replay", json={"after": head - 1}, role=Role.AGENCY)
    assert r.status_code == 200 and r.json()["owed"] == 1, r.text
    acks = api.json("/api/v1/admin/acks", role=Role.ADMIN)["webhooks"]
    assert [b["pending"] for b in acks.values()] == [1]  # undelivered: the lag shown
    # … and in the console's partners table (undelivered, take-downs undelivered, dead)
    signed = api.post("/workspace/login", data={"key": api.key(Role.ADMIN)})
    assert signed.status_code == 303, signed.text
    page = api.get("/console")  # the client keeps the sign-in cookie
    assert page.status_code == 200, page.text
    row = next(r for r in page.text.split("<tr>") if "test agency" in r)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[-3:] == ["1", "0", "0"], row
    before = len(receiver.posts)
    assert deliver(api) == {"delivered": 1}
    last = receiver.posts[before]
    assert last.headers["webhook-id"] == f"msg_{sub_id}_{head}"
    assert verified(secret, last)["data"]["seq"] == head


def test_serve_delivers_a_take_down_in_seconds(db_url: str, receiver: Receiver) -> None:
    """The app's own deliverer (``serve`` runs it, setting ``webhook_delivery``)."""
    settings = Settings(db=db_url, today=REST_TODAY.isoformat(), **NO_LIMITS, **HOOKS)
    app = create_app(settings, store=open_store(db_url), delivery=True)
    with serving(app) as api:
        assert app.state.delivery.running
        writers = Penalties(api)
        writers.add(2)
        _, secret = subscribe(api, receiver.url)
        started = time.monotonic()
        gone = writers.take_down()
        arrived = receiver.wait_for(lambda posts: any(p.json()["data"]["seq"] == gone
                                                      for p in posts))  # fmt: skip
        assert arrived, receiver.posts
        took = receiver.posts[-1].at - started
        print(f"take-down delivered {took:.3f} s after it was written")
        assert verified(secret, receiver.posts[-1])["data"]["reason"] == "repaired"
    assert not app.state.delivery.running  # stopped with the app


def test_registration_is_for_partners_with_safe_urls(
    make_api: Callable[..., Any], receiver: Receiver
) -> None:
    with make_api(seed=False) as api:  # the default settings: HTTPS and public addresses only
        body = {"url": "https://127.0.0.1/hook", "datasets": [PENALTY]}
        assert api.post("/api/v1/webhooks", json=body).status_code == 401
        for role in (Role.PUBLIC, Role.ADMIN):
            assert api.post("/api/v1/webhooks", json=body, role=role).status_code == 403
        r = api.post("/api/v1/webhooks", json=body, role=Role.AGENCY)
        assert r.status_code == 400 and "not a public address" in r.text, r.text
        r = api.post("/api/v1/webhooks", json={**body, "url": "http://example.org/h"},
                     role=Role.AGENCY)  # fmt: skip
        assert r.status_code == 400 and "https://" in r.text, r.text
        r = api.post("/api/v1/webhooks", json={**body, "datasets": ["interview-record"]},
                     role=Role.AGENCY)  # fmt: skip
        assert r.status_code == 403, r.text
        r = api.post("/api/v1/webhooks", json={**body, "datasets": ["no-such"]},
                     role=Role.AGENCY)  # fmt: skip
        assert r.status_code == 404, r.text
    with make_api(seed=False, webhook_max_per_key=1, **HOOKS) as api:
        sub_id, secret = subscribe(api, receiver.url)
        again = api.post("/api/v1/webhooks", json={"url": receiver.url, "datasets": [PENALTY]},
                         role=Role.AGENCY)  # fmt: skip
        assert again.status_code == 200 and again.json()["secret"] == secret  # idempotent
        other = api.post("/api/v1/webhooks", json={"url": receiver.url + "2"}, role=Role.AGENCY)
        assert other.status_code == 400 and "at most 1" in other.text, other.text
        # another partner sees none of it
        assert api.get(f"/api/v1/webhooks/{sub_id}", role=Role.PLATFORM).status_code == 404
        assert api.json("/api/v1/webhooks", role=Role.PLATFORM)["subscriptions"] == []
        assert len(api.json("/api/v1/webhooks", role=Role.ADMIN)["subscriptions"]) == 1
        r = api.request("DELETE", f"/api/v1/webhooks/{sub_id}", role=Role.AGENCY)
        assert r.status_code == 200, r.text
        assert (
            api.request("DELETE", f"/api/v1/webhooks/{sub_id}", role=Role.AGENCY).status_code == 404
        )
