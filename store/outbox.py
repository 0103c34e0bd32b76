"""The webhook outbox (推送发件箱): one row per change event owed to each webhook subscription.

Rows are written by :func:`enqueue` **in the transaction that appends the change events**
(:meth:`store.bulk.Bulk.insert_changes`, the only path into ``changes``), with one
``INSERT … SELECT`` per batch: the events of the batch joined with the subscriptions of their
dataset. A subscription is created under the same writer lock (:mod:`store.webhooks`), so an
event is either before its starting position or in its outbox — never lost, and
its primary key (subscription_id, seq) means never owed twice.

Delivery (:mod:`gateway.delivery`) claims due rows (:func:`claim`), posts them and settles
them (:func:`settle`):

* ``pending`` — owed; due once ``next_attempt_at`` has come and no live lease holds it;
* ``delivered`` — the receiver answered 2xx;
* ``dead`` — failed ``max_attempts`` times (the dead letters; :func:`replay` sends them again);
* ``skipped`` — nothing to send: the partner's view has no item for that event (a subject it
  may not see), exactly as the pull feed gives no line.

Take-downs (``delete`` events) are claimed before everything else (``priority`` 0), so a
take-down reaches a partner in seconds even behind a backlog of upserts.

Only one process delivers a message: claiming sets a lease (``lease_until``, ``claimed_by``)
in a transaction that PostgreSQL runs with ``FOR UPDATE SKIP LOCKED`` and SQLite under its
write lock (``BEGIN IMMEDIATE``); a dead claimer's lease simply runs out. Settling is guarded
by the claimer's name, so a late answer after a lease was lost changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    Select,
    SmallInteger,
    String,
    Table,
    Text,
    bindparam,
    case,
    column,
    delete,
    exists,
    func,
    literal,
    select,
    table,
    update,
)

from store.db import is_postgresql
from store.tables import changes, metadata

SEQ = BigInteger().with_variant(Integer, "sqlite")
TS = DateTime(timezone=True)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("key_id", String(32), nullable=False),
    Column("audience", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("description", String(200)),
    Column("created_at", TS, nullable=False),
    Column("starts_after", SEQ, nullable=False),
    Column("deleted_at", TS),
    Column("failures", Integer, nullable=False, default=0),  # consecutive failed attempts
    Column("retry_at", TS),  # while failing: no new attempt before this
    Column("last_success_at", TS),
    Column("last_failure_at", TS),
    Column("last_error", Text),
    Index(None, "key_id"),
)

webhook_datasets = Table(
    "webhook_datasets",
    metadata,
    Column("subscription_id", String(40), primary_key=True),
    Column("dataset", String(100), primary_key=True),
    Index(None, "dataset"),
)

webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("subscription_id", String(40), primary_key=True),
    Column("seq", SEQ, primary_key=True, autoincrement=False),
    Column("priority", SmallInteger, nullable=False),  # 0: a take-down, 1: anything else
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("lease_until", TS),
    Column("claimed_by", String(100)),
    Column("created_at", TS, nullable=False),
    Column("delivered_at", TS),
    Column("last_status", Integer),
    Column("last_error", Text),
    Index(None, "status", "priority", "seq"),  # the claim order
)  # two indexes only: each costs the ingest one entry per subscriber and event

OUTBOX_TABLES = (webhook_subscriptions, webhook_datasets, webhook_outbox)

PENDING, DELIVERED, DEAD, SKIPPED = "pending", "delivered", "dead", "skipped"

# api_keys belongs to store.access, which imports this package's views (and so bulk): a
# lightweight reference keeps the import graph acyclic.
_keys = table("api_keys", column("key_id"), column("revoked_at"))


def _now() -> datetime:
    return datetime.now(UTC)


def _count(rowcount: int | None) -> int:
    # a driver may report -1 when it does not know
    return max(int(rowcount or 0), 0)


def _owed(after: int, until: int | None, now: datetime) -> Select[Any]:
    """Outbox rows (in :data:`_COLUMNS` order) for the change events after ``after`` (up to
    ``until``) of the datasets of live subscriptions whose key is not revoked."""
    s, d = webhook_subscriptions, webhook_datasets
    query = (
        select(
            d.c.subscription_id,
            changes.c.seq,
            case((changes.c.op == "delete", 0), else_=1),
            literal(PENDING),
            literal(0),
            literal(now, TS),
            literal(now, TS),
        )
        .select_from(
            changes.join(d, d.c.dataset == changes.c.dataset)
            .join(s, s.c.id == d.c.subscription_id)
            .join(_keys, _keys.c.key_id == s.c.key_id)
        )
        .where(changes.c.seq > after, s.c.deleted_at.is_(None), _keys.c.revoked_at.is_(None))
    )
    if until is not None:
        query = query.where(changes.c.seq <= until)
    return query


_COLUMNS = ("subscription_id", "seq", "priority", "status", "attempts", "next_attempt_at",
            "created_at")  # fmt: skip


def enqueue(conn: Connection, first: int, last: int) -> None:
    """Owe the events ``first..last`` (just appended, in this transaction) to every live
    subscription of their dataset."""
    live = conn.execute(
        select(webhook_subscriptions.c.id).where(webhook_subscriptions.c.deleted_at.is_(None))
    ).first()
    if live is None:  # no subscriber: the ingest pays one small probe per batch
        return
    query = _owed(first - 1, last, _now())
    conn.execute(webhook_outbox.insert().from_select(_COLUMNS, query))


@contextmanager
def claim_transaction(engine: Engine) -> Iterator[Connection]:
    """A short transaction for outbox bookkeeping: SQLite takes its write lock at BEGIN (a
    read-then-write transaction would fail to upgrade), PostgreSQL relies on row locks and
    does not take the store's writer lock, so delivery never holds up an ingest."""
    with engine.connect() as conn:
        if not is_postgresql(conn):
            conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


