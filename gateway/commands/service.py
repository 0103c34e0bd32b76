"""Commands of the service: serve, keys, audit (``demo`` comes from the demo package)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from gateway.clikit import (
    DEFAULT_DB,
    DbOpt,
    HostOpt,
    JsonOpt,
    PortOpt,
    app,
    check_choice,
    emit_json,
    err,
    fail,
    keys_app,
    open_store_or_fail,
    out,
)
from store import StoreError


def run_server(db: str, host: str, port: int, *, allow_development_secret: bool = False) -> None:
    """Run the HTTP service with uvicorn until interrupted (one worker).

    The development identity secret is refused unless ``CREDITGATE_ENV`` says development or
    test, or the caller allows it (``creditgate demo``, whose store holds made-up data).
    uvicorn never reads proxy headers: the gateway believes ``X-Forwarded-For`` only from
    ``trusted_proxies`` (:mod:`gateway.clients`).
    """
    import uvicorn

    from gateway.app import create_app
    from gateway.settings import ConfigurationError, Settings, apply_identity_secret

    try:
        settings = Settings(db=db)
        if not allow_development_secret:
            apply_identity_secret(settings, serving=True)
        application = create_app(
            settings, scheduler=settings.scheduler, delivery=settings.webhook_delivery
        )
    except (StoreError, ConfigurationError, ValueError) as exc:
        fail(str(exc))
    from gateway.logs import uvicorn_log_config

    uvicorn.run(
        application,
        host=host,
        port=port,
        log_config=uvicorn_log_config(),  # the request id in every access line
        log_level="info",
        server_header=False,
        proxy_headers=False,
    )


@app.command()
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Serve GraphQL (/graphql), REST (/api/v1), OpenAPI (/openapi.json) and /healthz."""
    run_server(db, host, port)


@keys_app.command("create")
def keys_create(
    role: Annotated[
        str, typer.Option("--role", help="public | agency | platform | department | admin")
    ],
    name: Annotated[str, typer.Option("--name", help="Who holds the key.")],
    department: Annotated[
        str | None,
        typer.Option("--department", help="USCC of the department (department keys only)."),
    ] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Create a key; the key itself is printed once, as the last line (stored only hashed)."""
    from store import Role, create_key

    role = check_choice(role, tuple(r.value for r in Role), "--role")
    store = open_store_or_fail(db)
    try:
        with store:
            key, secret = create_key(store.engine, role=role, name=name, department_uscc=department)
    except StoreError as exc:
        fail(str(exc))
    where = f" for {key.department_uscc}" if key.department_uscc else ""
    sys.stdout.write(f"created key {key.key_id} ({key.role.value}{where}): {key.name}\n")
    sys.stdout.write("send it as 'Authorization: Bearer <key>'; it is not shown again:\n")
    sys.stdout.write(secret + "\n")
    sys.stdout.flush()


@keys_app.command("list")
def keys_list(db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """List every key (never a secret)."""
    from store import list_keys

    store = open_store_or_fail(db)
    with store:
        keys = list_keys(store.engine)
    if as_json:
        emit_json(
            [
                {
                    "key_id": k.key_id,
                    "name": k.name,
                    "role": k.role.value,
                    "department_uscc": k.department_uscc,
                    "created_at": k.created_at.isoformat(),
                    "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                }
                for k in keys
            ]
        )
        return
    table = RichTable(title="API keys 密钥", highlight=False)
    for column in ("key id", "role", "name", "department", "created", "status"):
        table.add_column(column, overflow="fold")
    for k in keys:
        table.add_row(
            k.key_id,
            k.role.value,
            k.name,
            k.department_uscc or "-",
            f"{k.created_at:%Y-%m-%d %H:%M}",
            "active" if k.active else "revoked",
        )
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (from keys list).")],
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Revoke a key at once; exits 1 when no active key has that id."""
    from store import revoke_key

    store = open_store_or_fail(db)
    with store:
        revoked = revoke_key(store.engine, key_id)
    if not revoked:
        err.print(f"no active key {key_id!r}", highlight=False)
        raise typer.Exit(1)
    out.print(f"revoked key {key_id}")


@app.command()
def audit(
    key: Annotated[str | None, typer.Option("--key", help="Only this key id's reads.")] = None,
    after: Annotated[int, typer.Option("--after", help="Entries with id > after.")] = 0,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries.")] = 100,
    lag: Annotated[
        bool, typer.Option("--lag", help="Show each partner's feed acknowledgement and lag.")
    ] = False,
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
) -> None:
    """The audit trail of authorised reads (查询留痕), or partners' feed lag (--lag)."""
    from store import acknowledgements, read_audit

    store = open_store_or_fail(db)
    try:
        with store:
            rows: list[dict[str, Any]]
            if lag:
                rows = [
                    {
                        "key_id": a.key_id,
                        "name": a.name,
                        "role": a.role,
                        "seq": a.seq,
                        "lag": a.lag,
                        "pending_takedowns": a.pending_takedowns,
                        "acknowledged_at": a.acknowledged_at.isoformat(),
                    }
                    for a in acknowledgements(store.engine)
                ]
            else:
                rows = [
                    {
                        "id": e.id,
                        "key_id": e.key_id,
                        "actor": e.actor,
                        "role": e.role,
                        "action": e.action,
                        "target": e.target,
                        "log_position": e.log_position,
                        "occurred_at": e.occurred_at.isoformat(),
                    }
                    for e in read_audit(store.engine, key_id=key, after=after, limit=limit)
                ]
    except StoreError as exc:
        fail(str(exc))
    if as_json:
        emit_json(rows)
        return
    table = RichTable(title="feed lag 订阅进度" if lag else "audit trail 查询留痕", highlight=False)
    for column in rows[0] if rows else ("(empty)",):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row.values()))
    out.print(table)
