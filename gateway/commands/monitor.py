"""``creditgate monitor report``: the monthly monitoring report (监测月报) as JSON, XLSX or HTML.

``--month YYYY-MM`` (default: the previous month), ``--format json|xlsx|html``, ``--audience
government|public`` (public: rates only, no overdue cases), ``--out FILE`` (default: stdout for
JSON/HTML; XLSX needs ``--out``), ``--today`` the as-of day of the overdue list.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import orjson
import typer

from gateway.clikit import DEFAULT_DB, DbOpt, app, check_choice, fail, open_store_or_fail
from workflows import WorkflowError
from workflows.monitor import FORMATS, build_report, month_of, render_html, render_xlsx

monitor_app = typer.Typer(help="Monitoring and ranking (监测与排名).", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


def last_month(today: dt.date) -> str:
    """The month before ``today``'s (the default report month)."""
    return month_of(today.replace(day=1) - dt.timedelta(days=1))


@monitor_app.command("report")
def report(
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: last month).")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="json|xlsx|html")] = "json",
    audience: Annotated[str, typer.Option("--audience", help="government|public")] = ("government"),
    out: Annotated[Path | None, typer.Option("--out", help="Write the report here.")] = None,
    today: Annotated[str | None, typer.Option("--today", help="As-of day (YYYY-MM-DD).")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Write the monthly monitoring report: ranking with trend, indicators, overdue items."""
    kind = check_choice(format, FORMATS, "--format")
    who = check_choice(audience, ("government", "public"), "--audience")
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        fail(f"--today must be YYYY-MM-DD, not {today!r}")
    if kind == "xlsx" and out is None:
        fail("--format xlsx needs --out FILE")
    with open_store_or_fail(db) as store:
        try:
            doc = build_report(store, month or last_month(day), today=day, audience=who)
        except WorkflowError as exc:
            fail(exc.message)
    if kind == "json":
        data = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    elif kind == "html":
        data = render_html(doc).encode()
    else:
        data = render_xlsx(doc)
    if out is None:
        typer.echo(data.decode(), nl=False)
        return
    out.write_bytes(data)
    typer.echo(
        f"{out}: {doc['month']} ({len(doc['departments'])} departments, "
        f"{len(doc['districts'])} district units)",
        err=True,
    )
