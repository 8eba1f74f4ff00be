"""The 人员名册 export read with values_list(): the same cells as the person list, bounded queries."""

import datetime
import gc
import io

import openpyxl
import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadres import choices
from cadres.export_columns import LIST_COLUMNS
from cadres.models import ExportLog, Person
from core.exports import ExportColumn

from ..factories import AppointmentFactory, PersonFactory, VillageFactory

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict]:
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def register(village_a, village_b):
    """赵: two current posts in 甲一村 and one in 乙一村, plus an ended and a draft one (not current);
    钱: a woman with in-service education, no posts."""
    zhao = PersonFactory(
        name="赵多职",
        is_veteran=True,
        phone="13807310001",
        education_inservice=choices.Education.BACHELOR,
        political_status=choices.PoliticalStatus.MEMBER,
        party_join_date=datetime.date(2005, 7, 12),
    )
    AppointmentFactory(person=zhao, village=village_a, post="secretary")
    AppointmentFactory(person=zhao, village=village_a, post="chair")
    AppointmentFactory(person=zhao, village=village_b, post="committee_member")
    AppointmentFactory(person=zhao, village=village_b, post="chair", end_date=datetime.date(2024, 1, 1), end_reason="resigned")
    AppointmentFactory(person=zhao, village=VillageFactory(township=village_a.township), post="chair", status="draft")
    qian = PersonFactory(
        name="钱无职", male=False, political_status=choices.PoliticalStatus.MASSES, party_join_date=None, phone=""
    )
    return zhao, qian


def test_person_export_cells_are_labels_dates_and_the_current_posts_in_list_order(client, county_user, register):
    zhao, _ = register
    client.force_login(county_user)
    rows = {r["姓名"]: r for r in _rows(client.get(reverse("cadres:person_export")))}
    # What the person list shows (its prefetch of current posts, ordered by village and post).
    listed = Person.objects.with_related().get(pk=zhao.pk)
    expected_posts = "、".join(f"{a.village.township.name}{a.village.name}{a.post_name}" for a in listed.current_appointments)
    assert expected_posts.count("、") == 2 and "乙镇乙一村" in expected_posts
    z = rows["赵多职"]
    assert z["现任职务"] == expected_posts
    assert (z["性别"], z["民族"], z["政治面貌"], z["全日制学历"], z["在职学历"]) == ("男", "汉族", "中共党员", "高中", "大学本科")
    assert z["出生日期"] == datetime.datetime.combine(zhao.birth_date, datetime.time())
    assert z["入党时间"] == datetime.datetime(2005, 7, 12)
    assert (z["退役军人"], z["身份证号"], z["联系电话"]) == ("是", zhao.id_number, "13807310001")
    q = rows["钱无职"]
    assert (q["性别"], q["政治面貌"], q["退役军人"]) == ("女", "群众", "否")
    assert q["现任职务"] is None and q["入党时间"] is None and q["联系电话"] is None
    assert ExportLog.objects.get().rows == 2


def test_person_export_masks_ids_and_phones_for_auditors(client, auditor, register):
    zhao, _ = register
    client.force_login(auditor)
    z = {r["姓名"]: r for r in _rows(client.get(reverse("cadres:person_export")))}["赵多职"]
    assert z["身份证号"] != zhao.id_number and z["身份证号"].startswith(zhao.id_number[:6]) and "*" in z["身份证号"]
    assert z["联系电话"] != "13807310001" and "*" in z["联系电话"]
    assert ExportLog.objects.get().masked is True


def test_person_export_query_count_does_not_grow_with_rows(client, county_user, village_a):
    client.force_login(county_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("cadres:person_export")).status_code == 200
        return len(ctx.captured_queries)

    AppointmentFactory(village=village_a)
    few = queries()
    for _ in range(12):
        AppointmentFactory(village=village_a, post="committee_member")
    assert queries() == few <= 8


def test_person_export_columns_all_read_from_the_database():
    assert all(c.field and c.get is None for c in LIST_COLUMNS["人员名册"])


