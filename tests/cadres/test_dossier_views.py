"""The person page's 简历 / 家庭成员 / 干部任免审批表 sections, their forms, and the 干部任免审批表 PDF
(read back with pypdf): values, scope (404 across townships), permission, confirmation, history,
masking, export log, query counts."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse

from assessments.models import ReviewResult
from cadres import selectors, services
from cadres.models import AppointmentRequest, ExportLog, FamilyMember, ResumeEntry
from core.masking import mask_id_number
from tests.pages import person_page

from ..assessments.factories import ReviewFactory
from ..factories import AppointmentFactory, PersonFactory

D = datetime.date


@pytest.fixture
def person(village_a, county_user):
    p = PersonFactory(
        name="李建国",
        born=D(1985, 3, 12),
        registered_township=village_a.township,
        native_place="湖南长沙",
        birthplace="湖南宁乡",
        health="健康",
        professional_title="农艺师",
        specialty="水稻种植",
        degree_fulltime="农学学士",
        school_major="湖南农业大学农学专业",
        work_start_date=D(2007, 7, 1),
    )
    AppointmentFactory(person=p, village=village_a)
    services.resume_replace(
        person=p,
        rows=[
            {"start_date": D(2003, 9, 1), "end_date": D(2007, 7, 1), "text": "在湖南农业大学农学专业学习"},
            {"start_date": D(2007, 7, 1), "end_date": D(2015, 3, 1), "text": "在甲镇甲一村务农"},
            {"start_date": D(2015, 3, 1), "end_date": None, "text": "任甲镇甲一村党支部书记"},
        ],
        by=county_user,
    )
    services.family_members_replace(
        person=p,
        rows=[
            {
                "relation": "妻子",
                "name": "王芳",
                "birth_date": D(1986, 5, 1),
                "political_status": "群众",
                "work_unit": "甲镇卫生院护士",
            }
        ],
        by=county_user,
    )
    services.person_record_add(
        person=p, by=county_user, kind="honour", date=D(2019, 7, 1), title="县级优秀党务工作者", issuer="中共某县委"
    )
    return p


def _publish_grade(person, village, year, grade, label):
    review = ReviewFactory(person=person, village=village, campaign__year=year)
    ReviewResult.objects.create(
        review=review,
        year=year,
        person=person,
        village=village,
        township=village.township,
        status="final",
        grade=grade,
        grade_label=label,
        locked=True,
    )


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    return "\n".join(page.extract_text() for page in reader.pages)


def test_person_page_shows_the_sections_and_editors_get_the_forms(client, person, clerk_a, auditor):
    client.force_login(clerk_a)
    html = person_page(client, person.pk)
    for text in ("简历", "2003.09—2007.07", "在湖南农业大学农学专业学习", "家庭主要成员及重要社会关系", "甲镇卫生院护士"):
        assert text in html
    assert "2019.07 县级优秀党务工作者（中共某县委）" in html  # 奖惩情况 as it prints
    assert "湖南宁乡" in html and "农艺师" in html and "农学学士" in html
    assert reverse("cadres:resume_entry_add", args=[person.pk]) in html
    assert reverse("cadres:appointment_request_add", args=[person.pk]) in html
    client.force_login(auditor)
    html = person_page(client, person.pk)
    assert "在湖南农业大学农学专业学习" in html
    assert reverse("cadres:resume_entry_add", args=[person.pk]) not in html
    assert reverse("cadres:family_member_add", args=[person.pk]) not in html


def test_person_page_query_count_does_not_grow_with_résumé_and_family(client, person, county_user, django_assert_max_num_queries):
    client.force_login(county_user)
    url = reverse("cadres:person_detail", args=[person.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    services.resume_replace(
        person=person,
        rows=[
            *[{"start_date": e.start_date, "end_date": e.end_date, "text": e.text} for e in person.resume_entries.all()],
            *[{"start_date": D(1990 + i, 1, 1), "end_date": D(1990 + i, 6, 1), "text": f"经历{i}"} for i in range(8)],
        ],
        by=county_user,
    )
    services.family_members_replace(
        person=person, rows=[{"relation": "子女", "name": f"李{i}"} for i in range(8)], by=county_user
    )
    with django_assert_max_num_queries(len(few)):
        client.get(url)


def test_clerk_adds_edits_and_deletes_a_résumé_line_with_history(client, person, clerk_a):
    client.force_login(clerk_a)
    add = reverse("cadres:resume_entry_add", args=[person.pk])
    response = client.post(
        add, {"resume-start_date": "2016.09", "resume-end_date": "2018-07", "resume-text": "在县委党校在职学习"}
    )
    assert response.status_code == 200  # overlaps 2015.03— : refused with the reason, nothing written
    assert "时间交叉" in response.content.decode() and person.resume_entries.count() == 3
    response = client.post(
        add,
        {
            "resume-start_date": "2016.09",
            "resume-end_date": "2018-07",
            "resume-text": "在县委党校在职学习",
            "resume-allow_overlap": "on",
        },
    )
    assert response.status_code == 302
    entry = person.resume_entries.get(text="在县委党校在职学习")
    assert (entry.start_date, entry.end_date) == (D(2016, 9, 1), D(2018, 7, 1))
    response = client.post(
        reverse("cadres:resume_entry_update", args=[entry.pk]),
        {"start_date": "2016年9月", "end_date": "2018.13", "text": "x", "allow_overlap": "on"},
    )
    assert "“2018.13”不是有效的年月" in response.content.decode()
    delete = reverse("cadres:resume_entry_delete", args=[entry.pk])
    page = client.post(delete)  # no confirmation: a page that asks, nothing deleted
    assert "确认删除简历" in page.content.decode() and ResumeEntry.objects.filter(pk=entry.pk).exists()
    assert client.post(delete, {"confirmed": "yes"}).status_code == 302
    assert not ResumeEntry.objects.filter(pk=entry.pk).exists()
    html = person_page(client, person.pk)
    assert "简历：在县委党校在职学习" in html  # the history shows the deleted line, with who
    deleted = ResumeEntry.history.filter(id=entry.pk, history_type="-").get()
    assert deleted.history_user == clerk_a


def test_family_member_forms_and_the_other_townships_clerk_gets_404(client, person, clerk_a, clerk_b, auditor):
    member = person.family_members.get()
    for url in (
        reverse("cadres:family_member_update", args=[member.pk]),
        reverse("cadres:family_member_add", args=[person.pk]),
        reverse("cadres:resume_entry_update", args=[person.resume_entries.first().pk]),
    ):
        client.force_login(clerk_b)
        assert client.get(url).status_code == 404
        assert client.post(url, {"relation": "儿子", "name": "李明"}).status_code == 404
        client.force_login(auditor)
        assert client.get(url).status_code == 403
    client.force_login(clerk_b)
    assert client.post(reverse("cadres:family_member_delete", args=[member.pk]), {"confirmed": "yes"}).status_code == 404
    assert FamilyMember.objects.count() == 1
    client.force_login(clerk_a)
    response = client.post(
        reverse("cadres:family_member_update", args=[member.pk]),
        {
            "relation": "妻子",
            "name": "王芳",
            "birth_date": "1986-05-01",
            "political_status": "中共党员",
            "work_unit": "甲镇卫生院",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.political_status, member.work_unit) == ("中共党员", "甲镇卫生院")
    history = selectors.person_history(user=clerk_a, person=person)
    change = next(e for e in history if e["what"] == "家庭成员：妻子：王芳" and e["action"] == "修改")
    assert change["user"] == clerk_a
    assert change["changes"] == [("政治面貌", "群众", "中共党员"), ("工作单位及职务", "甲镇卫生院护士", "甲镇卫生院")]
    html = person_page(client, person.pk)
    assert '工作单位及职务：<del class="text-muted">甲镇卫生院护士</del> → <strong>甲镇卫生院</strong>' in html


def test_appointment_request_prefilled_from_the_appointment(client, person, clerk_a):
    appointment = person.appointments.get()
    client.force_login(clerk_a)
    url = reverse("cadres:appointment_request_add", args=[person.pk]) + f"?appointment={appointment.pk}"
    html = client.get(url).content.decode()
    assert 'value="甲镇甲一村党组织书记"' in html
    response = client.post(
        url,
        {
            "appointment": appointment.pk,
            "proposed_post": "甲镇甲一村党组织书记",
            "proposed_removal": "",
            "reason": "换届选举产生",
            "reporting_unit": "中共甲镇委员会",
            "filled_by": "张三",
            "filled_on": "2026-03-01",
        },
    )
    assert response.status_code == 302
    request = AppointmentRequest.objects.get()
    assert (request.appointment, request.reason, request.created_by) == (appointment, "换届选举产生", clerk_a)


def test_the_pdf_has_the_national_form_fields(client, person, village_a, county_user):
    _publish_grade(person, village_a, 2024, "competent", "称职")
    _publish_grade(person, village_a, 2025, "excellent", "优秀")
    request = services.appointment_request_create(
        person=person,
        by=county_user,
        appointment=person.appointments.get(),
        proposed_post="甲镇甲一村党组织书记",
        proposed_removal="甲镇甲一村村民委员会委员",
        reason="换届选举产生",
        reporting_unit="中共甲镇委员会",
        filled_by="张三",
        filled_on=D(2026, 3, 1),
    )
    client.force_login(county_user)
    text = _pdf_text(client.get(reverse("cadres:appointment_request_pdf", args=[request.pk])))
    flat = text.replace("\n", "").replace(" ", "")
    for expected in (
        "干部任免审批表",
        "李建国",
        f"{person.birth_date:%Y.%m}（40岁）",  # the age on 填表时间 (the factory shifts birth dates a little)
        "湖南宁乡",
        "农艺师",
        "湖南农业大学农学专业",
        "拟任职务甲镇甲一村党组织书记",
        "拟免职务甲镇甲一村村民委员会委员",
        "2003.09—2007.07在湖南农业大学农学专业学习",
        "2015.03—任甲镇甲一村党支部书记",
        "2019.07县级优秀党务工作者（中共某县委）",
        "2024年度考核称职；2025年度考核优秀。",
        "换届选举产生",
        "妻子王芳39群众甲镇卫生院护士",  # age on 2026-03-01
        "中共甲镇委员会",
        "填表人：张三",
        "2026年03月01日",
        person.id_number,
    ):
        assert expected in flat, expected
    assert ExportLog.objects.get().what == "干部任免审批表PDF：李建国"


def test_the_pdf_masks_the_id_for_the_auditor_and_shows_the_empty_photo_box(client, person, auditor, clerk_b):
    client.force_login(auditor)
    text = _pdf_text(client.get(reverse("cadres:person_appointment_form", args=[person.pk])))
    assert mask_id_number(person.id_number) in text and person.id_number not in text
    assert "照片" in text
    assert ExportLog.objects.get().masked is True
    client.force_login(clerk_b)
    assert client.get(reverse("cadres:person_appointment_form", args=[person.pk])).status_code == 404


def test_the_pdf_from_the_appointment_page_prefills_拟任(client, person, clerk_a):
    appointment = person.appointments.get()
    client.force_login(clerk_a)
    html = client.get(reverse("cadres:appointment_detail", args=[appointment.pk])).content.decode()
    assert reverse("cadres:appointment_form_pdf", args=[appointment.pk]) in html
    text = _pdf_text(client.get(reverse("cadres:appointment_form_pdf", args=[appointment.pk])))
    assert "拟任职务甲镇甲一村党组织书记" in text.replace("\n", "").replace(" ", "")
    assert AppointmentRequest.objects.count() == 0  # prefilled, not saved


def test_the_pdf_embeds_the_photo_from_private_storage(client, person, county_user, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage
    from PIL import Image

    from cadres.models import Person

    buffer = io.BytesIO()
    Image.new("RGB", (26, 36), (200, 30, 30)).save(buffer, "PNG")
    field = Person._meta.get_field("photo")
    original = field.storage
    field.storage = FileSystemStorage(location=str(tmp_path))  # not the checkout's private storage
    try:
        fresh = Person.objects.get(pk=person.pk)
        fresh.photo.save("p.png", ContentFile(buffer.getvalue()), save=True)
        client.force_login(county_user)
        response = client.get(reverse("cadres:person_appointment_form", args=[person.pk]))
        reader = pypdf.PdfReader(io.BytesIO(response.content))
        (image,) = reader.pages[0].images
        assert image.image.size == (26, 36)
        assert "照片" not in reader.pages[0].extract_text()
    finally:
        field.storage = original
