"""The supervisor console in a real browser: admin only, the figures and charts, key issue and
revoke, the audit filter."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Page, expect

from store import Role
from tests.web.conftest import LiveGateway, axe_violations, screenshot
from tests.web.test_workspace import _sign_in


def test_the_console_refuses_non_admins(live: LiveGateway, page: Page) -> None:
    page.goto(live.url + "/console")
    expect(page).to_have_url(f"{live.url}/workspace/login")  # not signed in: sign in first
    _sign_in(page, live, live.key(Role.DEPARTMENT))
    response = page.goto(live.url + "/console")
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text("只对市信用办")


def test_admin_sees_timeliness_partners_and_charts(live: LiveGateway, page: Page) -> None:
    platform = {"Authorization": f"Bearer {live.key(Role.PLATFORM)}"}
    head = httpx.get(f"{live.url}/healthz").json()["head"]
    ack = httpx.post(
        f"{live.url}/api/v1/changes/ack", json={"cursor": max(head - 50, 1)}, headers=platform
    )
    assert ack.status_code == 200, ack.text
    _sign_in(page, live, live.key(Role.ADMIN))
    page.goto(live.url + "/console")
    expect(page.locator("h1")).to_have_text("信用办监管台")
    expect(page.locator("#timeliness table tbody tr").first).to_be_visible()
    expect(page.locator("#timeliness svg.chart")).to_have_count(1)
    expect(page.locator("#ranking-districts tbody tr")).to_have_count(15)  # the 15 units
    expect(page.locator("#overdue h2")).to_contain_text("逾期事项")
    expect(page.locator("#trend svg.chart rect").first).to_be_attached()
    row = page.locator("#partners tbody tr", has_text="demo platform")
    expect(row).to_contain_text(str(max(head - 50, 1)))
    screenshot(page, "console")
    assert axe_violations(page) == []


def test_admin_issues_and_revokes_a_key(live: LiveGateway, page: Page) -> None:
    _sign_in(page, live, live.key(Role.ADMIN))
    page.goto(live.url + "/console#keys")
    page.locator("#role").select_option("agency")
    page.get_by_label("名称", exact=True).fill("某征信机构（测试）")
    page.get_by_role("button", name="发放").click()
    secret = page.locator("#secret").inner_text()
    assert re.match(r"^cg_agen_", secret)
    agency = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{live.url}/api/v1/datasets", headers=agency).status_code == 200
    page.goto(live.url + "/console#keys")
    page.get_by_role("button", name="吊销 某征信机构（测试）").click()
    expect(page.get_by_role("status")).to_contain_text("已吊销")
    assert httpx.get(f"{live.url}/api/v1/datasets", headers=agency).status_code == 401


def test_audit_filter_by_key(live: LiveGateway, page: Page) -> None:
    agency = {"Authorization": f"Bearer {live.key(Role.AGENCY)}"}
    code = live.demo.samples[0]
    assert httpx.get(f"{live.url}/api/v1/entities/{code}", headers=agency).status_code == 200
    _sign_in(page, live, live.key(Role.ADMIN))
    deadline = time.monotonic() + 15  # audit entries are written in the background (~1 s)
    while True:
        page.goto(live.url + "/console")
        page.locator("#key_id").select_option(label="demo agency (agency)")
        page.get_by_role("button", name="筛选").click()
        expect(page).to_have_url(re.compile(r"key_id="))
        if code in page.locator("#audit tbody").inner_text() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(page.locator("#audit tbody")).to_contain_text(code)
    rows = page.locator("#audit tbody tr").all_inner_texts()
    agency_id = live.demo.keys[Role.AGENCY][0].key_id
    assert rows and all(agency_id in r for r in rows)  # only that key's entries
