"""Commands over the catalogue: catalog list, catalog show."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table as RichTable

from catalog import CatalogError, get_entry, load_catalog
from gateway.clikit import (
    JsonOpt,
    catalog_app,
    emit_json,
    fail,
    out,
)


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
