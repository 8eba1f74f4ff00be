"""Read-only checks on a phone (390×844, issue #8): the dashboard and the person list fit the
screen (no sideways scrolling), the navbar collapses behind its toggler and opens on a tap.
Screenshots: docs/screenshots/home-phone.png, person-list-phone.png."""

import re

import pytest

from cadres import choices

from .conftest import PHONE, expect, horizontal_overflow, login, phone_context, shot
from .county import build_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _navbar_collapses(page) -> None:
    bar = page.get_by_role("navigation", name="主导航")
    toggler = bar.get_by_role("button", name="展开导航")
    expect(toggler).to_be_visible()
    expect(bar.get_by_role("link", name="首页", exact=True)).to_be_hidden()  # menu folded away
    menu = page.locator("#mainNav")
    toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu).to_have_class(re.compile(r"\bcollapse\b.*\bshow\b"))  # opened (transition over)
    expect(bar.get_by_role("link", name="首页", exact=True)).to_be_visible()
    toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).not_to_have_class(re.compile(r"\b(show|collapsing)\b"))
    expect(bar.get_by_role("link", name="首页", exact=True)).to_be_hidden()


def _filter_folds_on_a_phone(page, *, active: int) -> None:
    """The list filter: closed behind its 筛选 button unless a filter is set (then open, with the
    count on the button); with it closed, the table's first row is on the first screen."""
    toggler = page.locator("main").get_by_role("button", name=re.compile("^筛选"))
    form = page.get_by_role("search", name="筛选")
    expect(toggler).to_be_visible()
    if active:
        expect(toggler).to_contain_text(str(active))
        expect(toggler).to_have_attribute("aria-expanded", "true")
        expect(form).to_be_visible()
        toggler.tap()
        expect(toggler).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#listFilter")).not_to_have_class(re.compile(r"\b(show|collapsing)\b"))
    expect(form).to_be_hidden()
    first_row = page.locator("main table tbody tr").first
    expect(first_row).to_be_visible()
    top = first_row.evaluate("r => r.getBoundingClientRect().bottom")
    assert top <= PHONE["height"], f"the first row of the table is below the first screen ({top}px)"
    toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#listFilter")).to_have_class(re.compile(r"\bcollapse\b.*\bshow\b"))
    expect(form).to_be_visible()
    if active:  # leave it as the page opened it
        return
    toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#listFilter")).not_to_have_class(re.compile(r"\b(show|collapsing)\b"))


def test_dashboard_and_person_list_fit_a_phone(browser, site):
    build_county()
    context = phone_context(browser)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, site, "zhou_jh", next_url="/")
        expect(page).to_have_title("首页 · 头雁")
        assert page.evaluate("window.innerWidth") == PHONE["width"]
        page.wait_for_function("document.querySelectorAll('.dash-echart[data-ready=\"1\"]').length >= 5")
        # no pay runs or training here yet: those charts say so instead of drawing empty axes
        empty = page.locator('.dash-echart[data-empty="1"]')
        expect(empty.first).to_have_text("暂无数据。相关记录录入或导入后，这里会显示图表。")
        assert page.locator(".dash-echart").count() - empty.count() >= 5  # the register's charts are drawn
        # figures, then 待办, then the charts (reading order on a narrow screen)
        tops = page.evaluate(
            "['.dash-figures-area', '.dash-queue-area', '.dash-charts-area']"
            ".map(s => document.querySelector(s).getBoundingClientRect().top)"
        )
        assert tops == sorted(tops), tops
        assert horizontal_overflow(page) <= 0, f"the dashboard scrolls sideways on a phone ({horizontal_overflow(page)}px)"
        shot(page, "home-phone", full_page=True)
        _navbar_collapses(page)
        # the figures stay readable: two cards a row
        boxes = page.locator(".dash-figures .stat-card").evaluate_all(
            "cards => cards.slice(0, 2).map(c => c.getBoundingClientRect().width)"
        )
        assert all(120 <= w <= PHONE["width"] / 2 for w in boxes), boxes

        # No filter set: the filter folds away behind 筛选 and the first screen shows the table.
        page.goto(f"{site}/people/")
        expect(page).to_have_title("人员名册 · 头雁")
        _filter_folds_on_a_phone(page, active=0)
        shot(page, "person-list-phone")

        page.goto(f"{site}/people/?post={choices.SECRETARY}")
        expect(page).to_have_title("人员名册 · 头雁")
        expect(page.locator("main table").get_by_role("link", name="陈志远")).to_be_attached()
        assert horizontal_overflow(page) <= 0, f"the person list scrolls sideways on a phone ({horizontal_overflow(page)}px)"
        _filter_folds_on_a_phone(page, active=1)
        _navbar_collapses(page)
        assert errors == []
    finally:
        context.close()
