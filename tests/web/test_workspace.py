"""The department workspace in a real browser: sign in, upload a file with one bad row, read the
receipt by row and Chinese column, download the annotated spreadsheet, correct and withdraw a
record, sign out — and a department cannot open another department's batch."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from store import Role, create_key, open_store
from tests.web.conftest import LiveGateway, axe_violations, screenshot

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "files" / "penalty-utf8.csv"
DEPARTMENT = ("武汉市市场监督管理局", "11420100A4CL12TH3G")  # the demo department key's
BAD_CODE = "91420103MA4K2R7U7X"  # wrong GB 32100 check character


def _upload_file(tmp_path: Path, tag: str) -> Path:
    """Two penalty rows of the demo department in Chinese headers; the second has a bad USCC."""
    with FIXTURE.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, first = rows[0], rows[1]
    col = {name: i for i, name in enumerate(header)}
    good = list(first)
    good[col["数据来源单位"]], good[col["数据来源单位统一社会信用代码"]] = DEPARTMENT
    good[col["行政处罚决定书文号"]] = f"武市监罚〔2026〕{tag}1号"
    good[col["处罚决定日期"]] = "2026-11-30"
    good[col["处罚有效期"]] = "2027-05-30"
    bad = list(good)
    bad[col["行政处罚决定书文号"]] = f"武市监罚〔2026〕{tag}2号"
    bad[col["行政相对人代码_1（统一社会信用代码）"]] = BAD_CODE
    out = io.StringIO()
    csv.writer(out).writerows([header, good, bad])
    path = tmp_path / f"处罚信息-{tag}.csv"
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def _sign_in(page: Page, live: LiveGateway, key: str) -> None:
    page.goto(live.url + "/workspace")
    expect(page).to_have_url(f"{live.url}/workspace/login")
    page.get_by_label("部门 API 密钥").fill(key)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live.url}/workspace")


def test_upload_with_one_bad_row_gives_a_located_receipt_and_annotated_file(
    live: LiveGateway, page: Page, tmp_path: Path
) -> None:
    _sign_in(page, live, live.key(Role.DEPARTMENT))
    screenshot(page, "workspace")
    page.get_by_label("数据集").select_option("administrative-penalty")
    page.locator("input[type=file]").set_input_files(str(_upload_file(tmp_path, "7")))
    page.get_by_role("button", name="上传并校验").click()
    expect(page).to_have_url(re.compile(r"/workspace/batches/[^/]+$"))
    expect(page.locator("h1")).to_have_text("报送回执")
    row = page.locator("table.issues tbody tr", has_text="行政相对人代码_1（统一社会信用代码）")
    expect(row.first).to_be_visible()
    expect(row.first.locator("td").first).to_have_text("2")  # the second data row
    expect(row.first).to_contain_text(BAD_CODE)
    screenshot(page, "workspace-receipt")
    assert axe_violations(page) == []

    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("下载批注版表格")).click()
    path = info.value.path()
    book = load_workbook(io.BytesIO(Path(path).read_bytes()))
    data, summary = book.worksheets[0], book["问题汇总"]
    headers = [c.value for c in data[1]]
    column = headers.index("行政相对人代码_1（统一社会信用代码）") + 1
    cell = data.cell(row=3, column=column)  # header on row 1, data row 2 on sheet row 3
    assert cell.value == BAD_CODE
    assert cell.comment is not None and "统一社会信用代码" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("F8C9C9")
    assert data.cell(row=2, column=column).comment is None  # the good row is not marked
    lines = [r for r in summary.iter_rows(min_row=2, values_only=True) if r[4] == "error"]
    assert lines and lines[0][0] == 2


def test_a_record_can_be_corrected_and_withdrawn_with_a_reason(
    live: LiveGateway, page: Page, tmp_path: Path
) -> None:
    _sign_in(page, live, live.key(Role.DEPARTMENT))
    page.locator("input[type=file]").set_input_files(str(_upload_file(tmp_path, "8")))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("h1")).to_have_text("报送回执")
    admin = {"Authorization": f"Bearer {live.key(Role.ADMIN)}"}
    found = httpx.get(
        f"{live.url}/api/v1/datasets/administrative-penalty/records",
        params={"decision_doc_no": "武市监罚〔2026〕81号"},
        headers=admin,
    ).json()
    record_id = found["records"][0]["record_id"]
    page.goto(f"{live.url}/workspace/records/{record_id}")
    page.get_by_label("处罚内容").fill("警告，罚款人民币2000元（已更正）")
    page.get_by_role("button", name=re.compile("保存更正")).click()
    expect(page.get_by_role("status")).to_contain_text("已更正")
    expect(page.locator("table.list tbody tr")).to_have_count(2)  # two versions
    page.get_by_label("原因").select_option("revoked")
    page.get_by_label(re.compile("说明")).fill("行政复议决定撤销原处罚决定")
    page.get_by_role("button", name="撤下").click()
    expect(page.get_by_role("status")).to_contain_text("已撤下")
    gone = httpx.get(
        f"{live.url}/api/v1/datasets/administrative-penalty/records",
        params={"decision_doc_no": "武市监罚〔2026〕81号"},
    ).json()
    assert gone["count"] == 0


def test_another_department_cannot_open_the_batch_and_sign_out_works(
    live: LiveGateway, page: Page, tmp_path: Path
) -> None:
    _sign_in(page, live, live.key(Role.DEPARTMENT))
    page.locator("input[type=file]").set_input_files(str(_upload_file(tmp_path, "9")))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("h1")).to_have_text("报送回执")
    batch_url = page.url
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live.url}/workspace/login")
    page.goto(batch_url)  # signed out: back to sign-in
    expect(page).to_have_url(f"{live.url}/workspace/login")

    with open_store(live.demo.url) as store:
        _, other = create_key(
            store.engine,
            role=Role.DEPARTMENT,
            name="武汉市税务局测试",
            department_uscc="114201001JJC171H2T",
        )
    _sign_in(page, live, other)
    response = page.goto(batch_url)
    assert response is not None and response.status == 404
    response = page.goto(batch_url + "/annotated.xlsx")
    assert response is not None and response.status == 404


def test_wrong_key_and_forged_forms_are_refused(live: LiveGateway, page: Page) -> None:
    page.goto(live.url + "/workspace/login")
    page.get_by_label("部门 API 密钥").fill("cg_wrong_key")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("密钥无效")
    page.get_by_label("部门 API 密钥").fill(live.key(Role.PUBLIC))
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _sign_in(page, live, live.key(Role.DEPARTMENT))
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    forged = httpx.post(
        f"{live.url}/workspace/upload",
        cookies=cookies,
        data={"dataset": "administrative-penalty", "csrf": "nope"},
        files={"file": ("a.csv", b"x,y\n1,2\n", "text/csv")},
    )
    assert forged.status_code == 403
    session = next(c for c in page.context.cookies() if c["name"] == "cg_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"


def test_upload_works_without_javascript(live: LiveGateway, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        _sign_in(page, live, live.key(Role.DEPARTMENT))
        page.locator("input[type=file]").set_input_files(str(_upload_file(tmp_path, "6")))
        page.get_by_role("button", name="上传并校验").click()
        expect(page.locator("h1")).to_have_text("报送回执")
        expect(page.locator("table.issues")).to_contain_text(BAD_CODE)
    finally:
        context.close()
