"""Commands of graded random inspections (双随机、一公开): ``creditgate sample …``.

Contracts (docs/inspections.md):

* ``sample population --plan FILE [--db] [--out SNAPSHOT.json]`` writes the population snapshot
  (canonical JSON) and prints ``{"entities", "population_hash", "log_position"}`` on stderr;
* ``sample commit [--seed S | --seed-hash H] (--plan FILE | --department USCC) [--bind] [--db]``
  publishes the seed's SHA-256 before the draw and prints the commitment as JSON (with the
  generated ``seed`` when none was given: keep it secret until the draw);
* ``sample draw --plan FILE --seed S [--population SNAPSHOT.json] [--db] --json`` prints the
  draw as canonical JSON — same inputs, byte-identical output; ``--publish`` also records it in
  the store, refused (exit 1) unless the seed was committed before;
* ``sample verify DRAW.json [--population SNAPSHOT.json] [--db]`` reruns the draw and prints
  ``{"valid", "checks", "reason"}``: exit 0 valid, 1 not;
* ``sample results DRAW_ID FILE [--db]`` stores the inspection results (a JSON array of
  administrative-inspection records) linked to the draw and prints the receipt (exit 1 when a
  row was rejected);
* ``sample list [--db]`` prints the published draws.
"""

from __future__ import annotations

import hashlib
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

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
from store import (
    DrawRefusedError,
    StoreError,
    UnknownRecordError,
    commit_seed,
    get_draw,
    list_draws,
)
from workflows import (
    WorkflowError,
    build_snapshot,
    draw,
    draw_bytes,
    load_plan,
    publish_draw,
    seed_commitment,
    snapshot_bytes,
    snapshot_hash,
    submit_results,
    verify_draw,
)
from workflows.inspection_plans import Plan

sample_app = typer.Typer(
    help="Graded random inspections (分级分类 双随机、一公开): population, commit, draw, verify.",
    no_args_is_help=True,
)
app.add_typer(sample_app, name="sample")

PlanOpt = Annotated[Path, typer.Option("--plan", help="The inspection plan (YAML or JSON).")]
PopulationOpt = Annotated[
    Path | None, typer.Option("--population", help="A published population snapshot.")
]


def _plan(path: Path) -> Plan:
    try:
        return load_plan(path)
    except WorkflowError as exc:
        fail(exc.message)


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        fail(f"{path}: {exc}")


def _snapshot(plan: Plan, population: Path | None, db: str) -> dict[str, Any]:
    if population is not None:
        snapshot: dict[str, Any] = _read_json(population)
        return snapshot
    with open_store_or_fail(db) as store:
        try:
            return build_snapshot(store, plan)
        except StoreError as exc:
            fail(str(exc))


