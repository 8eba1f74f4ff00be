"""Screenshots of the main pages at 1366×768 (and the person page on a 390×844 phone), written to
docs/screenshots/ on every run and linked from the README. Each page is also checked for what it
must show, so a broken page fails here rather than producing a screenshot of an error."""

import datetime

import pytest

from cadres import services

from .conftest import PHONE, SCREENSHOTS, expect, login, nav, shot
from .county import build_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages(browser, page, site):
    county = build_county()
    year = datetime.date.today().year
    services.policy_profile_create(by=county.county_user, year=year)
    secretary = county.people["陈志远"]

    page.goto(f"{site}/")
    expect(page).to_have_url(f"{site}/login/?next=/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    shot(page, "login")

    login(page, site, "zhou_jh", next_url="/")
    expect(page).to_have_title("首页 · 头雁")
    expect(page.get_by_role("navigation", name="主导航")).to_contain_text("周建华")
    expect(page.locator("main")).to_contain_text("杨光明")  # waiting for county filing
    # (home.png is taken by test_dashboard.py, once the charts are drawn)

    nav(page, "人员名册")
    expect(page).to_have_title("人员名册 · 头雁")
    table = page.locator("main table")
    expect(table.get_by_role("link", name="陈志远")).to_be_visible()
    expect(table.get_by_role("row", name="陈志远")).to_contain_text("白沙镇白沙村 村党组织书记")
    shot(page, "person-list")

    table.get_by_role("link", name="陈志远").click()
    expect(page).to_have_url(f"{site}/people/{secretary.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("陈志远")
    expect(page.locator("main")).to_contain_text("村民委员会主任")
    expect(page.locator("main")).to_contain_text("周建华")  # who changed the phone number (history)
    shot(page, "person-detail")
    person_url = page.url

    page.goto(f"{site}/villages/{county.villages['白沙村'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("白沙村")
    members = page.locator(".card", has_text="现任“两委”及其他职务")
    expect(members.get_by_role("row", name="陈志远").first).to_contain_text("一肩挑")
    shot(page, "village-detail")

    nav(page, "政策配置")
    page.locator("main table").get_by_role("link", name=str(year), exact=True).click()
    expect(page).to_have_title(f"{year}年度政策配置 · 头雁")
    expect(page.locator("main")).to_contain_text("纪委监委")
    shot(page, "policy-profile")

    page.goto(f"{site}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("头雁 Touyan API", timeout=30_000)
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    shot(page, "api-docs")
    assert page.js_errors == []

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        mobile = phone.new_page()
        login(mobile, site, "zhou_jh", next_url=person_url.removeprefix(site))
        expect(mobile.get_by_role("heading", level=1)).to_contain_text("陈志远")
        expect(mobile.get_by_role("button", name="展开导航")).to_be_visible()  # the navbar collapses on a phone
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the person page scrolls sideways on a phone ({width}px)"
        shot(mobile, "person-detail-phone")
    finally:
        phone.close()
    assert {p.name for p in SCREENSHOTS.glob("*.png")} >= {
        "login.png",
        "home.png",
        "person-list.png",
        "person-detail.png",
        "person-detail-phone.png",
        "village-detail.png",
        "policy-profile.png",
        "api-docs.png",
    }
