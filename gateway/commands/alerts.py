"""Commands of the risk alerts (风险预警): ``alerts run|list|ack|close``.

* ``creditgate alerts run [--today YYYY-MM-DD] [--full] [--json]`` evaluates the risk rules
  (``workflows/data/risk-rules.yaml``) for the entities touched since the last run and prints
  what it raised and updated; run it from cron or a systemd timer (docs/alerts.md).
* ``creditgate alerts list [--department USCC] [--state open|acknowledged|closed]
  [--uscc USCC] [--json]`` lists alerts, newest first.
* ``creditgate alerts ack ID [--note TEXT] [--actor NAME]`` and ``creditgate alerts close ID
  --note TEXT [--actor NAME]`` acknowledge and close an alert; both are written to the alert's
  trail with the actor (default ``cli:$USER``, role admin) and the note.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

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
from store import (
    StoreError,
    acknowledge_alert,
    alert_history,
    close_alert,
    list_alerts,
)
from workflows import WorkflowError, run_alerts

alerts_app = typer.Typer(help="Risk alerts for departments (风险预警).", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")

STATES = ("open", "acknowledged", "closed")


@alerts_app.command("run")
def alerts_run(
    today: Annotated[
        str | None, typer.Option("--today", help="Evaluation day (YYYY-MM-DD); default today.")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read the whole change log.")] = False,
    as_json: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Evaluate the risk rules over the change-log events since the last run."""
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        fail(f"--today must be a date YYYY-MM-DD, not {today!r}")
    with open_store_or_fail(db) as store:
        try:
            run = run_alerts(store, today=day, full=full)
        except (StoreError, WorkflowError) as exc:
            fail(str(exc))
    if as_json:
        emit_json(run.to_dict())
        return
    out.print(
        f"log {run.after}→{run.head}: {run.entities} entities evaluated, {run.raised} alerts "
        f"raised, {run.updated} updated, {run.unchanged} unchanged"
    )


@alerts_app.command("list")
def alerts_list(
    department: Annotated[
        str | None, typer.Option("--department", help="Only alerts routed to this USCC.")
    ] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="open | acknowledged | closed")
    ] = None,
    uscc: Annotated[str | None, typer.Option("--uscc", help="Only this entity.")] = None,
    as_json: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """List alerts, newest first."""
    if state is not None:
        check_choice(state, STATES, "--state")
    with open_store_or_fail(db) as store:
        found = list_alerts(store.engine, department=department, state=state, uscc=uscc)
    if as_json:
        emit_json({"alerts": [a.to_dict() for a in found], "count": len(found)})
        return
    if not found:
        out.print("no alerts")
        return
    for alert in found:
        out.print(
            f"#{alert.id} {escape('[' + alert.state.value + ']')} {alert.severity} {alert.rule_id} "
            f"{alert.uscc} {escape(alert.entity_name or '')} — {escape(alert.summary)} "
            f"→ {', '.join(alert.departments)}"
        )


NoteOpt = Annotated[str | None, typer.Option("--note", help="What was done (kept in the trail).")]


def _act(alert_id: int, action: str, note: str | None, actor: str | None, db: str) -> None:
    who = actor_of(actor)
    with open_store_or_fail(db) as store:
        try:
            if action == "ack":
                alert = acknowledge_alert(
                    store.engine, alert_id, actor=who, role="admin", note=note
                )
            else:
                alert = close_alert(
                    store.engine, alert_id, actor=who, role="admin", note=note or ""
                )
        except StoreError as exc:
            fail(str(exc))
        trail = alert_history(store.engine, alert_id)
    emit_json({"alert": alert.to_dict(), "history": [e.to_dict() for e in trail]})


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(help="The alert id.")],
    note: NoteOpt = None,
    actor: ActorOpt = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Acknowledge an alert (audited); prints the alert and its trail as JSON."""
    _act(alert_id, "ack", note, actor, db)


@alerts_app.command("close")
def alerts_close(
    alert_id: Annotated[int, typer.Argument(help="The alert id.")],
    note: NoteOpt = None,
    actor: ActorOpt = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Close an alert with --note saying what was done (audited)."""
    if not (note or "").strip():
        fail("closing an alert needs --note saying what was done")
    _act(alert_id, "close", note, actor, db)
