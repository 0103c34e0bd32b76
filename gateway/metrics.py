"""Prometheus metrics at ``GET /metrics`` (prometheus-client, the text exposition format).

Two kinds, so that several workers report the same figures:

* **per request** (:class:`MetricsMiddleware`): ``creditgate_http_request_duration_seconds``,
  a histogram by ``method``, ``route`` (the route's template — ``/api/v1/entities/{uscc}``,
  never the path, so no personal number and no unbounded label set) and ``status``. With
  ``PROMETHEUS_MULTIPROC_DIR`` set in the environment before the service starts (an empty
  directory, one per deployment), every worker writes its samples there and ``/metrics``
  adds them up (prometheus-client's multiprocess mode); otherwise each process reports its own.
* **from the store**, read when scraped (:class:`StoreCollector`), the same in every worker:
  the head of the change log; each partner key's feed lag (events after its acknowledged
  position) and pending take-downs; the runs of the scheduled jobs — ``expiries`` (the sweep)
  and ``publish-ckan`` — by status, and the time and duration of the last successful one.

``/metrics`` answers an admin key, or a client address within ``metrics_networks``; anyone
else gets 401 (403 for another role).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth import require_role
from gateway.clients import client_address, in_networks
from gateway.errors import ApiError
from gateway.ratelimit import authenticated
from store import Role, Store, StoreError, acknowledgements, job_summaries

ROUTE_STATE = "creditgate.route"
"""Where the route template of a request is left (``scope["state"]``) for the histogram."""
HEAD_SCOPE = "creditgate.head"
"""Set in the scope of a HEAD request that the app answers as a GET."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP = CollectorRegistry(auto_describe=True)
"""This process's request metrics (and its process, platform and GC collectors)."""
REQUEST_SECONDS = Histogram(
    "creditgate_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template.",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120),
    registry=HTTP,
)
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    ProcessCollector(registry=HTTP)
    PlatformCollector(registry=HTTP)
    GCCollector(registry=HTTP)


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/datasets/{dataset}``), rebuilt from
    the route's own template and the path it matched; ``unmatched`` when no route did."""
    route = scope.get("route")
    local = getattr(route, "path_format", None)
    if not isinstance(local, str):
        return "unmatched"
    path: str = scope["path"]
    try:
        rendered = local.format(**(scope.get("path_params") or {}))
    except (KeyError, IndexError, ValueError):
        return local
    prefix = path[: len(path) - len(rendered)] if path.endswith(rendered) else ""
    return prefix + local


class MetricsMiddleware:
    """Observes every HTTP request's duration in :data:`REQUEST_SECONDS`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe_status)
        finally:
            method = "HEAD" if scope.get(HEAD_SCOPE) else scope["method"]
            route = (scope.get("state") or {}).get(ROUTE_STATE, "unmatched")
            REQUEST_SECONDS.labels(
                method if method in METHODS else "OTHER", route, str(status)
            ).observe(time.perf_counter() - started)


class StoreCollector(Collector):
    """The store's figures, read at each scrape (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        engine = self.store.engine
        head = GaugeMetricFamily("creditgate_log_head", "The latest seq of the change log.")
        head.add_metric([], self.store.head())
        yield head
        labels = ["key_id", "partner", "role"]
        lag = GaugeMetricFamily(
            "creditgate_feed_lag_events",
            "Events after the partner's acknowledged position.",
            labels=labels,
        )
        takedowns = GaugeMetricFamily(
            "creditgate_feed_pending_takedowns",
            "Take-downs after the partner's acknowledged position.",
            labels=labels,
        )
        acked = GaugeMetricFamily(
            "creditgate_feed_acknowledged_timestamp_seconds",
            "When the partner last acknowledged the feed.",
            labels=labels,
        )
        for ack in acknowledgements(engine):
            values = [ack.key_id, ack.name, ack.role]
            lag.add_metric(values, ack.lag)
            takedowns.add_metric(values, ack.pending_takedowns)
            acked.add_metric(values, ack.acknowledged_at.timestamp())
        yield from (lag, takedowns, acked)
        yield from _job_metrics(self.store)


def _job_metrics(store: Store) -> Iterator[Metric]:
    runs = CounterMetricFamily(
        "creditgate_job_runs", "Runs of a scheduled job, by status.", labels=["job", "status"]
    )
    last = GaugeMetricFamily(
        "creditgate_job_last_success_timestamp_seconds",
        "When the job's last successful run ended.",
        labels=["job"],
    )
    took = GaugeMetricFamily(
        "creditgate_job_last_success_duration_seconds",
        "How long the job's last successful run took.",
        labels=["job"],
    )
    for summary in job_summaries(store.engine):
        for status, count in sorted(summary.runs.items()):
            runs.add_metric([summary.job, status], count)
        done = summary.last_done
        if done is not None and done.finished_at is not None:
            last.add_metric([summary.job], done.finished_at.timestamp())
            took.add_metric([summary.job], summary.last_seconds or 0.0)
    yield from (runs, last, took)


def exposition(store: Store) -> bytes:
    """The text exposition of every metric: this process's (or every worker's) and the store's."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(StoreCollector(store))
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        MultiProcessCollector(scrape)  # type: ignore[no-untyped-call]
        return generate_latest(scrape)
    return generate_latest(HTTP) + generate_latest(scrape)


router = APIRouter(tags=["service"])


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ErrorBody"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@router.get(
    "/metrics",
    summary="Prometheus metrics (admin key, or a client within metrics_networks)",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "The text exposition format"},
        401: _error("A key is needed (or a client address within metrics_networks)."),
        403: _error("The key is not an admin key."),
        429: _error("Too many failed authentications from this address."),
        503: _error("The store does not answer."),
    },
)
async def metrics(request: Request) -> Response:
    """Every metric of the service (see the module docstring of ``gateway.metrics``)."""
    settings = request.app.state.settings
    if request.headers.get("authorization"):
        principal = await authenticated(request)
        require_role(principal, Role.ADMIN)
    elif not in_networks(client_address(request), settings.metrics_networks):
        raise ApiError(
            401,
            "metrics need an admin key (Authorization: Bearer <key>) or an address in "
            "metrics_networks",
            headers={"WWW-Authenticate": 'Bearer realm="creditgate"'},
        )
    try:
        body = await run_in_threadpool(exposition, request.app.state.store)
    except (StoreError, SQLAlchemyError) as exc:
        raise ApiError(503, f"the store does not answer: {type(exc).__name__}") from None
    return Response(body, media_type=CONTENT_TYPE_LATEST)
