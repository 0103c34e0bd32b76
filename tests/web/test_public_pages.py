"""The public face in a real browser: search, entity page, dataset pages, language, a11y,
and that nothing the public view hides ever reaches a page."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import LiveGateway, axe_violations, screenshot

ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![0-9A-Za-z])"
)
"""An 18-digit resident ID number (GB 11643 layout), not inside a longer code."""


def _first_hit(live: LiveGateway) -> tuple[str, str]:
    """A (uscc, name) the public can find: the demo's busiest entity."""
    code = live.demo.samples[0]
    body = httpx.get(f"{live.url}/api/v1/entities/{code}").json()
    return code, body["name"]


def test_home_has_the_search_form_contract(live: LiveGateway, page: Page) -> None:
    page.goto(live.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    form = page.locator("form[action='/search']")
    expect(form).to_be_visible()
    expect(form.locator("input[name='q']")).to_be_visible()
    screenshot(page, "public-home")


def test_search_by_fragment_leads_to_the_entity_page(live: LiveGateway, page: Page) -> None:
    code, name = _first_hit(live)
    fragment = name.removeprefix("武汉").removesuffix("有限公司")[:4]
    page.goto(live.url + "/")
    page.get_by_label(re.compile("企业名称")).fill(fragment)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/search\?q="))
    link = page.locator(f"a[href='/entities/{code}']")
    expect(link.first).to_be_visible()
    screenshot(page, "public-search")
    link.first.click()
    expect(page).to_have_url(f"{live.url}/entities/{code}")
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("dd.code")).to_have_text(code)
    screenshot(page, "public-entity")


@pytest.mark.parametrize("how", ["traditional", "pinyin", "uscc", "full-form"])
def test_search_finds_chinese_names_the_way_people_type_them(
    live: LiveGateway, page: Page, how: str
) -> None:
    import opencc
    from pypinyin import lazy_pinyin

    code, name = _first_hit(live)
    core = name.removeprefix("武汉").removesuffix("有限公司")
    query = {
        "traditional": opencc.OpenCC("s2t").convert(core),
        "pinyin": "".join(lazy_pinyin(core)),
        "uscc": code.lower(),
        "full-form": name.replace("有限公司", "有限责任公司"),
    }[how]
    page.goto(f"{live.url}/search?q={httpx.QueryParams({'q': query})['q']}")
    expect(page.locator(f"a[href='/entities/{code}']").first).to_be_visible()


def test_search_with_nothing_found_says_so(live: LiveGateway, page: Page) -> None:
    page.goto(live.url + "/search?q=绝无此名称的公司XYZ")
    expect(page.get_by_role("status")).to_contain_text("共找到 0 个主体")


def test_english_switch_sets_lang_and_is_remembered(live: LiveGateway, page: Page) -> None:
    page.goto(live.url + "/")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_text("Credit information lookup")
    page.goto(live.url + "/datasets")  # the cookie keeps the choice
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_dataset_pages_document_fields_and_link_downloads(live: LiveGateway, page: Page) -> None:
    page.goto(live.url + "/datasets")
    page.get_by_role("link", name="行政处罚", exact=True).click()
    expect(page).to_have_url(f"{live.url}/datasets/administrative-penalty")
    expect(page.locator("table.fields-table")).to_contain_text("CF_WSH")
    screenshot(page, "public-dataset")
    for label in ("CSV", "NDJSON", "datapackage.json"):
        href = page.get_by_role("link", name=label, exact=True).get_attribute("href")
        assert href is not None
        response = httpx.get(live.url + href)
        assert response.status_code == 200, (label, response.text[:300])
    package = httpx.get(f"{live.url}/api/v1/datasets/administrative-penalty/datapackage.json")
    assert [r["format"] for r in package.json()["resources"]] == ["csv", "ndjson"]


@pytest.mark.parametrize(
    ("dataset", "title", "field"),
    [
        ("consumer-complaint", "消费投诉信息公示", "handling_result"),
        ("commitment-matters", "信用承诺事项清单", "commitment_letter_url"),
    ],
)
def test_the_plans_remaining_disclosures_have_public_pages(
    live: LiveGateway, page: Page, dataset: str, title: str, field: str
) -> None:
    page.goto(f"{live.url}/datasets")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(f"{live.url}/datasets/{dataset}")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("table.fields-table")).to_contain_text(field)
    expect(page.locator("table.fields-table")).not_to_contain_text("complainant")
    expect(page.get_by_role("link", name="CSV", exact=True)).to_have_count(1)
    body = httpx.get(f"{live.url}/api/v1/datasets/{dataset}/records?limit=50").json()
    records = body["records"]
    assert records, f"the demo publishes {dataset}"
    assert not [k for r in records for k in r if "complainant" in k]
    csv_text = httpx.get(f"{live.url}/api/v1/datasets/{dataset}/download.csv").text
    assert csv_text.count("\n") > 1 and "投诉人" not in csv_text.splitlines()[0]