def test_an_export_column_takes_a_getter_or_a_field_not_both():
    with pytest.raises(ValueError):
        ExportColumn("姓名")
    with pytest.raises(ValueError):
        ExportColumn("姓名", lambda p: p.name, field="name")


def test_appointment_export_cells_match_the_models_own_labels(client, county_user, clerk_a, village_a, register):
    """任职名册 from values_list(): every cell equals what the model instance itself says."""
    from cadres import services
    from cadres.models import Appointment

    zhao, _ = register
    services.qualification_review_request(by=clerk_a, person=zhao, village=village_a, post=choices.SECRETARY)
    reviewed = Appointment.objects.get(person=zhao, post="secretary")
    reviewed.qualification_review = zhao.qualification_reviews.get()
    reviewed.save()
    client.force_login(county_user)
    rows = _rows(client.get(reverse("cadres:appointment_export")))
    expected = [
        (
            a.village.township.name,
            a.village.name,
            a.person.name,
            a.post_name,
            datetime.datetime.combine(a.start_date, datetime.time()),
            datetime.datetime.combine(a.end_date, datetime.time()) if a.end_date else None,
            a.get_end_reason_display() or None,
            a.cohort,
            a.get_status_display(),
            a.qualification_review.get_outcome_display() if a.qualification_review else "未关联",
        )
        for a in Appointment.objects.select_related("village__township", "person", "qualification_review")
    ]
    keys = ["乡镇(街道)", "村(社区)", "姓名", "职务", "任职时间", "离任时间", "离任原因", "换届届次", "备案状态", "资格联审"]
    got = [tuple(r[k] for k in keys) for r in rows]
    assert sorted(got, key=str) == sorted(expected, key=str)
    assert {r[-1] for r in got} == {"未关联", reviewed.qualification_review.get_outcome_display()}
    assert sum(r[6] == "辞职" for r in got) == 1
    assert sum(r[8] == "待乡镇审核" for r in got) == 1


def test_appointment_export_masks_ids_for_auditors(client, auditor, register):
    zhao, _ = register
    client.force_login(auditor)
    ids = {r["身份证号"] for r in _rows(client.get(reverse("cadres:appointment_export")))}
    assert zhao.id_number not in ids
    assert all(i.startswith(zhao.id_number[:6]) and "*" in i for i in ids)


def test_joined_text_is_null_without_rows_and_ordered_with_them(register):
    from cadres.export_columns import current_posts_text

    zhao, qian = register
    texts = dict(Person.objects.annotate(posts=current_posts_text()).values_list("pk", "posts"))
    assert texts[qian.pk] is None  # not "" on PostgreSQL either
    assert texts[zhao.pk].split("、") == [
        f"{a.village.township.name}{a.village.name}{a.post_name}"
        for a in Person.objects.with_related().get(pk=zhao.pk).current_appointments
    ]


def test_joined_text_takes_one_annotation_only():
    from cadres.models import Appointment
    from core.exports import JoinedText

    with pytest.raises(ValueError):
        JoinedText(Appointment.objects.values("post_name"))
    with pytest.raises(ValueError):
        JoinedText(Appointment.objects.annotate(a=F("post"), b=F("post_name")).values("a", "b"))


def test_an_export_mixing_fields_and_getters_is_refused(county_user):
    from core.exports import export_queryset

    columns = [ExportColumn("姓名", field="name"), ExportColumn("性别", lambda p: p.sex)]
    with pytest.raises(ValueError):
        export_queryset(user=county_user, queryset=Person.objects.all(), columns=columns, what="人员名册")
    with pytest.raises(ValueError):
        export_queryset(user=county_user, queryset=[], columns=columns[:1], what="人员名册")
    assert not ExportLog.objects.exists()


def test_paused_gc_is_shared_by_overlapping_steps_and_restores_the_collector():
    from core.imports.pipeline import paused_gc

    assert gc.isenabled()
    first, second = paused_gc(), paused_gc()
    first.__enter__()
    second.__enter__()  # a second step starting while the first runs (another thread)
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # still paused: the second step has not ended
    second.__exit__(None, None, None)
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
