"""Listing and removal (列入与移出) on the serious-dishonesty list, the watch list and bans.

An entry is listed by storing its record (basis, decision document, deciding authority,
planned expiry — schema ``list-entry`` / ``market-ban``). It leaves the list in one of four
ways (国办发〔2020〕49号; credit-domain §3.6), each a new version carrying 移出日期 and 移出原因
and, from the removal date on, a take-down with the matching store reason:

=============  ==============  ====================  =========================================
移出原因        English         take-down reason      how
=============  ==============  ====================  =========================================
期满移出        expiry          ``expired``           :mod:`workflows.expiry` after planned expiry
信用修复        repair          ``repaired``          an approved repair (:mod:`workflows.repair`)
异议更正        objection       ``objection-upheld``  an objection that succeeded
决定撤销        revocation      ``revoked``           the listing decision was revoked (已撤销)
=============  ==============  ====================  =========================================

A removal dated in the future only ends the entry's window; :mod:`workflows.expiry` takes it
down then, with the removal's own reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from store import (
    ChangeEvent,
    Outcome,
    Store,
    StoredRecord,
    UnknownRecordError,
    WithdrawalReason,
)
from workflows.caller import Caller
from workflows.checks import LIST_DATASETS
from workflows.errors import CaseNotFoundError, InvalidRequestError, StateConflictError
from workflows.problems import Problem
from workflows.steps import Workflow
from workflows.transaction import StepTransaction, step_transaction
from workflows.versions import VersionResult

LIST_TYPE_OF = {"serious-dishonesty-list": "严重失信主体名单", "watch-list": "重点关注对象名单"}
"""The 名单类型 each list dataset holds."""


class RemovalReason(StrEnum):
    """移出原因 (schema ``removal_reason``); :attr:`withdrawal` is the store's take-down reason."""

    EXPIRY = "期满移出"
    REPAIR = "信用修复"
    OBJECTION = "异议更正"
    REVOCATION = "决定撤销"

    @property
    def withdrawal(self) -> WithdrawalReason:
        return _WITHDRAWAL[self]

    @classmethod
    def parse(cls, value: str) -> RemovalReason:
        """The reason for a Chinese value or its English name (expiry, repair …)."""
        text = value.strip()
        for reason in cls:
            if text in (reason.value, reason.name.lower()):
                return reason
        known = ", ".join(f"{r.name.lower()} ({r.value})" for r in cls)
        raise InvalidRequestError(f"unknown removal reason {value!r}; use one of {known}")


_WITHDRAWAL = {
    RemovalReason.EXPIRY: WithdrawalReason.EXPIRED,
    RemovalReason.REPAIR: WithdrawalReason.REPAIRED,
    RemovalReason.OBJECTION: WithdrawalReason.OBJECTION_UPHELD,
    RemovalReason.REVOCATION: WithdrawalReason.REVOKED,
}


@dataclass(frozen=True, slots=True)
class Removal:
    """What a removal did: the version that records it and the take-down (if due yet)."""

    record_id: str
    version: VersionResult
    takedown: ChangeEvent | None

    @property
    def ok(self) -> bool:
        return self.version.ok

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.version.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "version": self.version.to_dict(),
            "taken_down": self.takedown is not None,
            "takedown_seq": None if self.takedown is None else self.takedown.seq,
        }


def stored_entry(store: Store, record_id: str) -> StoredRecord:
    """The stored list entry or ban; :class:`CaseNotFoundError` for anything else."""
    try:
        stored = store.get(record_id)
    except UnknownRecordError:
        raise CaseNotFoundError(f"no record {record_id!r}") from None
    if stored.dataset not in LIST_DATASETS:
        raise InvalidRequestError(f"{record_id} is not a list entry or market ban")
    return stored


def deciding_authority(stored: StoredRecord) -> str | None:
    """The USCC of the authority that made the finding (谁认定、谁修复)."""
    payload = stored.payload
    return payload.get("deciding_authority_uscc") or payload.get("authority_uscc")


