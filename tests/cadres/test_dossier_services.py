"""Dossier services: family members, 简历 lines, 任免审批 requests — rules, history, scope, and the
atomic idempotent whole-list replacements the imports use."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadres import services
from cadres.models import AppointmentRequest, FamilyMember, ResumeEntry
from cadres.services import dossier

from ..factories import AppointmentFactory, PersonFactory

D = datetime.date
TODAY = D(2026, 12, 6)


@pytest.fixture
def person(village_a):
    p = PersonFactory(name="李建国", born=D(1985, 3, 12), registered_township=village_a.township)
    AppointmentFactory(person=p, village=village_a)
    return p


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr("core.dates.today", lambda: TODAY)
    return TODAY


# --- pure rules (table-driven) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"relation": "妻子", "name": "王芳", "birth_date": D(1986, 1, 1)}, {}),
        ({"relation": "", "name": "王芳"}, {"relation": "请填写称谓（如妻子、儿子、父亲）。"}),
        ({"relation": "妻子", "name": "  "}, {"name": "请填写姓名。"}),
        ({"relation": "儿子", "name": "李明", "birth_date": D(2026, 12, 7)}, {"birth_date": "出生日期2026年12月07日晚于今天。"}),
        (
            {"relation": "祖父", "name": "李某", "birth_date": D(1899, 12, 31)},
            {"birth_date": "出生日期1899年12月31日早于1900年，请核对。"},
        ),
        ({"relation": "儿子", "name": "李明", "birth_date": TODAY}, {}),
    ],
)
def test_family_member_errors_table(values, expected):
    assert dossier.family_member_errors(values, today=TODAY) == expected


BIRTH = D(1985, 3, 12)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"start_date": D(2003, 9, 1), "end_date": D(2007, 7, 1), "text": "在某大学学习"}, {}),
        ({"start_date": D(2015, 3, 1), "end_date": None, "text": "任村党支部书记"}, {}),
        ({"start_date": D(2007, 7, 1), "end_date": D(2007, 7, 1), "text": "同月"}, {}),
        ({"start_date": None, "end_date": None, "text": "x"}, {"start_date": "请填写起始时间。"}),
        (
            {"start_date": D(1985, 3, 1), "end_date": None, "text": "x"},
            {"start_date": "起始时间1985.03早于本人出生日期1985年03月12日。"},
        ),
        ({"start_date": D(2026, 12, 7), "end_date": None, "text": "x"}, {"start_date": "起始时间2026.12晚于今天。"}),
        (
            {"start_date": D(2012, 7, 1), "end_date": D(2010, 3, 1), "text": "x"},
            {"end_date": "截止时间2010.03早于起始时间2012.07。"},
        ),
        (
            {"start_date": D(2012, 7, 1), "end_date": D(2027, 1, 1), "text": "x"},
            {"end_date": "截止时间2027.01晚于今天；仍在继续的经历请将截止时间留空（至今）。"},
        ),
        ({"start_date": D(2012, 7, 1), "end_date": None, "text": " "}, {"text": "请填写经历（如“在某某大学某某专业学习”）。"}),
    ],
)
def test_resume_line_errors_table(values, expected):
    assert dossier.resume_line_errors(values, birth_date=BIRTH, today=TODAY) == expected


def _line(start, end=None, text="经历"):
    return {"start_date": start, "end_date": end, "text": text}


@pytest.mark.parametrize(
    ("lines", "allowed", "pairs"),
    [
        # consecutive lines may share the boundary month
        ([_line(D(2008, 9, 1), D(2012, 7, 1)), _line(D(2012, 7, 1), D(2015, 3, 1))], (), []),
        ([_line(D(2008, 9, 1), D(2012, 7, 1)), _line(D(2012, 6, 1), D(2015, 3, 1))], (), [(0, 1)]),
        # an open line runs on: a later line overlaps it
        ([_line(D(2015, 3, 1)), _line(D(2018, 1, 1), D(2019, 1, 1))], (), [(0, 1)]),
        ([_line(D(2015, 3, 1)), _line(D(2018, 1, 1))], (), [(0, 1)]),
        ([_line(D(2015, 3, 1)), _line(D(2010, 1, 1), D(2015, 3, 1))], (), []),
        # a line marked as allowed (其间在职学习) overlaps freely
        ([_line(D(2015, 3, 1)), _line(D(2016, 9, 1), D(2018, 7, 1))], (1,), []),
        (
            [_line(D(2000, 1, 1), D(2010, 1, 1)), _line(D(2001, 1, 1), D(2002, 1, 1)), _line(D(2003, 1, 1), D(2004, 1, 1))],
            (),
            [(0, 1), (0, 2)],
        ),
    ],
)
def test_resume_overlaps_table(lines, allowed, pairs):
    assert dossier.resume_overlaps(lines, allowed=allowed) == pairs


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"proposed_post": "甲镇甲一村党组织书记"}, {}),
        ({"proposed_removal": "甲一村村委会委员"}, {}),
        ({"proposed_post": " ", "proposed_removal": ""}, {"proposed_post": "请填写拟任职务或拟免职务（至少一项）。"}),
        ({"proposed_post": "书记", "filled_on": D(1980, 1, 1)}, {"filled_on": "填表时间1980年01月01日早于本人出生日期。"}),
        ({"proposed_post": "书记", "filled_on": D(2026, 12, 7)}, {"filled_on": "填表时间2026年12月07日晚于今天。"}),
    ],
)
def test_appointment_request_errors_table(values, expected):
    assert dossier.appointment_request_errors(values, birth_date=BIRTH, today=TODAY) == expected


def test_month_and_span_text():
    assert dossier.month_text(D(2008, 9, 1)) == "2008.09"
    assert dossier.span_text(D(2008, 9, 1), D(2012, 7, 31)) == "2008.09—2012.07"
    assert dossier.span_text(D(2015, 3, 1), None) == "2015.03—"


# --- family members -------------------------------------------------------------------------


def test_family_member_create_update_delete_keep_history_with_who(person, clerk_a):
    m = services.family_member_create(person=person, by=clerk_a, relation=" 妻子 ", name="王芳", birth_date=D(1986, 5, 1))
    assert (m.relation, m.sort) == ("妻子", 1)
    second = services.family_member_create(person=person, by=clerk_a, relation="儿子", name="李明")
    assert second.sort == 2
    services.family_member_update(member=m, by=clerk_a, work_unit="甲镇卫生院护士")
    services.family_member_update(member=m, by=clerk_a, work_unit="甲镇卫生院护士")  # no change: no history
    m.refresh_from_db()
    assert m.work_unit == "甲镇卫生院护士"
    assert [h.history_type for h in m.history.order_by("history_id")] == ["+", "~"]
    pk = m.pk
    services.family_member_delete(member=m, by=clerk_a)
    assert list(person.family_members.values_list("name", flat=True)) == ["李明"]
    gone = FamilyMember.history.filter(id=pk).order_by("history_id").last()
    assert (gone.history_type, gone.history_user) == ("-", clerk_a)


def test_family_member_create_rejects_blank_name_and_writes_nothing(person, county_user):
    with pytest.raises(ValidationError) as exc:
        services.family_member_create(person=person, by=county_user, relation="妻子", name="")
    assert exc.value.message_dict == {"name": ["请填写姓名。"]}
    assert FamilyMember.objects.count() == 0


def test_clerk_of_another_township_and_auditor_cannot_write_the_dossier(person, clerk_b, auditor):
    for user in (clerk_b, auditor):
        with pytest.raises(PermissionDenied):
            services.family_member_create(person=person, by=user, relation="妻子", name="王芳")
        with pytest.raises(PermissionDenied):
            services.resume_replace(person=person, rows=[_line(D(2003, 9, 1), D(2007, 7, 1))], by=user)
        with pytest.raises(PermissionDenied):
            services.appointment_request_create(person=person, by=user, proposed_post="书记")
    assert FamilyMember.objects.count() == ResumeEntry.objects.count() == AppointmentRequest.objects.count() == 0


def test_family_members_replace_is_atomic_ordered_and_idempotent(person, clerk_a):
    rows = [
        {"relation": "妻子", "name": "王芳", "birth_date": D(1986, 5, 1), "political_status": "群众", "work_unit": "务农"},
        {"relation": "儿子", "name": "李明", "birth_date": D(2010, 2, 3), "political_status": "", "work_unit": "甲镇中学学生"},
    ]
    first = services.family_members_replace(person=person, rows=rows, by=clerk_a, reason="表格导入 #1")
    assert (first.created, first.updated, first.deleted, first.previous) == (2, 0, 0, [])
    assert list(person.family_members.values_list("sort", "name")) == [(1, "王芳"), (2, "李明")]
    history_before = FamilyMember.history.count()
    again = services.family_members_replace(person=person, rows=rows, by=clerk_a)
    assert not again.changed
    assert FamilyMember.history.count() == history_before
    # change one line, drop the other: one update, one delete, history says why
    changed = services.family_members_replace(
        person=person, rows=[{**rows[0], "work_unit": "甲镇超市"}], by=clerk_a, reason="表格导入 #2"
    )
    assert (changed.created, changed.updated, changed.deleted) == (0, 1, 1)
    assert changed.previous[1]["name"] == "李明"
    assert FamilyMember.history.filter(history_change_reason="表格导入 #2").count() == 2
    # passing ``previous`` back undoes it
    services.family_members_replace(person=person, rows=changed.previous, by=clerk_a)
    assert list(person.family_members.values_list("name", "work_unit")) == [("王芳", "务农"), ("李明", "甲镇中学学生")]


def test_family_members_replace_rejects_a_bad_line_and_changes_nothing(person, clerk_a):
    services.family_members_replace(person=person, rows=[{"relation": "妻子", "name": "王芳"}], by=clerk_a)
    with pytest.raises(ValidationError) as exc:
        services.family_members_replace(
            person=person,
            rows=[{"relation": "妻子", "name": "王芳改"}, {"relation": "", "name": "李明"}],
            by=clerk_a,
        )
    assert exc.value.messages == ["第2条家庭成员：请填写称谓（如妻子、儿子、父亲）。"]
    assert list(person.family_members.values_list("name", flat=True)) == ["王芳"]


# --- 简历 -----------------------------------------------------------------------------------


def test_resume_entry_overlap_refused_unless_allowed(person, clerk_a, fixed_today):
    services.resume_entry_create(person=person, by=clerk_a, start_date=D(2015, 3, 1), end_date=None, text="任甲一村党支部书记")
    with pytest.raises(ValidationError) as exc:
        services.resume_entry_create(
            person=person, by=clerk_a, start_date=D(2016, 9, 1), end_date=D(2018, 7, 1), text="在县委党校在职大专学习"
        )
    assert "2016.09—2018.07与另一条经历（2015.03— 任甲一村党支部书记）时间交叉" in exc.value.message_dict["start_date"][0]
    assert ResumeEntry.objects.count() == 1
    study = services.resume_entry_create(
        person=person,
        by=clerk_a,
        allow_overlap=True,
        start_date=D(2016, 9, 1),
        end_date=D(2018, 7, 1),
        text="在县委党校在职大专学习",
    )
    assert study.history.first().history_user == clerk_a
    # editing the line itself does not collide with itself
    services.resume_entry_update(entry=study, by=clerk_a, allow_overlap=True, text="在县委党校经济管理专业在职大专学习")
    with pytest.raises(ValidationError) as exc:
        services.resume_entry_update(entry=study, by=clerk_a, end_date=D(2016, 1, 1))
    assert exc.value.message_dict == {"end_date": ["截止时间2016.01早于起始时间2016.09。"]}
    pk = study.pk
    services.resume_entry_delete(entry=study, by=clerk_a)
    assert ResumeEntry.history.filter(id=pk, history_type="-").get().history_user == clerk_a


def test_resume_entry_before_birth_refused(person, county_user):
    with pytest.raises(ValidationError) as exc:
        services.resume_entry_create(person=person, by=county_user, start_date=D(1984, 9, 1), end_date=None, text="x")
    # the factory shifts birth dates by a day every hundred people: read the person's own
    assert exc.value.message_dict["start_date"] == [f"起始时间1984.09早于本人出生日期{person.birth_date:%Y年%m月%d日}。"]


RESUME = [
    {"start_date": D(2012, 7, 1), "end_date": D(2015, 3, 1), "text": "在甲镇甲一村务农"},
    {"start_date": D(2008, 9, 1), "end_date": D(2012, 7, 1), "text": "在湖南农业大学农学专业学习"},
    {"start_date": D(2015, 3, 1), "end_date": None, "text": "任甲镇甲一村党支部书记"},
]


def test_resume_replace_sorts_by_date_and_is_idempotent(person, clerk_a, fixed_today):
    first = services.resume_replace(person=person, rows=RESUME, by=clerk_a)
    assert first.created == 3
    assert list(person.resume_entries.values_list("text", flat=True)) == [
        "在湖南农业大学农学专业学习",
        "在甲镇甲一村务农",
        "任甲镇甲一村党支部书记",
    ]
    history_before = ResumeEntry.history.count()
    assert not services.resume_replace(person=person, rows=list(reversed(RESUME)), by=clerk_a).changed
    assert ResumeEntry.history.count() == history_before


def test_resume_replace_names_the_bad_lines_and_changes_nothing(person, clerk_a, fixed_today):
    services.resume_replace(person=person, rows=RESUME, by=clerk_a)
    bad = [
        *RESUME,
        {"start_date": D(2014, 1, 1), "end_date": D(2013, 1, 1), "text": "倒置"},
        {"start_date": D(2016, 1, 1), "end_date": None, "text": "交叉"},
    ]
    with pytest.raises(ValidationError) as exc:
        services.resume_replace(person=person, rows=bad, by=clerk_a)
    assert exc.value.messages[0] == "第4条简历：截止时间2013.01早于起始时间2014.01。"
    assert exc.value.messages[1].startswith("第5条简历：2016.01—与另一条经历（2015.03— 任甲镇甲一村党支部书记）时间交叉")
    assert person.resume_entries.count() == 3
    # the same list with the line marked as allowed, or every overlap allowed, goes in
    ok = [*RESUME, {"start_date": D(2016, 1, 1), "end_date": D(2018, 1, 1), "text": "其间在职学习", "overlap_ok": True}]
    assert services.resume_replace(person=person, rows=ok, by=clerk_a).created == 1
    assert services.resume_replace(person=person, rows=RESUME, by=clerk_a).deleted == 1


# --- 任免审批 ---------------------------------------------------------------------------------


def test_appointment_request_prefilled_from_appointment_and_kept_with_history(person, clerk_a):
    appointment = person.appointments.get()
    initial = services.appointment_request_initial(appointment)
    assert initial["proposed_post"] == "甲镇甲一村党组织书记"
    request = services.appointment_request_create(person=person, by=clerk_a, **initial, reason=" 换届选举产生 ")
    assert (request.reason, request.created_by, request.appointment) == ("换届选举产生", clerk_a, appointment)
    services.appointment_request_update(request=request, by=clerk_a, approval_opinion="同意")
    request.refresh_from_db()
    assert request.approval_opinion == "同意"
    assert request.history.count() == 2


def test_appointment_request_refuses_another_persons_appointment(person, village_a, county_user):
    other = AppointmentFactory(village=village_a, post="chair")
    with pytest.raises(ValidationError) as exc:
        services.appointment_request_create(person=person, by=county_user, appointment=other, proposed_post="主任")
    assert exc.value.message_dict == {"appointment": ["所选任职不是此人的任职。"]}
    assert AppointmentRequest.objects.count() == 0
