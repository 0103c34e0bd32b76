"""The demo store (演示库): a fresh SQLite file with realistic synthetic data for every dataset
of the catalogue, take-downs of every kind, and one ready-made key per role.

What :func:`build_demo` does, in order:

1. removes the file (and its ``-wal``/``-shm``) and opens a new store;
2. submits generated records for every catalogue dataset through the same path as a
   department's upload (:func:`store.submit_records`: normalise, validate, store), entities
   spread over Wuhan's districts (:mod:`demo.datasets`); the catalogue's own records come
   from the catalogue files and are checked by the validator directly;
3. takes records down with every reason — revoked, corrected (then re-submitted, which
   publishes them again as version 2), repaired, objection-upheld, listing-ended — and runs
   the sweep, which expires what left its publication window (most older penalties);
4. submits dated penalties of two departments, one on time and one late
   (:mod:`demo.dated`), so the monitoring has a ranking and an overdue department;
5. grades every entity (公共信用综合评价, :func:`store.evaluation.evaluate_all`: the demo data
   gives every grade A/B/C/D) and records one 政务失信 of a public body with its 通报;
6. commits a seed and publishes a random-inspection draw (:mod:`demo.inspections`);
7. creates one key per role (public, agency, platform, department, admin);
8. runs the risk early warning once (:func:`workflows.run_alerts`), so the demo has alerts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from catalog import load_catalog
from demo.datasets import generate, sizes
from demo.dated import submit_dated
from demo.inspections import demo_draw
from demo.population import population
from publishers import RecordValidator
from store import (
    ApiKey,
    Role,
    Store,
    create_key,
    open_store,
    record_public_dishonesty,
    submit_records,
)
from store.evaluation import evaluate_all, grade_counts
from workflows import run_alerts

ACTOR = "demo:generator"
PUBLISHED_GRADES = "public-credit-evaluation"
Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``."""

TAKE_DOWNS = (
    # (dataset, reason, how many, note)
    ("administrative-penalty", "revoked", 5, "行政复议决定撤销原处罚决定"),
    ("administrative-penalty", "corrected", 5, "处罚决定变更，待更正后重新公示"),
    ("administrative-penalty", "repaired", 20, "已履行行政处罚义务，信用修复申请已通过"),
    ("administrative-penalty", "objection-upheld", 3, "异议申请核实成立"),
    ("administrative-licensing", "revoked", 3, "许可被依法撤销"),
    ("serious-dishonesty-list", "listing-ended", 5, "已移出严重失信主体名单"),
    ("watch-list", "repaired", 3, "已完成信用修复，移出重点关注名单"),
    ("administrative-inspection", "rule_change", 2, "公示规则变更，公示期已届满（演示）"),
    ("administrative-penalty", "repair_national", 3, "信用中国已决定信用修复（国家平台回传）"),
)


@dataclass
class DemoStore:
    """What :func:`build_demo` made."""

    url: str
    records: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    withdrawn: Counter[str] = field(default_factory=Counter)
    keys: dict[Role, tuple[ApiKey, str]] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    draws: list[str] = field(default_factory=list)
    head: int = 0
    dated: dict[str, int] = field(default_factory=dict)
    grades: dict[str, int] = field(default_factory=dict)
    alerts: int = 0


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _fill(store: Store, demo: DemoStore, entities: int, seed: int, progress: Progress) -> None:
    pop = population(entities, seed=seed)
    counts = sizes(entities)
    ids = load_catalog().ids()
    for n, dataset in enumerate(ids):
        progress(f"generating {dataset}", n, len(ids))
        if dataset == PUBLISHED_GRADES:
            continue  # computed from the store at the end (step 4), not generated
        records = generate(dataset, counts.get(dataset, 0), pop=pop, seed=seed + n)
        if dataset == "catalogue":
            # Built from the catalogue files, not read from a file: nothing to normalise.
            validator = RecordValidator(load_catalog()[dataset].schema_id)
            rows = [(i, r) for i, r in enumerate(records, 1) if not validator.check(r, row=i)]
            result = store.submit(dataset, rows, actor=ACTOR, source="demo:catalogue")
            demo.records[dataset], demo.rejected[dataset] = result.accepted, result.rejected
            continue
        receipt = submit_records(store, dataset, records, actor=ACTOR, source="demo")
        demo.records[dataset], demo.rejected[dataset] = receipt.accepted, receipt.rejected
    progress("generated every dataset", len(ids), len(ids))
    demo.samples = _busiest(store, pop.entities.items)


