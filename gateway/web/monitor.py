"""The public monitoring page (``/monitor``, 信用监测排名): the monthly ranking of departments
and district units, as the Wuhan plan asks it be published.

Rates only — no counts of cases, no overdue items, no personal data — read through the same
report as ``GET /api/v1/monitor/public`` (its JSON twin, linked from the page). A month that
is not ``YYYY-MM`` falls back to the last complete month (never an error page).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from gateway.routes.depends import today
from gateway.routes.monitor import last_complete_month, report_for
from gateway.templating import render
from gateway.web.charts import bar_chart
from workflows.monitor import previous_month

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@router.get("/monitor")
def monitor_page(request: Request, month: str = Query("", max_length=7)) -> HTMLResponse:
    default = last_complete_month(today(request))
    chosen = month if MONTH.match(month) else default
    doc = report_for(request, chosen, "public")
    recent = [default]
    for _ in range(11):
        recent.append(previous_month(recent[-1]))
    ranked = [d for d in doc["districts"] if d["month"]["on_time_rate"] is not None]
    chart = bar_chart(
        [(d["name"] or d["key"], round(d["month"]["on_time_rate"] * 100, 1)) for d in ranked],
        title=f"各区（功能区）按时公示率 On-time rate by district unit, {chosen}",
        unit="%",
        max_value=100.0,
    )
    return render(
        request,
        "monitor.html",
        {"doc": doc, "month": chosen, "months": recent, "chart": chart},
        page="monitor",
    )
