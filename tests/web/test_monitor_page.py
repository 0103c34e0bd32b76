"""The public monitoring ranking (/monitor) in a real browser, and the console's monitoring:
the demo has an on-time department (市场监管局) and a late one (生态环境局) that fell last month."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from store import Role
from tests.web.conftest import LiveGateway, axe_violations, screenshot
from tests.web.test_workspace import _sign_in

ON_TIME, LATE = "武汉市市场监督管理局", "武汉市生态环境局"


def test_public_ranking_page_and_its_json_twin(live: LiveGateway, page: Page) -> None:
    page.goto(live.url + "/")
    page.get_by_role("link", name="监测排名").click()
    expect(page).to_have_url(f"{live.url}/monitor")
    expect(page.locator("h1")).to_have_text("信用信息公示监测排名")
    expect(page.locator("#month")).to_have_value("2026-11")  # the last complete month
    rows = page.locator("#departments tbody tr")
    expect(rows.nth(0)).to_contain_text(ON_TIME)
    expect(rows.nth(0)).to_contain_text("100.0%")
    expect(rows.nth(1)).to_contain_text(LATE)
    expect(rows.nth(1)).to_contain_text("↓1")
    expect(page.locator("#districts tbody tr")).to_have_count(15)
    expect(page.locator("#districts svg.chart")).to_have_count(1)
    screenshot(page, "monitor")
    assert axe_violations(page) == []
    page.locator("#month").select_option("2026-10")
    page.get_by_role("button", name="查看").click()
    expect(page).to_have_url(f"{live.url}/monitor?month=2026-10")
    twin = page.get_by_role("link", name="JSON 数据").get_attribute("href")
    body = httpx.get(live.url + str(twin)).json()
    assert body["month"] == "2026-10" and "overdue" not in body
    assert all("published" not in d["month"] for d in body["departments"])


def test_console_ranks_lists_overdue_and_gives_the_report(live: LiveGateway, page: Page) -> None:
    _sign_in(page, live, live.key(Role.ADMIN))
    page.goto(live.url + "/console?month=2026-11")
    first = page.locator("#ranking-departments tbody tr").nth(0)
    expect(first).to_contain_text(ON_TIME)
    expect(page.locator("#ranking-departments tbody tr", has_text=LATE)).to_contain_text("↓1")
    expect(page.locator("#ranking-districts tbody tr")).to_have_count(15)
    overdue = page.locator("#overdue tbody tr", has_text=LATE)
    expect(overdue.first).to_contain_text("重新报送更正后的记录")
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert book.sheetnames == ["排名 Ranking", "指标 Indicators", "逾期 Overdue"]
    admin = {"Authorization": f"Bearer {live.key(Role.ADMIN)}"}
    ranking = httpx.get(f"{live.url}/api/v1/monitor/ranking?month=2026-11", headers=admin).json()
    assert [d["name"] for d in ranking["departments"][:2]] == [ON_TIME, LATE]
    own = httpx.get(
        f"{live.url}/api/v1/monitor/ranking?month=2026-11",
        headers={"Authorization": f"Bearer {live.key(Role.DEPARTMENT)}"},
    ).json()
    assert [d["name"] for d in own["departments"]] == [ON_TIME]
