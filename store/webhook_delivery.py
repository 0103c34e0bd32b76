"""What the webhook deliverer reads from the store: the live targets of claimed messages and
each message's body in the subscriber's audience view (the feed item, wrapped as Standard
Webhooks' ``{"type", "timestamp", "data"}``). Kept apart from :mod:`store.webhooks`, which
owns registration, replay and the partner's view of its messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import orjson
from sqlalchemy import Engine, select

from store.events import EVENT_COLUMNS, ChangeEvent
from store.outbox import Claimed, webhook_subscriptions
from store.subjects import hidden_record_ids
from store.tables import changes
from store.views import Audience, view_event


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how a subscription's messages go (what the deliverer needs)."""

    id: str
    url: str
    secret: str
    audience: Audience


def targets(engine: Engine, ids: Iterable[str]) -> dict[str, Target]:
    """The live subscriptions among ``ids``."""
    s = webhook_subscriptions
    wanted = sorted(set(ids))
    query = select(s.c.id, s.c.url, s.c.secret, s.c.audience).where(
        s.c.id.in_(wanted), s.c.deleted_at.is_(None)
    )
    with engine.connect() as conn:
        return {
            r.id: Target(r.id, r.url, r.secret, Audience(r.audience)) for r in conn.execute(query)
        }


def message_bodies(
    engine: Engine, claimed: Sequence[Claimed], audiences: dict[str, Audience], *, today: date
) -> list[bytes | None]:
    """The JSON body of each claimed message, in order: ``{"type": "record.upsert" |
    "record.delete", "timestamp", "data": <the feed item>}``; None when the subscriber's
    view has no item for that event (sent nothing, marked skipped)."""
    seqs = sorted({c.seq for c in claimed})
    query = select(*(changes.c[name] for name in EVENT_COLUMNS)).where(changes.c.seq.in_(seqs))
    with engine.connect() as conn:
        events = {
            e.seq: e for e in (ChangeEvent.from_row(r) for r in conn.execute(query).mappings())
        }
    takedowns = [e.record_id for e in events.values() if e.payload is None]
    hidden: dict[Audience, frozenset[str]] = {
        who: hidden_record_ids(engine, takedowns, who.value)
        for who in set(audiences.values())
        if who is not Audience.GOVERNMENT
    }
    bodies: list[bytes | None] = []
    for c in claimed:
        event, audience = events.get(c.seq), audiences.get(c.subscription_id)
        item = None
        if event is not None and audience is not None:
            shut = hidden.get(audience, frozenset())
            item = view_event(event, audience, today=today, hidden=shut)
        if item is None:
            bodies.append(None)
            continue
        envelope = {"type": f"record.{item['op']}", "timestamp": item["occurred_at"], "data": item}
        bodies.append(orjson.dumps(envelope))
    return bodies
