"""Sign-in sheet import (training_attendance) on the shared pipeline."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from cadres import choices
from cadres.models import ImportBatch
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview, import_batch_rollback
from core.imports.pipeline import get_sheet_type
from core.imports.workbooks import template_workbook
from training import services
from training.choices import AttendanceStatus as A
from training.choices import Certificate
from training.models import Attendance, Enrollment

from ..factories import AppointmentFactory, PersonFactory
from .factories import TrainingSessionFactory

D = datetime.date
HEADER = ["序号", "培训班编号", "乡镇", "村（社区）", "姓名", "身份证号码", "第1天", "第2天", "第3天"]


def sheet(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["全县村党组织书记轮训班签到表"])
    ws.append(header)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    ws.append(["填表人：张三"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(user, data):
    batch = import_batch_create(by=user, sheet_type="training_attendance", filename="签到表.xlsx", data=data)
    return import_batch_preview(batch=batch)


@pytest.fixture
def setup(county_user, village_a, village_b):
    session = TrainingSessionFactory(code="PX2025-001", half_days=["2025-03-05"])  # 8 + 8 + 4 h
    li = AppointmentFactory(village=village_a, post=choices.SECRETARY, person=PersonFactory(name="李建国")).person
    wang = AppointmentFactory(village=village_a, post="committee_member", person=PersonFactory(name="王芳")).person
    zhao = AppointmentFactory(village=village_b, post=choices.SECRETARY, person=PersonFactory(name="赵强")).person
    for p in (li, wang, zhao):
        services.enrollment_add(session=session, person=p, by=county_user)
    return {"session": session, "li": li, "wang": wang, "zhao": zhao}


def test_sheet_is_matched_by_id_or_by_name_in_village_and_hours_follow(clerk_a, setup):
    li, wang = setup["li"], setup["wang"]
    data = sheet(
        [
            ["PX2025-001", "甲镇", "甲一村", "李建国", li.id_number, "√", "请假", "迟到早退"],
            ["PX2025-001", "甲镇", "甲一村", "王芳", "", "出勤", "×", "×"],
        ]
    )
    batch = upload(clerk_a, data)
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
    assert batch.counts["updated"] == 2
    batch = import_batch_apply(batch=batch, by=clerk_a)
    assert batch.status == ImportBatch.Status.APPLIED
    e_li = Enrollment.objects.get(person=li)
    e_wang = Enrollment.objects.get(person=wang)
    # 李: 8 (present) + 0 (leave) + 4 × 50 % = 10 h; 王: 8 + 0 + 0 = 8 h, 2 absences < 3
    assert (e_li.hours_credited, e_li.missed, e_li.certificate) == (Decimal("10.0"), 1, Certificate.ISSUED)
    assert (e_wang.hours_credited, e_wang.missed, e_wang.certificate) == (Decimal("8.0"), 2, Certificate.ISSUED)
    assert Attendance.objects.filter(enrollment=e_li, date=D(2025, 3, 4)).get().status == A.LEAVE
    assert e_li.history.first().history_change_reason == f"表格导入 #{batch.pk}"


def test_reimporting_the_same_sheet_changes_nothing(clerk_a, setup):
    data = sheet([["PX2025-001", "甲镇", "甲一村", "李建国", setup["li"].id_number, "√", "√", "√"]])
    import_batch_apply(batch=upload(clerk_a, data), by=clerk_a)
    counts = (Attendance.objects.count(), Attendance.history.count(), Enrollment.history.count())
    again = upload(clerk_a, data)
    assert again.counts["unchanged"] == 1 and again.counts["updated"] == 0 and again.counts["created"] == 0
    assert "导入过" in again.message
    import_batch_apply(batch=again, by=clerk_a)
    assert (Attendance.objects.count(), Attendance.history.count(), Enrollment.history.count()) == counts
    assert Enrollment.objects.get(person=setup["li"]).hours_credited == Decimal("20.0")


def test_a_row_naming_someone_outside_the_clerks_township_is_rejected_with_its_row(clerk_a, setup):
    data = sheet(
        [
            ["PX2025-001", "甲镇", "甲一村", "李建国", setup["li"].id_number, "√", "√", "√"],
            ["PX2025-001", "乙镇", "乙一村", "赵强", setup["zhao"].id_number, "√", "√", "√"],
        ]
    )
    batch = upload(clerk_a, data)
    assert batch.status == ImportBatch.Status.INVALID
    messages = batch.summary["errors"]
    assert any(m.startswith("第4行") for m in messages), messages  # title row, header, then rows 3 and 4
    assert not any(m.startswith("第3行") for m in messages)
    with pytest.raises(Exception):  # noqa: B017 (an invalid batch cannot be applied)
        import_batch_apply(batch=batch, by=clerk_a)
    assert Attendance.objects.count() == 0


def test_id_of_another_township_is_rejected_even_without_the_township_column(clerk_a, setup):
    data = sheet([["PX2025-001", "", "", "赵强", setup["zhao"].id_number, "√", "", ""]])
    batch = upload(clerk_a, data)
    assert batch.status == ImportBatch.Status.INVALID
    assert "第3行「身份证号码」" in batch.summary["errors"][0]
    assert "不在甲镇内" in batch.summary["errors"][0]


def test_ambiguous_names_in_a_village_are_errors_not_guesses(clerk_a, county_user, setup, village_a):
    twin = AppointmentFactory(village=village_a, post="chair", person=PersonFactory(name="王芳")).person
    services.enrollment_add(session=setup["session"], person=twin, by=county_user)
    batch = upload(clerk_a, sheet([["PX2025-001", "甲镇", "甲一村", "王芳", "", "√", "√", "√"]]))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.summary["errors"] == ["第3行「姓名」：王芳 — 甲一村有2名同名人员“王芳”，请填写身份证号区分"]


def test_unknown_session_bad_mark_and_extra_day_are_field_errors(clerk_a, setup):
    li = setup["li"]
    batch = upload(
        clerk_a,
        sheet(
            [
                ["PX2099-999", "甲镇", "甲一村", "李建国", li.id_number, "√", "", ""],
                ["PX2025-001", "甲镇", "甲一村", "李建国", li.id_number, "大概来了", "", ""],
            ]
        ),
    )
    errors = batch.summary["errors"]
    assert "第3行「培训班编号」：PX2099-999 — 没有这个培训班，或不在您的数据范围内" in errors
    assert any(e.startswith("第4行「第1天」：大概来了 — 无法识别的考勤") for e in errors)
    four_days = sheet([["PX2025-001", "甲镇", "甲一村", "李建国", li.id_number, "√", "√", "√", "√"]], header=[*HEADER, "第4天"])
    errors = upload(clerk_a, four_days).summary["errors"]
    assert errors == ["第3行「第4天」：√ — 该培训班只有3天"]


def test_walk_in_is_added_to_the_roster_and_rollback_undoes_it(clerk_a, setup, village_a):
    walk_in = AppointmentFactory(village=village_a, post="vice_chair", person=PersonFactory(name="刘洋")).person
    batch = upload(clerk_a, sheet([["PX2025-001", "甲镇", "甲一村", "刘洋", walk_in.id_number, "√", "√", "√"]]))
    assert batch.counts["created"] == 1
    assert any("导入后将加入名单" in w for w in batch.summary["warnings"])
    batch = import_batch_apply(batch=batch, by=clerk_a)
    e = Enrollment.objects.get(person=walk_in)
    assert (e.township_id, e.village_id, e.hours_credited) == (village_a.township_id, village_a.pk, Decimal("20.0"))
    import_batch_rollback(batch=batch, by=clerk_a)
    assert not Enrollment.objects.filter(person=walk_in).exists()
    assert Attendance.objects.count() == 0


def test_rollback_restores_changed_marks_and_hours(clerk_a, county_user, setup):
    e = Enrollment.objects.get(person=setup["li"])
    services.attendance_record(enrollment=e, by=county_user, marks={D(2025, 3, 3): A.ABSENT})
    batch = import_batch_apply(
        batch=upload(clerk_a, sheet([["PX2025-001", "", "", "李建国", setup["li"].id_number, "√", "√", ""]])), by=clerk_a
    )
    e.refresh_from_db()
    assert e.hours_credited == Decimal("16.0")
    import_batch_rollback(batch=batch, by=clerk_a)
    e.refresh_from_db()
    assert e.hours_credited == Decimal("0.0")
    assert list(Attendance.objects.filter(enrollment=e).values_list("status", flat=True)) == [A.ABSENT]


def test_template_has_the_day_columns():
    data = template_workbook(get_sheet_type("training_attendance"))
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [c.value for row in ws.iter_rows(max_row=3) for c in row if c.value]
    assert any("培训班编号" in str(h) for h in headers)
    assert any("第15天" in str(h) for h in headers)
