"""The mutations: departments submit records, consumers acknowledge the change feed.

Expected refusals are union members (``SubmissionRefused``, ``AcknowledgementRefused``),
never errors, so clients switch on ``__typename``. A submission goes through the same
validation and receipt (回执) as the CLI and REST (:func:`store.submit_records`); a
department key may submit only records whose 数据来源单位 is its own (``not-own-record``).
"""

# strawberry.field/mutation with arguments are untyped for mypy without its plugin
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from catalog import UnknownDatasetError, get_entry
from gateway.errors import ApiError
from gateway.graphql.connections import parse_seq_cursor
from gateway.graphql.errors import BadInputError
from gateway.graphql.loaders import in_thread
from gateway.graphql.receipts import (
    AcknowledgementRefused,
    AcknowledgementResult,
    ChangesAcknowledged,
    SubmissionAccepted,
    SubmissionRefused,
    SubmissionRejected,
    SubmissionResult,
    SubmittedRow,
    ValidationIssue,
)
from gateway.graphql.resolvers import GatewayInfo
from gateway.uploads import check_rows
from store import InvalidQueryError, Role, acknowledge, submit_records

SUBMITTERS = (Role.DEPARTMENT, Role.ADMIN)
PARTNERS = (Role.PLATFORM, Role.AGENCY)
"""The roles that acknowledge the feed (as ``POST /api/v1/changes/ack``)."""


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Validate and store records of one dataset (department and admin keys); "
        "the receipt lists every rejected row with its issues. Send records as a variable."
    )
    async def submit_records(
        self,
        info: GatewayInfo,
        dataset: str,
        records: list[JSON],
        all_or_nothing: bool = False,
    ) -> SubmissionResult:
        ctx = info.context
        principal = ctx.principal
        if principal.role not in SUBMITTERS:
            return SubmissionRefused(
                code="role-may-not-submit",
                message="only department and admin keys may submit records",
            )
        try:
            entry = get_entry(dataset)
        except UnknownDatasetError:
            return SubmissionRefused(code="unknown-dataset", message=f"no dataset {dataset!r}")
        limit = ctx.settings.max_page_size
        if len(records) > limit:
            return SubmissionRefused(
                code="too-many-records",
                message=f"at most {limit} records per mutation; upload larger batches as a file",
            )
        try:
            check_rows(records, ctx.settings)  # no rows, or a value over max_cell_bytes
        except ApiError as exc:
            code = "no-records" if exc.status == 400 else "value-too-large"
            return SubmissionRefused(code=code, message=exc.error)
        receipt = await in_thread(
            submit_records,
            ctx.store,
            entry.id,
            records,
            actor=principal.actor,
            source="graphql",
            all_or_nothing=all_or_nothing,
            owner_uscc=principal.department_uscc if principal.role is Role.DEPARTMENT else None,
        )
        kind = SubmissionAccepted if receipt.ok else SubmissionRejected
        return kind(
            batch_id=receipt.batch_id,
            dataset=receipt.dataset,
            rows=receipt.rows,
            accepted=receipt.accepted,
            unchanged=receipt.unchanged,
            rejected=receipt.rejected,
            stored=receipt.stored,
            issues=[ValidationIssue.from_issue(i) for i in receipt.issues],
            outcomes=[SubmittedRow.from_outcome(o) for o in receipt.outcomes],
        )

    @strawberry.mutation(
        description="Report that the caller has applied the feed up to `cursor` (an endCursor "
        "of `changes`); kept per key, never moves backwards, shown to admins as lag."
    )
    async def acknowledge_changes(self, info: GatewayInfo, cursor: str) -> AcknowledgementResult:
        ctx = info.context
        key_id = ctx.principal.key_id
        if key_id is None:
            return AcknowledgementRefused(
                code="key-required", message="acknowledgements are kept per API key"
            )
        if ctx.principal.role not in PARTNERS:
            return AcknowledgementRefused(
                code="role-may-not-acknowledge",
                message="only platform and agency keys acknowledge the feed",
            )
        try:
            seq = parse_seq_cursor(cursor)
        except BadInputError as exc:
            return AcknowledgementRefused(code="invalid-cursor", message=exc.message)

        def keep() -> tuple[int, int]:
            kept = acknowledge(ctx.store.engine, key_id, seq)
            return kept, ctx.store.head()

        try:
            kept, head = await in_thread(keep)
        except InvalidQueryError as exc:
            return AcknowledgementRefused(code="cursor-outside-log", message=str(exc))
        return ChangesAcknowledged(key_id=key_id, seq=kept, head=head, lag=head - kept)
