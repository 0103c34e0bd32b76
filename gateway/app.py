"""The HTTP service: FastAPI with REST under ``/api/v1`` and GraphQL at ``/graphql``.

``create_app(settings)`` is the only place that reads settings; routes get the store, the
caller (:mod:`gateway.auth`) and the day from it, and call the same library functions as the
command line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.bodies import BodyLimitMiddleware
from gateway.clock import today_of
from gateway.conditional import install_conditional
from gateway.errors import install_error_handlers
from gateway.httpstack import install_http_stack
from gateway.logs import install_log_filters
from gateway.openapi import openapi_document
from gateway.settings import Settings, apply_identity_secret
from gateway.spool import spool_of
from store import Store, next_year_warning, open_store

API_TITLE = "creditgate — Wuhan public credit open-data gateway (武汉市公共信用信息开放与交换网关)"


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    scheduler: bool = False,
    delivery: bool = False,
    http_stack: bool = True,
) -> FastAPI:
    """Build the application; opens (and migrates) the store unless one is given.

    ``scheduler=True`` (``creditgate serve`` passes ``settings.scheduler``) runs the expiries
    job (:mod:`gateway.scheduler`) from the lifespan's start to its end; ``delivery=True``
    (``settings.webhook_delivery``) the webhook deliverer (:mod:`gateway.delivery`).
    ``http_stack=False``
    leaves out the HTTP layers of :mod:`gateway.httpstack` (only ``bench/http_overhead.py``
    does, to measure what they cost)."""
    settings = settings or Settings()
    apply_identity_secret(settings)
    install_log_filters()
    owned = store is None
    the_store = store or open_store(settings.db)

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        jobs = None
        if scheduler:
            from gateway.scheduler import ExpiryScheduler

            jobs = ExpiryScheduler(
                the_store,
                lambda: today_of(application),
                interval_seconds=settings.sweep_interval_seconds,
                runner=f"serve:{os.getpid()}",
                evaluate=settings.scheduled_evaluation,
            )
            jobs.start()
        application.state.scheduler = jobs
        pushes = None
        if delivery:
            from gateway.delivery import delivery_service

            pushes = delivery_service(
                the_store, settings, lambda: today_of(application), worker=f"serve:{os.getpid()}"
            )
            pushes.start()
        application.state.delivery = pushes
        install_log_filters()  # after uvicorn configured logging
        try:
            yield
        finally:
            if pushes is not None:
                pushes.stop()
            if jobs is not None:
                jobs.stop()
            spool_of(application).close()
            if owned:
                the_store.close()

    app = FastAPI(
        title=API_TITLE,
        version="1.0.0",
        description=(
            "Public credit information of Wuhan: the catalogue, 双公示 administrative actions, "
            "lists, commitments and the change feed. Send `Authorization: Bearer KEY`; "
            "without a key you read the public view."
        ),
        lifespan=lifespan,
        openapi_url="/openapi.json",
        # operationId = the route function's name (list_records, get_entity …): what a
        # generated client names its functions (a test keeps them unique)
        generate_unique_id_function=lambda route: route.name,
    )
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.store = the_store
    install_error_handlers(app)
    install_conditional(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        timeout=settings.upload_timeout_seconds,
    )
    if http_stack:
        install_http_stack(app, settings)

    from gateway import (
        graphql,
        metrics,
        rest,
    )  # they import routes that import this package's helpers
    from gateway.routes import workflows as workflow_routes
    from gateway.web import install_web

    app.include_router(rest.router)
    app.include_router(workflow_routes.router)
    app.include_router(metrics.router)
    app.include_router(graphql.graphql_router(settings), prefix="/graphql")
    install_web(app)
    warning = next_year_warning(today_of(app))
    if warning:  # from 1 November, until next year's notice is imported
        logging.getLogger("creditgate.calendar").warning(warning)
    return app
