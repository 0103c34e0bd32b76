"""What every REST answer is built from: the error shape, the success base and a record view.

These models *describe* the answers (FastAPI puts them in ``/openapi.json``; schemathesis
holds every answer to them in ``tests/gateway/test_rest_openapi.py``); routes still build
their bodies as plain dicts, encoded once with orjson, so the models cost nothing per request.
A model allows keys it does not name (``additionalProperties``), so adding a key to an answer
never breaks a generated client.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    """The one error shape of every REST failure (a 422 receipt adds its own keys)."""

    model_config = ConfigDict(extra="allow")

    ok: Literal[False]
    error: str = Field(description="What went wrong, in one sentence.")
    errors: list[Any] = Field(description="Located details (parameter, row, field, code …).")
    status: int = Field(description="The HTTP status, repeated.")


class Answer(BaseModel):
    """An answer that may carry keys beyond the ones named (forward compatible)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Ok(Answer):
    """A successful answer: ``ok`` is true."""

    ok: Literal[True]


class RecordMeta(Answer):
    """About a record, not of it (``_meta`` of every view)."""

    version: int = Field(ge=1, description="Version of the record in the store.")
    updated_at: str = Field(description="When this version was stored (ISO 8601, UTC).")
    window_start: str | None = Field(description="First day of the publication window.")
    window_end: str | None = Field(description="Last day of the window; null: open-ended.")
    under_objection: bool = Field(description="An objection (异议) is being handled.")
    objection_status: str | None = Field(description="异议处理中 while under objection.")
    self_declared: bool = Field(description="Registered by the subject itself, unverified.")
    publication_end_mismatch: dict[str, Any] | None = Field(
        default=None, description="Agencies and government: a declared end that differs."
    )


class RecordView(Answer):
    """One record as the caller's audience sees it (:func:`store.view`): ``record_id``,
    ``dataset``, the visible fields, ``_meta``. The fields are described, per dataset and
    audience, by the JSON Schema ``/schemas/<schema>.<audience>.schema.json`` (named by the
    page's ``schema`` and by the dataset's ``view_schema_uris``)."""

    record_id: str
    dataset: str
    meta: RecordMeta = Field(alias="_meta")


class Counted(Ok):
    """A list answer with its length."""

    count: int = Field(ge=0)


class Positioned(Ok):
    """An answer read at a change-log position."""

    log_position: int = Field(ge=0, description="The change-log head the answer reflects.")


Dict = dict[str, Any]
"""An object whose keys are documented in docs/ (library ``to_dict`` shapes)."""


class GraphQLErrorExtensions(Answer):
    """What a GraphQL error carries besides its message."""

    code: str = Field(description="UNAUTHENTICATED, RATE_LIMITED, BAD_USER_INPUT, FORBIDDEN …")
    status: int | None = Field(default=None, description="The HTTP status it stands for.")


class GraphQLError(Answer):
    """One error of a GraphQL response (GraphQL spec §7.1.2)."""

    message: str
    locations: list[dict[str, int]] | None = None
    path: list[str | int] | None = None
    extensions: GraphQLErrorExtensions | None = None


class GraphQLResponse(Answer):
    """A GraphQL response: ``data``, and ``errors`` when a field failed."""

    data: dict[str, Any] | None = None
    errors: list[GraphQLError] | None = None
    extensions: dict[str, Any] | None = None


class GraphQLRequestError(Answer):
    """A request refused before any GraphQL ran: no ``data``, the errors with their codes."""

    errors: list[GraphQLError] = Field(min_length=1)
