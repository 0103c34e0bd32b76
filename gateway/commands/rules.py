"""Commands over the publication rules: rules window (explain one record), rules recompute.

``creditgate rules window DATASET --record JSON --json`` computes the window of one record as the
store would, and says which inputs were declared, derived or inferred. The record may be keyed
by canonical field ids, Chinese labels or national codes (``CF_CFJG``): it is read by the same
header matching and value normalisation as a submitted file (``publishers.Intake``).
``creditgate rules recompute`` applies changed rules to what is stored (``store.recompute``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from catalog import CatalogError, get_entry
from gateway.clikit import (
    DEFAULT_DB,
    DbOpt,
    JsonOpt,
    app,
    emit_json,
    fail,
    open_store_or_fail,
    out,
)
from publishers import Intake
from store import StoreError
from store.recompute import KINDS, recompute
from store.windows import PublicationWindow, WindowError, load_rulebook

rules_app = typer.Typer(help="Publication rules (公示期规则).", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


def _record_arg(text: str) -> dict[str, Any]:
    """An inline JSON object, or ``@file.json``."""
    try:
        raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
        value = json.loads(raw)
    except (OSError, ValueError) as exc:
        fail(f"--record: not a JSON object or readable @file: {exc}")
    if not isinstance(value, dict):
        fail("--record: must be a JSON object")
    return value


def window_of(dataset: str, record: dict[str, Any]) -> PublicationWindow:
    """The window of one record as the store computes it (raises CatalogError / WindowError)."""
    entry = get_entry(dataset)
    (row,) = list(Intake(dataset).records([record]))
    return load_rulebook().window(entry.publication_rule, row.record or {})


@rules_app.command("window")
def rules_window(
    dataset: Annotated[str, typer.Argument(help="Catalogue dataset id.")],
    record: Annotated[
        str, typer.Option("--record", help="The record: inline JSON object, or @file.json.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Explain the publication window of one record (公示期计算说明)."""
    try:
        window = window_of(dataset, _record_arg(record))
    except (CatalogError, WindowError) as exc:
        fail(str(exc))
    answer = window.as_json()
    if as_json:
        emit_json(answer)
        return
    out.print(
        f"publishable: {answer['publishable']}  start: {answer['start']}  end: {answer['end']}"
        f"  min_end: {answer['min_end']}  rule set: {answer['rule_set']}",
        highlight=False,
    )
    out.print(window.reason_zh, highlight=False)
    table = RichTable(title="inputs 输入", highlight=False)
    for column in ("input", "value", "source", "how"):
        table.add_column(column, overflow="fold")
    for item in answer["explanation"]:
        value = json.dumps(item["value"], ensure_ascii=False)
        table.add_row(item["input"], value, item["source"], item.get("how") or "")
    out.print(table)


@rules_app.command("recompute")
def rules_recompute(
    db: DbOpt = DEFAULT_DB,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count the changes without writing them.")
    ] = False,
    as_json: JsonOpt = False,
    today: Annotated[
        str | None, typer.Option("--today", help="The day that decides 'ends now' (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Recompute every stored window under the current rules (公示期重算); see --dry-run."""
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError as exc:
        fail(f"--today: {exc}")
    store = open_store_or_fail(db)
    try:
        with store:
            result = recompute(store.engine, day, dry_run=dry_run)
    except (StoreError, CatalogError, WindowError) as exc:
        fail(str(exc))
    if as_json:
        emit_json(result.as_json())
        return
    title = "would change (dry run)" if dry_run else "changed"
    table = RichTable(title=f"publication windows {title} 公示期重算", highlight=False)
    table.add_column("dataset")
    for kind in KINDS:
        table.add_column(kind, justify="right")
    for dataset, counts in sorted(result.by_dataset.items()):
        table.add_row(dataset, *(str(counts[k]) for k in KINDS))
    table.add_row("total", *(str(result.total[k]) for k in KINDS))
    out.print(table)
