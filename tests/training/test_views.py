"""Pages of the training app: content, scope doors (404), writes through services, query counts."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from cadres import choices
from cadres.models import ExportLog
from tests.pages import person_page
from training import services
from training.choices import AttendanceStatus as A
from training.choices import Level
from training.models import Attendance, Enrollment, TrainingSession

from ..factories import AppointmentFactory, PersonFactory, VillageFactory
from .factories import EducationUpgradeFactory, TrainingSessionFactory

D = datetime.date


@pytest.fixture
def sessions(county_user, village_a, village_b):
    county_session = TrainingSessionFactory(code="PX2025-001", title="全县书记轮训班", half_days=["2025-03-05"])
    own = TrainingSessionFactory(code="PX2025-002", title="甲镇两委培训", level=Level.TOWNSHIP, township=village_a.township)
    other = TrainingSessionFactory(code="PX2025-003", title="乙镇两委培训", level=Level.TOWNSHIP, township=village_b.township)
    li = AppointmentFactory(village=village_a, person=PersonFactory(name="李建国")).person
    zhao = AppointmentFactory(village=village_b, person=PersonFactory(name="赵强")).person
    e_li = services.enrollment_add(session=county_session, person=li, by=county_user)
    e_zhao = services.enrollment_add(session=county_session, person=zhao, by=county_user)
    return {"county": county_session, "own": own, "other": other, "li": li, "zhao": zhao, "e_li": e_li, "e_zhao": e_zhao}


def test_session_page_shows_roster_hours_and_the_print_sheet(client, county_user, sessions):
    services.attendance_record(
        enrollment=sessions["e_li"],
        by=county_user,
        marks={D(2025, 3, 3): A.PRESENT, D(2025, 3, 4): A.PRESENT, D(2025, 3, 5): A.PRESENT},
    )
    client.force_login(county_user)
    html = client.get(reverse("training:session_detail", args=[sessions["county"].pk])).content.decode()
    assert "<title>培训班 PX2025-001 · 头雁</title>" in html
    assert "李建国" in html and "赵强" in html
    assert "共20.0学时" in html and "发放结业证书" in html
    sheet = client.get(reverse("training:sign_in_sheet", args=[sessions["county"].pk])).content.decode()
    assert "@media print" in sheet and "全县书记轮训班签到表" in sheet and "第3天 3月5日（半天）" in sheet
    assert sheet.index("李建国") < sheet.index("赵强") or sheet.index("赵强") < sheet.index("李建国")


def test_attendance_grid_rows_read_the_roster_for_markers_and_for_readers(client, county_user, auditor, sessions):
    services.attendance_record(enrollment=sessions["e_li"], by=county_user, marks={D(2025, 3, 3): A.PRESENT})
    sessions["zhao"].name = "赵<强>"
    sessions["zhao"].save()
    url = reverse("training:session_detail", args=[sessions["county"].pk])
    client.force_login(county_user)
    html = client.get(url).content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    li, zhao = (row for row in body.split("<tr>")[1:])  # ordered by township, village, name
    e_li, e_zhao = sessions["e_li"], sessions["e_zhao"]
    assert f'<a href="/people/{sessions["li"].pk}/">李建国</a>' in li and "甲一村" in li
    assert (
        f'name="m_{e_li.pk}_20250303" aria-label="李建国 第1天"><option value="">—</option><option value="present" selected>出勤</option>'
        in li
    )
    assert (
        f'name="m_{e_li.pk}_20250305" aria-label="李建国 第3天"><option value="">—</option><option value="present">出勤</option>'
        in li
    )
    assert 'form="remove-' not in li  # marked on the first day: stays on the roster
    assert "赵&lt;强&gt;" in zhao and "<强>" not in html and f'form="remove-{e_zhao.pk}">移出</button>' in zhao
    assert zhao.count("<select") == 3 and '<span class="badge text-bg-secondary">待考勤</span>' in zhao
    forms = html.split("</tbody>")[1]
    for e in (e_li, e_zhao):  # a remove form for every row, outside the grid's form, with the token
        assert (
            f'<form id="remove-{e.pk}" method="post" action="/training/enrollments/{e.pk}/remove/" data-confirm="确定移出名单？"><input type="hidden" name="csrfmiddlewaretoken" value="'
            in forms
        )
    client.force_login(auditor)
    body = client.get(url).content.decode().split("<tbody>")[1].split("</tbody>")[0]
    assert "<select" not in body and "移出" not in body
    assert body.count("<td>出勤</td>") == 1 and body.count("<td>—</td>") == 5


def test_clerk_sees_county_sessions_but_only_own_people_and_not_other_townships_sessions(client, clerk_a, sessions):
    client.force_login(clerk_a)
    listing = client.get(reverse("training:session_list")).content.decode()
    assert "全县书记轮训班" in listing and "甲镇两委培训" in listing and "乙镇两委培训" not in listing
    page = client.get(reverse("training:session_detail", args=[sessions["county"].pk])).content.decode()
    assert "李建国" in page and "赵强" not in page
    sheet = client.get(reverse("training:sign_in_sheet", args=[sessions["county"].pk])).content.decode()
    assert "李建国" in sheet and "赵强" not in sheet
    other = sessions["other"].pk
    for name in ("session_detail", "session_update", "sign_in_sheet", "sign_in_sheet_xlsx"):
        assert client.get(reverse(f"training:{name}", args=[other])).status_code == 404, name
    assert client.post(reverse("training:session_attendance", args=[other]), {}).status_code == 404
    assert client.post(reverse("training:enrollment_remove", args=[sessions["e_zhao"].pk])).status_code == 404
    assert Enrollment.objects.filter(pk=sessions["e_zhao"].pk).exists()


def test_attendance_grid_post_records_and_computes(client, clerk_a, sessions):
    client.force_login(clerk_a)
    e = sessions["e_li"]
    response = client.post(
        reverse("training:session_attendance", args=[sessions["county"].pk]),
        {f"m_{e.pk}_20250303": "present", f"m_{e.pk}_20250304": "absent", f"m_{e.pk}_20250305": ""},
    )
    assert response.status_code == 302
    e.refresh_from_db()
    assert (e.hours_credited, e.missed) == (Decimal("8.0"), 1)
    assert Attendance.objects.filter(enrollment=e).count() == 2


def test_clerk_cannot_mark_attendance_of_another_township_through_the_grid(client, clerk_a, sessions):
    client.force_login(clerk_a)
    e = sessions["e_zhao"]
    response = client.post(
        reverse("training:session_attendance", args=[sessions["county"].pk]), {f"m_{e.pk}_20250303": "present"}
    )
    assert response.status_code == 403
    assert Attendance.objects.count() == 0


def test_create_session_form_shows_chinese_field_errors_and_writes_nothing(client, county_user):
    client.force_login(county_user)
    response = client.post(
        reverse("training:session_create"),
        {
            "title": "班",
            "level": "county",
            "kind": "rotation",
            "organiser": "县委党校",
            "start_date": "2025-03-05",
            "end_date": "2025-03-01",
        },
    )
    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in response.content.decode()
    assert TrainingSession.objects.count() == 0
    response = client.post(
        reverse("training:session_create"),
        {
            "title": "全县书记轮训班",
            "level": "county",
            "kind": "rotation",
            "organiser": "县委党校",
            "start_date": "2025-03-03",
            "end_date": "2025-03-07",
            "half_days": "2025-03-07",
            "topics": ["policy", "law"],
            "audiences": ["secretaries"],
        },
    )
    session = TrainingSession.objects.get()
    assert response.status_code == 302 and session.half_days == ["2025-03-07"] and session.topics == ["policy", "law"]


def test_enrol_by_id_number_and_by_post(client, county_user, sessions, village_a):
    client.force_login(county_user)
    new = AppointmentFactory(village=village_a, post="committee_member", person=PersonFactory(name="王芳")).person
    url = reverse("training:session_enroll", args=[sessions["own"].pk])
    assert client.post(url, {"enrol-id_number": new.id_number}).status_code == 302
    assert Enrollment.objects.filter(session=sessions["own"], person=new).exists()
    response = client.post(url, {"enrol-id_number": "430122199901010000"})
    assert response.status_code == 400 and "没有这个身份证号的人员" in response.content.decode()
    url = reverse("training:session_enroll_post", args=[sessions["own"].pk])
    assert client.post(url, {"bypost-post": choices.SECRETARY}).status_code == 302
    assert set(Enrollment.objects.filter(session=sessions["own"]).values_list("person__name", flat=True)) == {
        "王芳",
        "李建国",
        "赵强",
    }


def test_coverage_page_and_one_click_export(client, county_user, clerk_a, sessions, township_b):
    client.force_login(county_user)
    html = client.get(reverse("training:coverage") + "?year=2025").content.decode()
    assert "2025年度培训覆盖情况 · 头雁" in html
    response = client.get(reverse("training:coverage_export") + "?year=2025")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert {(r[2], r[5]) for r in rows} == {("李建国", "未参训"), ("赵强", "未参训")}
    assert ExportLog.objects.get().rows == 2
    client.force_login(clerk_a)
    assert client.get(reverse("training:coverage") + f"?year=2025&township={township_b.pk}").status_code == 404
    assert client.get(reverse("training:coverage_export") + f"?year=2025&township={township_b.pk}").status_code == 404
    ws = openpyxl.load_workbook(io.BytesIO(client.get(reverse("training:coverage_export") + "?year=2025").content)).active
    assert [r[2] for r in ws.iter_rows(min_row=3, values_only=True)] == ["李建国"]


def test_sign_in_xlsx_is_prefilled_and_importable_shape(client, clerk_a, sessions):
    client.force_login(clerk_a)
    response = client.get(reverse("training:sign_in_sheet_xlsx", args=[sessions["county"].pk]))
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[2]]
    assert header[:5] == ["序号", "培训班编号", "乡镇(街道)", "村(社区)", "姓名"]
    assert "第3天" in header and "第4天" not in header
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[4]) for r in rows] == [("PX2025-001", "李建国")]


def test_upgrade_pages_and_doors(client, county_user, clerk_a, village_a, village_b):
    other = EducationUpgradeFactory(township=village_b.township)
    person = AppointmentFactory(village=village_a).person
    client.force_login(clerk_a)
    response = client.post(
        reverse("training:upgrade_create"),
        {
            "id_number": person.id_number,
            "kind": "farmer_college",
            "school": "湖南农业大学",
            "programme": "农村区域发展",
            "level": "5_college",
            "enrolled_on": "2022-09-01",
            "expected_graduation": "2025-07-01",
            "tuition_fee": "4800",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("training:upgrade_detail", args=[other.pk])).status_code == 404
    assert (
        client.post(
            reverse("training:upgrade_graduate", args=[other.pk]), {"graduate-actual_graduation": "2025-06-30"}
        ).status_code
        == 404
    )
    listing = client.get(reverse("training:upgrade_list")).content.decode()
    assert "湖南农业大学" in listing and listing.count("upgrades/") >= 1


@pytest.mark.parametrize("rows", [1, 50])
def test_session_list_query_count_does_not_grow(client, county_user, django_assert_num_queries, rows):
    TrainingSessionFactory.create_batch(rows)
    client.force_login(county_user)
    # session, user, COUNT, 2× permissions (nav), filter township options, page (enrolled count + township join)
    with django_assert_num_queries(7):
        response = client.get(reverse("training:session_list"))
    assert len(response.context["rows"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_session_page_query_count_does_not_grow(client, county_user, django_assert_num_queries, rows, village_a):
    session = TrainingSessionFactory()
    for _ in range(rows):
        person = PersonFactory()
        e = Enrollment.objects.create(session=session, person=person, township=village_a.township, village=village_a)
        Attendance.objects.create(enrollment=e, date=D(2025, 3, 3), status=A.PRESENT)
    client.force_login(county_user)
    # session, user, training session, roster COUNT (pages of 50), the page's roster (person/village/
    # township joined), attendance prefetch, policy profile ×2 (year, fallback), 2× permissions (nav),
    # township options of the enrol form
    with django_assert_num_queries(11):
        response = client.get(reverse("training:session_detail", args=[session.pk]))
    assert len(response.context["roster"]) == rows


def test_session_roster_pages_by_fifty_and_saving_marks_stays_on_the_page(client, county_user, village_a):
    session = TrainingSessionFactory()
    enrollments = [
        Enrollment.objects.create(
            session=session, person=PersonFactory(name=f"学员{i:02d}"), township=village_a.township, village=village_a
        )
        for i in range(51)
    ]
    client.force_login(county_user)
    url = reverse("training:session_detail", args=[session.pk])
    first = client.get(url)
    assert len(first.context["roster"]) == 50 and first.context["roster_count"] == 51
    html = first.content.decode()
    assert "培训名单与考勤（51人，每页50人，本页第1—50人；全部名单见签到表）" in html
    assert "学员00" in html and "学员50" not in html
    second = client.get(url + "?page=2")
    assert [e.person.name for e in second.context["roster"]] == ["学员50"]
    assert "<td>51</td>" in second.content.decode()  # numbering goes on from the first page
    last = enrollments[-1]
    saved = client.post(
        reverse("training:session_attendance", args=[session.pk]), {"page": "2", f"m_{last.pk}_20250303": "present"}
    )
    assert saved.status_code == 302 and saved.url == url + "?page=2"
    assert Attendance.objects.filter(enrollment=last, status=A.PRESENT).count() == 1
    assert Attendance.objects.filter(enrollment=enrollments[0]).count() == 0  # the other page is untouched


@pytest.mark.parametrize("rows", [1, 50])
def test_upgrade_list_query_count_does_not_grow(client, county_user, django_assert_num_queries, rows, village_a):
    for _ in range(rows):
        EducationUpgradeFactory(township=village_a.township, village=VillageFactory(township=village_a.township))
    client.force_login(county_user)
    # session, user, COUNT, 2× permissions (nav), filter township options, page (person, township, village joined)
    with django_assert_num_queries(7):
        response = client.get(reverse("training:upgrade_list"))
    assert len(response.context["rows"]) == rows


def test_person_page_shows_hours_against_requirement(client, county_user, sessions):
    services.attendance_record(enrollment=sessions["e_li"], by=county_user, marks={D(2025, 3, 3): A.PRESENT})
    client.force_login(county_user)
    html = person_page(client, sessions["li"].pk)
    assert "教育培训" in html and "全县书记轮训班" in html
    assert "<td>2025</td><td>8.0</td><td>56.0</td>" in html
    assert "参训记录" in html  # history of the enrolment appears in the person's 变更记录
