"""The HTTP service: FastAPI with REST under ``/api/v1`` and GraphQL at ``/graphql``.

``create_app(settings)`` is the only place that reads settings; routes get the store, the
caller (:mod:`gateway.auth`) and the day from it, and call the same library functions as the
command line.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.clock import today_of
from gateway.errors import install_error_handlers
from gateway.settings import Settings, apply_identity_secret
from store import Store, next_year_warning, open_store

API_TITLE = "creditgate — Wuhan public credit open-data gateway (武汉市公共信用信息开放与交换网关)"


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the application; opens (and migrates) the store unless one is given."""
    settings = settings or Settings()
    apply_identity_secret(settings)
    owned = store is None
    the_store = store or open_store(settings.db)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
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
    )
    app.state.settings = settings
    app.state.store = the_store
    install_error_handlers(app)

    from gateway import graphql, rest
    from gateway.routes import workflows as workflow_routes

    app.include_router(rest.router)
    app.include_router(workflow_routes.router)
    app.include_router(graphql.graphql_router(settings), prefix="/graphql")
    from gateway.web import install_web

    install_web(app)
    warning = next_year_warning(today_of(app))
    if warning:  # from 1 November, until next year's notice is imported
        logging.getLogger("creditgate.calendar").warning(warning)
    return app
