"""The conditions of a credit repair (信用修复条件), checked at filing and again at the decision.

《信用修复管理办法》(国家发展改革委令第36号; credit-domain §3.5): the record is published and
repairable (``procedures.yaml``), its minimum publication period has passed, the applicant
declares its obligations fulfilled with evidence, and the subject has an active 信用修复型
commitment made on or after the record's decision. Each unmet condition is a
:class:`workflows.Problem`; who decides (谁认定、谁修复) is :func:`deciding_authority_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from store import Store, StoredRecord, UnknownRecordError
from workflows.problems import Problem, problem
from workflows.procedures import Procedures

COMMITMENT_DATASET = "credit-commitment"


def subject_code(stored: StoredRecord) -> str | None:
    """The credit code of a record's subject: its USCC, else its identity number."""
    return stored.uscc or stored.payload.get("person_id_no")


def deciding_authority_of(stored: StoredRecord, procedures: Procedures) -> str:
    rule = procedures.repair_rule(stored.dataset)
    field = rule.authority_field if rule and rule.authority_field else None
    payload = stored.payload
    return str(
        (payload.get(field) if field else None)
        or payload.get("deciding_authority_uscc")
        or payload.get("authority_uscc")
        or payload.get("source_org_uscc")
    )


def _decision_day(stored: StoredRecord) -> date | None:
    for key in ("decision_date", "listing_date"):
        try:
            return date.fromisoformat(str(stored.payload[key]))
        except (KeyError, ValueError):
            continue
    return stored.decision_date


def _is_repair_commitment(
    commitment: StoredRecord, stored: StoredRecord, procedures: Procedures
) -> bool:
    payload = commitment.payload
    subject = subject_code(stored)
    made = payload.get("commitment_date")
    decided = _decision_day(stored)
    return (
        commitment.dataset == COMMITMENT_DATASET
        and commitment.active
        and payload.get("commitment_type") == procedures.repair_commitment_type
        and payload.get("fulfilment_status") not in procedures.breach_statuses
        and subject is not None
        and subject in (payload.get("uscc"), payload.get("person_id_no"))
        and (decided is None or (made is not None and str(made) >= decided.isoformat()))
    )


def find_repair_commitment(
    store: Store, stored: StoredRecord, procedures: Procedures
) -> StoredRecord | None:
    """The subject's newest active 信用修复型 commitment made since the record's decision."""
    if stored.uscc:
        candidates = [
            r for r in store.by_uscc(stored.uscc, state="active") if r.dataset == COMMITMENT_DATASET
        ]
    else:
        person = stored.payload.get("person_id_no")
        if not person:
            return None
        candidates = store.records(
            COMMITMENT_DATASET,
            filters={"person_id_no": person, "commitment_type": procedures.repair_commitment_type},
        )
    found = [c for c in candidates if _is_repair_commitment(c, stored, procedures)]
    return max(found, key=lambda c: str(c.payload.get("commitment_date")), default=None)


def repair_problems(
    store: Store,
    stored: StoredRecord,
    *,
    obligations_fulfilled: bool,
    evidence: Sequence[str],
    commitment_record_id: str | None,
    today: date,
    procedures: Procedures,
) -> tuple[list[Problem], str | None]:
    """Every unmet condition, and the commitment that satisfies the commitment condition."""
    problems: list[Problem] = []
    if not stored.active:
        problems.append(problem("repair-record-withdrawn", reason=stored.withdrawn_reason))
    rule = procedures.repair_rule(stored.dataset)
    if rule is None or not rule.repairable:
        why = rule.reason if rule and rule.reason else f"{stored.dataset} 不适用信用修复"
        problems.append(problem("repair-not-repairable", why=why))
    else:
        for exclusion in rule.exclusions:
            if exclusion.applies(stored.payload):
                problems.append(problem("repair-not-repairable", why=exclusion.reason))
        if stored.active and not stored.publishable:
            problems.append(problem("repair-not-published"))
        min_end = rule.minimum_end(stored.payload, stored.min_end)
        if min_end is None and stored.publishable:
            problems.append(problem("repair-minimum-unknown", field=rule.minimum_from or "min_end"))
        elif min_end is not None and today <= min_end:
            problems.append(
                problem("repair-too-early", min_end=min_end, first_day=min_end + timedelta(days=1))
            )
    if not obligations_fulfilled:
        problems.append(problem("repair-obligations-unmet"))
    if not [e for e in evidence if str(e).strip()]:
        problems.append(problem("repair-no-evidence"))
    commitment_type = procedures.repair_commitment_type
    commitment: StoredRecord | None
    if commitment_record_id:
        try:
            commitment = store.get(commitment_record_id)
        except UnknownRecordError:
            commitment = None
        if commitment is None or not _is_repair_commitment(commitment, stored, procedures):
            problems.append(
                problem(
                    "repair-commitment-mismatch",
                    commitment=commitment_record_id,
                    commitment_type=commitment_type,
                )
            )
            commitment = None
    else:
        commitment = find_repair_commitment(store, stored, procedures)
        if commitment is None:
            problems.append(problem("repair-no-commitment", commitment_type=commitment_type))
    return problems, commitment.record_id if commitment else None
