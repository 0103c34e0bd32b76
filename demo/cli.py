"""``creditgate demo``: build the demo store, say what to try, print a key per role, serve it.

The gateway does not import this module: ``pyproject.toml`` registers :func:`register` in the
``creditgate.commands`` entry point group and the command line loads it
(:mod:`gateway.plugins`).
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from demo.build import DemoStore, build_demo
from gateway.clikit import HostOpt, PortOpt, fail, out, progress_bar
from gateway.commands.service import run_server
from store import StoreError


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the ``creditgate`` command line (the entry point's target)."""
    app.command("demo")(demo)


def demo(
    db: Annotated[
        str, typer.Option("--db", help="SQLite file (or sqlite:/// URL) to (re)create.")
    ] = "creditgate-demo.db",
    entities: Annotated[
        int, typer.Option("--entities", min=10, help="How many Wuhan entities to invent.")
    ] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generator.")] = 11,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build the store and print the keys only.")
    ] = False,
) -> None:
    """Create a demo store with synthetic data for every dataset, print keys, and serve it."""
    if "://" in db and not db.startswith("sqlite:///"):
        fail("the demo store is a SQLite file: give a path or a sqlite:/// URL")
    db_file = Path(db.removeprefix("sqlite:///"))
    started = time.monotonic()
    try:
        made = _build(db_file, entities, seed)
    except (StoreError, OSError) as exc:
        fail(str(exc))
    total = sum(made.records.values())
    out.print(
        f"[bold]demo store[/] {db_file} — {total:,} records in {len(made.records)} datasets, "
        f"log head {made.head:,}, built in {time.monotonic() - started:.1f} s",
        highlight=False,
    )
    _print_tour(made, f"http://{host}:{port}")
    if not no_serve:
        # the demo's records are made up: keyed with the development secret, on purpose
        run_server(made.url, host, port, allow_development_secret=True)


def _build(db_file: Path, entities: int, seed: int) -> DemoStore:
    """:func:`build_demo` with a progress bar on a terminal (quiet in pipes)."""
    progress = progress_bar(True)
    if progress is None:
        return build_demo(db_file, entities=entities, seed=seed)
    with progress:
        task = progress.add_task("demo", total=None)

        def step(description: str, done: int, total: int) -> None:
            progress.update(task, description=description, completed=done)

        return build_demo(db_file, entities=entities, seed=seed, progress=step)


def _print_tour(made: DemoStore, base: str) -> None:
    """What the demo holds and where to look; the keys last, one per line (scripts read them)."""
    say = partial(out.print, highlight=False)
    say("taken down 撤下: " + ", ".join(f"{r} {n}" for r, n in sorted(made.withdrawn.items())))
    say(f"risk alerts 风险预警: {made.alerts} (creditgate alerts list)")
    say(
        f"web 网页: {base}/ (信用查询 lookup)   {base}/workspace (部门工作台: department key)   "
        f"{base}/console (信用办监管台: admin key)"
    )
    say(f"GraphQL (GraphiQL in a browser): {base}/graphql")
    say(f"REST: {base}/api/v1/datasets   OpenAPI: {base}/openapi.json   docs: {base}/docs")
    if made.samples:
        code = made.samples[0]
        say(f"try: curl {base}/api/v1/entities/{code}")
        query = f'{{ entity(creditCode: \\"{code}\\") {{ name penalties {{ recordId record }} }} }}'
        say(
            f"     curl {base}/graphql -H 'content-type: application/json' "
            f'-d \'{{"query": "{query}"}}\''
        )
    for draw_id in made.draws:
        say(f"     curl {base}/api/v1/inspections/draws/{draw_id}   (双随机抽查)")
    say("keys 密钥 (send as 'Authorization: Bearer <key>'):")
    for role, (key, secret) in made.keys.items():
        sys.stdout.write(f"  {role.value:<10} {secret}   ({key.name})\n")
    sys.stdout.flush()
