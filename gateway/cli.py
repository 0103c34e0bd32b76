"""The ``creditgate`` command line: a thin typer layer over the library packages.

Exit codes follow frictionless: 0 when the data is valid, 1 when it is not, 2 when the command
cannot run (unknown dataset, unreadable file, store unreachable) — then one clear line goes to
stderr, never a traceback.
"""

from __future__ import annotations

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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
