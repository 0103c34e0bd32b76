"""The web faces (网页): server-rendered pages for people, beside the JSON API for machines.

* :mod:`gateway.web.public` — the citizen's lookup: ``/``, ``/search``, ``/entities/{uscc}``,
  ``/datasets``, ``/datasets/{id}``;
* :mod:`gateway.web.monitor` — the public monthly ranking ``/monitor`` (信用监测排名);
* :mod:`gateway.web.workspace` — the department clerk's ``/workspace`` (batches and records:
  :mod:`gateway.web.workspace_records`; risk alerts: :mod:`gateway.web.workspace_alerts`);
* :mod:`gateway.web.console` — the credit office's ``/console`` (admin keys);
* :mod:`gateway.web.inspections` — published random-inspection draws, ``/inspections``;
* static assets under ``/static`` (served by the gateway itself: no CDN).

Pages are Jinja2 templates extending ``base.html`` (:mod:`gateway.templating`); they call
the same library functions as REST and GraphQL and hold no rules of their own.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.web import (
    console,
    inspections,
    monitor,
    public,
    workspace,
    workspace_alerts,
    workspace_records,
)

STATIC = Path(__file__).parent / "static"

__all__ = ["STATIC", "install_web"]


def install_web(app: FastAPI) -> None:
    """Mount the pages and their static assets on ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(public.router)
    app.include_router(monitor.router)
    app.include_router(workspace.router)
    app.include_router(workspace_records.router)
    app.include_router(workspace_alerts.router)
    app.include_router(console.router)
    app.include_router(inspections.router)
