"""The ``creditgate`` command line: a thin typer layer over the library packages.

Exit codes follow frictionless: 0 when the data is valid, 1 when it is not, 2 when the command
cannot run (unknown dataset, unreadable file, store unreachable) — then one clear line goes to
stderr, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from catalog import CatalogError, get_entry, load_catalog
from publishers import Intake, ReadError, Report, Table, open_table
from store import Store, StoreError, open_store
from store.receipts import submit_rows

app = typer.Typer(
    name="creditgate",
    help="Wuhan public credit open-data gateway (武汉市公共信用信息开放与交换网关).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(help="The public credit information catalogue (公共信用信息目录).")
app.add_typer(catalog_app, name="catalog")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

MAX_TABLE_ISSUES = 200


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit (2: cannot run)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def emit_json(payload: Any) -> None:
    sys.stdout.write(orjson.dumps(payload).decode() + "\n")
    sys.stdout.flush()


def _progress(enabled: bool) -> Progress | None:
    if not enabled or not err.is_terminal:
        return None
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def open_intake(dataset: str, file: Path, fmt: str, encoding: str) -> tuple[Intake, Table]:
    """An :class:`Intake` for the dataset and the opened file (exits 2 when either fails)."""
    try:
        intake = Intake(dataset)
    except CatalogError as exc:
        fail(str(exc))
    try:
        table = open_table(file, format=fmt, encoding=encoding)  # type: ignore[arg-type]
    except ReadError as exc:
        fail(f"{file}: {exc}")
    return intake, table


def print_report(report: Report, *, title: str) -> None:
    """The terminal form of a report: a table of issues and a bilingual summary line."""
    if report.issues:
        table = RichTable(title=title, show_lines=False, highlight=False)
        for column in ("row 行", "field 字段", "code 代码", "severity", "message / 说明"):
            table.add_column(column, overflow="fold")
        for issue in report.issues[:MAX_TABLE_ISSUES]:
            style = "red" if issue.is_error else "yellow"
            table.add_row(
                "-" if issue.row is None else str(issue.row),
                issue.field or "-",
                f"[{style}]{issue.code}[/]",
                issue.severity,
                f"{issue.message}\n{issue.message_zh}",
            )
        out.print(table)
        if len(report.issues) > MAX_TABLE_ISSUES:
            out.print(f"… {len(report.issues) - MAX_TABLE_ISSUES:,} more issues (use --json)")
    verdict = "[green]VALID 通过[/]" if report.valid else "[red]INVALID 未通过[/]"
    warnings = sum(1 for i in report.issues if not i.is_error)
    out.print(
        f"{verdict}  {report.dataset}: {report.rows:,} rows 行, {report.valid_rows:,} valid 有效, "
        f"{report.invalid_rows:,} invalid 无效, {warnings:,} warnings 警告"
    )


FormatOpt = Annotated[
    str, typer.Option("--format", help="auto|csv|xlsx|json|ndjson", case_sensitive=False)
]
EncodingOpt = Annotated[
    str, typer.Option("--encoding", help="auto|utf-8|gbk|gb18030", case_sensitive=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _check_choice(value: str, choices: tuple[str, ...], name: str) -> str:
    value = value.lower()
    if value not in choices:
        fail(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    return value


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
    fmt = _check_choice(fmt, ("auto", "csv", "xlsx", "json", "ndjson"), "--format")
    encoding = _check_choice(encoding, ("auto", "utf-8", "gbk", "gb18030"), "--encoding")
    intake, table = open_intake(dataset, file, fmt, encoding)
    progress = _progress(not as_json)
    try:
        if progress is None:
            for _ in intake.rows(table):
                pass
        else:
            with progress:
                task = progress.add_task(f"validating {file.name}", total=None)
                for count, _ in enumerate(intake.rows(table), start=1):
                    if count % 5000 == 0:
                        progress.update(task, completed=count)
    except ReadError as exc:
        fail(f"{file}: {exc}")
    report = intake.report
    if as_json:
        emit_json(report.to_dict())
    else:
        print_report(report, title=f"{file.name} → {dataset}")
    raise typer.Exit(0 if report.valid else 1)


@catalog_app.command("list")
def catalog_list(as_json: JsonOpt = False) -> None:
    """List every dataset of the catalogue."""
    try:
        catalog = load_catalog()
    except CatalogError as exc:
        fail(str(exc))
    if as_json:
        emit_json([entry.raw for entry in catalog.values()])
        return
    table = RichTable(title="公共信用信息目录 Public credit information catalogue", highlight=False)
    for column in ("id", "名称", "title", "openness 公开属性", "schema", "frequency"):
        table.add_column(column, overflow="fold")
    for entry in catalog.values():
        table.add_row(
            entry.id,
            entry.title_zh,
            entry.title_en,
            str(entry.openness),
            f"{entry.schema_id} {entry.schema_version}",
            entry.update_frequency,
        )
    out.print(table)


@catalog_app.command("show")
def catalog_show(
    dataset: Annotated[str, typer.Argument(help="Dataset id.")], as_json: JsonOpt = False
) -> None:
    """Show one catalogue entry and the fields of its schema."""
    try:
        entry = get_entry(dataset)
    except CatalogError as exc:
        fail(str(exc))
    if as_json:
        emit_json(entry.raw)
        return
    from schemas import fields

    out.print(f"[bold]{entry.id}[/]  {entry.title_zh} / {entry.title_en}")
    out.print(entry.description_zh)
    out.print(entry.description_en)
    out.print(
        f"openness 公开属性: {entry.openness}   schema: {entry.schema_id} {entry.schema_version}   "
        f"key 主键: {', '.join(map(str, entry.key_fields()))}   rule: {entry.publication_rule}"
    )
    table = RichTable(highlight=False)
    for column in ("field", "中文名", "national code", "required", "disclosure"):
        table.add_column(column, overflow="fold")
    for spec in fields(entry.schema_id):
        table.add_row(
            spec.id,
            spec.title_zh,
            spec.national_code or "-",
            "M" if spec.required else "",
            spec.disclosure,
        )
    out.print(table)


DEFAULT_DB = "sqlite:///creditgate.db"
DbOpt = Annotated[
    str,
    typer.Option(
        "--db", envvar="CREDITGATE_DB", help="Store URL: sqlite:///file.db or postgresql://…"
    ),
]
ActorOpt = Annotated[
    str | None, typer.Option("--actor", help="Who acts (recorded in the log); default cli:$USER.")
]


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


def _open_store(db: str) -> Store:
    try:
        return open_store(db)
    except StoreError as exc:
        fail(str(exc))


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
    fmt = _check_choice(fmt, ("auto", "csv", "xlsx", "json", "ndjson"), "--format")
    encoding = _check_choice(encoding, ("auto", "utf-8", "gbk", "gb18030"), "--encoding")
    intake, table = open_intake(dataset, file, fmt, encoding)
    store = _open_store(db)
    progress = _progress(not as_json)
    try:
        with store:
            if progress is None:
                receipt = submit_rows(
                    store,
                    intake,
                    intake.rows(table),
                    actor=_actor(actor),
                    source=f"file:{file.name}",
                    all_or_nothing=all_or_nothing,
                )
            else:
                with progress:
                    task = progress.add_task(f"submitting {file.name}", total=None)
                    receipt = submit_rows(
                        store,
                        intake,
                        intake.rows(table),
                        actor=_actor(actor),
                        source=f"file:{file.name}",
                        all_or_nothing=all_or_nothing,
                        progress=lambda n: progress.update(task, completed=n),
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
            help="revoked | corrected | repaired | expired | objection-upheld | listing-ended",
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
    store = _open_store(db)
    try:
        with store:
            event = store.withdraw(
                dataset,
                record_id=record_id,
                key=natural,
                reason=reason,
                note=note,
                actor=_actor(actor),
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
    """End publication of records whose publication window has closed (公示期满撤下)."""
    try:
        day = dt.date.fromisoformat(now) if now else dt.date.today()
    except ValueError:
        fail(f"--now must be a date YYYY-MM-DD, not {now!r}")
    store = _open_store(db)
    try:
        with store:
            result = store.sweep(day)
    except StoreError as exc:
        fail(str(exc))
    payload = {"today": day.isoformat(), "expired": result.expired, "by_dataset": result.by_dataset}
    if as_json:
        emit_json(payload)
    else:
        out.print(
            f"sweep {day}: {result.expired:,} records expired 公示期满撤下 {result.by_dataset}"
        )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
