"""Webhook subscriptions (推送订阅): who is sent which datasets where, and what each message says.

A partner key (agency or platform) registers an HTTPS URL and the datasets it wants; the
store keeps a signing secret per subscription (Standard Webhooks ``whsec_`` + base64, shown
to the partner when it subscribes) and owes it every later change event of those datasets
(:mod:`store.outbox`). A subscription is created under the store's writer lock, so its
starting position (``starts_after``, the head at that moment) splits the log exactly: events
up to it were never owed, every later one is. ``after`` backfills from an earlier position.

:func:`message_bodies` renders an owed event as the partner sees it — the same item as the pull
feed's NDJSON line (:func:`store.view_event`, the subscription's audience, judged on the day of
delivery), in the Standard Webhooks envelope ``{"type", "timestamp", "data"}``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, func, select, update

from catalog import get_entry, load_catalog
from store.db import write_transaction
from store.errors import InvalidQueryError, UnknownRecordError
from store.events import utc
from store.outbox import (
    DEAD,
    PENDING,
    Backlog,
    backlogs,
    drop_pending,
    replay,
    webhook_datasets,
    webhook_outbox,
    webhook_subscriptions,
)
from store.tables import changes
from store.views import Audience, may_see_dataset

MAX_URL_LENGTH = 2000
MAX_DESCRIPTION = 200
SECRET_PREFIX = "whsec_"


@dataclass(frozen=True, slots=True)
class Subscription:
    """A stored subscription (its secret only when just created)."""

    id: str
    key_id: str
    audience: str
    url: str
    datasets: tuple[str, ...]
    description: str | None
    created_at: datetime
    starts_after: int
    failures: int
    retry_at: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    backlog: Backlog = field(default_factory=Backlog)

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "key_id": self.key_id,
            "audience": self.audience,
            "url": self.url,
            "datasets": list(self.datasets),
            "description": self.description,
            "created_at": iso(self.created_at),
            "starts_after": self.starts_after,
            "failures": self.failures,
            "retry_at": iso(self.retry_at),
            "last_success_at": iso(self.last_success_at),
            "last_failure_at": iso(self.last_failure_at),
            "last_error": self.last_error,
            "pending": self.backlog.pending,
            "pending_takedowns": self.backlog.pending_takedowns,
            "dead": self.backlog.dead,
            "delivered": self.backlog.delivered,
        }


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 24 random bytes in base64 (Standard Webhooks)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def check_url(url: str, *, allow_http: bool) -> str:
    """The URL if it may receive deliveries by its shape (addresses are checked by the
    deliverer, which resolves them); :class:`InvalidQueryError` naming the problem."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise InvalidQueryError(f"url must be 1 to {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidQueryError(f"url is not a valid URL: {exc}") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise InvalidQueryError(f"url must start with {' or '.join(s + '://' for s in schemes)}")
    if not parts.hostname:
        raise InvalidQueryError("url has no host")
    if parts.username or parts.password:
        raise InvalidQueryError("url must not carry a user name or password")
    if parts.fragment:
        raise InvalidQueryError("url must not have a #fragment")
    if port == 0:
        raise InvalidQueryError("url has port 0")
    return url


def _datasets(requested: Sequence[str] | None, audience: Audience) -> list[str]:
    """The datasets to send: those requested (each must exist and be open to the audience),
    else every one the audience may read."""
    if not requested:
        return [d for d in load_catalog().ids() if may_see_dataset(d, audience)]
    chosen = sorted({get_entry(d).id for d in requested})
    closed = [d for d in chosen if not may_see_dataset(d, audience)]
    if closed:
        raise InvalidQueryError(f"the {audience.value} view does not include {', '.join(closed)}")
    return chosen


def _from_row(row: Any, datasets: Iterable[str], backlog: Backlog | None) -> Subscription:
    return Subscription(
        id=row.id,
        key_id=row.key_id,
        audience=row.audience,
        url=row.url,
        datasets=tuple(sorted(datasets)),
        description=row.description,
        created_at=utc(row.created_at),  # type: ignore[arg-type]
        starts_after=int(row.starts_after),
        failures=int(row.failures or 0),
        retry_at=utc(row.retry_at),
        last_success_at=utc(row.last_success_at),
        last_failure_at=utc(row.last_failure_at),
        last_error=row.last_error,
        backlog=backlog or Backlog(),
    )


def _check_replay(after: int, latest: int, max_events: int) -> None:
    if not 0 <= after <= latest:
        raise InvalidQueryError(f"after {after} is outside the log (head is {latest})")
    if latest - after > max_events:
        raise InvalidQueryError(
            f"replaying from {after} spans {latest - after} events, more than {max_events}; "
            "download the datasets and subscribe from the download's log position instead"
        )


def create_subscription(
    engine: Engine,
    *,
    key_id: str,
    audience: Audience | str,
    url: str,
    datasets: Sequence[str] | None = None,
    description: str | None = None,
    after: int | None = None,
    allow_http: bool = False,
    max_per_key: int = 10,
    max_replay: int = 100_000,
) -> tuple[Subscription, str, bool]:
    """Subscribe a key; ``(subscription, secret, created)``. The same key subscribing the same
    URL to the same datasets again gets the existing subscription back (``created`` False),
    secret included; the same URL with other datasets is refused."""
    who = Audience(audience)
    url = check_url(url, allow_http=allow_http)
    chosen = _datasets(datasets, who)
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidQueryError(f"description must be at most {MAX_DESCRIPTION} characters")
    s = webhook_subscriptions
    with write_transaction(engine) as conn:
        live = conn.execute(
            select(s.c.id, s.c.url, s.c.secret).where(
                s.c.key_id == key_id, s.c.deleted_at.is_(None)
            )
        ).all()
        for row in live:
            if row.url == url:
                have = _dataset_map(conn, [row.id])[row.id]
                if sorted(have) != chosen:
                    raise InvalidQueryError(
                        f"{url} is already subscribed ({row.id}) with other datasets; "
                        "delete that subscription first"
                    )
                owed = backlogs(engine, conn=conn).get(row.id)
                return replace(_get(conn, row.id), backlog=owed or Backlog()), row.secret, False
        if len(live) >= max_per_key:
            raise InvalidQueryError(f"a key may hold at most {max_per_key} subscriptions")
        latest = int(conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one())
        start = latest if after is None else after
        _check_replay(start, latest, max_replay)
        sub_id, secret = "wh_" + secrets.token_hex(8), new_secret()
        conn.execute(
            s.insert().values(
                id=sub_id, key_id=key_id, audience=who.value, url=url, secret=secret,
                description=description, created_at=datetime.now(UTC), starts_after=start,
                failures=0,
            )
        )  # fmt: skip
        conn.execute(
            webhook_datasets.insert(), [{"subscription_id": sub_id, "dataset": d} for d in chosen]
        )
        if start < latest:
            replay(conn, sub_id, start, latest)
        owed = backlogs(engine, conn=conn).get(sub_id)
        return replace(_get(conn, sub_id), backlog=owed or Backlog()), secret, True


def _dataset_map(conn: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in ids}
    d = webhook_datasets
    for sub_id, dataset in conn.execute(
        select(d.c.subscription_id, d.c.dataset).where(d.c.subscription_id.in_(list(ids)))
    ):
        found[sub_id].append(dataset)
    return found


def _get(conn: Connection, sub_id: str, key_id: str | None = None) -> Subscription:
    s = webhook_subscriptions
    query = select(s).where(s.c.id == sub_id, s.c.deleted_at.is_(None))
    if key_id is not None:
        query = query.where(s.c.key_id == key_id)
    row = conn.execute(query).first()
    if row is None:
        raise UnknownRecordError(f"no webhook subscription {sub_id!r}")
    return _from_row(row, _dataset_map(conn, [sub_id])[sub_id], None)


def list_subscriptions(engine: Engine, *, key_id: str | None = None) -> list[Subscription]:
    """Live subscriptions (of one key, or all) with what each is still owed."""
    s = webhook_subscriptions
    query = select(s).where(s.c.deleted_at.is_(None)).order_by(s.c.created_at, s.c.id)
    if key_id is not None:
        query = query.where(s.c.key_id == key_id)
    counts = backlogs(engine)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        datasets = _dataset_map(conn, [r.id for r in rows])
    return [_from_row(r, datasets[r.id], counts.get(r.id)) for r in rows]


def get_subscription(engine: Engine, sub_id: str, *, key_id: str | None = None) -> Subscription:
    """One live subscription (only the key's own when ``key_id``); UnknownRecordError."""
    with engine.connect() as conn:
        found = _get(conn, sub_id, key_id)
    return replace(found, backlog=backlogs(engine).get(sub_id) or Backlog())


def delete_subscription(engine: Engine, sub_id: str, *, key_id: str | None = None) -> int:
    """End a subscription; what it was still owed is dropped (the count is answered)."""
    with write_transaction(engine) as conn:
        _get(conn, sub_id, key_id)
        conn.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.id == sub_id)
            .values(deleted_at=datetime.now(UTC))
        )
        return drop_pending(conn, sub_id)


