"""The monthly monitoring report (月度监测报告) as JSON, XLSX and a printable HTML page.

:func:`build_report` assembles one month's ranking of departments and district units (month
and rolling 12 months, trend), the overdue items and the national indicators' status; the
audience decides what is in it:

* ``government`` (the credit office): everything;
* ``department``: its own department's line and its own overdue items only;
* ``public``: the rankings with rates only (no counts, no overdue cases, no personal data).

The document is deterministic for a store state, ``today`` and ``month`` (no clock inside),
so two runs give the same JSON.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]

from store import Store
from store.workdays import CalendarUnknownError, source_between
from workflows.errors import InvalidRequestError
from workflows.monitor.config import DistrictUnits, MonitorSettings, load_settings, load_units
from workflows.monitor.facts import Facts, read_facts
from workflows.monitor.overdue import overdue
from workflows.monitor.ranking import previous_month, rank, rolling_period

AUDIENCES = ("government", "department", "public")
FORMATS = ("json", "xlsx", "html")
TEMPLATES = Path(__file__).resolve().parent / "templates"


def build_report(
    store: Store,
    month: str,
    *,
    today: date,
    audience: str = "government",
    department: str | None = None,
    facts: Facts | None = None,
    units: DistrictUnits | None = None,
    settings: MonitorSettings | None = None,
) -> dict[str, Any]:
    """The report of ``month`` (``YYYY-MM``) as seen on ``today`` by ``audience``."""
    if audience not in AUDIENCES:
        raise InvalidRequestError(f"audience must be one of {', '.join(AUDIENCES)}")
    if audience == "department" and not department:
        raise InvalidRequestError("a department report needs the department's USCC")
    units = units or load_units()
    settings = settings or load_settings()
    head = store.head()
    facts = facts if facts is not None else read_facts(store, units)
    counts = audience != "public"
    departments = rank(facts, month, "department", settings, units)
    districts = rank(facts, month, "district", settings, units)
    late = overdue(facts, today, settings)
    if audience == "department":
        departments = [d for d in departments if d.key == department]
        districts = []
        late = [i for i in late if i.department == department]
    doc: dict[str, Any] = {
        "title_zh": f"武汉市公共信用信息归集公示监测月报（{month}）",
        "title_en": f"Wuhan public credit information monitoring report, {month}",
        "month": month,
        "previous_month": previous_month(month),
        "rolling_window": rolling_period(month).label,
        "as_of": today.isoformat(),
        "log_position": head,
        "audience": audience,
        "district_units_version": units.version,
        "weights": dict(settings.weights),
        "withdrawal_working_days": settings.withdrawal_working_days,
        "departments": [d.to_dict(counts=counts) for d in departments],
        "districts": [d.to_dict(counts=counts) for d in districts],
        "national_indicators": list(settings.national_indicators),
    }
    doc["calendar_provisional"] = _provisional(month, today)
    if audience != "public":
        doc["overdue"] = [i.to_dict() for i in late]
    return doc


def _provisional(month: str, today: date) -> bool:
    """True when a day of the rolling window (or up to ``today``) lies in a provisional
    calendar year: its working-day figures may change when the official year is imported."""
    window = rolling_period(month)
    try:
        return source_between(window.start, max(window.end, today)).provisional
    except CalendarUnknownError:
        return True


def _pct(value: object) -> str:
    return "—" if not isinstance(value, int | float) else f"{value * 100:.1f}%"


def _num(value: object) -> str:
    return "—" if not isinstance(value, int | float) else f"{value:.1f}"


def render_html(doc: dict[str, Any]) -> str:
    """The report as one standalone, printable HTML page (inline CSS, no script)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    return env.get_template("report.html").render(doc=doc)


