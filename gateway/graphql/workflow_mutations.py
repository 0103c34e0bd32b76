"""The workflow mutations (信用流程): repair, objections, commitments, lists and persons,
interviews and voluntary registration (自愿注册).

Each field hands its arguments to one operation of :mod:`workflows` — the one REST's route
and the ``creditgate`` command call — through
:func:`gateway.graphql.workflow_queries.perform`, and answers a union of its type and
``Problem``: a refusal (422) carries the procedure's problems, a step that could not go on
its status and code (401, 403, 404, 409, 400), exactly as REST's error body.
"""

# strawberry.mutation with arguments is untyped for mypy without its plugin
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from gateway.graphql.workflow_queries import (
    GatewayInfo,
    ObjectionResult,
    RepairApplicationResult,
    perform,
)
from gateway.graphql.workflow_types import (
    FulfilmentRecorded,
    Objection,
    PersonLink,
    PersonUnlinked,
    Problem,
    Removal,
    RepairApplication,
    StoredVersion,
)
from workflows import (
    commitment_fulfil,
    interview_record,
    interview_rectify,
    listing_add,
    listing_remove,
    objection_extend,
    objection_file,
    objection_outcome,
    objection_verify,
    persons_link,
    persons_unlink,
    registration_register,
    registration_verify,
    repair_apply,
    repair_decide,
)

FulfilmentResult = Annotated[FulfilmentRecorded | Problem, strawberry.union("FulfilmentResult")]
StoredVersionResult = Annotated[StoredVersion | Problem, strawberry.union("StoredVersionResult")]
RemovalResult = Annotated[Removal | Problem, strawberry.union("RemovalResult")]
PersonLinkResult = Annotated[PersonLink | Problem, strawberry.union("PersonLinkResult")]
PersonUnlinkedResult = Annotated[PersonUnlinked | Problem, strawberry.union("PersonUnlinkedResult")]


@strawberry.enum(description="corrected: a new version; revoked: taken down; upheld: it stands.")
class ObjectionOutcome(Enum):
    CORRECTED = "corrected"
    REVOKED = "revoked"
    UPHELD = "upheld"


def _application(body: Mapping[str, Any]) -> RepairApplication:
    return RepairApplication.of(body["application"])


def _objection(body: Mapping[str, Any]) -> Objection:
    return Objection.of(body["objection"])


def _stored(key: str) -> Callable[[Mapping[str, Any]], StoredVersion]:
    """The stored version an answer's body carries under ``key``."""
    return lambda body: StoredVersion.of(body[key])


