"""Answers of the exchange routes: catalogue, records, entities, feed, submissions, reports."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.models.common import Answer, Dict, Ok, Positioned, RecordView


class Provider(Answer):
    """A department providing a dataset (数据提供单位)."""

    name_zh: str
    name_en: str | None = None
    uscc: str | None = None


class DatasetLinks(Answer):
    """Where a dataset's records, files and schema are."""

    self: str
    records: str
    csv: str
    ndjson: str
    submissions: str
    schema_: str = Field(alias="schema", description="The full JSON Schema of a record.")


class DatasetSummary(Answer):
    """One catalogue entry as the dataset list describes it."""

    id: str
    title_zh: str
    title_en: str | None = None
    category: str
    category_zh: str | None = None
    openness: str = Field(description="public | authorised | government (公开属性).")
    openness_zh: str
    schema_id: str
    schema_version: str
    schema_uri: str = Field(description="The full JSON Schema (what a department submits).")
    view_schema_uris: dict[str, str] = Field(
        description="Per audience, the JSON Schema of the records it receives."
    )
    natural_key: list[str]
    publication_rule: str | None = None
    update_frequency: str | None = None
    providers: list[Provider]
    links: DatasetLinks


class DatasetList(Ok):
    """The datasets open to the caller, in catalogue order."""

    audience: str
    datasets: list[DatasetSummary]


class FieldDescription(Answer):
    """One field of a dataset, as the caller sees it."""

    id: str
    title_zh: str
    title_en: str | None = None
    national_code: str | None = None
    required: bool
    disclosure: str = Field(description="public | masked | restricted (x-disclosure).")
    shown: bool
    masked: bool
    filterable: bool


class DatasetDetail(DatasetSummary):
    """One catalogue entry, its fields and whether its records are readable."""

    ok: bool = Field(description="Always true.")
    audience: str
    readable: bool
    description_zh: str | None = None
    description_en: str | None = None
    fields: list[FieldDescription]
    subject_openness: dict[str, Dict]


class RecordPage(Positioned):
    """A keyset page of a dataset's records (follow ``next``)."""

    dataset: str
    audience: str
    schema_: str = Field(alias="schema", description="The JSON Schema every record matches.")
    count: int = Field(ge=0)
    records: list[RecordView]
    next: str | None = Field(description="The cursor of the next page; null at the end.")
    next_url: str | None
    scan_budget_exhausted: bool


class EntityProfile(Positioned):
    """Everything visible about one entity, grouped by dataset."""

    uscc: str
    name: str | None
    audience: str
    count: int = Field(ge=0)
    datasets: dict[str, list[RecordView]]


class FeedAcknowledged(Ok):
    """How far the caller has applied the feed, and what it still lacks."""

    key_id: str
    cursor: int = Field(ge=0)
    head: int = Field(ge=0)
    lag: int = Field(ge=0, description="Events after the cursor, take-downs included.")
    pending_takedowns: int = Field(ge=0)


class Batch(Ok):
    """One submission batch."""

    batch_id: str
    dataset: str
    actor: str | None = None
    source: str | None = None
    all_or_nothing: Any = None
    submitted_at: str | None = None
    finished_at: str | None = None
    status: str = Field(description="running | complete | rejected | interrupted")
    rows_seen: int | None = None
    accepted: int | None = None
    unchanged: int | None = None
    rejected: int | None = None
    heartbeat_at: str | None = None


class SubmissionReceipt(Answer):
    """The receipt (回执) of a submission in which no row was rejected."""

    ok: bool
    status: int
    dataset: str
    rows: int = Field(ge=0)
    stored: bool
    batch_id: str | None
    accepted: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    rejected: int = Field(ge=0)
    issues: list[Dict] = Field(description="Warnings by row, field and code.")


class NationalReceipt(Answer):
    """The receipt of an import of 信用中国's repair and objection results."""

    ok: bool
    status: int
    source: str
    format_version: str
    lines_read: int = Field(ge=0)
    accepted: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    rejected: int = Field(ge=0)
    lines: list[Dict]
    issues: list[Dict]


class Health(Ok):
    """The store answers; the head of the change log."""

    head: int = Field(ge=0)


class Signature(Answer):
    """An Ed25519 signature over the canonical JSON of ``report``."""

    alg: str
    kid: str
    value: str


class SignedReport(Answer):
    """A signed credit report (信用报告)."""

    report: Dict
    signature: Signature


class ReportVerification(Ok):
    """Whether a signed report verifies against the published keys."""

    valid: bool
    kid: str | None
    reason: str | None


class KeySet(Answer):
    """The published report-signing keys."""

    issuer: str
    keys: list[Dict]


class DataPackage(Answer):
    """A Frictionless Data Package descriptor."""

    profile: str
    name: str
    title: str | None = None
    resources: list[Dict]


class JsonSchemaDocument(Answer):
    """A JSON Schema (Draft 2020-12) document."""

    schema_uri: str = Field(alias="$schema")
    id: str = Field(alias="$id")
    title: str | None = None


class FeedItem(Answer):
    """One line of the change feed: ``upsert`` carries the caller's view of the record,
    ``delete`` is a tombstone (make sure ``record_id`` is absent)."""

    seq: int = Field(ge=1)
    op: str = Field(description="upsert | delete")
    dataset: str
    record_id: str
    version: int
    occurred_at: str
    reason: str | None
    record: RecordView | None
