"""The day the service judges publication windows on (公示日): the real date, or the fixed day of
the settings (tests and demos). Its own module so routes, GraphQL and the app factory share it
without importing each other."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI


def today_of(app: FastAPI) -> dt.date:
    """The day publication windows are judged on (fixed by settings in tests and demos)."""
    fixed = app.state.settings.today
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()
