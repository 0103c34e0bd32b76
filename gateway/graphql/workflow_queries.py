"""The workflow queries (信用流程): the check, repair applications, objections, linked persons
and timelines — and :func:`perform`, which every workflow field (query or mutation) runs.

A field parses nothing of its own: it hands its arguments to the operation of
:mod:`workflows` (the same REST's routes and the CLI call) with the request's caller, and
answers the operation's :class:`workflows.Answer` as the field's type, or as
:class:`gateway.graphql.workflow_types.Problem` when the step was refused or could not go on.
"""

# strawberry.field with arguments is untyped for mypy without its plugin
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from gateway.check_index import check_index
from gateway.graphql.context import GatewayContext
from gateway.graphql.loaders import in_thread
from gateway.graphql.workflow_types import (
    CheckAnswer,
    LinkedPersons,
    Objection,
    Objections,
    ObjectionStateEnum,
    Problem,
    RepairApplication,
    RepairApplications,
    RepairStateEnum,
    Timeline,
)
from workflows import (
    Answer,
    attempt,
    objection_list,
    objection_show,
    persons_list,
    punishment_check,
    record_timeline,
    repair_list,
    repair_show,
)

GatewayInfo = Info[GatewayContext, None]
T = TypeVar("T")

CheckResult = Annotated[CheckAnswer | Problem, strawberry.union("CheckResult")]
RepairApplicationResult = Annotated[
    RepairApplication | Problem, strawberry.union("RepairApplicationResult")
]
RepairApplicationsResult = Annotated[
    RepairApplications | Problem, strawberry.union("RepairApplicationsResult")
]
ObjectionResult = Annotated[Objection | Problem, strawberry.union("ObjectionResult")]
ObjectionsResult = Annotated[Objections | Problem, strawberry.union("ObjectionsResult")]
LinkedPersonsResult = Annotated[LinkedPersons | Problem, strawberry.union("LinkedPersonsResult")]
TimelineResult = Annotated[Timeline | Problem, strawberry.union("TimelineResult")]


async def perform(
    info: GatewayInfo,
    operation: Callable[..., Answer],
    convert: Callable[[Mapping[str, Any]], T],
    *,
    dated: bool = True,
    on: object | None = None,
    **arguments: Any,
) -> T | Problem:
    """Run ``operation(store, caller, [today=…,] **arguments)`` on a worker thread; its body
    as ``convert`` makes it, or the :class:`Problem` when it did not go through."""
    ctx = info.context
    if dated:
        arguments["today"] = ctx.today
    target = ctx.store if on is None else on
    found = await in_thread(attempt, operation, target, ctx.principal.caller, **arguments)
    return convert(found.body) if found.ok else Problem.of(found)


def _state(value: Any) -> str | None:
    return None if value is None else str(value.value)


@strawberry.type
class WorkflowQuery:
    @strawberry.field(
        description="Joint-punishment check (联合惩戒核查): do restrictions apply to creditCode "
        "in scenario today? Any key (identity numbers: government keys); every check is logged."
    )
    async def check(
        self, info: GatewayInfo, credit_code: str, scenario: str | None = None
    ) -> CheckResult:
        index = check_index(info.context.app)
        return await perform(
            info,
            punishment_check,
            CheckAnswer.of,
            on=index,
            credit_code=credit_code,
            scenario=scenario,
        )

    @strawberry.field(description="One repair application (platform, admin, its authority).")
    async def repair_application(self, info: GatewayInfo, id: str) -> RepairApplicationResult:
        return await perform(
            info,
            repair_show,
            lambda body: RepairApplication.of(body["application"]),
            dated=False,
            case_id=id,
        )

    @strawberry.field(
        description="Repair applications, oldest first (platform, admin: all; a department: "
        "those it decides)."
    )
    async def repair_applications(
        self,
        info: GatewayInfo,
        state: RepairStateEnum | None = None,  # type: ignore[valid-type]
        record_id: str | None = None,
        limit: int | None = None,
    ) -> RepairApplicationsResult:
        return await perform(
            info,
            repair_list,
            RepairApplications.of,
            dated=False,
            state=_state(state),
            record_id=record_id,
            limit=limit,
        )

    @strawberry.field(description="One objection case (platform, admin, its provider).")
    async def objection(self, info: GatewayInfo, id: str) -> ObjectionResult:
        return await perform(
            info, objection_show, lambda body: Objection.of(body["objection"]), case_id=id
        )

    @strawberry.field(
        description="Objection cases, oldest first (platform, admin: all; a department: those "
        "it answers); overdue: open cases past their deadline."
    )
    async def objections(
        self,
        info: GatewayInfo,
        overdue: bool = False,
        state: ObjectionStateEnum | None = None,  # type: ignore[valid-type]
        record_id: str | None = None,
        limit: int | None = None,
    ) -> ObjectionsResult:
        return await perform(
            info,
            objection_list,
            Objections.of,
            overdue=overdue,
            state=_state(state),
            record_id=record_id,
            limit=limit,
        )

    @strawberry.field(description="Persons linked to a list entry (government keys).")
    async def linked_persons(self, info: GatewayInfo, record_id: str) -> LinkedPersonsResult:
        return await perform(info, persons_list, LinkedPersons.of, dated=False, record_id=record_id)

    @strawberry.field(
        description="Every version, take-down and workflow step of a record (admin and the "
        "record's departments: full, or view: entity; platform: the entity's view)."
    )
    async def timeline(
        self, info: GatewayInfo, record_id: str, view: str | None = None
    ) -> TimelineResult:
        return await perform(
            info, record_timeline, Timeline.of, dated=False, record_id=record_id, view=view
        )
