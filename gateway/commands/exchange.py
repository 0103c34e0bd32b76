"""Commands of the exchange with other platforms: export a dataset, import 信用中国's results.

* ``creditgate export DATASET [--format csv|ndjson|national] [--audience …] [--out FILE]
  [--as-of YYYY-MM-DD]`` streams a dataset from the store: ``csv`` / ``ndjson`` are the
  download files of the chosen audience (default public); ``national`` is the 2021 双公示
  national format (codes as header, government view — what the platforms receive).
* ``creditgate import national-repairs FILE [--json]`` applies the repair and objection
  results decided by 信用中国 (:mod:`workflows.national`) and prints the receipt; exit 1 when a
  line was rejected (the other lines are applied all the same).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.markup import escape

from catalog import CatalogError, get_entry
from gateway.clikit import (
    DEFAULT_DB,
    ActorOpt,
    DbOpt,
    JsonOpt,
    actor_of,
    app,
    check_choice,
    emit_json,
    fail,
    open_store_or_fail,
    out,
)
from gateway.downloads import columns, csv_chunks, ndjson_chunks
from gateway.paging import iter_views
from gateway.routes.national import national_csv
from store import Audience, Role, StoreError, may_see_dataset, national_header, national_pages
from workflows import Caller, WorkflowError, import_national_results, read_results

import_app = typer.Typer(help="Import results from other platforms (导入).", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _day(value: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        fail(f"{name} must be a date YYYY-MM-DD, not {value!r}")


def _write(chunks: Iterator[bytes], target: BinaryIO) -> int:
    written = 0
    for chunk in chunks:
        target.write(chunk)
        written += len(chunk)
    target.flush()
    return written


@app.command()
def export(
    dataset: Annotated[str, typer.Argument(help="Catalogue dataset id.")],
    fmt: Annotated[
        str, typer.Option("--format", help="csv|ndjson|national", case_sensitive=False)
    ] = "csv",
    audience: Annotated[
        str,
        typer.Option(
            "--audience", help="public|agency|government (csv, ndjson); national: government"
        ),
    ] = "public",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: stdout).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Judge publication windows on this day (YYYY-MM-DD)."),
    ] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Export a dataset from the store, streamed (导出; national = 国家双公示交换格式)."""
    fmt = check_choice(fmt, ("csv", "ndjson", "national"), "--format")
    who = Audience(check_choice(audience, tuple(a.value for a in Audience), "--audience"))
    day = _day(as_of, "--as-of")
    try:
        entry = get_entry(dataset)
    except CatalogError as exc:
        fail(str(exc))
    store = open_store_or_fail(db)
    try:
        with store:
            if fmt == "national":
                header = national_header(entry.id)
                chunks = national_csv(header, national_pages(store, entry.id, today=day))
            else:
                if not may_see_dataset(entry.id, who):
                    fail(f"{entry.id} is not open to the {who.value} view")
                pages = iter_views(store, entry, who, day)
                chunks = (
                    csv_chunks(pages, columns(entry, who)) if fmt == "csv" else ndjson_chunks(pages)
                )
            if out_file is None:
                _write(chunks, sys.stdout.buffer)
            else:
                with out_file.open("wb") as target:
                    size = _write(chunks, target)
                out.print(f"exported 已导出 {entry.id} ({fmt}) → {out_file} ({size:,} bytes)")
    except (StoreError, CatalogError) as exc:
        fail(str(exc))


@import_app.command("national-repairs")
def import_national_repairs(
    file: Annotated[Path, typer.Argument(help="CSV (header of codes), JSON or NDJSON file.")],
    db: DbOpt = DEFAULT_DB,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Apply repair and objection results decided by 信用中国 (导入信用中国修复/异议结果)."""
    try:
        lines = read_results(file.read_bytes())
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")
    except ValueError as exc:
        fail(f"{file}: not a results file: {exc}")
    store = open_store_or_fail(db)
    caller = Caller(actor_of(actor), Role.ADMIN)
    try:
        with store:
            receipt = import_national_results(
                store, lines, caller=caller, source=f"file:{file.name}"
            )
    except (StoreError, CatalogError, WorkflowError) as exc:
        fail(str(exc))
    if as_json:
        emit_json(receipt.to_dict())
    else:
        for line in receipt.lines:
            for issue in line.issues:
                out.print(
                    f"line {issue.line} {escape(issue.field or '-')} [red]{issue.code}[/] "
                    f"{escape(issue.message_zh)} / {escape(issue.message_en)}",
                    highlight=False,
                )
        out.print(
            f"{escape(file.name)}: {receipt.count('accepted'):,} accepted 已撤下/已处理, "
            f"{receipt.count('unchanged'):,} unchanged 未变化, "
            f"{receipt.count('rejected'):,} rejected 拒收"
        )
    raise typer.Exit(0 if receipt.ok else 1)