@dataclass(frozen=True, slots=True)
class Claimed:
    """One message a deliverer holds a lease on."""

    subscription_id: str
    seq: int
    attempts: int


def claim(
    engine: Engine,
    *,
    worker: str,
    limit: int,
    lease: timedelta,
    per_subscription: int,
    now: datetime | None = None,
) -> list[Claimed]:
    """Lease up to ``limit`` due messages, take-downs first then in log order, at most
    ``per_subscription`` of one subscription (one while it is failing: a probe)."""
    now = now or _now()
    o, s = webhook_outbox, webhook_subscriptions
    query = (
        select(o.c.subscription_id, o.c.seq, o.c.attempts, s.c.failures)
        .join(s, s.c.id == o.c.subscription_id)
        .where(
            o.c.status == PENDING,
            o.c.next_attempt_at <= now,
            (o.c.lease_until.is_(None)) | (o.c.lease_until <= now),
            s.c.deleted_at.is_(None),
            (s.c.retry_at.is_(None)) | (s.c.retry_at <= now),
        )
        .order_by(o.c.priority, o.c.seq)
        .limit(limit * 4)
    )
    with claim_transaction(engine) as conn:
        if is_postgresql(conn):
            query = query.with_for_update(of=o, skip_locked=True)
        taken: Counter[str] = Counter()
        picked: list[Claimed] = []
        for row in conn.execute(query):
            cap = 1 if row.failures else per_subscription
            if taken[row.subscription_id] >= cap:
                continue
            taken[row.subscription_id] += 1
            picked.append(Claimed(row.subscription_id, int(row.seq), int(row.attempts)))
            if len(picked) == limit:
                break
        if picked:
            conn.execute(
                update(o)
                .where(o.c.subscription_id == bindparam("sub"), o.c.seq == bindparam("at"))
                .values(lease_until=now + lease, claimed_by=worker),
                [{"sub": c.subscription_id, "at": c.seq} for c in picked],
            )
    return picked


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt ended. ``status`` DELIVERED, SKIPPED, or PENDING for a failure (which
    :func:`settle` turns into DEAD after the last attempt); ``retry_at`` for a failure."""

    claimed: Claimed
    status: str
    http_status: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    subscription_retry_at: datetime | None = None


def settle(
    engine: Engine, worker: str, outcomes: Sequence[Outcome], *, max_attempts: int
) -> Counter[str]:
    """Record a round's outcomes (one transaction); counts by final status."""
    now = _now()
    counts: Counter[str] = Counter()
    o = webhook_outbox
    with claim_transaction(engine) as conn:
        for out in outcomes:
            values: dict[str, object] = {"lease_until": None, "claimed_by": None}
            status = out.status
            if status == PENDING:
                attempts = out.claimed.attempts + 1
                status = DEAD if attempts >= max_attempts else PENDING
                values.update(attempts=attempts, next_attempt_at=out.retry_at or now)
            elif status == DELIVERED:
                values.update(attempts=out.claimed.attempts + 1, delivered_at=now)
            values.update(status=status, last_status=out.http_status, last_error=out.error)
            done = conn.execute(
                update(o)
                .where(
                    o.c.subscription_id == out.claimed.subscription_id,
                    o.c.seq == out.claimed.seq,
                    o.c.claimed_by == worker,
                )
                .values(values)
            )
            if not done.rowcount:
                continue  # the lease ran out and another deliverer took over
            counts[status] += 1
            _note_subscription(conn, out, now)
    return counts


