"""Shared pieces of the ``creditgate`` command line: the typer apps, options and output.

Exit codes follow frictionless: 0 when the data is valid, 1 when it is not, 2 when the command
cannot run (unknown dataset, unreadable file, store unreachable) — then one clear line goes to
stderr, never a traceback.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from catalog import CatalogError
from publishers import Intake, ReadError, Report, Table, open_table
from store import Store, StoreError, open_store

app = typer.Typer(
    name="creditgate",
    help="Wuhan public credit open-data gateway (武汉市公共信用信息开放与交换网关).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _configure() -> None:
    """Read the settings every command shares (the record-id secret) from the environment."""
    from gateway.settings import ConfigurationError, Settings, apply_identity_secret

    try:
        apply_identity_secret(Settings())
    except (ConfigurationError, ValueError) as exc:
        fail(str(exc))


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


def progress_bar(enabled: bool) -> Progress | None:
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


@contextmanager
def row_progress(enabled: bool, description: str) -> Iterator[Callable[[int], None] | None]:
    """A callback that shows the rows done so far on a terminal (None in pipes or with --json)."""
    bar = progress_bar(enabled)
    if bar is None:
        yield None
        return
    with bar:
        task = bar.add_task(description, total=None)
        yield lambda done: bar.update(task, completed=done)


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


def check_choice(value: str, choices: tuple[str, ...], name: str) -> str:
    value = value.lower()
    if value not in choices:
        fail(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    return value


keys_app = typer.Typer(help="API keys and their roles (密钥与角色).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

HostOpt = Annotated[str, typer.Option("--host", help="Address to listen on.")]
PortOpt = Annotated[int, typer.Option("--port", help="Port to listen on.")]


publish_app = typer.Typer(help="Publish the public view to channels (发布).")
app.add_typer(publish_app, name="publish")


DEFAULT_DB = "sqlite:///creditgate.db"


def store_url(value: str) -> str:
    """A ``--db`` value as a store URL: a URL as given, a plain path as ``sqlite:///path``."""
    value = value.strip()
    return value if "://" in value else f"sqlite:///{value}"


DbOpt = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="CREDITGATE_DB",
        callback=store_url,
        help="The store: a file path (SQLite), sqlite:///file.db or postgresql://…",
    ),
]
ActorOpt = Annotated[
    str | None, typer.Option("--actor", help="Who acts (recorded in the log); default cli:$USER.")
]


def actor_of(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


def open_store_or_fail(db: str) -> Store:
    try:
        return open_store(db)
    except StoreError as exc:
        fail(str(exc))
