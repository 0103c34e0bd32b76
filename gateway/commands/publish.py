"""Commands that publish the public view to channels: publish ckan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

import portal
from gateway.clikit import (
    DEFAULT_DB,
    DbOpt,
    JsonOpt,
    err,
    fail,
    out,
    publish_app,
)


@publish_app.command("ckan")
def publish_ckan(
    db: DbOpt = DEFAULT_DB,
    ckan_url: Annotated[
        str | None, typer.Option("--ckan-url", envvar="CKAN_URL", help="CKAN site URL.")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="CKAN_API_KEY",
            show_default=False,
            help="CKAN API token; prefer the CKAN_API_KEY environment variable.",
        ),
    ] = None,
    as_json: JsonOpt = False,
    today: Annotated[
        str | None,
        typer.Option("--today", help="Publish the view of this day (YYYY-MM-DD); default today."),
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", help="Only this catalogue dataset (repeatable)."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Compare every row with CKAN and repair differences.")
    ] = False,
    batch_rows: Annotated[
        int, typer.Option("--batch-rows", min=1, help="Rows per DataStore call.")
    ] = portal.DEFAULT_BATCH_ROWS,
    prefix: Annotated[
        str, typer.Option("--prefix", help="Dataset-name prefix in CKAN.")
    ] = "wuhan-credit",
    max_file_mb: Annotated[
        int,
        typer.Option(
            "--max-file-mb",
            min=1,
            help="The portal's ckan.max_resource_size; larger files are split.",
        ),
    ] = 10,
) -> None:
    """Publish the public view to a CKAN portal, incrementally (发布到 CKAN)."""
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
        config = portal.PortalConfig(prefix=prefix, max_file_bytes=max_file_mb * 1024 * 1024)
    except (ValueError, portal.PortalConfigError) as exc:
        fail(str(exc))
    raise typer.Exit(
        portal.publish_command(
            db_url=db,
            ckan_url=ckan_url,
            api_key=api_key,
            today=day,
            as_json=as_json,
            datasets=dataset or None,
            full=full,
            batch_rows=batch_rows,
            config=config,
            out=out,
            err=err,
        )
    )
