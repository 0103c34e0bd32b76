"""The monitoring indicators (监测指标) of one department or district unit over one period.

Definitions are in docs/monitoring.md; in short, over a period (a calendar month or the
rolling 12 months ending with it), by China-time day:

* **on-time rate** — of the records first published in the period with a deadline, the share
  published on or before the dataset's working-day deadline after the decision (7 for 双公示).
  A late record decided before its department's first submission is *backlog* and does not
  count against it (onboarding old decisions is not lateness); on-time backlog still counts.
* **withdrawal rate** — of the take-downs in the period whose trigger day is known (the
  window's end for ``expired``; the repair decision; the objection's close — never before the
  record's first publication), the share made within ``withdrawal_working_days`` (3) working
  days of it.
* **mandatory rate / completeness** — of the records first published in the period, the share
  with every mandatory field filled, and the mean share of optional fields filled.
* **error / duplicate rate** — rejected rows / rows sent and unchanged re-sent rows / rows sent
  over the department's batches (departments only: a batch has no district).
* **correction rate** — new content versions in the period / records first published in it.
* **repair / objection turnaround** — working days from filing to decision (repair) or close
  (objection), mean over the cases ended in the period, and the share ended by the deadline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from store.timeliness import count_working_days
from store.workdays import CalendarUnknownError
from workflows.monitor.config import MonitorSettings
from workflows.monitor.facts import CaseFact, Facts, RecordFact


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``start``..``end`` (inclusive), named ``label`` (``2027-03``, ``2026-04..2027-03``)."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def _mean(values: list[float]) -> float | None:
    return None if not values else sum(values) / len(values)


def _working_days(start: date, end: date) -> int | None:
    try:
        return count_working_days(start, end)
    except CalendarUnknownError:
        return None


@dataclass
class Indicators:
    """Counts and rates of one unit over one period (a rate is None when its base is 0)."""

    published: int = 0
    on_time: int = 0
    late: int = 0
    backlog: int = 0
    withdrawals: int = 0
    withdrawals_measured: int = 0
    withdrawals_timely: int = 0
    mandatory_complete: int = 0
    optional_shares: list[float] = field(default_factory=list, repr=False)
    rows_sent: int | None = None
    rows_rejected: int | None = None
    rows_unchanged: int | None = None
    corrections: int = 0
    repair_days: list[int] = field(default_factory=list, repr=False)
    repairs_in_time: int = 0
    objection_days: list[int] = field(default_factory=list, repr=False)
    objections_in_time: int = 0
    objections_received: int = 0

    @property
    def judged(self) -> int:
        return self.on_time + self.late

    def rates(self) -> dict[str, float | None]:
        """Every rate, by name (the names of docs/monitoring.md and monitor.yaml)."""
        sent = self.rows_sent
        error = None if sent is None else _ratio(self.rows_rejected or 0, sent)
        return {
            "on_time_rate": _ratio(self.on_time, self.judged),
            "withdrawal_rate": _ratio(self.withdrawals_timely, self.withdrawals_measured),
            "mandatory_rate": _ratio(self.mandatory_complete, self.published),
            "completeness": _mean(self.optional_shares),
            "error_rate": error,
            "submission_accuracy": None if error is None else 1 - error,
            "duplicate_rate": None if sent is None else _ratio(self.rows_unchanged or 0, sent),
            "correction_rate": _ratio(self.corrections, self.published),
            "repair_turnaround_days": _mean([float(d) for d in self.repair_days]),
            "repair_on_time_rate": _ratio(self.repairs_in_time, len(self.repair_days)),
            "objection_turnaround_days": _mean([float(d) for d in self.objection_days]),
            "objection_on_time_rate": _ratio(self.objections_in_time, len(self.objection_days)),
        }

    def counts(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("optional_shares", "repair_days", "objection_days"):
            out.pop(name)
        out["judged"] = self.judged
        out["repairs_decided"] = len(self.repair_days)
        out["objections_closed"] = len(self.objection_days)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**self.counts(), **self.rates()}


KeyOf = Callable[[RecordFact], str | None]


def _key_of(by: str) -> KeyOf:
    if by == "department":
        return lambda r: r.department
    if by == "district":
        return lambda r: r.unit
    raise ValueError(f"by must be department or district, not {by!r}")


def _published(facts: Facts, period: Period, key_of: KeyOf, out: dict[str, Indicators]) -> None:
    for r in facts.records.values():
        key = key_of(r)
        if key is None or r.published_on not in period:
            continue
        ind = out[key]
        ind.published += 1
        ind.mandatory_complete += r.mandatory_ok
        if r.optional_share is not None:
            ind.optional_shares.append(r.optional_share)
        if r.on_time is True:
            ind.on_time += 1
        elif r.on_time is False:
            first = facts.first_submission.get(r.department or "")
            if first is not None and r.decision_date is not None and r.decision_date < first:
                ind.backlog += 1  # onboarding an old decision: not held against the department
            else:
                ind.late += 1


def trigger_day(
    seq: int, reason: str | None, window_end: date | None, cases_by_seq: dict[int, CaseFact]
) -> date | None:
    """The day a take-down became due, when the store knows it."""
    case = cases_by_seq.get(seq)
    if case is not None and case.answered is not None:
        return case.answered
    if reason == "expired":
        return window_end
    return None


def _changes(
    facts: Facts, period: Period, key_of: KeyOf, limit: int, out: dict[str, Indicators]
) -> None:
    by_seq = {c.takedown_seq: c for c in facts.cases if c.takedown_seq is not None}
    for change in facts.changes:
        record = facts.records.get(change.record_id)
        key = None if record is None else key_of(record)
        if key is None or record is None or change.day not in period:
            continue
        ind = out[key]
        if change.op != "delete":
            ind.corrections += 1
            continue
        ind.withdrawals += 1
        start = trigger_day(
            change.seq, change.reason, change.window_end or record.window_end, by_seq
        )
        if start is not None and record.published_on is not None:
            start = max(start, record.published_on)  # not due before it was online
        days = None if start is None else _working_days(start, change.day)
        if days is not None:
            ind.withdrawals_measured += 1
            ind.withdrawals_timely += days <= limit


def _batches(facts: Facts, period: Period, out: dict[str, Indicators]) -> None:
    for batch in facts.batches:
        if batch.department is None or batch.day not in period:
            continue
        ind = out[batch.department]
        ind.rows_sent = (ind.rows_sent or 0) + batch.rows_seen
        ind.rows_rejected = (ind.rows_rejected or 0) + batch.rejected
        ind.rows_unchanged = (ind.rows_unchanged or 0) + batch.unchanged


def _cases(facts: Facts, period: Period, by: str, out: dict[str, Indicators]) -> None:
    for case in facts.cases:
        if by == "department":
            key: str | None = case.department
        else:
            record = facts.records.get(case.record_id)
            key = None if record is None else record.unit
        if key is None:
            continue
        ind = out[key]
        if case.kind == "objection" and case.received in period:
            ind.objections_received += 1
        if case.answered not in period or case.answered is None:
            continue
        days = _working_days(case.received, case.answered)
        if days is None:
            continue
        in_time = case.due is None or case.answered <= case.due
        if case.kind == "repair":
            ind.repair_days.append(days)
            ind.repairs_in_time += in_time
        else:
            ind.objection_days.append(days)
            ind.objections_in_time += in_time


def compute(
    facts: Facts,
    period: Period,
    by: str,
    settings: MonitorSettings,
    keys: Iterable[str] = (),
) -> dict[str, Indicators]:
    """The indicators of every department (``by="department"``) or district unit
    (``"district"``) with something in ``period``, plus every one of ``keys``."""
    key_of = _key_of(by)
    out: dict[str, Indicators] = defaultdict(Indicators)
    for key in keys:
        out[key]
    _published(facts, period, key_of, out)
    _changes(facts, period, key_of, settings.withdrawal_working_days, out)
    if by == "department":
        _batches(facts, period, out)
    _cases(facts, period, by, out)
    return dict(out)


def score(rates: dict[str, float | None], settings: MonitorSettings) -> float | None:
    """The ranking score (0–100): the weighted mean of the components that have figures."""
    total = weight = 0.0
    for name, w in settings.weights:
        value = rates.get(name)
        if value is not None:
            total += w * value
            weight += w
    return None if weight == 0 else round(100 * total / weight, 2)
