"""Repair and objection results decided by 信用中国, taken in (国家平台修复结果导入).

Since 国办发〔2025〕22号 and 信用修复管理办法 (Order 36), 信用中国 is the single window for penalty
repairs and decides them itself; its results must reach every channel of the city within
3 working days (credit-domain §3.5). :func:`import_national_results` reads the results file
(layout: :mod:`workflows.national_format`, documented in ``docs/national-exchange.md``) and,
line by line:

* finds the record by its national codes — the decision document number (``CF_WSH`` /
  ``XK_WSH``) and the subject's code (``CF_XDR_SHXYM``, ``…_GSZC`` or ``…_ZJHM``), and the
  deciding authority's USCC (``CF_CFJGDM``) when the first two match several records;
* applies the result's action from the data file: **repair approved** → the record is taken
  down from every channel through the store's take-down with reason ``repair_national``;
  **objection revoked** (异议成立) → taken down as ``objection-upheld``; **objection upheld**
  (异议不成立) → the 异议处理中 mark ends; **repair rejected** → nothing changes;
* answers ``accepted`` (something changed), ``unchanged`` (already so: the record is already
  taken down, not under objection, or the result changes nothing) or ``rejected`` with located,
  bilingual issues (line, field = the national code, code, message).

Every write goes through the store, so a second import of the same file changes nothing, and
every accepted line is a step in the record's workflow log (case id = 信用中国受理编号).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NoReturn

import schemas
from catalog import get_entry
from store import (
    Role,
    Store,
    StoredRecord,
    UnknownRecordError,
    national_datasets,
)
from workflows.caller import Caller
from workflows.national_format import NationalFormat, load_national_format, read_lines
from workflows.steps import Workflow
from workflows.transaction import StepTransaction, step_transaction

ACCEPTED, UNCHANGED, REJECTED = "accepted", "unchanged", "rejected"


@dataclass(frozen=True, slots=True)
class LineIssue:
    """Why a line was rejected, located by line and national code."""

    line: int
    field: str | None
    code: str
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "field": self.field,
            "code": self.code,
            "message_zh": self.message_zh,
            "message": self.message_en,
        }


@dataclass(frozen=True, slots=True)
class LineOutcome:
    """What one line did."""

    line: int
    outcome: str
    reference: str | None = None
    kind: str | None = None
    result: str | None = None
    record_id: str | None = None
    dataset: str | None = None
    seq: int | None = None
    note: str | None = None
    issues: tuple[LineIssue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "outcome": self.outcome,
            "reference": self.reference,
            "kind": self.kind,
            "result": self.result,
            "record_id": self.record_id,
            "dataset": self.dataset,
            "seq": self.seq,
            "note": self.note,
            "issues": [i.to_dict() for i in self.issues],
        }


@dataclass(frozen=True, slots=True)
class NationalReceipt:
    """The receipt of one import: a line per input line, and the totals."""

    source: str
    format_version: str
    lines: tuple[LineOutcome, ...] = field(default_factory=tuple)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def ok(self) -> bool:
        return self.count(REJECTED) == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "format_version": self.format_version,
            "lines_read": len(self.lines),
            "accepted": self.count(ACCEPTED),
            "unchanged": self.count(UNCHANGED),
            "rejected": self.count(REJECTED),
            "lines": [line.to_dict() for line in self.lines],
            "issues": [i.to_dict() for line in self.lines for i in line.issues],
        }


class _RejectedLineError(Exception):
    def __init__(self, issue: LineIssue) -> None:
        super().__init__(issue.code)
        self.issue = issue


def _reject(fmt: NationalFormat, at: int, code_field: str | None, issue: str, **p: Any) -> NoReturn:
    zh, en = fmt.message(issue, **p)
    raise _RejectedLineError(LineIssue(at, code_field, issue, zh, en))


def _decision_date(fmt: NationalFormat, line: int, code: str, value: str) -> date:
    try:
        return date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        _reject(fmt, line, code, "national-bad-date", value=value)


def _dataset_of(fmt: NationalFormat, line: int, cells: Mapping[str, str]) -> tuple[str, str]:
    """The dataset the line's document-number code belongs to, and that code."""
    codes: list[str] = []
    for dataset in national_datasets():
        schema_id = get_entry(dataset).schema_id
        for code, fid in schemas.field_for_code(schema_id).items():
            if fid == fmt.document_field:
                codes.append(code)
                if cells.get(code):
                    return dataset, code
    _reject(fmt, line, None, "national-no-dataset", codes=", ".join(sorted(set(codes))))