def _busiest(store: Store, entities: list[dict[str, object]], count: int = 3) -> list[str]:
    """A few USCCs with records in several datasets (good first lookups)."""
    scored: list[tuple[int, str]] = []
    for item in entities[:400]:
        code = item.get("uscc")
        if isinstance(code, str):
            datasets = {r.dataset for r in store.by_uscc(code, state="active")}
            scored.append((len(datasets), code))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [code for _, code in scored[:count]]


def _take_downs(store: Store, demo: DemoStore, today: dt.date) -> None:
    for dataset, reason, count, note in TAKE_DOWNS:
        stored = store.records(dataset, limit=count * 4)
        for record in stored[::4][:count]:
            if store.withdraw(
                dataset, record_id=record.record_id, reason=reason, note=note, actor=ACTOR
            ):
                demo.withdrawn[reason] += 1
            if reason == "corrected":
                fixed = dict(record.payload)
                fixed["penalty_content"] = f"{fixed.get('penalty_content', '')}（已更正）"
                submit_records(store, dataset, [fixed], actor=ACTOR, source="demo:correction")
    swept = store.sweep(today)
    demo.withdrawn["expired"] += swept.expired


def _keys(store: Store, demo: DemoStore) -> None:
    regulator = population(1).agencies.items[0]  # 武汉市市场监督管理局
    for role in Role:
        department = regulator[2] if role is Role.DEPARTMENT else None
        name = f"demo {role.value}" + (f" ({regulator[0]})" if department else "")
        demo.keys[role] = create_key(store.engine, role=role, name=name, department_uscc=department)


def fill_demo(
    store: Store,
    *,
    entities: int = 3000,
    seed: int = 11,
    today: dt.date | None = None,
    progress: Progress | None = None,
    url: str = "",
) -> DemoStore:
    """Steps 2 to 5 of :func:`build_demo` on an open, empty store of any backend (tests
    scan the demo's outputs on SQLite and PostgreSQL); no keys are made."""
    report = progress or (lambda _step, _done, _total: None)
    demo = DemoStore(url=url or store.url)
    _fill(store, demo, entities, seed, report)
    report("submitting dated penalties (monitoring)", 0, 1)
    demo.dated = submit_dated(
        store, population(entities, seed=seed), today or dt.date.today(), seed
    )
    report("taking records down", 0, 1)
    day = today or dt.date.today()
    _take_downs(store, demo, day)
    report("grading every entity", 0, 1)
    _public_dishonesty(store, day)
    evaluate_all(store, today=day)
    demo.grades = grade_counts(store.engine)
    report("drawing a random-inspection sample", 0, 1)
    demo.draws.append(demo_draw(store, seed=seed, today=day, actor=ACTOR))
    demo.head = store.head()
    return demo


def _public_dishonesty(store: Store, today: dt.date) -> None:
    """One 政务失信 of a public body (an agency of the population), reported to its superior
    unit and the audit department (kept out of every grade)."""
    name, _code, uscc = population(1).agencies.items[-1][:3]
    record_public_dishonesty(
        store.engine, body_uscc=str(uscc), body_name=str(name), kind="contract-default",
        facts="拖欠中小企业工程款逾期未支付（演示数据）", basis_doc_no="（2026）鄂0102民初1号",
        decided_by="武汉市江岸区人民法院", occurred_on=today - dt.timedelta(days=30),
        superior_unit="武汉市人民政府", recorded_by=ACTOR,
    )  # fmt: skip


def build_demo(
    path: Path,
    *,
    entities: int = 3000,
    seed: int = 11,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> DemoStore:
    """Make a fresh demo store at ``path`` (an existing file is replaced)."""
    _remove(path)
    url = f"sqlite:///{path}"
    with open_store(url) as store:
        demo = fill_demo(
            store, entities=entities, seed=seed, today=today, progress=progress, url=url
        )
        _keys(store, demo)
        demo.alerts = run_alerts(store, today=today or dt.date.today()).raised
    return demo
