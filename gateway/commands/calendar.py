"""Commands over the working-day calendar: workdays add, calendar status|import|recompute.

Contracts (other tools rely on them):

* ``creditgate workdays add DATE N --json`` → ``{"date": "YYYY-MM-DD", "provisional": bool}``
  exactly these two keys: the N-th working day after DATE, DATE not counted;
* ``creditgate calendar status [--db] [--today] --json`` → ``{"today", "years": [{"year",
  "source", "provisional", "holidays", "workdays"} … one entry per year], "warning"}``;
* ``creditgate calendar import FILE [--year] [--db] [--json]`` → ``{"ok", "year", "changed",
  "changes": [{"subject", "case_id", "field", "old", "new", "old_source", "new_source"} …]}``;
  a refused file exits 1 with ``{"ok": false, "issues": [{"line", "field", "code", …}]}``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from gateway.clikit import (
    DEFAULT_DB,
    ActorOpt,
    DbOpt,
    JsonOpt,
    actor_of,
    app,
    emit_json,
    err,
    fail,
    open_store_or_fail,
    out,
)
from store import CalendarUnknownError, calendar_status, deadline, parse_calendar

workdays_app = typer.Typer(help="Working days (工作日).", no_args_is_help=True)
app.add_typer(workdays_app, name="workdays")
calendar_app = typer.Typer(help="The working-day calendar (工作日历).", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")

TodayOpt = Annotated[
    str | None, typer.Option("--today", help="Judge the status on this day (YYYY-MM-DD).")
]


def _day(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{what} must be a date YYYY-MM-DD (got {value!r})")


@workdays_app.command("add")
def workdays_add(
    day: Annotated[str, typer.Argument(help="The start day (YYYY-MM-DD), not counted.")],
    n: Annotated[int, typer.Argument(min=0, help="Working days to add.")],
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="CREDITGATE_DB",
            help="Also use the calendar years imported into this store.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The N-th working day after DATE (DATE itself not counted)."""
    start = _day(day, "DATE")
    if db:
        open_store_or_fail(db).close()  # loads the store's imported years
    try:
        due = deadline(start, n)
    except CalendarUnknownError as exc:
        fail(str(exc))
    if as_json:
        emit_json({"date": due.date.isoformat(), "provisional": due.provisional})
        return
    note = " (provisional 暂定)" if due.provisional else ""
    out.print(f"{due.date.isoformat()}{note}  ({due.source.value})", highlight=False)


@calendar_app.command("status")
def status(db: DbOpt = DEFAULT_DB, today: TodayOpt = None, as_json: JsonOpt = False) -> None:
    """The source of each year's calendar, and the warning when next year is provisional."""
    day = _day(today, "--today") if today else dt.date.today()
    open_store_or_fail(db).close()
    report = calendar_status(day)
    if as_json:
        emit_json(report)
        return
    table = RichTable(title="工作日历 Working-day calendar", highlight=False)
    for column in ("year 年", "source 来源", "holidays 放假", "workdays 调休上班"):
        table.add_column(column)
    for entry in report["years"]:  # type: ignore[attr-defined]
        style = "yellow" if entry["provisional"] else ""
        table.add_row(
            str(entry["year"]),
            f"[{style}]{entry['source']}[/]" if style else entry["source"],
            str(entry["holidays"]),
            str(entry["workdays"]),
        )
    out.print(table)
    if report["warning"]:
        err.print(f"[bold yellow]warning:[/] {report['warning']}", highlight=False)


@calendar_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV date,kind,name of one year.")],
    year: Annotated[
        int | None, typer.Option("--year", help="The declared year (default: the first row's).")
    ] = None,
    db: DbOpt = DEFAULT_DB,
    actor: ActorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import one official year and recompute the open deadlines it moves (idempotent)."""
    from workflows import import_calendar_year

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: {exc}")
    parsed = parse_calendar(text, year=year)
    if parsed.calendar is None:
        if as_json:
            emit_json({"ok": False, "issues": [i.to_dict() for i in parsed.issues]})
        else:
            for issue in parsed.issues:
                where = f"line {issue.line}" if issue.line else "file"
                err.print(
                    f"{file}: {where}, {issue.field or '-'}: {issue.code}: {issue.message} / "
                    f"{issue.message_zh}",
                    highlight=False,
                )
        raise typer.Exit(1)
    store = open_store_or_fail(db)
    try:
        result = import_calendar_year(store, parsed.calendar, actor=actor_of(actor))
    finally:
        store.close()
    if as_json:
        emit_json({"ok": True, **result.to_dict()})
        return
    verb = "imported 已导入" if result.changed else "unchanged 未变"
    out.print(f"{result.year}: {verb}; {len(result.changes)} deadlines moved", highlight=False)
    for c in result.changes:
        out.print(
            f"  {c.subject} {c.case_id} {c.field}: {c.old_due} → {c.new_due} ({c.new_source})",
            highlight=False,
        )


@calendar_app.command("recompute")
def recompute(db: DbOpt = DEFAULT_DB, actor: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Count every open deadline again with the current calendar (also the ones left
    without a deadline by an older version); idempotent."""
    from workflows import recompute_deadlines

    store = open_store_or_fail(db)
    try:
        changes = recompute_deadlines(store, actor=actor_of(actor), reason="calendar-recompute")
    finally:
        store.close()
    if as_json:
        emit_json({"ok": True, "changes": [c.to_dict() for c in changes]})
        return
    out.print(f"{len(changes)} deadlines moved", highlight=False)
