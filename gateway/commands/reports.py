"""Commands of signed credit reports: ``report USCC``, ``report verify FILE``, ``report rotate``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import httpx
import orjson
import typer

from gateway.clikit import DEFAULT_DB, DbOpt, actor_of, app, check_choice, fail, open_store_or_fail
from store import (
    Audience,
    StoreError,
    issue_report,
    published_keys,
    rotate_key,
    verify_document,
)

AUDIENCES = ("public", "agency", "government")


@app.command("report")
def report(
    target: Annotated[str, typer.Argument(help="A USCC, or 'verify' / 'rotate'.")],
    file: Annotated[Path | None, typer.Argument(help="With 'verify': the signed report.")] = None,
    audience: Annotated[str, typer.Option("--audience", help="public|agency|government")] = (
        "public"
    ),
    purpose: Annotated[str | None, typer.Option("--purpose", help="Why (logged).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the report here.")] = None,
    keys: Annotated[
        str | None,
        typer.Option("--keys", help="Key set (file or URL of creditgate-keys.json) for verify."),
    ] = None,
    today: Annotated[str | None, typer.Option("--today", help="As-of day (YYYY-MM-DD).")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Issue a signed credit report of USCC; `report verify FILE` checks one offline (exit 0
    valid, 1 invalid); `report rotate` retires the signing key and makes a new one."""
    if target == "verify":
        if file is None:
            fail("report verify needs the report FILE")
        _verify(file, keys, db)
        return
    if target == "rotate":
        with open_store_or_fail(db) as store:
            key = rotate_key(store.engine)
        typer.echo(json.dumps(key.published(), ensure_ascii=False))
        return
    who = Audience(check_choice(audience, AUDIENCES, "--audience"))
    day = dt.date.fromisoformat(today) if today else dt.date.today()
    _issue(target, who, day, purpose, out, db)


def _issue(
    target: str, who: Audience, day: dt.date, purpose: str | None, out: Path | None, db: str
) -> None:
    """Sign the report of ``target`` for ``who``; write it to ``out`` (stdout when None)."""
    from gateway.errors import ApiError
    from gateway.routes.entities import normalise_uscc

    try:
        code = normalise_uscc(target)
    except ApiError as exc:
        fail(str(exc.detail) if hasattr(exc, "detail") else str(exc))
    with open_store_or_fail(db) as store:
        try:
            from gateway.routes.reports import report_grade

            document = issue_report(
                store,
                code,
                who,
                today=day,
                requested_by=actor_of(None),
                purpose=purpose,
                grade=report_grade(store, code, who),
            )
        except StoreError as exc:
            fail(str(exc))
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    if out is None:
        typer.echo(data.decode(), nl=False)
    else:
        out.write_bytes(data)
        typer.echo(
            f"{out}: report {document['report']['report_id']} signed by "
            f"{document['signature']['kid']}",
            err=True,
        )


def _verify(file: Path, keys: str | None, db: str) -> None:
    try:
        document = orjson.loads(file.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        fail(f"{file}: {exc}")
    if keys is None:
        with open_store_or_fail(db) as store:
            key_set = [k.published() for k in published_keys(store.engine)]
    elif keys.startswith(("http://", "https://")):
        try:
            key_set = httpx.get(keys, timeout=10).raise_for_status().json()["keys"]
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            fail(f"{keys}: {exc}")
    else:
        try:
            key_set = orjson.loads(Path(keys).read_bytes())["keys"]
        except (OSError, orjson.JSONDecodeError, KeyError) as exc:
            fail(f"{keys}: {exc}")
    result = verify_document(document, key_set)
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    raise typer.Exit(0 if result.valid else 1)
