"""双随机、一公开 end to end: publish a draw, verify a published one, and take its results back.

* :func:`publish_draw` draws (plan, population snapshot — built from the store, or the one the
  commitment bound — seed) and publishes the draw with :func:`store.record_draw`, which
  enforces commit before draw (:mod:`store.draws`).
* :func:`verify_published` reruns a published draw from its stored snapshot.
* :func:`submit_results` takes the inspection results back as 行政检查 records
  (administrative-inspection): each must be about a drawn target; ``inspection_type`` defaults
  to 双随机抽查 and the remarks get the link ``抽查批次 <draw_id>``, so the public record names
  the draw. :func:`draw_results` lists the results of a draw as an audience sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import orjson

from publishers import Intake, ValidatedRow, make_issue
from store import (
    Audience,
    DrawRefusedError,
    PublishedDraw,
    Receipt,
    Store,
    get_commitment,
    get_draw,
    record_draw,
    submit_rows,
    view,
)
from workflows.draw_prng import seed_commitment
from workflows.inspection_draws import DrawCheck, draw, draw_bytes, verify_draw
from workflows.inspection_plans import Plan
from workflows.inspection_population import (
    GradeOf,
    build_snapshot,
    snapshot_bytes,
    snapshot_hash,
)

RESULTS_DATASET = "administrative-inspection"
RANDOM_INSPECTION = "双随机抽查"
LINK = "抽查批次 {draw_id}"
REMARKS_MAX = 512


def publish_draw(
    store: Store,
    plan: Plan,
    seed: str,
    *,
    actor: str,
    snapshot: dict[str, Any] | None = None,
    grade_of: GradeOf | None = None,
    now: datetime | None = None,
) -> PublishedDraw:
    """Draw and publish; :class:`store.DrawRefusedError` unless the seed was committed before.

    Without ``snapshot`` the population is read from the store now. A supplied snapshot is
    accepted only when the commitment bound its hash (it was fixed and published before the
    draw), so nobody can publish a draw over a population of their own making."""
    if snapshot is None:
        population = build_snapshot(store, plan, grade_of=grade_of)
    else:
        bound = get_commitment(store.engine, seed_hash=seed_commitment(seed)).population_hash
        if bound != snapshot_hash(snapshot):
            raise DrawRefusedError(
                "a supplied population snapshot must be the one the commitment bound "
                "(commit with the population hash), else the store's population is used"
            )
        population = snapshot
    document = draw(plan, population, seed)
    return record_draw(
        store.engine, draw_bytes(document), snapshot_bytes(population), actor=actor, now=now
    )


def verify_published(store: Store, draw_id: str) -> DrawCheck:
    """Rerun a published draw from its published snapshot."""
    published = get_draw(store.engine, draw_id)
    return verify_draw(published.document, orjson.loads(published.population))


def drawn_targets(published: PublishedDraw) -> set[str]:
    """The USCCs the draw selected."""
    return {t["uscc"] for t in orjson.loads(published.document)["targets"]}


def _linked(record: Any, draw_id: str) -> Any:
    if not isinstance(record, dict):
        return record
    link = LINK.format(draw_id=draw_id)
    remarks = str(record.get("remarks") or "")
    if draw_id not in remarks:
        remarks = f"{remarks}；{link}" if remarks else link
    return {
        **record,
        "inspection_type": record.get("inspection_type") or RANDOM_INSPECTION,
        "remarks": remarks[:REMARKS_MAX],
    }


def submit_results(
    store: Store,
    draw_id: str,
    records: Iterable[Any],
    *,
    actor: str,
    owner_uscc: str | None = None,
    source: str = "api",
) -> Receipt:
    """Validate and store inspection results of a draw (see the module docstring); a result
    about an entity the draw did not select is rejected with ``not-drawn-target``."""
    published = get_draw(store.engine, draw_id)
    targets = drawn_targets(published)
    intake = Intake(RESULTS_DATASET)

    def checked(rows: Iterator[ValidatedRow]) -> Iterator[ValidatedRow]:
        for item in rows:
            code = (item.record or {}).get("uscc")
            if item.valid and code not in targets:
                issue = make_issue(
                    "not-drawn-target", row=item.row, field="uscc", value=code, detail=draw_id
                )
                intake.report.add(issue)
                yield ValidatedRow(item.row, item.record, [*item.issues, issue], False)
            else:
                yield item

    rows = intake.records(_linked(r, draw_id) for r in records)
    return submit_rows(
        store, intake, checked(rows), actor=actor, source=source, owner_uscc=owner_uscc
    )


def draw_results(
    store: Store, draw_id: str, audience: Audience, *, today: date
) -> list[dict[str, Any]]:
    """The results linked to a draw (records naming it in their remarks), as ``audience``
    sees them, in target order."""
    published = get_draw(store.engine, draw_id)
    out = []
    for target in orjson.loads(published.document)["targets"]:
        for stored in store.by_uscc(target["uscc"], state="active"):
            if stored.dataset != RESULTS_DATASET or draw_id not in str(
                stored.payload.get("remarks") or ""
            ):
                continue
            if (seen := view(stored, audience, today=today)) is not None:
                out.append(seen)
    return out
