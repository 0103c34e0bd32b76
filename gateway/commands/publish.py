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

CkanUrlOpt = Annotated[
    str | None, typer.Option("--ckan-url", envvar="CKAN_URL", help="CKAN site URL.")
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="CKAN_API_KEY",
        show_default=False,
        help="CKAN API token; prefer the CKAN_API_KEY environment variable.",
    ),
]
TodayOpt = Annotated[
    str | None,
    typer.Option("--today", help="Publish the view of this day (YYYY-MM-DD); default today."),
]
DatasetOpt = Annotated[
    list[str] | None,
    typer.Option("--dataset", help="Only this catalogue dataset (repeatable)."),
]
FullOpt = Annotated[
    bool, typer.Option("--full", help="Compare every row with CKAN and repair differences.")
]
BatchRowsOpt = Annotated[int, typer.Option("--batch-rows", min=1, help="Rows per DataStore call.")]
PrefixOpt = Annotated[str, typer.Option("--prefix", help="Dataset-name prefix in CKAN.")]
MaxFileOpt = Annotated[
    int,
    typer.Option(
        "--max-file-mb", min=1, help="The portal's ckan.max_resource_size; larger files are split."
    ),
]


@publish_app.command("ckan")
def publish_ckan(
    db: DbOpt = DEFAULT_DB,
    ckan_url: CkanUrlOpt = None,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
    today: TodayOpt = None,
    dataset: DatasetOpt = None,
    full: FullOpt = False,
    batch_rows: BatchRowsOpt = portal.DEFAULT_BATCH_ROWS,
    prefix: PrefixOpt = "wuhan-credit",
    max_file_mb: MaxFileOpt = 10,
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
