"""Commands of the credit evaluation and 政务失信.

``evaluate [--all|--since-cursor]``  grade the store's entities (default: incremental from the
                                     change-log cursor; the first run is a full one)
``evaluate show USCC``               one entity's score, grade and explanation (JSON)
``evaluate model``                   the model in force (JSON)
``public-dishonesty record|list|notice``  政务失信 records and the delivery of their 通报
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer

from gateway.clikit import DEFAULT_DB, DbOpt, actor_of, app, fail, open_store_or_fail
from store.evaluation import (
    current_evaluation,
    evaluate_all,
    evaluate_incremental,
    grade_counts,
    grade_history_of,
    load_model,
)
from store.public_dishonesty import (
    PublicDishonestyError,
    advance_notice,
    list_public_dishonesty,
    record_public_dishonesty,
)


def _echo(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def _day(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else dt.date.today()
    except ValueError:
        fail(f"--today must be YYYY-MM-DD, not {text!r}")


@app.command("evaluate")
def evaluate(
    target: Annotated[str | None, typer.Argument(help="'show' or 'model' (omit: run).")] = None,
    uscc: Annotated[str | None, typer.Argument(help="With 'show': the entity.")] = None,
    full: Annotated[bool, typer.Option("--all", help="Regrade every entity.")] = False,
    since_cursor: Annotated[
        bool, typer.Option("--since-cursor", help="Regrade what changed since the cursor.")
    ] = False,
    history: Annotated[bool, typer.Option("--history", help="With 'show': the history.")] = False,
    today: Annotated[str | None, typer.Option("--today", help="As-of day (YYYY-MM-DD).")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Grade the store's entities (公共信用综合评价); `evaluate show USCC` explains one grade."""
    if target == "model":
        _echo(load_model().published())
        return
    if target == "show":
        if not uscc:
            fail("evaluate show needs a USCC")
        code = uscc.strip().upper()
        with open_store_or_fail(db) as store:
            found: Any = (
                grade_history_of(store.engine, code)
                if history
                else current_evaluation(store.engine, code)
            )
        if not found:
            fail(f"{code} has no evaluation", code=1)
        _echo(found)
        return
    if target is not None:
        fail(f"unknown evaluate target {target!r}: use show or model")
    if full and since_cursor:
        fail("--all and --since-cursor exclude each other")
    day = _day(today)
    with open_store_or_fail(db) as store:
        run = evaluate_all(store, today=day) if full else evaluate_incremental(store, today=day)
        counts = grade_counts(store.engine)
    _echo({**run.to_dict(), "grades": dict(sorted(counts.items()))})


dishonesty_app = typer.Typer(help="政务失信: public bodies' dishonesty and its 通报.")
app.add_typer(dishonesty_app, name="public-dishonesty")


@dishonesty_app.command("record")
def record(
    body_uscc: Annotated[str, typer.Option("--body-uscc")],
    body_name: Annotated[str, typer.Option("--body-name")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="judgment-default|contract-default|commitment-breach|law-breach"
        ),
    ],
    facts: Annotated[str, typer.Option("--facts")],
    basis_doc_no: Annotated[str, typer.Option("--basis-doc-no")],
    decided_by: Annotated[str, typer.Option("--decided-by")],
    occurred_on: Annotated[str, typer.Option("--occurred-on", help="YYYY-MM-DD")],
    superior_unit: Annotated[str | None, typer.Option("--superior-unit")] = None,
    staff_name: Annotated[str | None, typer.Option("--staff-name")] = None,
    staff_position: Annotated[str | None, typer.Option("--staff-position")] = None,
    declared_soe: Annotated[
        bool, typer.Option("--soe", help="An enterprise declared 国有企业.")
    ] = False,
    actor: Annotated[str | None, typer.Option("--actor")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Record a public body's (or staff member's) dishonesty; its 通报 are created pending."""
    with open_store_or_fail(db) as store:
        try:
            done = record_public_dishonesty(
                store.engine, body_uscc=body_uscc, body_name=body_name, kind=kind, facts=facts,
                basis_doc_no=basis_doc_no, decided_by=decided_by,
                occurred_on=_day(occurred_on), superior_unit=superior_unit,
                staff_name=staff_name, staff_position=staff_position,
                declared_soe=declared_soe, recorded_by=actor_of(actor),
            )  # fmt: skip
        except PublicDishonestyError as exc:
            fail(str(exc), code=1)
        rows = list_public_dishonesty(store.engine, body_uscc=body_uscc, limit=1000)
    _echo({"new": done.new, "record": next(r for r in rows if r["id"] == done.id)})


@dishonesty_app.command("list")
def list_(
    body_uscc: Annotated[str | None, typer.Option("--body-uscc")] = None,
    state: Annotated[str | None, typer.Option("--state", help="pending|sent|acknowledged")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """政务失信 records with their notices (newest first)."""
    with open_store_or_fail(db) as store:
        _echo(list_public_dishonesty(store.engine, body_uscc=body_uscc, state=state))


@dishonesty_app.command("notice")
def notice(
    notice_id: Annotated[int, typer.Argument()],
    state: Annotated[str, typer.Argument(help="sent | acknowledged")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    actor: Annotated[str | None, typer.Option("--actor")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Track a 通报's delivery: mark it sent or acknowledged."""
    with open_store_or_fail(db) as store:
        try:
            _echo(advance_notice(store.engine, notice_id, state, actor=actor_of(actor), note=note))
        except PublicDishonestyError as exc:
            fail(str(exc), code=1)
