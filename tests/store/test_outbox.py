"""The webhook outbox: filled in the change's own transaction for the subscribed datasets
only, never twice, claimed by one deliverer at a time, retried, dead-lettered and replayed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest
from penalty_factory import DATASET, penalties, rows
from sqlalchemy import func, select

from store import Audience, Role, Store, create_key, open_store
from store.outbox import (
    DEAD,
    DELIVERED,
    PENDING,
    Outcome,
    backlogs,
    claim,
    settle,
    webhook_outbox,
)
from store.webhook_delivery import message_bodies
from store.webhooks import (
    create_subscription,
    delete_subscription,
    list_messages,
    list_subscriptions,
    replay_subscription,
)

TODAY = date(2026, 6, 1)
LEASE = timedelta(seconds=30)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = open_store(db_url)
    try:
        yield st
    finally:
        st.close()


def _agency(store: Store) -> str:
    key, _ = create_key(store.engine, role=Role.AGENCY, name="征信机构")
    return key.key_id


def _owed(store: Store) -> list[tuple[str, int, str]]:
    o = webhook_outbox
    with store.engine.connect() as conn:
        query = select(o.c.subscription_id, o.c.seq, o.c.status).order_by(o.c.seq)
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


def test_a_batch_is_owed_in_its_own_transaction_to_subscribed_datasets_only(
    store: Store,
) -> None:
    store.submit(DATASET, rows(penalties(5)), actor="dept")  # before: never owed
    key = _agency(store)
    sub, secret, created = create_subscription(
        store.engine, key_id=key, audience=Audience.AGENCY, url="https://example.org/hook",
        datasets=[DATASET],
    )  # fmt: skip
    assert created and secret.startswith("whsec_") and sub.starts_after == store.head()
    other, _, _ = create_subscription(
        store.engine, key_id=key, audience=Audience.AGENCY, url="https://example.org/other",
        datasets=["administrative-licensing"],
    )  # fmt: skip
    store.submit(DATASET, rows(penalties(12, start=100)), actor="dept")
    owed = _owed(store)
    assert len(owed) == 12 and {s for s, _, _ in owed} == {sub.id}
    assert [q for _, q, _ in owed] == list(range(6, 18))
    # a take-down is owed too, in the take-down's transaction
    victim = store.records(DATASET, limit=1)[0]
    event = store.withdraw(DATASET, record_id=victim.record_id, reason="repaired", actor="x")
    assert event is not None and _owed(store)[-1] == (sub.id, event.seq, PENDING)
    # subscribing again the same way answers the same subscription, the same secret
    again, secret2, created2 = create_subscription(
        store.engine, key_id=key, audience=Audience.AGENCY, url="https://example.org/hook",
        datasets=[DATASET],
    )  # fmt: skip
    assert (again.id, secret2, created2) == (sub.id, secret, False)
    assert {s.id for s in list_subscriptions(store.engine, key_id=key)} == {sub.id, other.id}
    # a replay from before the start adds what was never owed (counted on every backend)
    assert replay_subscription(store.engine, sub.id, 0, max_events=100) == 5 + 12 + 1
    assert backlogs(store.engine)[sub.id].pending == 18


def test_claims_take_downs_first_lease_once_retry_then_dead_letter(store: Store) -> None:
    key = _agency(store)
    sub, _, _ = create_subscription(
        store.engine, key_id=key, audience=Audience.AGENCY, url="https://example.org/hook",
        datasets=[DATASET],
    )  # fmt: skip
    store.submit(DATASET, rows(penalties(4)), actor="dept")
    victim = store.records(DATASET, limit=1)[0]
    gone = store.withdraw(DATASET, record_id=victim.record_id, reason="repaired", actor="x")
    assert gone is not None
    first = claim(store.engine, worker="a", limit=2, lease=LEASE, per_subscription=10)
    assert [c.seq for c in first] == [gone.seq, 1]  # the take-down jumps the queue
    # a second deliverer gets the others, never the leased ones
    second = claim(store.engine, worker="b", limit=10, lease=LEASE, per_subscription=10)
    assert [c.seq for c in second] == [2, 3, 4]
    bodies = message_bodies(store.engine, first, {sub.id: Audience.AGENCY}, today=TODAY)
    tomb = orjson.loads(bodies[0] or b"")
    assert tomb["type"] == "record.delete" and tomb["data"]["reason"] == "repaired"
    assert tomb["data"]["record_id"] == victim.record_id and tomb["data"]["record"] is None
    retry = datetime.now(UTC) - timedelta(seconds=1)
    counts = settle(
        store.engine,
        "a",
        [Outcome(first[0], DELIVERED, 204), Outcome(first[1], PENDING, 500, "HTTP 500", retry)],
        max_attempts=2,
    )
    assert counts == {DELIVERED: 1, PENDING: 1}
    # settling someone else's lease changes nothing
    assert not settle(store.engine, "a", [Outcome(second[0], DELIVERED, 200)], max_attempts=2)
    again = claim(store.engine, worker="a", limit=10, lease=LEASE, per_subscription=10)
    assert [c.seq for c in again] == [1] and again[0].attempts == 1  # failing: one probe
    settle(store.engine, "a", [Outcome(again[0], PENDING, 500, "HTTP 500", retry)], max_attempts=2)
    dead = list_messages(store.engine, sub.id)
    assert [(m.seq, m.status, m.attempts) for m in dead] == [(1, DEAD, 2)]
    assert backlogs(store.engine)[sub.id].dead == 1
    # replay from before the dead letter: it and everything after are owed again
    owed = replay_subscription(store.engine, sub.id, 0, max_events=100)
    assert owed == 5
    assert backlogs(store.engine)[sub.id].pending == 5


def test_deleting_drops_what_was_owed_and_revoked_keys_are_owed_nothing(store: Store) -> None:
    key = _agency(store)
    sub, _, _ = create_subscription(
        store.engine, key_id=key, audience=Audience.AGENCY, url="https://example.org/hook"
    )
    store.submit(DATASET, rows(penalties(3)), actor="dept")
    assert delete_subscription(store.engine, sub.id, key_id=key) == 3
    store.submit(DATASET, rows(penalties(3, start=200)), actor="dept")
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(webhook_outbox)).scalar() == 0


def test_concurrent_deliverers_claim_disjoint_messages(store: Store) -> None:
    key = _agency(store)
    create_subscription(
        store.engine, key_id=key, audience=Audience.AGENCY, url="https://example.org/hook"
    )
    store.submit(DATASET, rows(penalties(120)), actor="dept")
    taken: dict[str, list[int]] = {}

    def deliverer(name: str) -> None:
        mine = taken.setdefault(name, [])
        while True:
            got = claim(store.engine, worker=name, limit=7, lease=LEASE, per_subscription=7)
            if not got:
                return
            mine.extend(c.seq for c in got)

    threads = [threading.Thread(target=deliverer, args=(f"d{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [seq for seqs in taken.values() for seq in seqs]
    assert sorted(every) == list(range(1, 121))  # each message once, none left behind
