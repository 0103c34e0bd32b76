"""The calendar's contracts: ``creditgate workdays add`` / ``calendar status|import`` (JSON,
exit codes), the REST status and admin import, and the warning from 1 November."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app
from gateway.settings import Settings
from store import CALENDAR, Role, import_year, next_year_warning, open_store, parse_calendar

ROOT = Path(__file__).resolve().parents[2]
TEST_2027 = ROOT / "tests" / "fixtures" / "calendar" / "2027-test.csv"
EXE = shutil.which("creditgate", path=str(Path(sys.executable).parent)) or "creditgate"


@pytest.fixture(autouse=True)
def _no_imported_years() -> Iterator[None]:
    CALENDAR.forget_imported()
    yield
    CALENDAR.forget_imported()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CREDITGATE_DB"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2025-09-30", "7", {"date": "2025-10-16", "provisional": False}),
        ("2025-10-04", "7", {"date": "2025-10-16", "provisional": False}),
        ("2026-02-13", "7", {"date": "2026-03-02", "provisional": False}),
        ("2026-12-29", "7", {"date": "2027-01-08", "provisional": True}),
        ("2028-01-20", "5", {"date": "2028-02-02", "provisional": True}),
    ],
)
def test_workdays_add_contract(day: str, n: str, expected: dict[str, Any]) -> None:
    result = run("workdays", "add", day, n, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


def test_workdays_add_refuses_a_bad_date() -> None:
    result = run("workdays", "add", "2027-02-30", "3", "--json")
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_calendar_status_import_and_idempotence(db_url: str) -> None:
    db = db_url.replace("postgresql+psycopg://", "postgresql://")
    status = json.loads(
        run("calendar", "status", "--db", db, "--today", "2026-11-02", "--json").stdout
    )
    assert set(status) == {"today", "years", "warning"}
    years = {e["year"]: e for e in status["years"]}
    assert sorted(years) == list(range(2004, 2028))  # one entry per year, through next year
    assert years[2026]["source"] == "official" and years[2027]["source"] == "provisional"
    assert years[2027]["provisional"] is True and "2027" in status["warning"]
    quiet = json.loads(
        run("calendar", "status", "--db", db, "--today", "2026-10-31", "--json").stdout
    )
    assert quiet["warning"] is None

    first = run("calendar", "import", str(TEST_2027), "--db", db, "--json")
    assert first.returncode == 0, first.stderr
    body = json.loads(first.stdout)
    assert body == {"ok": True, "year": 2027, "changed": True, "changes": []}
    again = json.loads(run("calendar", "import", str(TEST_2027), "--db", db, "--json").stdout)
    assert again["changed"] is False and again["changes"] == []

    status = json.loads(
        run("calendar", "status", "--db", db, "--today", "2026-11-02", "--json").stdout
    )
    assert {e["year"]: e["source"] for e in status["years"]}[2027] == "imported"
    assert status["warning"] is None
    # the store's imported years serve ``workdays add --db`` too
    added = run("workdays", "add", "2027-01-28", "10", "--db", db, "--json")
    assert json.loads(added.stdout) == {"date": "2027-02-18", "provisional": False}


def test_a_bad_file_is_refused_with_located_issues(tmp_path: Path) -> None:
    bad = tmp_path / "2027.csv"
    bad.write_text(
        TEST_2027.read_text(encoding="utf-8") + "2027-01-01,workday,元旦\n2028-01-03,holiday,x\n"
    )
    db = f"sqlite:///{tmp_path / 'cal.db'}"
    result = run("calendar", "import", str(bad), "--db", db, "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["ok"] is False
    assert [(i["line"], i["field"], i["code"]) for i in body["issues"]] == [
        (31, "date", "calendar-duplicate"),
        (32, "date", "calendar-other-year"),
    ]
    plain = run("calendar", "import", str(bad), "--db", db)
    assert plain.returncode == 1 and "line 31" in plain.stderr


def test_the_warning_from_1_november() -> None:
    assert next_year_warning(date(2027, 10, 31)) is None
    warning = next_year_warning(date(2027, 11, 1))
    assert warning is not None and "2028" in warning
    assert next_year_warning(date(2025, 12, 31)) is None  # 2026 is official
    parsed = parse_calendar(TEST_2027.read_text(encoding="utf-8"))
    assert parsed.calendar is not None
    assert next_year_warning(date(2026, 12, 1)) is not None
    CALENDAR.set_imported([parsed.calendar])
    assert next_year_warning(date(2026, 12, 1)) is None


def test_the_gateway_warns_at_start(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'warn.db'}"
    with open_store(url) as store, caplog.at_level(logging.WARNING, "creditgate.calendar"):
        create_app(Settings(db=url, today="2026-11-15"), store=store)
        assert any("2027" in r.getMessage() for r in caplog.records)
        caplog.clear()
        create_app(Settings(db=url, today="2026-10-15"), store=store)
        assert not caplog.records


def test_rest_status_and_admin_import(make_api: Callable[..., Any]) -> None:
    csv = TEST_2027.read_bytes()
    with make_api(seed=False) as api:
        status = api.json("/api/v1/calendar/status")  # public; REST_TODAY is 2026-11-28
        assert status["ok"] is True and "2027" in status["warning"]
        assert {e["year"]: e["source"] for e in status["years"]}[2027] == "provisional"
        url = "/api/v1/admin/calendar"
        headers = {"content-type": "text/csv"}
        assert api.post(url, content=csv, headers=headers).status_code == 401
        assert api.post(url, content=csv, headers=headers, role=Role.PLATFORM).status_code == 403
        bad = api.post(url, content=b"date,kind,name\n2027-01-01,off,x\n", role=Role.ADMIN)
        assert bad.status_code == 400
        assert bad.json()["errors"][0] == {
            "line": 2,
            "field": "kind",
            "code": "calendar-kind",
            "message": "unknown kind 'off'; use holiday or workday",
            "message_zh": "未知类型 'off'；应为 holiday 或 workday",
        }
        done = api.post(url, content=csv, headers=headers, role=Role.ADMIN)
        assert done.status_code == 200, done.text
        assert done.json() == {"ok": True, "year": 2027, "changed": True, "changes": []}
        again = api.post(url, content=csv, headers=headers, role=Role.ADMIN).json()
        assert again["changed"] is False
        status = api.json("/api/v1/calendar/status")
        assert status["warning"] is None
        assert {e["year"]: e["source"] for e in status["years"]}[2027] == "imported"


def test_rest_status_sees_a_year_imported_by_another_process(
    make_api: Callable[..., Any],
) -> None:
    parsed = parse_calendar(TEST_2027.read_text(encoding="utf-8"))
    assert parsed.calendar is not None
    with make_api(seed=False) as api:
        store = api.app.state.store
        import_year(store.engine, parsed.calendar, actor="cli:other", now=datetime.now(UTC))
        CALENDAR.forget_imported()  # as in the gateway process, which did not import it
        status = api.json("/api/v1/calendar/status")
        assert {e["year"]: e["source"] for e in status["years"]}[2027] == "imported"
