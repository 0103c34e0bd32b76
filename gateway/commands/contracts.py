"""Commands over the published contracts: ``creditgate graphql sdl``.

``creditgate graphql sdl`` prints the GraphQL SDL; ``--check`` compares it with the committed
``gateway/graphql/schema.graphql`` (exit 1 when they differ, naming any change that breaks a
client); ``--write`` rewrites the committed file — refused (exit 1) when the new schema breaks
clients of the committed one, unless ``--allow-breaking`` says the break is intended.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gateway.clikit import app, err, fail, out
from gateway.graphql import schema
from gateway.graphql.sdl import COMMITTED, REGENERATE, breaking_changes, render_sdl

graphql_app = typer.Typer(help="The GraphQL contract (GraphQL 接口契约).", no_args_is_help=True)
app.add_typer(graphql_app, name="graphql")


@graphql_app.command("sdl")
def graphql_sdl(
    check: Annotated[
        bool, typer.Option("--check", help="Compare with the committed SDL; exit 1 if it differs.")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="Rewrite the committed SDL (refused if breaking).")
    ] = False,
    allow_breaking: Annotated[
        bool, typer.Option("--allow-breaking", help="With --write: write a breaking change.")
    ] = False,
    path: Annotated[
        Path, typer.Option("--path", help="The committed SDL file.", dir_okay=False)
    ] = COMMITTED,
) -> None:
    """Print the GraphQL schema (SDL), or check / rewrite the committed copy."""
    sdl = render_sdl(schema)
    if not check and not write:
        sys.stdout.write(sdl)
        return
    try:
        committed = path.read_text("utf-8") if path.exists() else None
    except OSError as exc:
        fail(f"cannot read {path}: {exc}")
    breaking = breaking_changes(committed, schema) if committed else []
    for change in breaking:
        err.print(f"breaking: {change}", highlight=False, markup=False)
    if check:
        if committed == sdl:
            out.print(f"{path} is up to date")
            return
        what = "breaks clients" if breaking else "is additive"
        err.print(f"{path} differs from the schema (the change {what}); run: {REGENERATE}")
        raise typer.Exit(1)
    if breaking and not allow_breaking:
        err.print("refused: the change breaks clients (deprecate instead, or --allow-breaking)")
        raise typer.Exit(1)
    path.write_text(sdl, encoding="utf-8")
    out.print(f"wrote {path}")