def _note_subscription(conn: Connection, out: Outcome, now: datetime) -> None:
    s = webhook_subscriptions
    where = s.c.id == out.claimed.subscription_id
    if out.status == DELIVERED:
        conn.execute(update(s).where(where).values(failures=0, retry_at=None, last_success_at=now))
    elif out.status == PENDING:
        conn.execute(
            update(s)
            .where(where)
            .values(
                failures=s.c.failures + 1,
                retry_at=out.subscription_retry_at,
                last_failure_at=now,
                last_error=out.error,
            )
        )


def replay(conn: Connection, subscription_id: str, after: int, until: int) -> int:
    """Owe again every event after ``after`` (up to ``until``) of the subscription's datasets:
    rows already there go back to ``pending`` with their attempts reset, missing ones are
    added. Runs in the caller's write transaction; the number of messages now pending."""
    now = _now()
    o = webhook_outbox
    conn.execute(
        update(o)
        .where(o.c.subscription_id == subscription_id, o.c.seq > after, o.c.seq <= until)
        .values(status=PENDING, attempts=0, next_attempt_at=now, lease_until=None,
                claimed_by=None, last_error=None, last_status=None, delivered_at=None)
    )  # fmt: skip
    query = (
        _owed(after, until, now)
        .where(webhook_datasets.c.subscription_id == subscription_id)
        .where(~exists().where(o.c.subscription_id == subscription_id, o.c.seq == changes.c.seq))
    )
    conn.execute(o.insert().from_select(_COLUMNS, query))
    conn.execute(
        update(webhook_subscriptions)
        .where(webhook_subscriptions.c.id == subscription_id)
        .values(failures=0, retry_at=None)
    )
    # counted, not summed from rowcounts: psycopg reports -1 for an INSERT … SELECT
    owed = select(func.count()).where(
        o.c.subscription_id == subscription_id,
        o.c.seq > after,
        o.c.seq <= until,
        o.c.status == PENDING,
    )
    return int(conn.execute(owed).scalar_one())


def drop_pending(conn: Connection, subscription_id: str) -> int:
    """Forget what a deleted subscription was still owed (its history stays)."""
    o = webhook_outbox
    result = conn.execute(
        delete(o).where(o.c.subscription_id == subscription_id, o.c.status == PENDING)
    )
    return _count(result.rowcount)


def prune(engine: Engine, before: datetime) -> int:
    """Delete delivered and skipped messages created before ``before`` (dead letters stay)."""
    o = webhook_outbox
    with claim_transaction(engine) as conn:
        result = conn.execute(
            delete(o).where(o.c.status.in_((DELIVERED, SKIPPED)), o.c.created_at < before)
        )
    return _count(result.rowcount)


@dataclass(frozen=True, slots=True)
class Backlog:
    """What a subscription (or a key's subscriptions) is still owed."""

    pending: int = 0
    pending_takedowns: int = 0
    dead: int = 0
    delivered: int = 0


def backlogs(
    engine: Engine, *, by: str = "subscription", conn: Connection | None = None
) -> dict[str, Backlog]:
    """Counts by ``subscription`` id or by ``key`` id, over live subscriptions (read on
    ``conn`` when given: inside the caller's transaction)."""
    o, s = webhook_outbox, webhook_subscriptions
    group = s.c.id if by == "subscription" else s.c.key_id
    pending = o.c.status == PENDING
    query = (
        select(
            group,
            func.count(case((pending, 1))),
            func.count(case((pending & (o.c.priority == 0), 1))),
            func.count(case((o.c.status == DEAD, 1))),
            func.count(case((o.c.status == DELIVERED, 1))),
        )
        .select_from(s.join(o, o.c.subscription_id == s.c.id))
        .where(s.c.deleted_at.is_(None))
        .group_by(group)
    )
    if conn is not None:
        rows = conn.execute(query).all()
    else:
        with engine.connect() as own:
            rows = own.execute(query).all()
    return {row[0]: Backlog(*(int(v) for v in row[1:])) for row in rows}