RATE_COLUMNS: Sequence[tuple[str, str]] = (
    ("on_time_rate", "及时率 On-time"),
    ("withdrawal_rate", "撤下及时率 Withdrawal"),
    ("mandatory_rate", "必填齐全率 Mandatory"),
    ("completeness", "完整度 Completeness"),
    ("error_rate", "报送错误率 Error rate"),
    ("duplicate_rate", "重复报送率 Duplicates"),
    ("correction_rate", "纠正率 Corrections"),
    ("repair_turnaround_days", "修复用时(工作日) Repair days"),
    ("repair_on_time_rate", "修复按期率 Repair on time"),
    ("objection_turnaround_days", "异议用时(工作日) Objection days"),
    ("objection_on_time_rate", "异议按期率 Objection on time"),
)
COUNT_COLUMNS: Sequence[str] = (
    "published",
    "judged",
    "on_time",
    "late",
    "backlog",
    "withdrawals",
    "withdrawals_measured",
    "withdrawals_timely",
    "rows_sent",
    "rows_rejected",
    "rows_unchanged",
    "corrections",
    "repairs_decided",
    "objections_received",
    "objections_closed",
)


def _bold(sheet: Any) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


RANKING_HEAD = (
    "类别 Kind", "名次 Rank", "代码 Key", "名称 Name", "得分 Score", "上月名次 Previous rank",
    "名次变化 Change", "上月得分 Previous score", "当月及时率 On-time (month)",
    "12个月及时率 On-time (12 months)",
)  # fmt: skip
OVERDUE_HEAD = (
    "类型 Kind", "案件 Case", "记录 Record", "数据集 Dataset", "责任单位 Department",
    "单位名称 Name", "期限 Due", "逾期天数 Days overdue", "逾期工作日 Working days overdue",
    "应办事项 Action",
)  # fmt: skip


def _ranked(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(kind, line)`` of the departments, then the districts."""
    for kind, lines in (("department", doc["departments"]), ("district", doc["districts"])):
        for line in lines:
            yield kind, line


def _ranking_rows(doc: dict[str, Any]) -> Iterator[list[Any]]:
    for kind, line in _ranked(doc):
        yield [
            kind, line["rank"], line["key"], line["name"], line["score"], line["previous_rank"],
            line["rank_change"], line["previous_score"], line["month"]["on_time_rate"],
            line["rolling_12_months"]["on_time_rate"],
        ]  # fmt: skip


def _indicator_rows(doc: dict[str, Any], counted: bool) -> Iterator[list[Any]]:
    for kind, line in _ranked(doc):
        for period, part in (
            (doc["month"], line["month"]),
            (doc["rolling_window"], line["rolling_12_months"]),
        ):
            row = [kind, line["key"], line["name"], period]
            row += [part.get(name) for name, _ in RATE_COLUMNS]
            row += [part.get(name) for name in COUNT_COLUMNS] if counted else []
            yield row


def _overdue_rows(doc: dict[str, Any]) -> Iterator[list[Any]]:
    for item in doc.get("overdue", []):
        yield [
            item["kind"], item["case_id"], item["record_id"], item["dataset"],
            item["department"], item["department_name"], item["due"], item["days_overdue"],
            item["working_days_overdue"], f"{item['action_zh']} / {item['action_en']}",
        ]  # fmt: skip


def render_xlsx(doc: dict[str, Any]) -> bytes:
    """The report as a workbook: 排名 Ranking, 指标 Indicators, 逾期 Overdue."""
    book = Workbook()
    for sheet in list(book.worksheets):
        book.remove(sheet)
    counted = doc["audience"] != "public"
    head = ["类别 Kind", "代码 Key", "名称 Name", "期间 Period"]
    head += [label for _, label in RATE_COLUMNS] + (list(COUNT_COLUMNS) if counted else [])
    for title, header, rows in (
        ("排名 Ranking", list(RANKING_HEAD), _ranking_rows(doc)),
        ("指标 Indicators", head, _indicator_rows(doc, counted)),
        ("逾期 Overdue", list(OVERDUE_HEAD), _overdue_rows(doc)),
    ):
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        _bold(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
