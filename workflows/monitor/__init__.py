"""Monitoring and ranking of departments and district units (监测与排名, issue 12 item 3).

Read-only over the store and the workflow tables: :func:`read_facts` scans them once,
:func:`compute` gives one unit's indicators over a period, :func:`rank` the monthly ranking
with its trend, :func:`overdue` what is late and who must act, and :func:`build_report` the
monthly report (rendered by :func:`render_html` / :func:`render_xlsx`). The district units and
the weights are data (``workflows/data/district-units.yaml``, ``monitor.yaml``). See
docs/monitoring.md.
"""

from workflows.monitor.config import (
    DistrictUnit,
    DistrictUnits,
    MonitorSettings,
    load_settings,
    load_units,
    read_settings,
    read_units,
)
from workflows.monitor.facts import Facts, read_facts
from workflows.monitor.indicators import Indicators, Period, compute, score
from workflows.monitor.overdue import OverdueItem, overdue
from workflows.monitor.ranking import (
    Ranked,
    month_of,
    month_period,
    previous_month,
    rank,
    rolling_period,
)
from workflows.monitor.report import (
    AUDIENCES,
    FORMATS,
    build_report,
    render_html,
    render_xlsx,
)

__all__ = [
    "AUDIENCES",
    "FORMATS",
    "DistrictUnit",
    "DistrictUnits",
    "Facts",
    "Indicators",
    "MonitorSettings",
    "OverdueItem",
    "Period",
    "Ranked",
    "build_report",
    "compute",
    "load_settings",
    "load_units",
    "month_of",
    "month_period",
    "overdue",
    "previous_month",
    "rank",
    "read_facts",
    "read_settings",
    "read_units",
    "render_html",
    "render_xlsx",
    "rolling_period",
    "score",
]
