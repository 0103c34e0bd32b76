"""Monitoring over REST: who may read what, the report formats, the public ranking."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from penalty_factory import AUTHORITY, DATASET, penalties
from rest_helpers import Api

from store import Role

OTHER = "11420100MB18372082"  # the tax service: no record in April 2027


@pytest.fixture
def api(make_api: Callable[..., Any]) -> Iterator[Api]:
    """The seeded app plus AMR penalties decided in April 2027, two on time, one late (AMR's
    first submission is 04-14: the late one was decided after it, so it counts)."""
    with make_api() as api:
        for n, (record, decided, published) in enumerate(
            zip(
                penalties(3, seed=77),
                (date(2027, 4, 12), date(2027, 4, 12), date(2027, 4, 15)),
                (date(2027, 4, 14), date(2027, 4, 15), date(2027, 4, 28)),
                strict=True,
            )
        ):
            dated = record | {
                "decision_date": decided.isoformat(),
                "penalty_valid_to": "2028-04-12",
                "division_code": "420102",
                "decision_doc_no": f"武市监罚〔2027〕M{n}号",
                "penalty_categories": ["罚款"],
                "fine_amount_wan": "0.5000",
            }
            result = api.store.submit(
                DATASET,
                [(1, dated)],
                actor="t",
                now=datetime(2027, 4, published.day, 2, tzinfo=UTC),
            )
            assert result.accepted == 1, result.issues
        yield api


def _amr(doc: dict[str, Any]) -> dict[str, Any]:
    return next(d for d in doc["departments"] if d["key"] == AUTHORITY[1])


def test_roles(api: Api) -> None:
    for url in (
        "/api/v1/monitor/ranking",
        "/api/v1/monitor/overdue",
        "/api/v1/monitor/report?month=2027-04",
    ):
        assert api.get(url).status_code == 401
        for role in (Role.PUBLIC, Role.AGENCY, Role.PLATFORM):
            assert api.get(url, role=role).status_code == 403, (url, role)
    admin = api.json("/api/v1/monitor/ranking?month=2027-04", role=Role.ADMIN)
    assert "overdue" not in admin and len(admin["districts"]) == 15
    amr = _amr(admin)
    assert (amr["rank"], amr["month"]["on_time"], amr["month"]["late"]) == (1, 2, 1)
    assert amr["month"]["on_time_rate"] == pytest.approx(2 / 3)
    own = api.json(
        "/api/v1/monitor/ranking?month=2027-04", role=Role.DEPARTMENT, department=AUTHORITY[1]
    )
    assert [d["key"] for d in own["departments"]] == [AUTHORITY[1]] and own["districts"] == []
    other = api.json(
        "/api/v1/monitor/ranking?month=2027-04", role=Role.DEPARTMENT, department=OTHER
    )
    assert other["departments"] == []
    items = api.json("/api/v1/monitor/overdue", role=Role.DEPARTMENT, department=OTHER)
    assert all(i["department"] == OTHER for i in items["items"])
    assert api.get("/api/v1/monitor/ranking?month=2027-13", role=Role.ADMIN).status_code in (
        400,
        422,
    )


def test_report_formats(api: Api) -> None:
    doc = api.json("/api/v1/monitor/report?month=2027-04&format=json", role=Role.ADMIN)
    assert doc["month"] == "2027-04" and "overdue" in doc and _amr(doc)["rank"] == 1
    xlsx = api.get("/api/v1/monitor/report?month=2027-04&format=xlsx", role=Role.ADMIN)
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["排名 Ranking", "指标 Indicators", "逾期 Overdue"]
    keys = [row[2] for row in book["排名 Ranking"].iter_rows(min_row=2, values_only=True)]
    assert AUTHORITY[1] in keys
    page = api.get("/api/v1/monitor/report?month=2027-04&format=html", role=Role.ADMIN)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "监测月报（2027-04）" in page.text


def test_public_ranking_is_rates_only(api: Api) -> None:
    doc = api.json("/api/v1/monitor/public?month=2027-04")
    assert doc["audience"] == "public" and "overdue" not in doc
    amr = _amr(doc)
    assert amr["month"]["on_time_rate"] == pytest.approx(2 / 3)
    assert "published" not in amr["month"] and "on_time" not in amr["month"]
    page = api.get("/monitor?month=2027-04")
    assert page.status_code == 200 and "武汉市市场监督管理局" in page.text
    assert api.get("/monitor?month=junk").status_code == 200  # falls back, never an error
