"""Risk alerts in the workspace, in a real browser: the demo's alerts are listed for whom they
are routed to (an admin sees all, the demo department key only its own), acknowledged and
closed with a note through the forms, and the page stays accessible."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from store import Role, alert_history, list_alerts, open_store
from tests.web.conftest import LiveGateway, axe_violations, screenshot


def _sign_in(page: Page, live: LiveGateway, key: str) -> None:
    page.goto(live.url + "/workspace")
    page.get_by_label("部门 API 密钥").fill(key)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live.url}/workspace")


def test_alerts_are_listed_acknowledged_and_closed(live: LiveGateway, page: Page) -> None:
    assert live.demo.alerts > 0  # the demo raises some
    with open_store(live.demo.url) as store:
        mine = list_alerts(store.engine, department="11420100A4CL12TH3G")
        waiting = [a for a in list_alerts(store.engine) if a.state.value != "closed"]
    _sign_in(page, live, live.key(Role.DEPARTMENT))
    rows = page.locator("#alert-list tbody tr")
    if mine:
        expect(rows).to_have_count(len([a for a in mine if a.state.value != "closed"]))
    else:
        expect(page.get_by_text("没有待处理的风险预警。")).to_be_visible()
    page.get_by_role("button", name="退出登录").click()

    _sign_in(page, live, live.key(Role.ADMIN))  # an admin sees every department's alerts
    expect(rows).to_have_count(len(waiting))
    assert axe_violations(page) == []
    screenshot(page, "workspace-alerts")
    target = waiting[-1]
    row = page.locator(f'#alert-list tr[data-alert="{target.id}"]')
    expect(row).to_contain_text(target.uscc)
    if target.state.value == "open":
        row.get_by_label("确认说明").fill("已安排核查")
        row.get_by_role("button", name="确认收到").click()
        expect(page).to_have_url(f"{live.url}/workspace?alert={target.id}#alerts")
        expect(row).to_contain_text("已确认")
    row.get_by_label("处理说明").fill("已约谈整改")
    row.get_by_role("button", name="关闭").click()
    expect(page.locator(f'#alert-list tr[data-alert="{target.id}"]')).to_have_count(0)
    with open_store(live.demo.url) as store:
        trail = alert_history(store.engine, target.id)
    assert trail[-1].action == "closed" and trail[-1].note == "已约谈整改"
    assert "demo admin" in trail[-1].actor
