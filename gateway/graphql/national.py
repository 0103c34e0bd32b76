"""GraphQL: a dataset in the national 双公示 field codes, for platform and admin keys.

``nationalRecords(dataset, first, after)`` pages the rows of :mod:`store.national` (the
government view; columns from the schema's ``x-national-code`` annotations, dates
``YYYY/MM/DD``, ``DFBM`` and ``SJC`` filled) — what ``GET …/download.national.csv`` streams.
Each row travels as a ``JSON`` object ``code -> text``; ``header`` gives the column order.
"""

# strawberry.field with arguments is untyped for mypy without its plugin
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.graphql.connections import bad_input, visible_entry
from gateway.graphql.context import GatewayContext
from gateway.graphql.errors import BadInputError, ForbiddenError
from gateway.graphql.limits import check_page_size
from gateway.graphql.loaders import in_thread
from gateway.graphql.types import PageInfo
from gateway.paging import Binding, PagingError, cursor_codec
from store import InvalidQueryError, Role, national_header, national_page

PLATFORM_ROLES = (Role.PLATFORM, Role.ADMIN)


@strawberry.type(description="A page of a dataset in the national 双公示 field codes.")
class NationalConnection:
    dataset: str
    header: list[str] = strawberry.field(description="The national codes, in column order.")
    rows: list[JSON] = strawberry.field(description="Rows: objects national code -> text.")
    page_info: PageInfo


@strawberry.type
class NationalQuery:
    @strawberry.field(
        description="A dataset in the 2021 双公示 national field codes (government view; dates "
        "YYYY/MM/DD; DFBM and SJC filled). Platform and admin keys only."
    )
    async def national_records(
        self,
        info: Info[GatewayContext, None],
        dataset: str,
        first: int = 100,
        after: str | None = None,
    ) -> NationalConnection:
        ctx = info.context
        if ctx.principal.role not in PLATFORM_ROLES:
            raise ForbiddenError("nationalRecords needs a platform or admin key")
        check_page_size(first, ctx.settings.max_page_size)
        entry = visible_entry(dataset, ctx.principal.audience)
        codec = cursor_codec(ctx.settings)
        binding = Binding(entry.id, ctx.principal.audience, kind="national")
        try:
            start = codec.decode(after, binding, param="after")
        except PagingError as exc:
            raise bad_input(exc) from None
        try:
            header = national_header(entry.id)
            head = await in_thread(ctx.store.head)
            rows, more = await in_thread(
                national_page, ctx.store, entry.id, today=ctx.today, after=start, limit=first
            )
        except InvalidQueryError as exc:
            raise BadInputError(str(exc)) from exc
        ctx.audit("national", entry.id, head)
        cursors = [codec.encode(rid, binding) for rid, _ in rows]
        return NationalConnection(
            dataset=entry.id,
            header=header,
            rows=[JSON(row) for _, row in rows],
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=start is not None,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else after,
            ),
        )