def test_an_entity_page_lists_its_consumer_complaints(live: LiveGateway, page: Page) -> None:
    records = httpx.get(f"{live.url}/api/v1/datasets/consumer-complaint/records?limit=50").json()
    complaint = next(r for r in records["records"] if r["uscc"] != "00000000000000000X")
    page.goto(f"{live.url}/entities/{complaint['uscc']}")
    section = page.locator("section#complaints")
    expect(section.locator("h2")).to_contain_text("消费投诉")
    expect(section).to_contain_text(complaint["complaint_no"])
    expect(section).to_contain_text(complaint["handling_result"])


def test_a_dataset_not_open_to_the_public_offers_no_download(live: LiveGateway, page: Page) -> None:
    closed = [
        d["id"]
        for d in httpx.get(
            f"{live.url}/api/v1/datasets",
            headers={"Authorization": f"Bearer {live.key(__import__('store').Role.ADMIN)}"},
        ).json()["datasets"]
        if d["openness"] != "public"
    ]
    assert closed
    page.goto(f"{live.url}/datasets/{closed[0]}")
    expect(page.get_by_role("link", name="CSV", exact=True)).to_have_count(0)
    expect(page.locator("main")).to_contain_text("不对社会公开")


def test_bad_codes_and_unknown_datasets_are_pages_not_tracebacks(
    live: LiveGateway, page: Page
) -> None:
    response = page.goto(live.url + "/entities/123")
    assert response is not None and response.status == 400
    expect(page.locator("h1")).to_contain_text("无法显示")
    response = page.goto(live.url + "/datasets/no-such-dataset")
    assert response is not None and response.status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=%E6%AD%A6%E6%B1%89",
        "/datasets",
        "/datasets/administrative-penalty",
        "ENTITY",
    ],
)
def test_main_pages_have_no_serious_accessibility_violations(
    live: LiveGateway, page: Page, path: str
) -> None:
    if path == "ENTITY":
        path = f"/entities/{live.demo.samples[0]}"
    page.goto(live.url + path)
    violations = axe_violations(page)
    assert violations == [], [
        (v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations
    ]


def test_pages_work_at_mobile_width(live: LiveGateway, page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live.url}/entities/{live.demo.samples[0]}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width}px"


def _public_pages(live: LiveGateway) -> list[str]:
    paths = ["/", "/datasets"]
    datasets: list[dict[str, Any]] = httpx.get(f"{live.url}/api/v1/datasets").json()["datasets"]
    paths += [f"/datasets/{d['id']}" for d in datasets]
    for query in ("武汉", "有限公司", "wuhan", "个体"):
        paths.append(f"/search?q={query}")
    for code in {*live.demo.samples}:
        paths.append(f"/entities/{code}")
    return paths


def test_no_public_page_contains_a_resident_id_number(live: LiveGateway) -> None:
    """Nothing the public view hides reaches a page: no 18-digit resident ID number on any
    page of the public face, including entity pages found by searching."""
    seen: set[str] = set()
    queue = _public_pages(live)
    with httpx.Client(base_url=live.url, timeout=30) as client:
        while queue:
            path = queue.pop()
            if path in seen or len(seen) > 300:
                continue
            seen.add(path)
            html = client.get(path).text
            found = ID_NUMBER.findall(html)
            assert not found, (path, found[:3])
            if path.startswith("/search"):
                queue.extend(re.findall(r'href="(/entities/[0-9A-Z]{18})"', html)[:40])
    assert any(p.startswith("/entities/") for p in seen)


def test_search_and_entity_pages_work_without_javascript(live: LiveGateway, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        code, name = _first_hit(live)
        page.goto(live.url + "/")
        page.locator("input[name='q']").fill(name)
        page.locator("form[action='/search'] button").click()
        page.locator(f"a[href='/entities/{code}']").first.click()
        expect(page.locator("h1")).to_have_text(name)
    finally:
        context.close()