def _find(
    store: Store, fmt: NationalFormat, line: int, dataset: str, doc_code: str,
    cells: Mapping[str, str],
) -> StoredRecord:  # fmt: skip
    """The record a line names (any state)."""
    entry = get_entry(dataset)
    by_code = schemas.field_for_code(entry.schema_id)
    record = {fid: cells[code] for code, fid in by_code.items() if cells.get(code)}
    subject_codes = [c for c, f in by_code.items() if f in fmt.subject_fields]
    subject = next((f for f in fmt.subject_fields if record.get(f)), None)
    if subject is None:
        _reject(fmt, line, None, "national-no-subject", codes=", ".join(subject_codes))
    document = record[fmt.document_field]
    if record.get(fmt.authority_field):
        rid = entry.record_id(record)
        if rid is not None:
            try:
                found = store.get(rid)
                if found.dataset == dataset:
                    return found
            except UnknownRecordError:
                pass
    if subject == "uscc":
        candidates = [r for r in store.by_uscc(record[subject]) if r.dataset == dataset]
    else:
        candidates = store.records(
            dataset, state="all", limit=100, filters={subject: record[subject]}
        )
    authority = record.get(fmt.authority_field)
    matches = [
        r for r in candidates
        if r.payload.get(fmt.document_field) == document
        and (authority is None or r.payload.get(fmt.authority_field) == authority)
    ]  # fmt: skip
    authority_code = next((c for c, f in by_code.items() if f == fmt.authority_field), "")
    if not matches:
        _reject(
            fmt, line, doc_code, "national-record-unknown",
            document=document, subject=record[subject],
        )  # fmt: skip
    if len(matches) > 1:
        _reject(
            fmt, line, authority_code, "national-record-ambiguous",
            document=document, count=len(matches), authority_code=authority_code,
        )  # fmt: skip
    return matches[0]


def _apply_line(
    store: Store, fmt: NationalFormat, line: int, cells: Mapping[str, str], caller: Caller,
    now: datetime,
) -> LineOutcome:  # fmt: skip
    for code, spec in fmt.columns.items():
        if spec["required"] and not cells.get(code):
            _reject(fmt, line, code, "national-missing", column=code, title=spec["title_zh"])
    reference = cells["XF_BH"]
    kind = fmt.kind_of(cells["XF_LX"])
    if kind is None:
        known = ", ".join(sorted(fmt.kind_zh))
        _reject(fmt, line, "XF_LX", "national-bad-kind", value=cells["XF_LX"], known=known)
    rule = fmt.rule_of(kind, cells["XF_JG"])
    if rule is None:
        known = ", ".join(fmt.results_of(kind))
        _reject(
            fmt, line, "XF_JG", "national-bad-result",
            value=cells["XF_JG"], kind=fmt.kind_zh[kind], known=known,
        )  # fmt: skip
    decided = _decision_date(fmt, line, "XF_JDRQ", cells["XF_JDRQ"])
    dataset, doc_code = _dataset_of(fmt, line, cells)
    stored = _find(store, fmt, line, dataset, doc_code, cells)
    base = {
        "line": line, "reference": reference, "kind": kind, "result": rule.result,
        "record_id": stored.record_id, "dataset": dataset,
    }  # fmt: skip
    body = cells.get("XF_JDJG") or "信用中国"
    note = f"{body} {fmt.kind_zh[kind]}{rule.zh} {reference} ({decided.isoformat()})"
    if cells.get("XF_BZ"):
        note += f": {cells['XF_BZ']}"
    if rule.action == "none":
        why = f"{rule.zh}: the record stands"
        return LineOutcome(outcome=UNCHANGED, note=why, **base)  # type: ignore[arg-type]
    workflow = Workflow.REPAIR if kind == "repair" else Workflow.OBJECTION
    with step_transaction(store, caller, now, name="national.line") as tx:
        seq = _apply_rule(tx, rule.action, str(rule.reason), dataset, stored.record_id, note)
        if seq is not None:
            tx.log(
                record_id=stored.record_id,
                workflow=workflow,
                case_id=reference,
                step="national-result",
                state_to=rule.result,
                note=note,
                details={"decided_on": decided.isoformat(), "source": body},
                seq=seq,
            )
    if seq is None:
        why = "nothing to change"
        if rule.action == "take_down":
            why = f"already taken down ({store.get(stored.record_id).withdrawn_reason})"
        return LineOutcome(outcome=UNCHANGED, note=why, **base)  # type: ignore[arg-type]
    return LineOutcome(outcome=ACCEPTED, seq=seq, note=note, **base)  # type: ignore[arg-type]


def _apply_rule(
    tx: StepTransaction, action: str, reason: str, dataset: str, record_id: str, note: str
) -> int | None:
    """The line's change inside its step's transaction: the seq it made, or None."""
    event = None
    if action == "take_down":
        event = tx.withdraw(dataset, record_id, reason=reason, note=note)
    elif action == "clear_mark":
        event = tx.clear(record_id, note=note)
    tx.point("national.line:change")
    return event.seq if event is not None else None


def import_national_results(
    store: Store,
    lines: Iterable[tuple[int, Mapping[str, str] | None]],
    *,
    caller: Caller,
    source: str = "api",
    now: datetime | None = None,
) -> NationalReceipt:
    """Apply 信用中国's results (``(line number, code -> text)``, see :func:`read_results`);
    platform and admin callers only (:class:`workflows.NotAllowedError` otherwise)."""
    caller.require(Role.PLATFORM, what="importing 信用中国 repair and objection results")
    fmt = load_national_format()
    when = now or datetime.now(UTC)
    out: list[LineOutcome] = []
    for number, cells in lines:
        try:
            if cells is None:
                _reject(fmt, number, None, "national-not-json", line=number)
            out.append(_apply_line(store, fmt, number, cells, caller, when))
        except _RejectedLineError as rejected:
            reference = (cells or {}).get("XF_BH") or None
            out.append(LineOutcome(number, REJECTED, reference=reference, issues=(rejected.issue,)))
    return NationalReceipt(source, fmt.version, tuple(out))


def read_results(
    data: bytes | str, kind: str = "auto"
) -> Sequence[tuple[int, dict[str, str] | None]]:
    """The lines of a results file (CSV, JSON or NDJSON); ValueError for unreadable JSON."""
    return read_lines(data, kind)
