"""Credit commitments (信用承诺): fulfilment tracking and the consequences of a breach.

Commitments of every type (审批替代型, 容缺受理型, 证明事项型, 信用修复型, 行业自律型, 主动型,
其他-…) are records of the ``credit-commitment`` dataset, published according to their own
公开类型: only 可向社会公开 reaches the public and agencies (the ``credit-commitment``
publication rule); 特定范围内公开 and 不可公开 stay with government.

:func:`record_fulfilment` — the accepting unit (or an admin) records 全部履行 / 部分履行 /
全部未履行 as a new version of the commitment (with 认定日期 and 认定单位). What a breach
(部分履行 / 全部未履行, ``procedures.yaml``) leads to depends on the commitment type
(``commitment-types.yaml``, :mod:`workflows.commitment_types`):

* a type with a configured listing basis (审批替代型, 证明事项型): the gateway lists the subject
  on that list (the watch list, 重点关注对象名单) with the commitment and the basis, under a
  decision document number the unit must give, so the list's measures apply through the
  check API (e.g. GJ-2-001: no more 告知承诺 for it) until the entry expires or is repaired;
* every other type: the breach is recorded — the commitment's version and a
  ``breach-recorded`` step naming the consequence and its basis — and nobody is listed.

A breached commitment no longer counts as the 信用修复型 commitment a repair needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from store import Outcome, Store, StoredRecord, UnknownRecordError
from store.windows import add_period
from workflows.caller import Caller
from workflows.commitment_types import CommitmentType, CommitmentTypes, load_commitment_types
from workflows.errors import CaseNotFoundError, InvalidRequestError, NotAllowedError
from workflows.listings import LIST_TYPE_OF, list_entry_in
from workflows.problems import Problem, problem
from workflows.procedures import Procedures, load_procedures
from workflows.steps import Workflow
from workflows.transaction import StepTransaction, step_transaction
from workflows.versions import VersionResult

DATASET = "credit-commitment"
FULFILMENT_STATUSES = ("全部履行", "部分履行", "全部未履行")
_COUNTERPART = (
    "counterpart_name", "counterpart_category", "uscc", "business_reg_no", "org_code",
    "tax_reg_no", "public_institution_cert_no", "social_org_reg_no", "legal_rep_name",
    "legal_rep_id_type", "legal_rep_id_no", "person_id_type", "person_id_no",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FulfilmentResult:
    """The commitment's new version and, for a breach, its consequence and any list entry."""

    commitment: VersionResult
    listing: VersionResult | None = None
    problems: tuple[Problem, ...] = ()
    breach: CommitmentType | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "commitment": self.commitment.to_dict(),
            "listing": None if self.listing is None else self.listing.to_dict(),
            "breach": None if self.breach is None else self.breach.to_dict(),
            "problems": [p.to_dict() for p in self.problems],
        }


def _commitment(store: Store, record_id: str) -> StoredRecord:
    try:
        stored = store.get(record_id)
    except UnknownRecordError:
        raise CaseNotFoundError(f"no record {record_id!r}") from None
    if stored.dataset != DATASET:
        raise InvalidRequestError(f"{record_id} is not a credit commitment")
    return stored


def record_fulfilment(
    store: Store,
    record_id: str,
    *,
    status: str,
    caller: Caller,
    today: date,
    status_date: date | None = None,
    unperformed_content: str | None = None,
    liability_pursued: str | None = None,
    decision_doc_no: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
    procedures: Procedures | None = None,
    commitment_types: CommitmentTypes | None = None,
) -> FulfilmentResult:
    """Record a commitment's fulfilment; a breach is listed or recorded by type (module doc).

    ``decision_doc_no`` is required for a breach of a type that lists, and kept on the
    ``breach-recorded`` step otherwise.
    """
    if status not in FULFILMENT_STATUSES:
        raise InvalidRequestError(
            f"fulfilment status must be one of {', '.join(FULFILMENT_STATUSES)}"
        )
    rules = procedures or load_procedures()
    stored = _commitment(store, record_id)
    payload = stored.payload
    unit_name, unit_uscc = payload.get("acceptance_unit_name"), payload.get("acceptance_unit_uscc")
    if not (
        caller.is_department(unit_uscc) or caller.is_department(payload.get("source_org_uscc"))
    ):
        raise NotAllowedError(f"recording fulfilment is for the accepting unit {unit_uscc}")
    breach = status in rules.breach_statuses
    kind = (commitment_types or load_commitment_types()).of(payload.get("commitment_type"))
    if breach and kind.lists and not (decision_doc_no or "").strip():
        empty = VersionResult(record_id, None, None)
        return FulfilmentResult(empty, problems=(problem("breach-needs-decision"),), breach=kind)
    day = status_date or today
    updated = dict(payload)
    updated.update(
        fulfilment_status=status,
        fulfilment_status_date=day.isoformat(),
        confirm_unit_name=unit_name,
        confirm_unit_uscc=unit_uscc,
    )
    for key, value in (
        ("unperformed_content", unperformed_content),
        ("liability_pursued", liability_pursued),
    ):
        if value:
            updated[key] = value
        else:
            updated.pop(key, None)
    with step_transaction(store, caller, now, name="commitment.fulfil") as tx:
        return _fulfil(
            tx, record_id, updated, stored, kind, status, breach, day, decision_doc_no, note, today
        )