def replay_subscription(
    engine: Engine, sub_id: str, after: int, *, key_id: str | None = None, max_events: int
) -> int:
    """Send again every event after ``after`` (dead letters included); the messages owed."""
    with write_transaction(engine) as conn:
        _get(conn, sub_id, key_id)
        latest = int(conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one())
        _check_replay(after, latest, max_events)
        return replay(conn, sub_id, after, latest)


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """One outbox row as the partner may inspect it (dead letters, pending messages)."""

    message_id: str
    seq: int
    status: str
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "seq": self.seq,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
            "last_status": self.last_status,
            "last_error": self.last_error,
        }


def message_id(sub_id: str, seq: int) -> str:
    """The ``webhook-id`` of an event sent to a subscription: the same on every retry and
    replay, so a receiver can drop what it already applied."""
    return f"msg_{sub_id}_{seq}"


def list_messages(
    engine: Engine,
    sub_id: str,
    *,
    key_id: str | None = None,
    status: str | None = DEAD,
    after: int = 0,
    limit: int = 100,
) -> list[MessageInfo]:
    """A subscription's messages with ``seq > after`` in log order (by default the dead
    letters; ``status`` None: every one kept)."""
    if not 1 <= limit <= 1000:
        raise InvalidQueryError("limit must be between 1 and 1000")
    if status not in (None, PENDING, DEAD, "delivered", "skipped"):
        raise InvalidQueryError(f"status must be pending, delivered, dead or skipped, not {status}")
    o = webhook_outbox
    query = (
        select(o)
        .where(o.c.subscription_id == sub_id, o.c.seq > after)
        .order_by(o.c.seq)
        .limit(limit)
    )
    if status is not None:
        query = query.where(o.c.status == status)
    with engine.connect() as conn:
        _get(conn, sub_id, key_id)
        rows = conn.execute(query).all()
    return [
        MessageInfo(
            message_id(sub_id, int(r.seq)), int(r.seq), r.status, int(r.attempts),
            utc(r.next_attempt_at) if r.status == PENDING else None, utc(r.delivered_at),
            r.last_status, r.last_error,
        )
        for r in rows
    ]  # fmt: skip
