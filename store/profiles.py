"""An entity's credit profile (信用档案): everything one audience may see about one market
entity, grouped the way people read it.

One function serves every face — the REST ``/api/v1/entities/{uscc}`` answer and the public
entity page — so a page can never show what the API would hide: every record passes
:func:`store.view` for the caller's audience on the given day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from catalog import load_catalog
from store.exchange import Store
from store.views import Audience, view

SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "lists",
        "失信名单与市场禁入",
        "Lists and market bans",
        ("serious-dishonesty-list", "watch-list", "market-ban"),
    ),
    ("penalties", "行政处罚", "Administrative penalties", ("administrative-penalty",)),
    ("licences", "行政许可", "Administrative licences", ("administrative-licensing",)),
    ("commitments", "信用承诺及履约", "Credit commitments and fulfilment", ("credit-commitment",)),
    ("complaints", "消费投诉", "Consumer complaints", ("consumer-complaint",)),
)
"""The named groups of a profile, in reading order; every other dataset falls in ``other``."""
OTHER = ("other", "其他行政管理信息", "Other administrative information")


@dataclass(slots=True)
class Section:
    """One group of a profile: its key, titles and the visible records, newest first."""

    key: str
    title_zh: str
    title_en: str
    records: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Profile:
    """What ``audience`` sees about ``uscc`` at change-log position ``log_position``."""

    uscc: str
    name: str | None
    audience: Audience
    log_position: int
    datasets: dict[str, list[dict[str, Any]]]
    sections: list[Section]

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.datasets.values())

    @property
    def under_objection(self) -> int:
        """How many visible records carry the 异议处理中 mark."""
        return sum(
            1 for rows in self.datasets.values() for r in rows if r["_meta"]["under_objection"]
        )


def _newest_first(record: dict[str, Any]) -> tuple[str, str]:
    day = record.get("decision_date") or record.get("closing_date") or ""
    return (str(day), record["record_id"])


def entity_profile(store: Store, uscc: str, audience: Audience, *, today: date) -> Profile:
    """The profile of ``uscc`` (already a valid, normalised code) for ``audience``."""
    head = store.head()  # read first: everything up to it is reflected below
    grouped: dict[str, list[dict[str, Any]]] = {}
    name: tuple[str, str] | None = None  # (updated_at, counterpart_name) of the newest record
    for record in store.by_uscc(uscc, state="active"):
        seen = view(record, audience, today=today)
        if seen is None:
            continue
        grouped.setdefault(record.dataset, []).append(seen)
        candidate = seen.get("counterpart_name")
        if isinstance(candidate, str):
            stamp = seen["_meta"]["updated_at"]
            if name is None or stamp > name[0]:
                name = (stamp, candidate)
    order = {dataset: n for n, dataset in enumerate(load_catalog().ids())}
    datasets = {d: grouped[d] for d in sorted(grouped, key=lambda d: order.get(d, len(order)))}
    return Profile(
        uscc=uscc,
        name=name[1] if name else None,
        audience=audience,
        log_position=head,
        datasets=datasets,
        sections=_sections(datasets),
    )


def _sections(datasets: dict[str, list[dict[str, Any]]]) -> list[Section]:
    named = {d for *_, members in SECTIONS for d in members}
    out = []
    for key, zh, en, members in (*SECTIONS, (*OTHER, tuple(d for d in datasets if d not in named))):
        section = Section(key, zh, en)
        for dataset in members:
            section.records.extend(datasets.get(dataset, ()))
        section.records.sort(key=_newest_first, reverse=True)
        out.append(section)
    return out


def dataset_updated_at(store: Store, dataset: str) -> datetime | None:
    """When the dataset last changed (its newest change-log event), or None if it never did."""
    from sqlalchemy import func, select

    from store.tables import changes

    query = select(func.max(changes.c.occurred_at)).where(changes.c.dataset == dataset)
    with store.engine.connect() as conn:
        newest: datetime | None = conn.execute(query).scalar()
    return newest
