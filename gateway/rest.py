"""The REST API: every route under ``/api/v1``, plus ``/healthz`` and the JSON Schemas.

=====================================================  ==========================================
``GET  /api/v1/datasets``                               datasets open to the caller
``GET  /api/v1/datasets/{id}``                          one catalogue entry and its fields
``GET  /api/v1/datasets/{id}/records``                  a keyset page (filters, ``next``)
``GET  /api/v1/datasets/{id}/download.csv|.ndjson``     the whole dataset, streamed
``GET  /api/v1/datasets/{id}/download.national.csv``    platform: national 双公示 codes
``POST /api/v1/national/repairs``                       platform: 信用中国 repair results
``POST /api/v1/datasets/{id}/submissions``              submit records → receipt
``GET  /api/v1/batches/{batch_id}``                     one batch and its status
``GET  /api/v1/entities/{uscc}``                        everything visible about one entity
``GET  /api/v1/changes?after=&limit=``                  the change feed (NDJSON)
``POST /api/v1/changes/ack``                            acknowledge the feed
``GET  /api/v1/changes/stream``                         the feed pushed (server-sent events)
``GET|POST|DELETE /api/v1/webhooks…``                   partners: webhook subscriptions
``GET  /api/v1/alerts``, ``POST …/{id}/ack|close``      departments: risk alerts (风险预警)
``GET  /api/v1/admin/audit|acks|keys``                  admin: audit trail, lag, keys
``GET  /api/v1/monitor/ranking|overdue|report|public``  monitoring and ranking (监测与排名)
``GET|POST /api/v1/inspections/…``                      random inspections (双随机、一公开)
``GET  /healthz``                                       liveness and the head of the log
``GET  /metrics``                                       Prometheus (:mod:`gateway.metrics`)
``GET  /schemas/{name}.schema.json``                    the JSON Schemas (``$id`` base)
``GET  /schemas/{name}.{audience}.schema.json``         … of what each audience receives
``GET  /graphql/schema.graphql``                        the GraphQL SDL
=====================================================  ==========================================

Every failure has the one error shape (:mod:`gateway.errors`); every limited route counts
against the caller's rate limit (:mod:`gateway.ratelimit`); every read by a keyed caller is
audited (:mod:`gateway.audit`). This router's lifespan runs the audit flusher and closes the
rate limiter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

import schemas
from gateway import models
from gateway.audit import audit_of
from gateway.errors import ApiError
from gateway.ratelimit import limiter_of
from gateway.responses import OrjsonResponse
from gateway.routes import (
    admin,
    alerts,
    batches,
    calendar,
    catalogue,
    changes,
    entities,
    evaluation,
    monitor,
    national,
    records,
    reports,
    rules,
    sampling,
    stream,
    submissions,
    webhooks,
)
from gateway.routes.depends import DATASET_ID_PATTERN, ERRORS
from gateway.slots import slots_of
from store import Audience, StoreError, view_schema


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    trail = audit_of(app)
    trail.start()
    try:
        yield
    finally:
        await run_in_threadpool(trail.close)
        await limiter_of(app).close()
        await slots_of(app).close()


api = APIRouter(prefix="/api/v1")
ROUTERS = (
    catalogue,
    records,
    national,
    entities,
    evaluation,
    reports,
    changes,
    stream,
    webhooks,
    submissions,
    batches,
    alerts,
    admin,
    calendar,
    rules,
    monitor,
    sampling,
)
"""Every REST router under /api/v1, in the order the OpenAPI document lists them."""
for module in ROUTERS:
    api.include_router(module.router)

router = APIRouter(lifespan=lifespan)
router.include_router(api)
router.include_router(reports.well_known)


@router.get(
    "/healthz",
    response_model=models.Health,
    tags=["service"],
    summary="Liveness and the head of the change log",
    responses={503: ERRORS[503]},
)
def healthz(request: Request) -> OrjsonResponse:
    """200 with the head of the log while the store answers; 503 otherwise."""
    try:
        head = request.app.state.store.head()
    except (StoreError, SQLAlchemyError) as exc:
        raise ApiError(503, f"the store does not answer: {type(exc).__name__}") from None
    return OrjsonResponse({"ok": True, "head": head})


@router.get(
    "/schemas/{name}.{audience}.schema.json",
    response_model=models.JsonSchemaDocument,
    tags=["catalogue 目录"],
    summary="The JSON Schema of what one audience receives of a record (public, agency, …)",
    description="Derived from the full schema by the audience's rules: hidden fields gone, "
    "masked fields as masked strings, `record_id`, `dataset` and `_meta` added. Every record "
    "view served to that audience (pages, downloads, feeds, GraphQL `record`) validates "
    "against it.",
    responses={400: ERRORS[400], 404: ERRORS[404]},
)
def get_view_schema(
    audience: Annotated[Audience, Path(description="public, agency or government.")],
    name: str = Path(pattern=DATASET_ID_PATTERN, max_length=80, description="The schema id."),
) -> OrjsonResponse:
    """The derived schema whose ``$id`` is ``…/schemas/<name>.<audience>.schema.json``."""
    if name not in schemas.schema_names():
        raise ApiError(404, f"no record schema {name!r}")
    return OrjsonResponse(view_schema(name, audience), media_type="application/schema+json")


@router.get(
    "/schemas/{name}.schema.json",
    response_model=models.JsonSchemaDocument,
    tags=["catalogue 目录"],
    summary="A JSON Schema (Draft 2020-12) of the records",
    responses={404: ERRORS[404]},
)
def get_schema(
    name: str = Path(pattern=DATASET_ID_PATTERN, max_length=80, description="The schema id."),
) -> OrjsonResponse:
    """The schema document whose ``$id`` is ``https://creditgate.example/schemas/<name>…``."""
    if name not in schemas.documents():
        raise ApiError(404, f"no schema {name!r}")
    return OrjsonResponse(schemas.schema_document(name), media_type="application/schema+json")
