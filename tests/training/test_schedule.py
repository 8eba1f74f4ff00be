"""A session's day schedule (全天 / 半天 / 不安排): the pure rule, the form, hours, the attendance
grid, the printable sign-in sheet and the sign-in import (第N天 = the Nth scheduled day)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadres import choices
from cadres.models import ImportBatch
from core.imports.batches import import_batch_apply
from training import rules, services
from training.choices import AttendanceStatus as A
from training.choices import DayLength as L
from training.models import Attendance, Enrollment, TrainingSession

from ..factories import AppointmentFactory, PersonFactory
from .factories import TrainingSessionFactory
from .test_sheets import sheet, upload

D = datetime.date
R = rules.HourRules()
FRI, SAT, SUN, MON, TUE = (D(2025, 3, d) for d in (7, 8, 9, 10, 11))


@pytest.mark.parametrize(
    ("start", "end", "halves", "offs", "days", "hours"),
    [
        # default: every calendar day full
        (FRI, TUE, [], [], [(FRI, L.FULL), (SAT, L.FULL), (SUN, L.FULL), (MON, L.FULL), (TUE, L.FULL)], "40.0"),
        # weekend skipped, half last day
        (FRI, TUE, [TUE], [SAT, SUN], [(FRI, L.FULL), (MON, L.FULL), (TUE, L.HALF)], "20.0"),
        # a half day that is also off is off
        (FRI, MON, [SAT], [SAT, SUN], [(FRI, L.FULL), (MON, L.FULL)], "16.0"),
        # a one-day session of half a day
        (MON, MON, [MON], [], [(MON, L.HALF)], "4.0"),
        # every day off: nothing scheduled, no hours
        (SAT, SUN, [], [SAT, SUN], [], "0.0"),
    ],
)
def test_session_days_follow_the_schedule(start, end, halves, offs, days, hours):
    assert rules.session_days(start, end, halves, offs) == days
    assert rules.session_hours(days, R) == Decimal(hours)


def test_calendar_schedule_keeps_off_days_and_weekends_are_found():
    assert rules.calendar_schedule(FRI, MON, [MON], [SAT]) == [(FRI, L.FULL), (SAT, L.OFF), (SUN, L.FULL), (MON, L.HALF)]
    assert rules.weekend_days(FRI, TUE) == [SAT, SUN]
    assert rules.weekend_days(MON, TUE) == []


def test_credited_hours_count_only_scheduled_days():
    days = rules.session_days(FRI, TUE, [TUE], [SAT, SUN])
    marks = {FRI: A.PRESENT, SAT: A.PRESENT, MON: A.LATE_EARLY, TUE: A.PRESENT}  # a mark on an off day counts nothing
    assert rules.credited_hours(days, marks, R) == Decimal("16.0")
    assert rules.certificate(days, marks, R) == "issued"
    assert rules.credited_hours(days, {FRI: A.PRESENT, MON: A.PRESENT}, R, Decimal(10)) == Decimal("8.0")


FORM = {
    "title": "全县书记轮训班",
    "level": "county",
    "kind": "rotation",
    "organiser": "县委党校",
    "start_date": "2025-03-07",
    "end_date": "2025-03-11",
    "half_days": "2025-03-11",
}


def test_session_form_skips_weekends_and_lists_off_days_on_edit(client, county_user):
    client.force_login(county_user)
    response = client.post(reverse("training:session_create"), FORM | {"skip_weekends": "on"})
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert session.off_days == ["2025-03-08", "2025-03-09"] and session.half_days == ["2025-03-11"]
    assert session.days() == [(FRI, L.FULL), (MON, L.FULL), (TUE, L.HALF)]
    assert session.day_count_label() == "2个全天、1个半天（2天不安排）"
    edit = client.get(reverse("training:session_update", args=[session.pk]))
    assert edit.context["form"].initial["off_days"] == "2025-03-08, 2025-03-09"
    # Saturday becomes a training day again; Monday is dropped
    response = client.post(reverse("training:session_update", args=[session.pk]), FORM | {"off_days": "2025-03-09、2025-03-10"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.days() == [(FRI, L.FULL), (SAT, L.FULL), (TUE, L.HALF)]


def test_session_form_errors_name_the_schedule_field(client, county_user):
    client.force_login(county_user)
    cases = [
        ({"off_days": "2025-03-12"}, "2025-03-12 不在培训日期范围内。"),
        ({"off_days": "2025-03-11"}, "2025-03-11 不能既是半天又不安排。"),
        ({"off_days": "3月8日"}, "“3月8日”不是有效日期，请写成 2025-03-07。"),
    ]
    for extra, message in cases:
        response = client.post(reverse("training:session_create"), FORM | extra)
        assert response.status_code == 200
        assert response.context["form"].errors["off_days"] == [message], extra
    response = client.post(
        reverse("training:session_create"),
        FORM | {"half_days": "", "off_days": "2025-03-07,2025-03-10,2025-03-11", "skip_weekends": "on"},
    )
    assert response.context["form"].errors["off_days"] == ["培训日期内至少要安排一天。"]
    assert TrainingSession.objects.count() == 0


@pytest.fixture
def weekend_session(county_user, village_a):
    session = TrainingSessionFactory(
        code="PX2025-001", start_date=FRI, end_date=TUE, half_days=["2025-03-11"], off_days=["2025-03-08", "2025-03-09"]
    )
    li = AppointmentFactory(village=village_a, post=choices.SECRETARY, person=PersonFactory(name="李建国")).person
    enrollment = services.enrollment_add(session=session, person=li, by=county_user)
    return session, enrollment


def test_grid_and_printable_sheet_number_only_scheduled_days(client, county_user, weekend_session):
    session, _ = weekend_session
    client.force_login(county_user)
    page = client.get(reverse("training:session_detail", args=[session.pk]))
    assert [d for d, _ in page.context["days"]] == [FRI, MON, TUE]
    html = page.content.decode()
    assert '第2天<br><span class="small text-muted">3月10日</span>' in html and "3月8日" not in html
    assert "共20.0学时" in html
    printed = client.get(reverse("training:sign_in_sheet", args=[session.pk])).content.decode()
    assert "第2天 3月10日<br>" in printed and "第3天 3月11日（半天）" in printed and "第4天" not in printed


def test_attendance_on_an_off_day_is_refused_and_hours_follow_the_schedule(county_user, weekend_session):
    session, enrollment = weekend_session
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(enrollment=enrollment, by=county_user, marks={SAT: A.PRESENT})
    assert exc.value.message_dict["marks"] == ["2025-03-08 不是该培训班的培训日期。"]
    services.attendance_record(enrollment=enrollment, by=county_user, marks={FRI: A.PRESENT, MON: A.PRESENT, TUE: A.PRESENT})
    enrollment.refresh_from_db()
    assert (enrollment.hours_credited, enrollment.certificate) == (Decimal("20.0"), "issued")
    # taking Monday out of the schedule is refused while it holds attendance
    with pytest.raises(ValidationError) as exc:
        services.session_update(session=session, by=county_user, off_days=["2025-03-08", "2025-03-09", "2025-03-10"])
    assert "已有考勤的日期不能移出培训日程" in exc.value.message_dict["start_date"][0]
    # Saturday added back: a scheduled day without a mark, hours stay, certificate pending
    services.session_update(session=session, by=county_user, off_days=["2025-03-09"])
    enrollment.refresh_from_db()
    assert (enrollment.hours_credited, enrollment.certificate) == (Decimal("20.0"), "pending")


def test_sign_in_import_reads_day_n_as_the_nth_scheduled_day(clerk_a, weekend_session):
    _, enrollment = weekend_session
    li = enrollment.person
    batch = upload(clerk_a, sheet([["PX2025-001", "甲镇", "甲一村", "李建国", li.id_number, "√", "请假", "√"]]))
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
    import_batch_apply(batch=batch, by=clerk_a)
    marks = dict(Attendance.objects.filter(enrollment=enrollment).values_list("date", "status"))
    assert marks == {FRI: A.PRESENT, MON: A.LEAVE, TUE: A.PRESENT}
    assert Enrollment.objects.get(pk=enrollment.pk).hours_credited == Decimal("12.0")
    fourth = upload(
        clerk_a,
        sheet(
            [["PX2025-001", "甲镇", "甲一村", "李建国", li.id_number, "√", "√", "√", "√"]],
            header=["序号", "培训班编号", "乡镇", "村（社区）", "姓名", "身份证号码", "第1天", "第2天", "第3天", "第4天"],
        ),
    )
    assert fourth.status == ImportBatch.Status.INVALID
    assert any("第4天" in m and "该培训班只有3天" in m for m in fourth.summary["errors"]), fourth.summary["errors"]
