"""The main journeys of issue #8 in a real browser (headless Chromium through Playwright).

1. A township clerk downloads the roster template, fills it, uploads it, sees the preview with the
   ID check-digit error, fixes the file, uploads again, applies (accepting the confirm dialog) and
   finds the people in the person list.
2. County staff file (县级备案) a secretary appointment the township approved after a passed joint
   review, through the dialog that states what filing does (cancel first, then confirm); it then
   shows as current on the village page.
3. County staff open the dashboard and click through a chart (its data-table link, and a canvas
   click on a segment) to the filtered list behind it.
4. A clerk cannot reach another township's records by URL: a 404 page in Chinese.
"""

import datetime
import re

import openpyxl
import pytest

from cadres import choices, services
from cadres.models import Appointment, ImportBatch, Person

from ..factories import AppointmentFactory, PersonFactory
from .conftest import expect, login, nav, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD_ID = "430122199006150025"  # check digit should be 1
GOOD_ID = "430122199006150021"


def _fill_roster(path, *, wang_id: str) -> None:
    """Write two people into the downloaded template (over its grey example row)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    columns = {str(c.value).lstrip("*").strip(): c.column for c in ws[1] if c.value}
    for cell in ws[2]:
        cell.value = None
    rows = [
        {
            "序号": 1,
            "村(社区)": "甲一村",
            "姓名": "李建国",
            "性别": "男",
            "民族": "汉族",
            "出生年月": "1985.03",
            "身份证号": "43012219850312003X",
            "政治面貌": "中共党员",
            "入党时间": "2008.07",
            "全日制学历": "高中",
            "现任职务": "书记、主任",
            "任职时间": "2021.04",
            "换届届次": 2021,
            "联系电话": "13807310001",
        },
        {
            "序号": 2,
            "村(社区)": "甲一村",
            "姓名": "王芳",
            "性别": "女",
            "民族": "土家族",
            "出生年月": "1990.06",
            "身份证号": wang_id,
            "政治面貌": "群众",
            "全日制学历": "大专",
            "现任职务": "委员",
            "任职时间": "2021.04",
            "换届届次": 2021,
        },
    ]
    for r, values in enumerate(rows, start=2):
        for label, value in values.items():
            cell = ws.cell(r, columns[label], value)
            if isinstance(value, str):
                cell.number_format = "@"
    wb.save(path)


def _upload(page, site, path) -> None:
    page.goto(f"{site}/imports/")
    page.locator("#id_sheet_type").select_option("cadres")  # the upload form (the list filter has one too)
    page.locator("input[type=file][name=file]").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("花名册")


def test_clerk_imports_a_roster_fixes_an_error_and_finds_the_people(page, site, clerk_a, village_a, tmp_path):
    login(page, site, "clerk_a")
    nav(page, "表格导入")
    expect(page).to_have_title("表格导入 · 头雁")
    template_link = page.locator("li", has_text="（cadres）").get_by_role("link", name="模板")
    with page.expect_download() as download:
        template_link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    path = tmp_path / "甲镇花名册.xlsx"
    download.value.save_as(path)
    assert "填写说明" in openpyxl.load_workbook(path).sheetnames

    _fill_roster(path, wang_id=BAD_ID)
    _upload(page, site, path)
    errors = page.locator(".import-errors")
    expect(errors).to_contain_text(f"第3行「身份证号」：{BAD_ID} — 身份证号校验位错误")
    expect(page.get_by_role("row", name=re.compile("第3行 王芳"))).to_contain_text("身份证号校验位错误")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    shot(page, "import-preview-errors")
    assert Person.objects.count() == 0

    _fill_roster(path, wang_id=GOOD_ID)
    _upload(page, site, path)
    expect(page.get_by_role("link", name="新增 2")).to_be_visible()
    expect(page.locator(".import-errors")).to_have_count(0)
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("button", name="撤销本次导入")).to_be_visible()
    assert dialogs == ["确认导入？将新增 2 行、修改 0 行。"]
    assert ImportBatch.objects.latest("id").status == ImportBatch.Status.APPLIED

    nav(page, "人员名册")
    table = page.locator("main table")
    expect(table.get_by_role("link", name="李建国")).to_be_visible()
    expect(table.get_by_role("link", name="王芳")).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("王芳"))).to_contain_text("甲镇甲一村")
    assert set(Person.objects.values_list("name", "id_number")) == {("李建国", "43012219850312003X"), ("王芳", GOOD_ID)}
    assert page.js_errors == []


def _approved_secretary(clerk, county, village, name="陈志远"):
    """A secretary appointment approved by the township after every department passed the review."""
    person = PersonFactory(name=name, born=datetime.date(1982, 8, 9))
    review = services.qualification_review_request(by=clerk, person=person, village=village, post=choices.SECRETARY)
    for verdict in review.verdicts.all():
        services.department_verdict_record(verdict=verdict, by=county, result=choices.VettingResult.PASS, note="无异常")
    review.refresh_from_db()
    assert review.outcome == choices.VettingResult.PASS
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


def test_county_files_an_approved_secretary_who_then_shows_as_current(page, site, clerk_a, county_user, village_a):
    appointment = _approved_secretary(clerk_a, county_user, village_a)
    assert appointment.status == choices.FilingStatus.TOWNSHIP_APPROVED

    login(page, site, "county_t")
    nav(page, "任职备案")
    row = page.locator("main table tbody tr", has_text="陈志远")
    expect(row).to_contain_text("乡镇已审核，待县级备案")
    expect(row).to_contain_text("通过")
    row.get_by_role("link", name="村党组织书记").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("陈志远 · 村党组织书记")
    # 备案 is irreversible: the button opens a dialog that says what will happen; cancelling it
    # files nothing, confirming it files.
    page.get_by_role("button", name="县级备案").click()
    dialog = page.get_by_role("dialog", name="确认县级备案")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("陈志远担任甲一村村党组织书记")
    expect(dialog).to_contain_text("备案后不能退回")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert Appointment.objects.get(pk=appointment.pk).status == choices.FilingStatus.TOWNSHIP_APPROVED
    page.get_by_role("button", name="县级备案").click()
    dialog.get_by_role("button", name="确认备案").click()
    expect(page.get_by_role("alert")).to_contain_text("已办理县级备案，任职生效。")
    expect(page.locator("main")).to_contain_text("已备案（生效）")

    page.locator("nav[aria-label='位置']").get_by_role("link", name="甲一村").click()
    expect(page).to_have_title(re.compile("甲一村"))
    members = page.locator(".card", has_text="现任“两委”及其他职务")
    row = members.get_by_role("row", name=re.compile("陈志远"))
    expect(row).to_contain_text("村党组织书记")
    expect(row).to_contain_text("2021-04-01")
    expect(page.locator(".card", has_text="备案办理中")).to_have_count(0)
    appointment.refresh_from_db()
    assert appointment.status == choices.FilingStatus.FILED
    assert Appointment.objects.current().secretaries().get(village=village_a).person.name == "陈志远"
    assert page.js_errors == []


def test_clerk_cannot_reach_another_townships_records_by_url(page, site, clerk_a, village_a, village_b):
    own = AppointmentFactory(village=village_a, person__name="甲书记").person
    other = AppointmentFactory(village=village_b, person__name="乙书记")
    login(page, site, "clerk_a")

    response = page.goto(f"{site}/people/{own.pk}/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("甲书记")

    for url in (
        f"/people/{other.person_id}/",
        f"/people/{other.person_id}/edit/",
        f"/villages/{village_b.pk}/",
        f"/appointments/{other.pk}/",
    ):
        response = page.goto(site + url)
        assert response.status == 404, url
        expect(page).to_have_title("未找到 · 头雁")
        expect(page.get_by_role("heading", level=1)).to_have_text("未找到该页面或记录")
        expect(page.locator("main")).to_contain_text("记录可能不存在，或不在您的数据范围内。")
        expect(page.locator("main")).not_to_contain_text("乙书记")
    shot(page, "not-found-other-township")
    page.get_by_role("link", name="返回首页").click()
    expect(page).to_have_url(f"{site}/")
