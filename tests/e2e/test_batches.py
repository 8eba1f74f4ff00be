"""Batch work in a real browser (issue #17): 批量备案 and 批量离任 from the appointment list, and
the 联审 grid. Each journey takes screenshots of the new pages (docs/screenshots/batch-*.png,
review-grid*.png)."""

import datetime

import pytest

from cadres import choices, services
from cadres.models import Appointment, DepartmentVerdict, QualificationReview
from core import dates as core_dates

from ..factories import AppointmentFactory, PersonFactory, VillageFactory
from .conftest import expect, login, nav, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _approved(clerk, county, village, name):
    person = PersonFactory(name=name, born=datetime.date(1982, 8, 9))
    review = services.qualification_review_request(by=clerk, person=person, village=village, post=choices.SECRETARY)
    for verdict in review.verdicts.all():
        services.department_verdict_record(verdict=verdict, by=county, result=choices.VettingResult.PASS)
    appointment = services.appointment_create(
        by=clerk,
        person=person,
        village=village,
        post=choices.SECRETARY,
        start_date=datetime.date(2021, 4, 1),
        cohort=2021,
        qualification_review=review,
    )
    return services.appointment_township_approve(appointment=appointment, by=clerk, note="乡镇党委会研究同意")


def test_county_files_a_batch_after_dropping_the_refused_row(page, site, clerk_a, county_user, village_a, township_a):
    second = VillageFactory(township=township_a, name="甲二村", code="430122100002")
    good = [_approved(clerk_a, county_user, village_a, "陈志远"), _approved(clerk_a, county_user, second, "李春华")]
    clash = _approved(clerk_a, county_user, village_a, "赵小红")  # a second secretary for 甲一村

    login(page, site, "county_t")
    nav(page, "任职备案")
    page.get_by_label("全选本页").check()
    page.get_by_role("button", name="批量备案所选").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("批量县级备案：请确认")
    expect(page.locator("#batch-rows tbody tr")).to_have_count(3)
    page.get_by_label("备案意见").fill("县委组织部部务会研究同意备案")
    shot(page, "batch-file-confirm")
    page.get_by_role("button", name="确认备案以上3条").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("批量县级备案：未办理")
    expect(page.locator("#batch-failures")).to_contain_text("赵小红（甲一村 村党组织书记）：该村(社区)已有现任党组织书记陈志远")
    shot(page, "batch-file-refused")
    assert {a.status for a in Appointment.objects.all()} == {choices.FilingStatus.TOWNSHIP_APPROVED}

    page.get_by_role("button", name="去掉未通过的1条，重新确认其余2条").click()
    expect(page.locator("#batch-rows tbody tr")).to_have_count(2)
    page.get_by_role("button", name="确认备案以上2条").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("批量县级备案：已完成")
    expect(page.locator("#batch-rows")).to_contain_text("已备案（生效）")
    shot(page, "batch-file-done")
    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in good] == [choices.FilingStatus.FILED] * 2
    assert statuses[clash.pk] == choices.FilingStatus.TOWNSHIP_APPROVED
    assert page.js_errors == []


def test_clerk_ends_two_posts_with_one_reason_and_date(page, site, clerk_a, village_a, township_a):
    AppointmentFactory(village=village_a, person=PersonFactory(name="钱进"))
    AppointmentFactory(village=VillageFactory(township=township_a, name="甲三村"), person=PersonFactory(name="孙立"))
    AppointmentFactory(village=village_a, person=PersonFactory(name="周留任"), post=choices.CHAIR)

    login(page, site, "clerk_a")
    page.goto(f"{site}/appointments/?tab=all")
    for name in ("钱进", "孙立"):
        page.get_by_label(f"选择{name}", exact=False).check()
    page.get_by_role("button", name="批量离任所选").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("批量办理离任：请确认")
    page.get_by_label("离任原因").select_option(label="换届离任")
    page.get_by_label("说明").fill("2026年村“两委”换届")
    shot(page, "batch-end-confirm")
    page.get_by_role("button", name="确认办理离任以上2条").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("批量办理离任：已完成")
    expect(page.locator("#batch-rows tbody tr")).to_have_count(2)
    shot(page, "batch-end-done")
    ended = Appointment.objects.filter(end_date=core_dates.today(), end_reason="election")
    assert sorted(ended.values_list("person__name", flat=True)) == ["孙立", "钱进"]
    assert Appointment.objects.get(person__name="周留任").end_date is None
    assert page.js_errors == []


def test_county_enters_verdicts_in_the_grid_and_by_department(page, site, clerk_a, county_user, village_a):
    reviews = [
        services.qualification_review_request(
            by=clerk_a, person=PersonFactory(name=name, born=datetime.date(1984, 3, 3)), village=village_a, post=choices.SECRETARY
        )
        for name in ("冯一", "冯二", "冯三")
    ]
    login(page, site, "county_t")
    page.goto(f"{site}/reviews/")
    page.get_by_role("link", name="批量录入联审意见").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("联审意见批量录入")
    grid = page.locator("#review-grid")
    for verdict in reviews[0].verdicts.all():
        grid.locator(f"select[name='v{verdict.pk}-result']").select_option("pass")
    refused = reviews[1].verdicts.get(department_code="d05")
    grid.locator(f"select[name='v{refused.pk}-result']").select_option("fail")  # no negative-list item yet
    page.get_by_role("button", name="保存本页录入的意见").click()
    expect(page.locator("#grid-errors")).to_contain_text("冯二（甲一村 村党组织书记）公安局：审查不通过须选择负面清单情形。")
    shot(page, "review-grid-refused")
    assert DepartmentVerdict.objects.exclude(result="pending").count() == 0

    grid.locator(f"select[name='v{refused.pk}-negative_item_code']").select_option("n02")
    page.get_by_role("button", name="保存本页录入的意见").click()
    expect(page.get_by_role("alert").first).to_contain_text("已保存13条部门审查意见。2人联审办结：冯一（通过）、冯二（不通过）。")
    expect(page.locator("#review-grid tbody tr")).to_have_count(1)
    shot(page, "review-grid")
    assert [QualificationReview.objects.get(pk=r.pk).outcome for r in reviews] == ["pass", "fail", "pending"]

    page.get_by_label("录入方式").select_option(label="按部门：公安局")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("联审意见批量录入：公安局")
    cell = reviews[2].verdicts.get(department_code="d05")
    page.locator(f"select[name='v{cell.pk}-result']").select_option("pass")
    page.locator(f"input[name='v{cell.pk}-warning_text']").fill("家庭成员有涉访记录")
    shot(page, "review-grid-department")
    page.get_by_role("button", name="保存本页录入的意见").click()
    expect(page.get_by_role("alert").first).to_contain_text("已保存1条部门审查意见。")
    assert DepartmentVerdict.objects.get(pk=cell.pk).warning_text == "家庭成员有涉访记录"
    assert page.js_errors == []