@sample_app.command("population")
def population(
    plan: PlanOpt,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the snapshot here.")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Build the population snapshot of a plan from the store (canonical JSON, sorted)."""
    snapshot = _snapshot(_plan(plan), None, db)
    data = snapshot_bytes(snapshot)
    if out_file is None:
        sys.stdout.write(data.decode("utf-8") + "\n")
    else:
        out_file.write_bytes(data)
    err.print(
        orjson.dumps(
            {
                "entities": len(snapshot["entities"]),
                "population_hash": snapshot_hash(snapshot),
                "log_position": snapshot["log_position"],
            }
        ).decode(),
        highlight=False,
    )


@sample_app.command("commit")
def commit(
    seed: Annotated[
        str | None, typer.Option("--seed", help="The secret seed (else generated).")
    ] = None,
    seed_hash: Annotated[
        str | None,
        typer.Option(
            "--seed-hash", help="Commit this SHA-256 without giving the seed to the tool."
        ),
    ] = None,
    plan: Annotated[
        Path | None, typer.Option("--plan", help="The plan (names the department).")
    ] = None,
    department: Annotated[str | None, typer.Option("--department", help="Department USCC.")] = None,
    bind: Annotated[
        bool,
        typer.Option(
            "--bind", help="Also bind the plan hash and the population hash (needs --plan)."
        ),
    ] = False,
    population: PopulationOpt = None,
    actor: ActorOpt = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Publish the hash of the seed before the draw (commit–reveal)."""
    if seed is not None and seed_hash is not None:
        fail("give --seed or --seed-hash, not both")
    generated = seed is None and seed_hash is None
    if generated:
        seed = secrets.token_hex(32)
    digest = seed_hash or seed_commitment(str(seed))
    the_plan = _plan(plan) if plan is not None else None
    dept = the_plan.department_uscc if the_plan is not None else department
    if dept is None:
        fail("give --plan or --department")
    if bind and the_plan is None:
        fail("--bind needs --plan")
    bound: dict[str, str | None] = {"plan_hash": None, "population_hash": None}
    if bind and the_plan is not None:
        bound = {
            "plan_hash": the_plan.hash,
            "population_hash": snapshot_hash(_snapshot(the_plan, population, db)),
        }
    with open_store_or_fail(db) as store:
        try:
            made = commit_seed(
                store.engine,
                digest,
                department_uscc=dept,
                actor=actor_of(actor),
                plan_id=the_plan.plan_id if the_plan else None,
                plan_hash=bound["plan_hash"],
                population_hash=bound["population_hash"],
            )
        except DrawRefusedError as exc:
            fail(str(exc), 1)
    emit_json(made.to_dict() | ({"seed": seed} if generated else {}))
    if generated:
        err.print("keep the seed secret until the draw; publish it with the draw", highlight=False)


@sample_app.command("draw")
def draw_command(
    plan: PlanOpt,
    seed: Annotated[str, typer.Option("--seed", help="The seed (its hash was committed).")],
    population: PopulationOpt = None,
    publish: Annotated[
        bool,
        typer.Option(
            "--publish", help="Record the draw in the store (needs an earlier commitment)."
        ),
    ] = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Draw targets per grade and inspectors per target; same inputs → byte-identical JSON."""
    the_plan = _plan(plan)
    snapshot = _snapshot(the_plan, population, db)
    try:
        document = draw(the_plan, snapshot, seed)
    except WorkflowError as exc:
        fail(exc.message)
    if publish:
        with open_store_or_fail(db) as store:
            try:
                published = publish_draw(
                    store, the_plan, seed, actor=actor_of(actor), snapshot=snapshot
                )
            except DrawRefusedError as exc:
                fail(f"draw refused: {exc}", 1)
        err.print(f"published {published.draw_id}", highlight=False)
    if json_out:
        sys.stdout.write(draw_bytes(document).decode("utf-8") + "\n")
        return
    for target in document["targets"]:
        team = ", ".join(f"{i['name']}({i['id']})" for i in target["inspectors"])
        out.print(
            f"{target['n']:>4}  {target['uscc']}  {target['grade']}  "
            f"{target['name'] or '-'}  → {team or '-'}",
            highlight=False,
        )
    strata = " ".join(f"{s['grade']}:{s['drawn']}/{s['population']}" for s in document["strata"])
    out.print(
        f"{len(document['targets'])} targets 抽中 ({strata}); population "
        f"{document['population_hash'][:16]}…, seed hash {document['seed_commitment'][:16]}…",
        highlight=False,
    )


@sample_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="The draw (JSON as published).")],
    population: PopulationOpt = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Rerun a draw from its population snapshot and seed; exit 0 when identical, 1 if not."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: {exc}")
    extra: dict[str, bool] = {}
    if population is not None:
        snapshot = _read_json(population)
    else:
        draw_id = "draw-" + hashlib.sha256(data.rstrip(b"\n")).hexdigest()[:24]
        with open_store_or_fail(db) as store:
            try:
                published = get_draw(store.engine, draw_id)
            except UnknownRecordError:
                fail(f"{draw_id} is not published in {store.url}: give --population SNAPSHOT")
        snapshot = orjson.loads(published.population)
        extra["committed_before_draw"] = published.commitment.published_at < published.drawn_at
    result = verify_draw(data, snapshot).to_dict()
    result["checks"] |= extra
    result["valid"] = result["valid"] and all(extra.values())
    emit_json(result)
    raise typer.Exit(0 if result["valid"] else 1)


@sample_app.command("results")
def results(
    draw_id: Annotated[str, typer.Argument(help="The published draw.")],
    file: Annotated[Path, typer.Argument(help="JSON array of administrative-inspection records.")],
    actor: ActorOpt = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Store inspection results of a draw as 行政检查 records linked to it; print the receipt."""
    records = _read_json(file)
    if isinstance(records, dict):
        records = records.get("records")
    if not isinstance(records, list):
        fail(f'{file}: expected a JSON array of records (or {{"records": [...]}})')
    with open_store_or_fail(db) as store:
        try:
            receipt = submit_results(
                store, draw_id, records, actor=actor_of(actor), source=f"file:{file.name}"
            )
        except UnknownRecordError as exc:
            fail(str(exc))
    emit_json(receipt.to_dict() | {"draw_id": draw_id})
    raise typer.Exit(0 if receipt.ok else 1)


@sample_app.command("list")
def list_command(json_out: JsonOpt = False, db: DbOpt = DEFAULT_DB) -> None:
    """The published draws, newest first."""
    with open_store_or_fail(db) as store:
        draws = list_draws(store.engine)
    if json_out:
        emit_json({"draws": [d.summary() for d in draws]})
        return
    for d in draws:
        out.print(
            f"{d.draw_id}  {d.plan_id}  {d.draw_date}  {d.targets} targets  committed "
            f"{d.commitment.published_at:%Y-%m-%d %H:%M} drawn {d.drawn_at:%Y-%m-%d %H:%M}",
            highlight=False,
        )
