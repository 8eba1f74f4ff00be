"""Global search from the keyboard, and 系统管理 in a real browser (issue #17).

Search: "/" focuses the box in the navigation bar, results come grouped (人员, 村(社区)) while
typing, ↓ selects, Enter opens the person's page; the last digits of an ID number find the person,
and a township clerk finds nobody of another township. 系统管理: a system administrator creates a
clerk for a township through 用户管理; the clerk's first login leads to 修改密码; the login log
shows both. Screenshots: global-search, user-management, login-log."""

import pytest

from cadres import choices
from cadres.models import User

from ..factories import UserFactory
from .conftest import expect, login, shot
from .county import build_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEMP = "Linshi#2026mima"
NEW = "Xin-mima-2026!"


def test_search_with_the_keyboard(page, site):
    county = build_county()
    secretary = county.people["陈志远"]
    login(page, site, "zhou_jh", next_url="/people/")

    page.get_by_role("heading", level=1).click()  # focus is on the page, not in a field
    page.keyboard.press("/")
    box = page.locator("#global-search")
    expect(box).to_be_focused()
    page.keyboard.type("陈志")
    results = page.locator("#global-search-results")
    expect(results).to_be_visible()
    expect(results.get_by_role("group", name="人员")).to_contain_text("陈志远")
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(results.locator(".search-hit.active")).to_contain_text("陈志远")
    shot(page, "global-search")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/people/{secretary.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("陈志远")
    assert page.js_errors == []

    # the last 6 characters of the ID number; Esc closes the list; Enter without a choice: the results page
    page.keyboard.press("/")
    page.keyboard.type(secretary.id_number[-6:])
    expect(results.get_by_role("group", name="人员")).to_contain_text("陈志远")
    page.keyboard.press("Escape")
    expect(results).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page).to_have_title("搜索 · 头雁")
    expect(page.locator("main")).to_contain_text("陈志远")


def test_clerk_search_stays_in_the_own_township(page, site):
    county = build_county()
    own = county.clerk.township
    other = next(name for name, t in county.townships.items() if t.pk != own.pk)
    other_village = next(v for v in county.villages.values() if v.township.name == other)
    login(page, site, "liu_xy")
    page.locator("#global-search").fill(other_village.name)
    expect(page.locator("#global-search-results")).to_contain_text("没有找到")


def test_system_admin_creates_a_clerk_who_must_change_the_password(browser, page, site):
    county = build_county()
    UserFactory(username="admin_wang", full_name="王系统", role=choices.Role.ADMIN, is_staff=True)
    township = county.clerk.township
    login(page, site, "admin_wang")

    bar = page.get_by_role("navigation", name="主导航")
    bar.get_by_role("button", name="系统管理").or_(bar.get_by_role("link", name="系统管理", exact=True)).first.click()
    bar.get_by_role("link", name="用户管理", exact=True).click()
    expect(page).to_have_title("用户管理 · 头雁")
    expect(page.locator("main table")).to_contain_text("liu_xy")
    shot(page, "user-management")

    page.get_by_role("link", name="新建用户").click()
    page.get_by_label("用户名").fill("clerk_new")
    page.get_by_label("姓名").fill("李文书")
    page.get_by_label("角色").select_option(label="乡镇组织委员")
    page.get_by_label("所属乡镇").select_option(label=township.name)
    page.locator("#id_password1").fill(TEMP)
    page.locator("#id_password2").fill(TEMP)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已新建用户")
    expect(page.locator("main")).to_contain_text("待本人修改密码")
    user = User.objects.get(username="clerk_new")
    assert (user.role, user.township_id, user.must_change_password) == (choices.Role.CLERK, township.pk, True)

    # the new clerk logs in (another browser) and is led to 修改密码 first
    other = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    clerk_page = other.new_page()
    login(clerk_page, site, "clerk_new", TEMP)
    expect(clerk_page).to_have_title("修改密码 · 头雁")
    expect(clerk_page.locator(".alert-warning")).to_contain_text("请先修改密码")
    clerk_page.get_by_label("旧密码").fill(TEMP)
    clerk_page.locator("#id_new_password1").fill(NEW)
    clerk_page.get_by_label("新密码确认").fill(NEW)
    clerk_page.get_by_role("button", name="保存新密码").click()
    expect(clerk_page.locator(".alert-success")).to_contain_text("密码已修改")
    other.close()

    page.goto(f"{site}/system/logins/")
    expect(page).to_have_title("登录日志 · 头雁")
    expect(page.locator("main table").last).to_contain_text("clerk_new")
    shot(page, "login-log")
    page.goto(f"{site}/system/operations/?record_type=cadres.user")
    expect(page.locator("main table")).to_contain_text("本人修改密码")
    expect(page.locator("main table")).to_contain_text("新建用户")