def list_entry(
    store: Store,
    dataset: str,
    record: Mapping[str, Any],
    *,
    caller: Caller,
    today: date,
    now: datetime | None = None,
    note: str | None = None,
) -> VersionResult:
    """List a subject: store the entry (validated) and log the step, in one transaction.

    The deciding department (or an admin) lists; the 名单类型 must be the dataset's.
    """
    with step_transaction(store, caller, now, name="listing.list") as tx:
        return list_entry_in(tx, dataset, record, today=today, note=note)


def list_entry_in(
    tx: StepTransaction,
    dataset: str,
    record: Mapping[str, Any],
    *,
    today: date,
    note: str | None = None,
) -> VersionResult:
    """:func:`list_entry` inside a step's transaction (a breach listing is part of the
    fulfilment step that led to it)."""
    if dataset not in LIST_DATASETS:
        raise InvalidRequestError(f"{dataset} is not a list dataset ({', '.join(LIST_DATASETS)})")
    tx.caller.require_department(record.get("deciding_authority_uscc"), what="listing")
    expected = LIST_TYPE_OF.get(dataset)
    if expected is not None and record.get("list_type") != expected:
        raise InvalidRequestError(
            f"{dataset} holds 名单类型 {expected}, not {record.get('list_type')}"
        )
    result = tx.version(dataset, record, today=today)
    tx.point("listing.list:version")
    if result.ok and result.record_id is not None and result.outcome is not Outcome.UNCHANGED:
        tx.log(
            record_id=result.record_id,
            workflow=Workflow.LISTING,
            step="listed",
            note=note,
            seq=result.seq,
        )
    return result


def remove_entry(
    store: Store,
    record_id: str,
    *,
    reason: RemovalReason | str,
    removal_date: date,
    caller: Caller,
    today: date,
    now: datetime | None = None,
    note: str | None = None,
    case_id: str | None = None,
    workflow: Workflow = Workflow.LISTING,
) -> Removal:
    """Remove an entry: a version with 状态/移出日期/移出原因, then (if due) the take-down,
    and the step — one transaction.

    Only the deciding authority's department or an admin may remove. Raises
    :class:`StateConflictError` for an entry that is already taken down.
    """
    why = reason if isinstance(reason, RemovalReason) else RemovalReason.parse(reason)
    with step_transaction(store, caller, now, name="listing.remove") as tx:
        return remove_entry_in(
            tx,
            record_id,
            reason=why,
            removal_date=removal_date,
            today=today,
            note=note,
            case_id=case_id,
            workflow=workflow,
        )


def remove_entry_in(
    tx: StepTransaction,
    record_id: str,
    *,
    reason: RemovalReason,
    removal_date: date,
    today: date,
    note: str | None = None,
    case_id: str | None = None,
    workflow: Workflow = Workflow.LISTING,
    authorised: bool = False,
) -> Removal:
    """:func:`remove_entry` inside a step's transaction. ``authorised``: the step already
    checked that its caller may end the entry (a repair decided by the deciding authority,
    an objection answered by the provider), so the caller is not checked again here and
    the log names it as it is."""
    stored = tx.record(record_id)
    if stored.dataset not in LIST_DATASETS:
        raise InvalidRequestError(f"{record_id} is not a list entry or market ban")
    if not authorised:
        tx.caller.require_department(deciding_authority(stored), what="removing a list entry")
    if not stored.active:
        raise StateConflictError(f"{record_id} is already taken down ({stored.withdrawn_reason})")
    payload = dict(stored.payload)
    payload["status"] = "已撤销" if reason is RemovalReason.REVOCATION else "已移出"
    payload["removal_date"] = removal_date.isoformat()
    payload["removal_reason"] = reason.value
    version = tx.version(stored.dataset, payload, today=today)
    if not version.ok:
        return Removal(record_id, version, None)
    tx.point("listing.remove:version")
    takedown = None
    if removal_date <= today:
        takedown = tx.withdraw(
            stored.dataset,
            record_id,
            reason=reason.withdrawal.value,
            note=note or f"{reason.value} ({removal_date.isoformat()})",
        )
        tx.point("listing.remove:takedown")
    seq = takedown.seq if takedown is not None else version.seq
    tx.log(
        record_id=record_id,
        workflow=workflow,
        step="removed",
        note=note or reason.value,
        seq=seq,
        case_id=case_id,
        details={"removal_reason": reason.value, "removal_date": removal_date.isoformat()},
    )
    return Removal(record_id, version, takedown)
