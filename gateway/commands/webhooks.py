"""Commands of webhook subscriptions (推送订阅): ``webhooks list|create|delete|messages|replay|
deliver``.

* ``creditgate webhooks create --key KEY_ID --url URL [--dataset D …] [--after SEQ]``
  registers a webhook for a partner key (agency or platform), as ``POST /api/v1/webhooks``
  does, and prints its signing secret (last line; ``--json``: the whole answer).
* ``creditgate webhooks list [--key KEY_ID]`` — subscriptions and what each is still owed.
* ``creditgate webhooks messages ID [--status dead|pending|delivered|skipped|all]`` — by
  default the dead letters.
* ``creditgate webhooks replay ID --after SEQ`` — owe again every event after SEQ.
* ``creditgate webhooks delete ID``.
* ``creditgate webhooks deliver`` — deliver what is due now and exit (``serve`` and
  ``creditgate worker`` deliver continuously).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from typing import Annotated

import typer

from catalog import UnknownDatasetError
from gateway.clikit import DEFAULT_DB, DbOpt, JsonOpt, app, emit_json, fail, open_store_or_fail, out
from store import Role, StoreError, list_keys

webhooks_app = typer.Typer(help="Webhook subscriptions (推送订阅).", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")

STATUSES = ("dead", "pending", "delivered", "skipped", "all")


@webhooks_app.command("create")
def webhooks_create(
    key: Annotated[str, typer.Option("--key", help="The partner key's id.")],
    url: Annotated[str, typer.Option("--url", help="Where to post (HTTPS).")],
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", help="A dataset (repeatable; default all).")
    ] = None,
    after: Annotated[
        int | None, typer.Option("--after", min=0, help="Backfill from this log position.")
    ] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    as_json: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Register a webhook for a partner key; prints its signing secret last."""
    from gateway.delivery import DestinationError, check_destination
    from gateway.settings import Settings
    from store.webhooks import create_subscription

    settings = Settings(db=db)
    with open_store_or_fail(db) as store:
        found = [k for k in list_keys(store.engine) if k.key_id == key and k.active]
        if not found:
            fail(f"no active key {key!r}")
        role = found[0].role
        if role not in (Role.AGENCY, Role.PLATFORM):
            fail(f"webhooks are for agency and platform keys; {key} is a {role.value} key")
        try:
            asyncio.run(check_destination(url, allow_private=settings.webhook_allow_private_urls))
            sub, secret, created = create_subscription(
                store.engine,
                key_id=key,
                audience=role.audience,
                url=url,
                datasets=dataset,
                description=description,
                after=after,
                allow_http=settings.webhook_allow_http,
                max_per_key=settings.webhook_max_per_key,
                max_replay=settings.webhook_max_replay_events,
            )
        except (DestinationError, StoreError, UnknownDatasetError, ValueError) as exc:
            fail(str(exc.args[0]) if isinstance(exc, UnknownDatasetError) else str(exc))
    if as_json:
        emit_json({"created": created, "secret": secret, "subscription": sub.to_dict()})
        return
    out.print(f"{'created' if created else 'exists'} {sub.id} → {sub.url}", highlight=False)
    out.print(secret, highlight=False)


@webhooks_app.command("list")
def webhooks_list(
    key: Annotated[str | None, typer.Option("--key", help="Only this key's.")] = None,
    as_json: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Subscriptions and what each is still owed."""
    from store.webhooks import list_subscriptions

    with open_store_or_fail(db) as store:
        subs = list_subscriptions(store.engine, key_id=key)
    if as_json:
        emit_json({"subscriptions": [s.to_dict() for s in subs]})
        return
    for s in subs:
        b = s.backlog
        out.print(
            f"{s.id} key {s.key_id} {s.url} pending {b.pending} "
            f"(take-downs {b.pending_takedowns}) dead {b.dead} delivered {b.delivered}",
            highlight=False,
        )


@webhooks_app.command("messages")
def webhooks_messages(
    subscription: Annotated[str, typer.Argument(help="The subscription id (wh_…).")],
    status: Annotated[str, typer.Option("--status", help=", ".join(STATUSES))] = "dead",
    after: Annotated[int, typer.Option("--after", min=0)] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    as_json: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """A subscription's messages (by default the dead letters)."""
    from store.webhooks import list_messages

    if status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}")
    with open_store_or_fail(db) as store:
        try:
            found = list_messages(
                store.engine,
                subscription,
                status=None if status == "all" else status,
                after=after,
                limit=limit,
            )
        except StoreError as exc:
            fail(str(exc))
    if as_json:
        emit_json({"messages": [m.to_dict() for m in found]})
        return
    for m in found:
        out.print(f"{m.seq} {m.status} attempts {m.attempts} {m.last_error or ''}", highlight=False)


@webhooks_app.command("replay")
def webhooks_replay(
    subscription: Annotated[str, typer.Argument(help="The subscription id (wh_…).")],
    after: Annotated[int, typer.Option("--after", min=0, help="Every event with seq > after.")],
    as_json: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Owe a subscription every event after a log position again (dead letters included)."""
    from gateway.settings import Settings
    from store.webhooks import replay_subscription

    settings = Settings(db=db)
    with open_store_or_fail(db) as store:
        try:
            owed = replay_subscription(
                store.engine, subscription, after, max_events=settings.webhook_max_replay_events
            )
        except StoreError as exc:
            fail(str(exc))
    if as_json:
        emit_json({"id": subscription, "after": after, "owed": owed})
    else:
        out.print(f"{subscription}: {owed} messages owed from {after}", highlight=False)


@webhooks_app.command("delete")
def webhooks_delete(
    subscription: Annotated[str, typer.Argument(help="The subscription id (wh_…).")],
    db: DbOpt = DEFAULT_DB,
) -> None:
    """End a subscription (what it was still owed is dropped)."""
    from store.webhooks import delete_subscription

    with open_store_or_fail(db) as store:
        try:
            dropped = delete_subscription(store.engine, subscription)
        except StoreError as exc:
            fail(str(exc))
    out.print(f"{subscription} deleted; {dropped} pending messages dropped", highlight=False)


@webhooks_app.command("deliver")
def webhooks_deliver(
    as_json: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Deliver every message due now, then exit."""
    from gateway.delivery import Deliverer, DeliveryConfig
    from gateway.settings import Settings

    settings = Settings(db=db)
    fixed = settings.today
    with open_store_or_fail(db) as store:
        deliverer = Deliverer(
            store,
            DeliveryConfig.from_settings(settings),
            lambda: dt.date.fromisoformat(fixed) if fixed else dt.date.today(),
            worker=f"cli:{os.getpid()}",
        )
        counts = asyncio.run(deliverer.drain())
    if as_json:
        emit_json(dict(counts))
    else:
        out.print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing due")
