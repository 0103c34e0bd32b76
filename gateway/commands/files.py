"""Commands over a department's files and the store: validate, submit, withdraw, sweep."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from catalog import CatalogError
from gateway.clikit import (
    DEFAULT_DB,
    ActorOpt,
    DbOpt,
    EncodingOpt,
    FormatOpt,
    JsonOpt,
    actor_of,
    app,
    check_choice,
    emit_json,
    fail,
    open_intake,
    open_store_or_fail,
    out,
    print_report,
    row_progress,
)
from publishers import ReadError
from store import StoreError, submit_rows


@app.command()
def validate(
    dataset: Annotated[
        str, typer.Argument(help="Catalogue dataset id, e.g. administrative-penalty.")
    ],
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSON or NDJSON file.")],
    fmt: FormatOpt = "auto",
    encoding: EncodingOpt = "auto",
    as_json: JsonOpt = False,
) -> None:
    """Validate a department's file against its dataset's schema (校验数据文件)."""
    fmt = check_choice(fmt, ("auto", "csv", "xlsx", "json", "ndjson"), "--format")
    encoding = check_choice(encoding, ("auto", "utf-8", "gbk", "gb18030"), "--encoding")
    intake, table = open_intake(dataset, file, fmt, encoding)
    try:
        with row_progress(not as_json, f"validating {file.name}") as progress:
            for count, _ in enumerate(intake.rows(table), start=1):
                if progress is not None and count % 5000 == 0:
                    progress(count)
    except ReadError as exc:
        fail(f"{file}: {exc}")
    report = intake.report
    if as_json:
        emit_json(report.to_dict())
    else:
        print_report(report, title=f"{file.name} → {dataset}")
    raise typer.Exit(0 if report.valid else 1)


@app.command()
def submit(
    dataset: Annotated[str, typer.Argument(help="Catalogue dataset id.")],
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSON or NDJSON file.")],
    db: DbOpt = DEFAULT_DB,
    fmt: FormatOpt = "auto",
    encoding: EncodingOpt = "auto",
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Store nothing if any row is rejected.")
    ] = False,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate a file and store its valid rows; print the receipt (回执)."""
    fmt = check_choice(fmt, ("auto", "csv", "xlsx", "json", "ndjson"), "--format")
    encoding = check_choice(encoding, ("auto", "utf-8", "gbk", "gb18030"), "--encoding")
    intake, table = open_intake(dataset, file, fmt, encoding)
    store = open_store_or_fail(db)
    try:
        with store, row_progress(not as_json, f"submitting {file.name}") as progress:
            receipt = submit_rows(
                store,
                intake,
                intake.rows(table),
                actor=actor_of(actor),
                source=f"file:{file.name}",
                detail=False,
                all_or_nothing=all_or_nothing,
                progress=progress,
            )
    except (ReadError, StoreError) as exc:
        fail(str(exc))
    if as_json:
        emit_json(receipt.to_dict())
    else:
        report = intake.report
        print_report(report, title=f"{file.name} → {dataset}")
        stored = "stored 已入库" if receipt.stored and receipt.batch_id else "nothing stored 未入库"
        out.print(
            f"receipt 回执 {receipt.batch_id or '-'}: {receipt.accepted:,} accepted 接收, "
            f"{receipt.unchanged:,} unchanged 未变化, {receipt.rejected:,} rejected 拒收 ({stored})"
        )
    raise typer.Exit(0 if receipt.ok else 1)


@app.command()
def withdraw(
    dataset: Annotated[str, typer.Argument(help="Catalogue dataset id.")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="revoked | corrected | repaired | expired | objection-upheld | listing-ended"
            " | repair_national",
        ),
    ],
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="Natural key: the values in catalogue order (repeat --key), or field=value.",
        ),
    ] = None,
    record_id: Annotated[str | None, typer.Option("--record-id", help="The record id.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, in words.")] = None,
    db: DbOpt = DEFAULT_DB,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Take a record down from every channel, with a reason (撤下)."""
    if not key and not record_id:
        fail("give --key (natural key values) or --record-id")
    natural: dict[str, str] | list[str] | None = None
    if key:
        pairs = [k.partition("=") for k in key]
        named = [p for p in pairs if p[1] == "="]
        if named and len(named) == len(pairs):
            natural = {name: value for name, _, value in named}
        else:
            natural = list(key)
    store = open_store_or_fail(db)
    try:
        with store:
            event = store.withdraw(
                dataset,
                record_id=record_id,
                key=natural,
                reason=reason,
                note=note,
                actor=actor_of(actor),
            )
    except (StoreError, CatalogError) as exc:
        fail(str(exc))
    payload = {
        "withdrawn": event is not None,
        "seq": event.seq if event else None,
        "record_id": event.record_id if event else record_id,
        "reason": reason,
    }
    if as_json:
        emit_json(payload)
    elif event is None:
        out.print("already withdrawn 已撤下; nothing to do")
    else:
        out.print(f"withdrawn 已撤下 {event.record_id} (seq {event.seq}, reason {reason})")


@app.command()
def sweep(
    now: Annotated[
        str | None, typer.Option("--now", help="The day to sweep for (YYYY-MM-DD); default today.")
    ] = None,
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
) -> None:
    """End publication of records whose publication window has closed (公示期满撤下), end
    expired list entries and bans, and flag overdue commitments, objections and repairs —
    the same pass the scheduler of serve/worker runs (docs/scheduler.md)."""
    from gateway.scheduler import run_once

    try:
        day = dt.date.fromisoformat(now) if now else dt.date.today()
    except ValueError:
        fail(f"--now must be a date YYYY-MM-DD, not {now!r}")
    store = open_store_or_fail(db)
    try:
        with store:
            run, report = run_once(store, day, runner="cli:sweep")
    except StoreError as exc:
        fail(str(exc))
    if report is None:
        payload = {"today": day.isoformat(), "skipped": True, "why": run.why, "expired": 0,
                   "by_dataset": {}}  # fmt: skip
    else:
        payload = {**report.to_dict(), "skipped": False, "run_id": run.id}
    if as_json:
        emit_json(payload)
    elif report is None:
        out.print(f"sweep {day}: skipped — {run.why}", highlight=False)
    else:
        out.print(
            f"sweep {day}: {report.expired:,} records expired 公示期满撤下 "
            f"{report.sweep.by_dataset}; lists ended {report.lists_ended}; overdue: "
            f"{len(report.commitments_flagged)} commitments flagged, "
            f"{len(report.objections_overdue)} objections, {len(report.repairs_overdue)} repairs",
            highlight=False,
        )
