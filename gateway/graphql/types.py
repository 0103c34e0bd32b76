"""The GraphQL types of the exchange: records, entities, the catalogue, the change feed
(submissions and acknowledgements: :mod:`gateway.graphql.receipts`; the workflows:
:mod:`gateway.graphql.workflow_types`).

A record travels as its audience view — the same dict as every other channel, as a ``JSON``
scalar — with a few typed fields beside it for filtering and display. Returning records as
JSON keeps large pages cheap: strawberry spends most of its time per resolved field, so a
page of 1,000 typed records with 30 fields each would cost 30,000 resolutions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from catalog import CatalogEntry, get_entry
from store import FeedAck


@strawberry.type(description="A record as the caller may see it (its view, never more).")
class RecordView:
    # Plain fields, filled when built: strawberry resolves a plain attribute several times
    # faster than a method resolver, and pages hold up to 1,000 of these.
    record_id: str = strawberry.field(
        description="Stable id derived from the natural key (记录标识)."
    )
    dataset: str = strawberry.field(description="Catalogue dataset id.")
    version: int = strawberry.field(
        description="Version of the record (1 for the first submission)."
    )
    updated_at: datetime = strawberry.field(description="When this version was stored.")
    window_start: date | None = strawberry.field(
        description="First day of the publication window (公示期), if any."
    )
    window_end: date | None = strawberry.field(
        description="Last day of the publication window, if any."
    )
    under_objection: bool = strawberry.field(
        description="An objection (异议) against this version is being handled."
    )
    record: JSON = strawberry.field(
        description="The whole view: record_id, dataset, fields and _meta."
    )

    @classmethod
    def of(cls, view: dict[str, Any]) -> RecordView:
        """From a :func:`store.view` dict."""
        meta = view["_meta"]
        start, end = meta["window_start"], meta["window_end"]
        return cls(
            record_id=view["record_id"],
            dataset=view["dataset"],
            version=meta["version"],
            updated_at=datetime.fromisoformat(meta["updated_at"]),
            window_start=None if start is None else date.fromisoformat(start),
            window_end=None if end is None else date.fromisoformat(end),
            under_objection=bool(meta.get("under_objection", False)),
            record=JSON(view),
        )


@strawberry.type(description="Where a page ends; pass endCursor as `after` for the next one.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class RecordEdge:
    cursor: str
    node: RecordView


@strawberry.type(description="A keyset page of one dataset's records, in record-id order.")
class RecordConnection:
    nodes: list[RecordView]
    page_info: PageInfo
    head: int = strawberry.field(
        description="The change-log position (seq) read before this page: follow `changes` "
        "from here to keep a downloaded copy current."
    )
    scan_budget_exhausted: bool = strawberry.field(
        description="The page ended because this request examined as many stored records as "
        "the scan budget allows, not because it was full: it may be short, even empty; "
        "continue from `pageInfo.endCursor` while `hasNextPage`."
    )
    cursors: strawberry.Private[list[str]]

    @strawberry.field
    def edges(self) -> list[RecordEdge]:
        return [RecordEdge(cursor=c, node=n) for c, n in zip(self.cursors, self.nodes, strict=True)]


@strawberry.enum(description="upsert: store this record under its recordId; delete: remove it.")
class ChangeOp(Enum):
    UPSERT = "upsert"
    DELETE = "delete"


@strawberry.type(description="One entry of the change feed (变更), as the caller may see it.")
class ChangeNode:
    seq: int
    op: ChangeOp
    dataset: str
    record_id: str
    version: int
    reason: str | None = strawberry.field(
        description="Why a record went away (repaired, expired, revoked, corrected, "
        "not-published, outside-window …), or an objection mark on an upsert "
        "(under-objection, objection-closed); null for a plain upsert."
    )
    occurred_at: datetime
    record: JSON | None = strawberry.field(description="The record's view; null for a delete.")

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ChangeNode:
        """From a :func:`store.view_event` item."""
        return cls(
            seq=item["seq"],
            op=ChangeOp(item["op"]),
            dataset=item["dataset"],
            record_id=item["record_id"],
            version=item["version"],
            reason=item["reason"],
            occurred_at=datetime.fromisoformat(item["occurred_at"]),
            record=item["record"],
        )


@strawberry.type
class ChangeEdge:
    cursor: str
    node: ChangeNode


@strawberry.type(description="A page of the change feed; cursors are decimal seqs.")
class ChangeConnection:
    nodes: list[ChangeNode]
    page_info: PageInfo
    head: int = strawberry.field(description="The latest seq of the log when read.")

    @strawberry.field
    def edges(self) -> list[ChangeEdge]:
        return [ChangeEdge(cursor=str(n.seq), node=n) for n in self.nodes]


@strawberry.enum(description="公开属性: 社会公开, 授权查询 or 政务共享.")
class Openness(Enum):
    PUBLIC = "public"
    AUTHORISED = "authorised"
    GOVERNMENT = "government"


@strawberry.type(description="An information provider (信息提供单位).")
class Provider:
    name_zh: str
    name_en: str
    uscc: str


@strawberry.type(description="A dataset of the public credit information catalogue.")
class Dataset:
    id: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    category: str
    category_zh: str
    category_en: str
    record_kind_zh: str | None
    openness: Openness
    schema_id: str
    schema_version: str
    natural_key: list[str] = strawberry.field(
        description="Fields the record id is derived from; a|b|c takes the first present."
    )
    publication_rule: str
    update_frequency: str
    providers: list[Provider]
    ckan_dataset_name: str

    @classmethod
    def from_entry(cls, entry: CatalogEntry) -> Dataset:
        return cls(
            id=entry.id,
            title_zh=entry.title_zh,
            title_en=entry.title_en,
            description_zh=entry.description_zh,
            description_en=entry.description_en,
            category=entry.category,
            category_zh=entry.category_zh,
            category_en=entry.category_en,
            record_kind_zh=entry.record_kind_zh,
            openness=Openness(entry.openness.value),
            schema_id=entry.schema_id,
            schema_version=entry.schema_version,
            natural_key=[p if isinstance(p, str) else "|".join(p) for p in entry.natural_key],
            publication_rule=entry.publication_rule,
            update_frequency=entry.update_frequency,
            providers=[
                Provider(name_zh=p.name_zh, name_en=p.name_en, uscc=p.uscc) for p in entry.providers
            ],
            ckan_dataset_name=entry.ckan_dataset_name(),
        )


# Entity group of each catalogue publication rule; datasets without a subject have none.
ENTITY_GROUPS = {
    "licence": "licences",
    "penalty": "penalties",
    "administrative-action": "other_actions",
    "list-entry": "list_entries",
    "market-ban": "market_bans",
    "credit-commitment": "commitments",
    "evaluation": "evaluations",
    "interview": "interviews",
    "voluntary-registration": "voluntary_registrations",
    "consumer-complaint": "consumer_complaints",
}


@strawberry.type(description="Everything the caller may see about one market entity (主体).")
class Entity:
    credit_code: str = strawberry.field(description="统一社会信用代码 (unified social credit code)")
    name: str | None = strawberry.field(description="Name on the latest visible record.")
    log_position: int = strawberry.field(description="The change-log seq this answer reflects.")
    licences: list[RecordView] = strawberry.field(description="行政许可")
    penalties: list[RecordView] = strawberry.field(description="行政处罚 inside their window")
    other_actions: list[RecordView] = strawberry.field(
        description="Other actions: 行政强制, 确认, 征收, 给付, 检查, 奖励, 裁决, 补偿"
    )
    list_entries: list[RecordView] = strawberry.field(description="严重失信主体名单, 重点关注对象")
    market_bans: list[RecordView] = strawberry.field(description="市场禁入")
    commitments: list[RecordView] = strawberry.field(description="信用承诺")
    evaluations: list[RecordView] = strawberry.field(description="信用评价 (authorised callers)")
    interviews: list[RecordView] = strawberry.field(description="约谈记录 (government callers)")
    voluntary_registrations: list[RecordView] = strawberry.field(
        description="自愿注册信息 (authorised callers)"
    )
    consumer_complaints: list[RecordView] = strawberry.field(
        description="消费投诉信息公示: closed complaints against the entity (never the complainant)"
    )

    @classmethod
    def of(cls, credit_code: str, log_position: int, views: Iterable[dict[str, Any]]) -> Entity:
        """Group the visible records of one USCC by kind (their dataset's publication rule)."""
        groups: dict[str, list[RecordView]] = {group: [] for group in ENTITY_GROUPS.values()}
        latest: dict[str, Any] | None = None
        for seen in views:
            group = ENTITY_GROUPS.get(get_entry(seen["dataset"]).publication_rule)
            if group is None:
                continue
            groups[group].append(RecordView.of(seen))
            if seen.get("counterpart_name") and (
                latest is None or seen["_meta"]["updated_at"] > latest["_meta"]["updated_at"]
            ):
                latest = seen
        return cls(
            credit_code=credit_code,
            name=None if latest is None else latest["counterpart_name"],
            log_position=log_position,
            **groups,
        )


@strawberry.type(description="Who is asking, as the gateway sees the key.")
class Caller:
    role: str
    audience: str
    name: str
    key_id: str | None
    department_uscc: str | None


@strawberry.type(description="How far one key has applied the change feed (admins only).")
class FeedLag:
    key_id: str
    name: str
    role: str
    seq: int
    acknowledged_at: datetime
    lag: int = strawberry.field(description="Events behind the head of the log.")

    @classmethod
    def from_ack(cls, ack: FeedAck) -> FeedLag:
        return cls(
            key_id=ack.key_id,
            name=ack.name,
            role=ack.role,
            seq=ack.seq,
            acknowledged_at=ack.acknowledged_at,
            lag=ack.lag,
        )


@strawberry.input(description="Exact-match filters; every one must hold.")
class FieldFilter:
    field: str = strawberry.field(description="A field id of the dataset's schema.")
    value: str


@strawberry.input
class RecordFilter:
    credit_code: str | None = strawberry.field(
        default=None, description="Only records about this USCC (the `uscc` field)."
    )
    fields: list[FieldFilter] | None = None
