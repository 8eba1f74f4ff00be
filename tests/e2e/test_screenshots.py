"""Screenshots of the main pages at 1366×768 (and the person page on a 390×844 phone), written to
docs/screenshots/ on every run and linked from the README. Each page is also checked for what it
must show, so a broken page fails here rather than producing a screenshot of an error.

Names (stable; README links them): login, home (full page, tests/e2e/test_dashboard.py),
home-phone and person-list-phone (test_phone.py), person-list, person-detail, person-detail-phone,
person-print, village-detail, policy-profile, api-docs, reserves-coverage, training-coverage,
review-campaign, review-results, payrun-detail, import-preview-errors and
not-found-other-township (test_journeys.py)."""

import re

import pytest

from assessments.models import ReviewCampaign
from core import dates as core_dates
from core import services as core_services
from subsidies.choices import RunStatus
from subsidies.models import PayRun

from .conftest import SCREENSHOTS, expect, horizontal_overflow, login, nav, phone_context, shot
from .county import build_county, seed_apps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages(browser, page, site):
    county = build_county()
    year = core_dates.today().year
    core_services.policy_profile_create(by=county.county_user, year=year)
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

    # the printable 一人一档 (print stylesheet applied, as on paper)
    page.goto(f"{person_url}print/")
    expect(page).to_have_title(re.compile(r"陈志远"))
    page.emulate_media(media="print")
    expect(page.locator("body")).to_contain_text("村民委员会主任")
    shot(page, "person-print", full_page=True)
    page.emulate_media(media="screen")

    phone = phone_context(browser)
    try:
        mobile = phone.new_page()
        login(mobile, site, "zhou_jh", next_url=person_url.removeprefix(site))
        expect(mobile.get_by_role("heading", level=1)).to_contain_text("陈志远")
        expect(mobile.get_by_role("button", name="展开导航")).to_be_visible()  # the navbar collapses on a phone
        overflow = horizontal_overflow(mobile)
        assert overflow <= 0, f"the person page scrolls sideways on a phone ({overflow}px)"
        shot(mobile, "person-detail-phone")
    finally:
        phone.close()

    # one main page of each app, on the other apps' own demo data for this county (seeded after the
    # person pages: their history cannot show yet a 双述双评 result's field kept out of its history)
    seed_apps(county)
    page.goto(f"{site}/reserves/coverage/")
    expect(page).to_have_title("后备力量覆盖情况 · 头雁")
    expect(page.locator("main")).to_contain_text("白沙镇")
    shot(page, "reserves-coverage")

    page.goto(f"{site}/training/coverage/")
    expect(page).to_have_title(f"{core_dates.today().year}年度培训覆盖情况 · 头雁")
    expect(page.locator("main")).to_contain_text("陈志远")
    shot(page, "training-coverage")

    campaign = ReviewCampaign.objects.order_by("-year").first()
    page.goto(f"{site}/assessments/{campaign.year}/")
    expect(page).to_have_title(f"{campaign.year}年度双述双评 · 头雁")
    expect(page.locator("main")).to_contain_text("青山镇")
    shot(page, "review-campaign")
    page.goto(f"{site}/assessments/{campaign.year}/results/")
    expect(page.locator("main table")).to_contain_text("王建华")
    shot(page, "review-results")

    run = PayRun.objects.filter(status=RunStatus.PAID).select_related("period").order_by("-pk").first()
    page.goto(f"{site}/subsidies/runs/{run.pk}/")
    expect(page.locator("main h1")).to_contain_text(f"{run.period.year}年{run.period.month}月")
    expect(page.locator("main table").first).to_contain_text("白沙镇")
    shot(page, "payrun-detail")
    assert page.js_errors == []

    assert {p.name for p in SCREENSHOTS.glob("*.png")} >= {
        f"{name}.png"
        for name in (
            "login",
            "person-list",
            "person-detail",
            "person-detail-phone",
            "person-print",
            "village-detail",
            "policy-profile",
            "api-docs",
            "reserves-coverage",
            "training-coverage",
            "review-campaign",
            "review-results",
            "payrun-detail",
        )
    }
