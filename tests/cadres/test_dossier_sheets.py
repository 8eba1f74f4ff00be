"""The 家庭成员 and 简历 sheet types, and the 干部任免审批表 columns of the roster sheet: matched by
ID number, scope, row/column errors in Chinese, all-or-nothing, idempotent, undo."""

import datetime

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from cadres import services
from cadres.idcard import make_id_number
from cadres.models import FamilyMember, ImportBatch, Person, ResumeEntry
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview, import_batch_rollback

from ..factories import AppointmentFactory, PersonFactory
from .sheet_files import roster_xlsx

D = datetime.date
NOT_ON_FILE = make_id_number("430122", D(1990, 1, 1), 1, True)


def xlsx(header: list[str], rows: list[list]) -> bytes:
    import io

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["甲镇村干部家庭成员及简历"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


FAMILY_HEADER = ["序号", "姓名", "身份证号", "称谓", "成员姓名", "出生年月", "政治面貌", "工作单位及职务"]
RESUME_HEADER = ["序号", "姓名", "身份证号", "起始年月", "截止年月", "经历", "允许时间交叉"]


@pytest.fixture
def li(village_a):
    p = PersonFactory(name="李建国", born=D(1985, 3, 12), registered_township=village_a.township)
    AppointmentFactory(person=p, village=village_a)
    return p


@pytest.fixture
def other(village_b):
    p = PersonFactory(name="赵乙", born=D(1980, 1, 1), registered_township=village_b.township)
    AppointmentFactory(person=p, village=village_b)
    return p


def upload(user, data, sheet_type):
    batch = import_batch_create(by=user, sheet_type=sheet_type, filename="表.xlsx", data=data)
    return import_batch_preview(batch=batch)


def family_rows(li):
    return [
        [1, "李建国", li.id_number, "妻子", "王芳", "1986.05", "群众", "甲镇卫生院护士"],
        [2, "李建国", li.id_number, "儿子", "李明", "2010.02", "", "甲镇中学学生"],
    ]


def test_family_sheet_replaces_the_list_and_a_second_upload_changes_nothing(li, clerk_a):
    services.family_member_create(person=li, by=clerk_a, relation="父亲", name="李老")
    batch = upload(clerk_a, xlsx(FAMILY_HEADER, family_rows(li)), "family_members")
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.counts["created"] == 1 and batch.counts["updated"] == 1  # 2 new lines, 1 dropped
    assert list(li.family_members.values_list("name", flat=True)) == ["李老"]  # preview writes nothing
    import_batch_apply(batch=batch, by=clerk_a)
    assert list(li.family_members.values_list("sort", "relation", "name", "birth_date", "work_unit")) == [
        (1, "妻子", "王芳", D(1986, 5, 1), "甲镇卫生院护士"),
        (2, "儿子", "李明", D(2010, 2, 1), "甲镇中学学生"),
    ]
    history = FamilyMember.history.count()
    again = upload(clerk_a, xlsx(FAMILY_HEADER, family_rows(li)), "family_members")
    assert again.counts["unchanged"] == 2 and again.counts["created"] == again.counts["updated"] == 0
    import_batch_apply(batch=again, by=clerk_a)
    assert FamilyMember.history.count() == history


def test_family_sheet_undo_puts_the_old_list_back_unless_changed_since(li, clerk_a):
    services.family_member_create(person=li, by=clerk_a, relation="父亲", name="李老")
    batch = import_batch_apply(batch=upload(clerk_a, xlsx(FAMILY_HEADER, family_rows(li)), "family_members"), by=clerk_a)
    import_batch_rollback(batch=batch, by=clerk_a)
    assert list(li.family_members.values_list("relation", "name")) == [("父亲", "李老")]
    batch = import_batch_apply(batch=upload(clerk_a, xlsx(FAMILY_HEADER, family_rows(li)), "family_members"), by=clerk_a)
    services.family_member_update(member=li.family_members.get(name="王芳"), by=clerk_a, work_unit="甲镇超市")
    with pytest.raises(ValidationError, match="不能整体撤销"):
        import_batch_rollback(batch=batch, by=clerk_a)
    assert li.family_members.count() == 2


def test_family_sheet_errors_name_row_column_and_value_and_nothing_is_written(li, other, clerk_a):
    rows = [
        *family_rows(li),
        [3, "李建国", li.id_number, "", "李某", "", "", ""],  # no 称谓
        [4, "赵乙", other.id_number, "妻子", "钱某", "", "", ""],  # another township's person
        [5, "无名", NOT_ON_FILE, "妻子", "孙某", "", "", ""],  # not on file
        [6, "李建国", li.id_number, "女儿", "李小", "2030.01", "", ""],  # born in the future
    ]
    batch = upload(clerk_a, xlsx(FAMILY_HEADER, rows), "family_members")
    assert batch.status == ImportBatch.Status.INVALID
    messages = "\n".join(batch.summary["errors"]) if "errors" in batch.summary else batch.message
    assert "第5行「称谓」：未填写 — 请填写称谓（如妻子、儿子、父亲）" in messages
    assert f"第6行「身份证号」：{other.id_number}" in messages
    assert f"第7行「身份证号」：{NOT_ON_FILE} — 系统中没有此身份证号的人员，请先在人员名册中建档" in messages
    assert "第8行「出生年月」：2030.01 — 出生日期2030年01月01日晚于今天" in messages
    with pytest.raises(ValidationError):
        import_batch_apply(batch=batch, by=clerk_a)
    assert FamilyMember.objects.count() == 0


RESUME = [
    [1, "李建国", None, "2003.09", "2007.07", "在湖南农业大学农学专业学习", ""],
    [2, "李建国", None, "2007.07", "2015.03", "在甲镇甲一村务农", ""],
    [3, "李建国", None, "2015.03", "", "任甲镇甲一村党支部书记", ""],
    [4, "李建国", None, "2016.09", "2018.07", "在县委党校在职大专学习", "是"],
]


def resume_rows(li, rows=RESUME):
    return [[r[0], r[1], li.id_number, *r[3:]] for r in rows]


def test_resume_sheet_imports_lines_with_allowed_overlap_and_is_idempotent(li, county_user):
    batch = import_batch_apply(batch=upload(county_user, xlsx(RESUME_HEADER, resume_rows(li)), "resume"), by=county_user)
    assert batch.status == ImportBatch.Status.APPLIED
    assert list(li.resume_entries.values_list("start_date", "end_date", "text")) == [
        (D(2003, 9, 1), D(2007, 7, 1), "在湖南农业大学农学专业学习"),
        (D(2007, 7, 1), D(2015, 3, 1), "在甲镇甲一村务农"),
        (D(2015, 3, 1), None, "任甲镇甲一村党支部书记"),
        (D(2016, 9, 1), D(2018, 7, 1), "在县委党校在职大专学习"),
    ]
    history = ResumeEntry.history.count()
    again = upload(county_user, xlsx(RESUME_HEADER, resume_rows(li)), "resume")
    assert again.counts["unchanged"] == 4
    import_batch_apply(batch=again, by=county_user)
    assert ResumeEntry.history.count() == history
    import_batch_rollback(batch=batch, by=county_user)
    assert ResumeEntry.objects.count() == 0


def test_resume_sheet_reports_overlap_and_bad_dates_by_row_and_column(li, county_user):
    rows = [
        *RESUME[:3],
        [4, "李建国", None, "2016.09", "2018.07", "在县委党校在职大专学习", ""],
        [5, "李建国", None, "2019.05", "2018.01", "倒置", ""],
    ]
    batch = upload(county_user, xlsx(RESUME_HEADER, resume_rows(li, rows)), "resume")
    assert batch.status == ImportBatch.Status.INVALID
    messages = batch.message + "\n" + "\n".join(batch.summary.get("errors", []))
    assert "第6行「起始年月」：2016.09 — 2016.09—2018.07与另一条经历（2015.03— 任甲镇甲一村党支部书记）时间交叉" in messages
    assert "第7行「截止年月」：2018.01 — 截止时间2018.01早于起始时间2019.05" in messages
    assert ResumeEntry.objects.count() == 0


def test_roster_sheet_takes_the_form_columns_and_exports_them(village_a, clerk_a, client):
    header = [
        "序号",
        "乡镇",
        "村（社区）",
        "姓名",
        "性别",
        "民族",
        "出生年月",
        "身份证号码",
        "政治面貌",
        "入党时间",
        "学历",
        "现任职务",
        "任职时间",
        "出生地",
        "健康状况",
        "专业技术职务",
        "全日制学位",
    ]
    row = [
        "甲镇",
        "甲一",
        "李建国",
        "男",
        "汉",
        "1985.03",
        "43012219850312003X",
        "中共党员",
        "2008.07",
        "大学本科",
        "委员",
        "2021.04",
        "湖南宁乡",
        "健康",
        "农艺师",
        "农学学士",
    ]
    batch = upload(clerk_a, roster_xlsx([row], header=header), "cadres")
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary.get("errors") or batch.summary.get("rows")
    import_batch_apply(batch=batch, by=clerk_a)
    li = Person.objects.get(id_number="43012219850312003X")
    assert (li.birthplace, li.health, li.professional_title, li.degree_fulltime) == ("湖南宁乡", "健康", "农艺师", "农学学士")
    from django.urls import reverse

    client.force_login(clerk_a)
    response = client.get(reverse("cadres:person_export"))
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header_row = next(r for r in rows if "出生地" in r)
    data = next(r for r in rows if "李建国" in r)
    assert data[header_row.index("出生地")] == "湖南宁乡" and data[header_row.index("专业技术职务")] == "农艺师"
