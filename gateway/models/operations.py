"""Answers of the operation routes: alerts, admin, calendar, rules, monitoring, evaluation,
random inspections and the credit workflows. Their inner objects are the library's
``to_dict`` shapes (documented in docs/), named here as objects."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.models.common import Answer, Counted, Dict, Ok, Positioned
from gateway.models.exchange import SubmissionReceipt


class AlertQueue(Answer):
    """Risk alerts (风险预警) the caller may see."""

    alerts: list[Dict]
    count: int = Field(ge=0)


class AlertDetail(Answer):
    """One alert and its history."""

    alert: Dict
    history: list[Dict]


class AlertRun(Answer):
    """What one run of the risk rules did."""

    head: int = Field(ge=0)


class AuditTrail(Ok):
    """Authorised reads, oldest first."""

    entries: list[Dict]
    next_after: int | None


class PartnerAcks(Ok):
    """How far each partner has applied the feed."""

    head: int = Field(ge=0)
    acks: list[Dict]


class KeyList(Ok):
    """Every API key (never a secret)."""

    keys: list[Dict]


class JobRuns(Ok):
    """The scheduler and the latest runs of its jobs."""

    scheduler: Dict | None
    runs: list[Dict]


class CalendarStatus(Ok):
    """The source of each working-day calendar year."""

    today: str
    years: list[Dict]
    warning: str | None


class CalendarImported(Ok):
    """What importing a year's holiday notice changed."""

    year: int
    changed: bool
    changes: list[Dict]


class Recomputed(Ok):
    """What a rule change does (or did) to stored publication windows."""


class Ranking(Positioned):
    """The monthly monitoring and ranking (监测与排名)."""

    month: str
    audience: str
    departments: list[Dict]
    districts: list[Dict]


class MonitorReport(Answer):
    """The monthly monitoring report (JSON form)."""

    month: str
    log_position: int = Field(ge=0)
    departments: list[Dict]
    districts: list[Dict]


class OverdueItems(Positioned):
    """Overdue items and who must act."""

    as_of: str
    items: list[Dict]


class EvaluationModel(Ok):
    """The published evaluation model (公共信用综合评价)."""

    model: Dict


class Evaluation(Ok):
    """An entity's current grade (and its explanation where the caller may see it)."""

    evaluation: Dict


class EvaluationHistory(Counted):
    """An entity's grades over time."""

    uscc: str
    history: list[Dict]


class DishonestyRecords(Counted):
    """政务失信 records and their 通报."""

    records: list[Dict]


class DishonestyRecorded(Ok):
    """A recorded 政务失信 (``new``: false when it was already recorded)."""

    new: bool
    record: Dict


class NoticeDelivered(Ok):
    """A 通报 whose delivery was recorded."""

    notice: Dict


class SeedCommitments(Ok):
    """Published seed commitments (newest first)."""

    commitments: list[Dict]


class SeedCommitted(Ok):
    """A published seed commitment."""

    commitment: Dict


class DrawList(Ok):
    """Published random-inspection draws (newest first)."""

    draws: list[Dict]


class DrawMade(Ok):
    """A published draw."""

    draw: Dict


class DrawDetail(Ok):
    """One draw: its commitment, strata, targets and results."""

    draw: Dict
    commitment: Dict | None
    algorithm: str
    strata: list[Any]
    targets: list[Any]
    results: list[Any]
    links: dict[str, str]


class PublishedDocument(Answer):
    """A published document of a draw, byte for byte as hashed."""

    type: str
    version: str


class DrawVerification(Ok):
    """Whether a draw reruns identically from its published inputs."""

    draw_id: str
    valid: bool
    checks: dict[str, bool]
    reason: str | None


class DrawResults(SubmissionReceipt):
    """The receipt of inspection results stored against a draw."""

    draw_id: str


class PunishmentCheck(Ok):
    """Whether joint-punishment measures restrict a subject in a scenario."""

    check_id: int
    credit_code: str
    scenario: str | None
    restricted: bool
    measures: list[Any]
    basis: list[Any]
    entries: list[Any]
    checked_at: str
    log_position: int = Field(ge=0)


class WorkflowAnswer(Ok):
    """A workflow operation's answer (docs/workflows.md): ``ok`` and the case, record, link
    or list the step concerns — the same body GraphQL's result type is built from."""


class WebhookAnswer(Ok):
    """A webhook subscription, the caller's subscriptions, its messages, or what a replay or
    an end did (docs/realtime.md names the keys)."""
