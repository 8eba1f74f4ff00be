"""In the browser: choosing a 乡镇(街道) narrows the 村(社区) drop-down (static/js/villages.js) on the
统计报表 roster form and on a list filter; with no township every village reads 名称（乡镇）, so the
two 华润社区 stay apart. Screenshot: reports-village-filter."""

import pytest

from cadres import choices
from tests.factories import VillageFactory

from .conftest import expect, login, shot
from .county import build_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _labels(select) -> list[str]:
    return select.locator("option").all_inner_texts()


def test_choosing_a_township_narrows_the_villages(page, site):
    county = build_county()
    baisha, jinjing = county.townships["白沙镇"], county.townships["金井镇"]
    for township, code in ((baisha, "430122100099"), (jinjing, "430122300099")):
        VillageFactory(township=township, name="华润社区", code=code, kind=choices.VillageKind.COMMUNITY)
    login(page, site, "zhou_jh", next_url="/reports/")

    form = page.locator("form", has=page.locator("select[name=village]"))
    township, village = form.locator("select[name=township]"), form.locator("select[name=village]")
    every = _labels(village)
    assert every[0] == "全部"
    assert {"华润社区（白沙镇）", "华润社区（金井镇）", "金井村（金井镇）"} <= set(every)

    village.select_option(label="华润社区（金井镇）")
    township.select_option(label="白沙镇")
    narrowed = _labels(village)
    assert narrowed[0] == "全部"
    assert "华润社区" in narrowed and "金井村" not in narrowed
    assert all("（" not in label for label in narrowed)  # plain names under one township
    expect(village).to_have_value("")  # 金井镇's 华润社区 is not in 白沙镇: back to 全部
    form.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -120)")
    shot(page, "reports-village-filter")

    township.select_option(label="金井镇")
    assert "金井村" in _labels(village) and "白沙村" not in _labels(village)
    township.select_option(label="全部")
    assert _labels(village) == every

    # a list filter does the same, and the server refuses a village outside the chosen township
    page.goto(f"{site}/appointments/?tab=all")
    filter_form = page.get_by_role("search", name="筛选")
    filter_form.locator("select[name=township]").select_option(label="金井镇")
    filter_form.locator("select[name=village]").select_option(label="金井村")
    filter_form.get_by_role("button", name="查询").click()
    expect(page.locator("main table")).to_contain_text("彭卫东")
    expect(page.locator("main table")).not_to_contain_text("陈志远")
    other = county.villages["白沙村"].pk
    page.goto(f"{site}/appointments/?tab=all&township={jinjing.pk}&village={other}")
    expect(page.locator("main")).to_contain_text("村(社区)“白沙村”属于白沙镇，不在“金井镇”内")
    assert page.js_errors == []


def test_a_prefecture_sized_scope_loads_a_townships_villages_when_it_is_chosen(page, site, monkeypatch):
    """Thousands of villages are not sent with every page: with more villages in scope than
    core.filters.VILLAGE_OPTIONS_LIMIT the drop-down asks for the chosen township's villages."""
    monkeypatch.setattr("core.filters.VILLAGE_OPTIONS_LIMIT", 3)  # the demo county is small
    county = build_county()
    login(page, site, "zhou_jh", next_url="/appointments/?tab=all")
    filter_form = page.get_by_role("search", name="筛选")
    township, village = filter_form.locator("select[name=township]"), filter_form.locator("select[name=village]")
    assert _labels(village) == ["请先选择乡镇(街道)"]

    township.select_option(label="金井镇")
    expect(village.locator("option", has_text="金井村")).to_have_count(1)
    labels = _labels(village)
    assert labels[0] == "全部" and "白沙村" not in labels
    assert all("（" not in label for label in labels)
    township.select_option(label="白沙镇")
    expect(village.locator("option", has_text="白沙村")).to_have_count(1)
    assert "金井村" not in _labels(village)
    township.select_option(label="金井镇")  # already loaded: no second request needed
    village.select_option(label="金井村")
    filter_form.get_by_role("button", name="查询").click()
    expect(page.locator("main table")).to_contain_text("彭卫东")
    expect(page.locator("main table")).not_to_contain_text("陈志远")
    # the page that comes back carries 金井镇's villages, the chosen one selected
    village = page.get_by_role("search", name="筛选").locator("select[name=village]")
    expect(village).to_have_value(str(county.villages["金井村"].pk))
    assert page.js_errors == []
