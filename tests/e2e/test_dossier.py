"""The person page's dossier parts (issues #17/#18) in a real browser, as county staff on the e2e
county: add a 简历 line and a 家庭成员 through the page's own forms, see them listed and in the
change history, edit the family member, delete a 简历 line (after the confirmation dialog), fill a
任免审批 from an appointment (拟任 prefilled) and download its 干部任免审批表 PDF. A clerk of
another township gets the 404 page for the person's 简历 form. Screenshots: dossier-*.png."""

import re
from pathlib import Path

import pytest

from cadres import choices
from cadres.dossier_models import AppointmentRequest, FamilyMember, ResumeEntry
from cadres.models import Appointment

from ..pdf_text import pdf_text
from .conftest import expect, login, shot
from .county import build_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEPT = "在青山镇青山村村民委员会任文书"
MISTAKE = "在青山镇农业服务中心临时帮工（误录）"


def _add_resume_line(page, start: str, end: str, text: str) -> None:
    section = page.locator("#section-resume")
    section.locator("summary", has_text="新增简历").click()
    section.get_by_label("起始年月").fill(start)
    section.get_by_label("截止年月").fill(end)
    section.get_by_role("textbox", name="经历").fill(text)
    section.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text("已新增简历。")


def test_county_keeps_the_dossier_parts_and_downloads_the_appointment_form(page, site):
    county = build_county()
    person = county.people["王建华"]  # 青山镇青山村 secretary; the e2e clerk (liu_xy) is 白沙镇's
    login(page, site, "zhou_jh", next_url=f"/people/{person.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("王建华")
    resume = page.locator("#section-resume")
    expect(resume.get_by_role("heading", name="简历")).to_be_visible()
    expect(resume).to_contain_text("暂无简历")

    # 简历: two lines through the section's form; the second is a mistake, deleted below
    _add_resume_line(page, "2003-07", "2011-03", KEPT)
    expect(page).to_have_url(re.compile(rf"/people/{person.pk}/#section-resume$"))
    _add_resume_line(page, "2011-04", "2012-12", MISTAKE)
    rows = page.locator("#section-resume tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("2003.07—2011.03")
    expect(rows.nth(0)).to_contain_text(KEPT)
    expect(rows.nth(1)).to_contain_text("2011.04—2012.12")
    assert sorted(ResumeEntry.objects.filter(person=person).values_list("text", flat=True)) == sorted([KEPT, MISTAKE])

    # 家庭成员
    family = page.locator("#section-family")
    family.locator("summary", has_text="新增家庭成员").click()
    family.get_by_label("称谓").fill("妻子")
    family.get_by_label("姓名").fill("刘翠兰")
    family.get_by_label("出生日期").fill("1985-03-16")
    family.get_by_label("政治面貌").fill("群众")
    family.get_by_label("工作单位及职务").fill("青山镇中心小学教师")
    family.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text("已新增家庭成员。")
    member_row = page.locator("#section-family tbody tr")
    expect(member_row).to_have_count(1)
    expect(member_row).to_contain_text("妻子")
    expect(member_row).to_contain_text("刘翠兰")
    expect(member_row).to_contain_text("青山镇中心小学教师")

    # both are in the person's change history, with who
    history = page.locator("#history")
    expect(history.get_by_role("row", name=re.compile(f"周建华 新增 简历：{KEPT}"))).to_have_count(1)
    expect(history.get_by_role("row", name=re.compile("周建华 新增 家庭成员：妻子：刘翠兰"))).to_have_count(1)

    # edit the family member on its own page
    member_row.get_by_role("link", name="修改").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改家庭成员：王建华")
    expect(page.get_by_label("工作单位及职务")).to_have_value("青山镇中心小学教师")
    page.get_by_label("政治面貌").fill("中共党员")
    page.get_by_label("工作单位及职务").fill("青山镇中心小学副校长")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"/people/{person.pk}/#section-family$"))
    expect(page.locator("#section-family tbody tr")).to_contain_text("青山镇中心小学副校长")
    change = page.locator("#history").get_by_role("row", name=re.compile("周建华 修改 家庭成员：妻子：刘翠兰"))
    expect(change).to_contain_text("政治面貌：群众 → 中共党员")
    expect(change).to_contain_text("工作单位及职务：青山镇中心小学教师 → 青山镇中心小学副校长")
    member = FamilyMember.objects.get(person=person)
    assert (member.political_status, member.work_unit) == ("中共党员", "青山镇中心小学副校长")

    # delete the mistaken 简历 line: the dialog names it; 取消 keeps it, 确认删除 deletes it
    mistaken = page.locator("#section-resume tbody tr", has_text=MISTAKE)
    mistaken.get_by_role("button", name="删除").click()
    dialog = page.get_by_role("dialog", name="确认删除简历")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"将删除简历“{MISTAKE}”。删除后可在变更记录中查到原内容。")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert ResumeEntry.objects.filter(person=person).count() == 2
    mistaken.get_by_role("button", name="删除").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="确认删除").click()
    expect(page.get_by_role("alert").first).to_contain_text("已删除简历。")
    expect(page.locator("#section-resume tbody tr")).to_have_count(1)
    expect(page.locator("#section-resume tbody")).not_to_contain_text(MISTAKE)
    expect(page.locator("#history").get_by_role("row", name=re.compile(f"周建华 删除 简历：{re.escape(MISTAKE)}"))).to_have_count(
        1
    )
    assert list(ResumeEntry.objects.filter(person=person).values_list("text", flat=True)) == [KEPT]

    page.evaluate("document.getElementById('section-resume').scrollIntoView()")
    shot(page, "dossier-resume-family")

    # 任免审批 from the current secretary appointment: 拟任 prefilled
    appointment = Appointment.objects.get(person=person, post=choices.SECRETARY, end_date=None)
    page.goto(f"{site}/appointments/{appointment.pk}/")
    page.get_by_role("link", name="填写任免审批表").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建任免审批表：王建华")
    expect(page.get_by_label("拟任职务")).to_have_value("青山镇青山村党组织书记")
    expect(page.get_by_label("对应任职")).to_have_value(str(appointment.pk))
    page.get_by_label("任免理由").fill("经村党组织换届选举，当选为村党组织书记。")
    page.get_by_label("呈报单位", exact=True).fill("中共青山镇委员会")
    page.get_by_label("呈报单位意见").fill("同意。")
    page.get_by_label("填表人").fill("周建华")
    shot(page, "dossier-request-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text("已保存任免审批表。")
    expect(page).to_have_url(re.compile(rf"/people/{person.pk}/#section-appointment_form$"))
    request_row = page.locator("#section-appointment_form tbody tr")
    expect(request_row).to_have_count(1)
    expect(request_row).to_contain_text("青山镇青山村党组织书记")
    expect(request_row).to_contain_text("周建华")
    saved = AppointmentRequest.objects.get(person=person)
    assert (saved.appointment_id, saved.proposed_post, saved.reporting_unit) == (
        appointment.pk,
        "青山镇青山村党组织书记",
        "中共青山镇委员会",
    )
    expect(page.locator("#history").get_by_role("row", name=re.compile("周建华 新增 任免审批"))).to_have_count(1)
    page.evaluate("document.getElementById('section-appointment_form').scrollIntoView()")
    shot(page, "dossier-appointment-form")

    # the 干部任免审批表 PDF of that request: a PDF with the person's name, 简历 line and 拟任职务
    with page.expect_download() as download:
        request_row.get_by_role("link", name="审批表PDF").click()
    assert download.value.suggested_filename.startswith("王建华-干部任免审批表-")
    assert download.value.suggested_filename.endswith(".pdf")
    content = Path(download.value.path()).read_bytes()
    text = pdf_text(content)  # asserts the %PDF header; whitespace removed
    assert "王建华" in text
    assert KEPT in text
    assert MISTAKE not in text
    assert "青山镇青山村党组织书记" in text
    assert "刘翠兰" in text
    assert page.js_errors == []


def test_clerk_of_another_township_gets_404_for_the_resume_form(page, site):
    county = build_county()
    person = county.people["王建华"]  # 青山镇
    assert county.clerk.township.name == "白沙镇"
    login(page, site, county.clerk.username)
    response = page.goto(f"{site}/people/{person.pk}/resume/new/")
    assert response.status == 404
    expect(page).to_have_title("未找到 · 头雁")
    expect(page.get_by_role("heading", level=1)).to_have_text("未找到该页面或记录")
    expect(page.locator("main")).to_contain_text("记录可能不存在，或不在您的数据范围内。")
    expect(page.locator("main")).not_to_contain_text("王建华")
    assert not ResumeEntry.objects.exists()
