"""Voluntary registration (自愿注册): self-declared information, kept apart and marked.

A subject registers information about itself on the city platform (学历资质、荣誉、履约 …)
together with its authenticity commitment (真实性承诺). It is stored in its own dataset
(``voluntary-registration``, openness 授权查询: never public), always with 信息来源
市场主体自愿提供, and is never merged into authority data: the check API ignores it, and every
view marks it ``_meta.self_declared`` until an authority has verified it
(:func:`verify_registration`, 核实状态 已核实 — possible only once the registrant's identity
was verified, a schema rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from store import Outcome, Role, Store, UnknownRecordError
from workflows.caller import Caller
from workflows.errors import CaseNotFoundError, InvalidRequestError
from workflows.steps import Workflow
from workflows.transaction import step_transaction
from workflows.versions import VersionResult

DATASET = "voluntary-registration"
SOURCE = "市场主体自愿提供"
SELF_DECLARED = "自我声明"
VERIFIED = "已核实"


def _changed(result: VersionResult) -> bool:
    """A new version was stored (registering or verifying again logs no second step)."""
    return result.ok and result.record_id is not None and result.outcome is not Outcome.UNCHANGED


def register(
    store: Store,
    record: Mapping[str, Any],
    *,
    caller: Caller,
    today: date,
    now: datetime | None = None,
) -> VersionResult:
    """Store a registration as self-declared (whatever 核实状态 it claims); platform keys."""
    caller.require(Role.PLATFORM, what="taking a voluntary registration")
    claimed = record.get("verification_status")
    note = None
    if claimed not in (None, SELF_DECLARED):
        note = f"claimed {claimed}; stored as {SELF_DECLARED}"
    with step_transaction(store, caller, now, name="registration.register") as tx:
        result = tx.version(
            DATASET,
            {**record, "information_source": SOURCE, "verification_status": SELF_DECLARED},
            today=today,
        )
        if _changed(result) and result.record_id is not None:
            tx.point("registration.register:version")
            tx.log(
                record_id=result.record_id,
                workflow=Workflow.REGISTRATION,
                step="registered",
                state_to=SELF_DECLARED,
                seq=result.seq,
                note=note,
            )
    return result


def verify_registration(
    store: Store,
    record_id: str,
    *,
    caller: Caller,
    today: date,
    note: str | None = None,
    now: datetime | None = None,
) -> VersionResult:
    """An authority confirms the declared information: 核实状态 becomes 已核实."""
    caller.require(Role.DEPARTMENT, Role.PLATFORM, what="verifying a registration")
    try:
        stored = store.get(record_id)
    except UnknownRecordError:
        raise CaseNotFoundError(f"no record {record_id!r}") from None
    if stored.dataset != DATASET:
        raise InvalidRequestError(f"{record_id} is not a voluntary registration")
    with step_transaction(store, caller, now, name="registration.verify") as tx:
        verified = {**stored.payload, "verification_status": VERIFIED}
        result = tx.version(DATASET, verified, today=today)
        if _changed(result):
            tx.point("registration.verify:version")
            tx.log(
                record_id=record_id,
                workflow=Workflow.REGISTRATION,
                step="verified",
                state_from=SELF_DECLARED,
                state_to=VERIFIED,
                seq=result.seq,
                note=note,
            )
    return result