def _fulfil(
    tx: StepTransaction,
    record_id: str,
    updated: dict[str, Any],
    stored: StoredRecord,
    kind: CommitmentType,
    status: str,
    breach: bool,
    day: date,
    decision_doc_no: str | None,
    note: str | None,
    today: date,
) -> FulfilmentResult:
    """The fulfilment's version, its step and a breach's consequence, in the step's
    transaction (a breach listing is part of the step that led to it)."""
    version = tx.version(DATASET, updated, today=today)
    if not version.ok:
        return FulfilmentResult(version, problems=version.problems)
    fresh = version.outcome is not Outcome.UNCHANGED  # recording it again logs nothing twice
    if fresh:
        tx.point("commitment.fulfil:version")
        tx.log(
            record_id=record_id,
            workflow=Workflow.COMMITMENT,
            step="fulfilment",
            state_to=status,
            note=note,
            seq=version.seq,
        )
    if not breach:
        return FulfilmentResult(version)
    if kind.listing is None:
        doc_no = (decision_doc_no or "").strip() or None
        details = {**kind.to_dict(), "decision_doc_no": doc_no}
        if fresh:
            _log_breach(tx, record_id, "breach-recorded", status, version.seq, details)
        return FulfilmentResult(version, breach=kind)
    entry = _breach_entry(updated, stored, kind, day, decision_doc_no or "")
    listing = list_entry_in(
        tx,
        kind.listing.dataset,
        entry,
        today=today,
        note=f"违背信用承诺 {stored.payload.get('code')}",
    )
    tx.point("commitment.fulfil:listing")
    listed = {
        **kind.to_dict(),
        "listing_record_id": listing.record_id,
        "problems": [p.code for p in listing.problems],
    }
    if fresh or listing.outcome is not Outcome.UNCHANGED:
        _log_breach(tx, record_id, "breach-listed", status, listing.seq, listed)
    return FulfilmentResult(version, listing, listing.problems, breach=kind)


def _log_breach(
    tx: StepTransaction,
    record_id: str,
    step: str,
    status: str,
    seq: int | None,
    details: dict[str, Any],
) -> None:
    """The commitment's breach step: what the breach led to, and on what basis."""
    tx.log(
        record_id=record_id,
        workflow=Workflow.COMMITMENT,
        step=step,
        state_to=status,
        seq=seq,
        note=details["breach"],
        details=details,
    )


def _breach_entry(
    commitment: dict[str, Any],
    stored: StoredRecord,
    kind: CommitmentType,
    day: date,
    decision_doc_no: str,
) -> dict[str, Any]:
    """The list entry recording a breached commitment of a listing type as dishonesty."""
    assert kind.listing is not None
    listing = kind.listing
    code = commitment.get("code")
    unperformed = commitment.get("unperformed_content") or commitment.get("fulfilment_status")
    entry = {k: commitment[k] for k in _COUNTERPART if commitment.get(k)}
    entry.update(
        list_type=LIST_TYPE_OF[listing.dataset],
        list_name=listing.list_name,
        listing_reason=(
            f"未履行信用承诺（承诺编码 {code}，{commitment['fulfilment_status']}）：{unperformed}"
        ),
        listing_basis=f"{listing.listing_basis}：{commitment.get('liability_for_breach', '')}",
        listing_decision_doc_no=decision_doc_no.strip(),
        deciding_authority=commitment.get("confirm_unit_name"),
        deciding_authority_uscc=commitment.get("confirm_unit_uscc"),
        listing_date=day.isoformat(),
        valid_to=add_period(day, listing.period).isoformat(),
        status="有效",
        source_org_name=commitment.get("confirm_unit_name"),
        source_org_uscc=commitment.get("confirm_unit_uscc"),
        remarks=f"依据信用承诺记录 {stored.record_id}",
    )
    return entry
