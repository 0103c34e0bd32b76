"""The queries: an entity by credit code, keyset record pages, the catalogue, the change feed.

Every resolver reads through the caller's audience view (:func:`store.view`), so GraphQL
shows exactly what REST, downloads and CKAN show that caller. Reads by keyed callers are
audited with the change-log position they reflect.
"""

# strawberry.field/mutation with arguments are untyped for mypy without its plugin
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.graphql.connections import (
    bad_input,
    parse_seq_cursor,
    read_change_page,
    visible_datasets,
    visible_entry,
)
from gateway.graphql.context import GatewayContext
from gateway.graphql.errors import BadInputError, ForbiddenError
from gateway.graphql.limits import check_page_size
from gateway.graphql.loaders import in_thread
from gateway.graphql.types import (
    Caller,
    ChangeConnection,
    ChangeNode,
    Dataset,
    Entity,
    FeedLag,
    PageInfo,
    RecordConnection,
    RecordFilter,
    RecordView,
)
from gateway.paging import Binding, PagingError, check_filters, cursor_codec, read_page
from schemas import USCC_PLACEHOLDER, is_valid_uscc
from store import Audience, InvalidQueryError, Role, acknowledgements

DEFAULT_PAGE = 100

GatewayInfo = Info[GatewayContext, None]


def filter_pairs(given: RecordFilter | None) -> list[tuple[str, str]]:
    """``(field, value)`` pairs of the ``records`` filter (``creditCode`` is ``uscc``)."""
    if given is None:
        return []
    pairs = [(f.field, f.value) for f in given.fields or []]
    if given.credit_code is not None:
        pairs.append(("uscc", given.credit_code))
    return pairs


@strawberry.type
class Query:
    @strawberry.field(
        description="Everything the caller may see about one entity: licences, penalties "
        "inside their window, list entries, commitments …; null when nothing is visible."
    )
    async def entity(self, info: GatewayInfo, credit_code: str) -> Entity | None:
        ctx = info.context
        code = credit_code.strip().upper()
        if code == USCC_PLACEHOLDER or not is_valid_uscc(code):  # the placeholder is "no code"
            raise BadInputError(
                f"{credit_code[:40]!r} is not a valid unified social credit code (统一社会信用代码)"
            )
        found = await ctx.entities.load(code)
        ctx.audit("entity", code, found.log_position)
        return found.entity

    @strawberry.field(
        description="A keyset page of one dataset's records, in record-id order. A request "
        "examines at most page_scan_budget stored records, so a page may be short, even "
        "empty, with scanBudgetExhausted and hasNextPage: continue from endCursor. Cursors "
        "are signed and valid only with the same dataset, filter and caller's audience."
    )
    async def records(
        self,
        info: GatewayInfo,
        dataset: str,
        filter: RecordFilter | None = None,  # the contract's argument name
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> RecordConnection:
        ctx = info.context
        audience = ctx.principal.audience
        entry = visible_entry(dataset, audience)
        check_page_size(first, ctx.settings.max_page_size)
        codec = cursor_codec(ctx.settings)
        try:
            filters = check_filters(entry, filter_pairs(filter), audience)
            binding = Binding(entry.id, audience, filters)
            start = codec.decode(after, binding, param="after")
        except PagingError as exc:
            raise bad_input(exc) from None
        try:
            page = await in_thread(
                read_page,
                ctx.store,
                entry,
                audience,
                ctx.today,
                after=start,
                limit=first,
                filters=filters,
                budget=ctx.settings.page_scan_budget,
            )
        except InvalidQueryError as exc:
            raise BadInputError(str(exc)) from exc
        ctx.audit("records", entry.id, page.head)
        cursors = [codec.encode(v["record_id"], binding) for v in page.views]
        if page.has_next and page.next_after is not None:
            end_cursor: str | None = codec.encode(page.next_after, binding)
        else:
            end_cursor = cursors[-1] if cursors else after
        return RecordConnection(
            nodes=[RecordView.of(v) for v in page.views],
            cursors=cursors,
            head=page.head,
            scan_budget_exhausted=page.scan_budget_exhausted,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=start is not None,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=end_cursor,
            ),
        )

    @strawberry.field(description="The catalogue datasets the caller may see.")
    def datasets(self, info: GatewayInfo) -> list[Dataset]:
        return [Dataset.from_entry(e) for e in visible_datasets(info.context.principal.audience)]

    @strawberry.field(description="One catalogue dataset, or null when not open to the caller.")
    def dataset(self, info: GatewayInfo, id: str) -> Dataset | None:
        try:
            return Dataset.from_entry(visible_entry(id, info.context.principal.audience))
        except BadInputError:
            return None

    @strawberry.field(
        description="The change log as a feed: upserts and deletes (with reasons) in seq "
        "order, of the datasets the caller may see. Apply nodes by recordId, then "
        "acknowledgeChanges(cursor: endCursor)."
    )
    async def changes(
        self,
        info: GatewayInfo,
        after: str | None = None,
        first: int = DEFAULT_PAGE,
        datasets: list[str] | None = None,
    ) -> ChangeConnection:
        ctx = info.context
        audience = ctx.principal.audience
        check_page_size(first, ctx.settings.max_page_size)
        start = parse_seq_cursor(after)
        wanted: list[str] | None
        if datasets is not None:
            wanted = list(dict.fromkeys(visible_entry(d, audience).id for d in datasets))
        elif audience is Audience.GOVERNMENT:
            wanted = None  # every dataset
        else:
            wanted = [e.id for e in visible_datasets(audience)]
        page = await in_thread(
            read_change_page,
            ctx.store,
            after=start,
            first=first,
            datasets=wanted,
            audience=audience,
            today=ctx.today,
        )
        ctx.audit("changes", ",".join(datasets) if datasets else "*", page.head)
        nodes = [ChangeNode.from_item(item) for item in page.items]
        return ChangeConnection(
            nodes=nodes,
            head=page.head,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=start > 0,
                start_cursor=str(nodes[0].seq) if nodes else None,
                end_cursor=str(page.end),
            ),
        )

    @strawberry.field(description="How far every key has applied the change feed (admins).")
    async def feed_lag(self, info: GatewayInfo) -> list[FeedLag]:
        ctx = info.context
        if ctx.principal.role is not Role.ADMIN:
            raise ForbiddenError("feedLag needs an admin key")
        acks = await in_thread(acknowledgements, ctx.store.engine)
        ctx.audit("feed-lag", "feed", max((a.seq + a.lag for a in acks), default=0))
        return [FeedLag.from_ack(a) for a in acks]

    @strawberry.field(description="Who the gateway takes the caller for.")
    def caller(self, info: GatewayInfo) -> Caller:
        p = info.context.principal
        return Caller(
            role=p.role.value,
            audience=p.audience.value,
            name=p.name,
            key_id=p.key_id,
            department_uscc=p.department_uscc,
        )