@strawberry.type
class WorkflowMutation:
    @strawberry.mutation(description="File a credit-repair application (platform, admin).")
    async def apply_for_repair(
        self,
        info: GatewayInfo,
        record_id: str,
        applicant_name: str,
        obligations_fulfilled: bool,
        evidence: list[str] | None = None,
        statement: str | None = None,
        commitment_record_id: str | None = None,
    ) -> RepairApplicationResult:
        return await perform(
            info,
            repair_apply,
            _application,
            record_id=record_id,
            applicant_name=applicant_name,
            obligations_fulfilled=obligations_fulfilled,
            evidence=evidence or [],
            statement=statement,
            commitment_record_id=commitment_record_id,
        )

    @strawberry.mutation(description="Decide a repair application (its deciding authority).")
    async def decide_repair(
        self, info: GatewayInfo, case_id: str, approve: bool, note: str | None = None
    ) -> RepairApplicationResult:
        return await perform(
            info, repair_decide, _application, case_id=case_id, approve=approve, note=note
        )

    @strawberry.mutation(description="File an objection (platform, admin); the record is marked.")
    async def file_objection(
        self,
        info: GatewayInfo,
        record_id: str,
        applicant_name: str,
        grounds: str,
        evidence: list[str] | None = None,
    ) -> ObjectionResult:
        return await perform(
            info,
            objection_file,
            _objection,
            record_id=record_id,
            applicant_name=applicant_name,
            grounds=grounds,
            evidence=evidence or [],
        )

    @strawberry.mutation(description="The providing department starts verifying.")
    async def verify_objection(
        self, info: GatewayInfo, case_id: str, note: str | None = None
    ) -> ObjectionResult:
        return await perform(info, objection_verify, _objection, case_id=case_id, note=note)

    @strawberry.mutation(description="Extend an objection's answer deadline (its provider).")
    async def extend_objection(
        self, info: GatewayInfo, case_id: str, working_days: int, reason: str
    ) -> ObjectionResult:
        return await perform(
            info,
            objection_extend,
            _objection,
            case_id=case_id,
            working_days=working_days,
            reason=reason,
        )

    @strawberry.mutation(
        description="The provider's answer, which closes the case; for corrected, the whole "
        "corrected record (same natural key)."
    )
    async def answer_objection(
        self,
        info: GatewayInfo,
        case_id: str,
        outcome: ObjectionOutcome,
        note: str | None = None,
        corrected_record: JSON | None = None,
    ) -> ObjectionResult:
        return await perform(
            info,
            objection_outcome,
            _objection,
            case_id=case_id,
            outcome=outcome.value,
            note=note,
            corrected_record=corrected_record,
        )

    @strawberry.mutation(
        description="Record a commitment's fulfilment (全部履行 / 部分履行 / 全部未履行; the "
        "accepting unit); a breach is listed or recorded by the commitment's type."
    )
    async def record_fulfilment(
        self,
        info: GatewayInfo,
        record_id: str,
        status: str,
        status_date: date | None = None,
        unperformed_content: str | None = None,
        liability_pursued: str | None = None,
        decision_doc_no: str | None = None,
        note: str | None = None,
    ) -> FulfilmentResult:
        return await perform(
            info,
            commitment_fulfil,
            FulfilmentRecorded.of,
            record_id=record_id,
            status=status,
            status_date=status_date,
            unperformed_content=unperformed_content,
            liability_pursued=liability_pursued,
            decision_doc_no=decision_doc_no,
            note=note,
        )

    @strawberry.mutation(description="List a subject: store the entry (the deciding authority).")
    async def list_entry(
        self, info: GatewayInfo, dataset: str, entry: JSON, note: str | None = None
    ) -> StoredVersionResult:
        return await perform(
            info, listing_add, _stored("entry"), dataset=dataset, entry=entry, note=note
        )

    @strawberry.mutation(
        description="Remove an entry (移出; the deciding authority): reason 期满移出 / 信用修复 / "
        "异议更正 / 决定撤销 (or expiry, repair, objection, revocation); removalDate: today."
    )
    async def remove_entry(
        self,
        info: GatewayInfo,
        record_id: str,
        reason: str,
        removal_date: date | None = None,
        note: str | None = None,
    ) -> RemovalResult:
        return await perform(
            info,
            listing_remove,
            Removal.of,
            record_id=record_id,
            reason=reason,
            removal_date=removal_date,
            note=note,
        )

    @strawberry.mutation(description="Link a person to an entry by hand (deciding authority).")
    async def link_person(
        self,
        info: GatewayInfo,
        record_id: str,
        person_name: str,
        role: str,
        id_type: str | None = None,
        id_no: str | None = None,
    ) -> PersonLinkResult:
        return await perform(
            info,
            persons_link,
            lambda body: PersonLink(**body["link"]),
            dated=False,
            record_id=record_id,
            person_name=person_name,
            role=role,
            id_type=id_type,
            id_no=id_no,
        )

    @strawberry.mutation(description="End a person's manual link (the deciding authority).")
    async def unlink_person(self, info: GatewayInfo, link_id: int) -> PersonUnlinkedResult:
        return await perform(
            info, persons_unlink, lambda body: PersonUnlinked(**body), dated=False, link_id=link_id
        )

    @strawberry.mutation(
        description="Record an interview (约谈; the interviewing authority, 政务共享 only)."
    )
    async def record_interview(
        self, info: GatewayInfo, interview: JSON, about_record_id: str | None = None
    ) -> StoredVersionResult:
        return await perform(
            info,
            interview_record,
            _stored("interview"),
            interview=interview,
            about_record_id=about_record_id,
        )

    @strawberry.mutation(description="Add the rectification result (整改结果) to an interview.")
    async def record_rectification(
        self, info: GatewayInfo, record_id: str, result: str, kind: str | None = None
    ) -> StoredVersionResult:
        return await perform(
            info,
            interview_rectify,
            _stored("interview"),
            record_id=record_id,
            result=result,
            kind=kind,
        )

    @strawberry.mutation(
        description="Take a voluntary registration (自愿注册; platform, admin): stored as "
        "自我声明 whatever it claims, never public."
    )
    async def register_voluntarily(
        self, info: GatewayInfo, registration: JSON
    ) -> StoredVersionResult:
        return await perform(
            info, registration_register, _stored("registration"), registration=registration
        )

    @strawberry.mutation(description="Verify a voluntary registration (department, platform).")
    async def verify_registration(
        self, info: GatewayInfo, record_id: str, note: str | None = None
    ) -> StoredVersionResult:
        return await perform(
            info, registration_verify, _stored("registration"), record_id=record_id, note=note
        )
