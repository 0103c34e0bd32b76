"""The web faces (网页): server-rendered pages for people, beside the JSON API for machines.

* :mod:`gateway.web.public` — the citizen's lookup: ``/``, ``/search``, ``/entities/{uscc}``,
  ``/datasets``, ``/datasets/{id}``;
* :mod:`gateway.web.workspace` — the department clerk's ``/workspace`` (its risk alerts:
  :mod:`gateway.web.workspace_alerts`);
* :mod:`gateway.web.console` — the credit office's ``/console`` (admin keys);
* static assets under ``/static`` (served by the gateway itself: no CDN).

Pages are Jinja2 templates extending ``base.html`` (:mod:`gateway.templating`); they call
the same library functions as REST and GraphQL and hold no rules of their own.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.web import console, public, workspace, workspace_alerts

STATIC = Path(__file__).parent / "static"

__all__ = ["STATIC", "install_web"]


def install_web(app: FastAPI) -> None:
    """Mount the pages and their static assets on ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(public.router)
    app.include_router(workspace.router)
    app.include_router(workspace_alerts.router)
    app.include_router(console.router)
