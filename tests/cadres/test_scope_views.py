"""Every door of the HTML register from the wrong township: 404 like a missing row; auditors read only."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from cadres import choices, services

from ..factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory, VillageFlagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_b(clerk_b, village_b):
    """Township B's register: a village, a person with a current and a draft post, a review, a posting."""
    current = AppointmentFactory(village=village_b, person__name="乙书记")
    draft = AppointmentFactory(village=village_b, person__name="乙新人", status=choices.FilingStatus.DRAFT, post="chair")
    review = services.qualification_review_request(by=clerk_b, person=draft.person, village=village_b, post=choices.SECRETARY)
    posting = FirstSecretaryFactory(village=village_b, person__name="乙驻村")
    flag = VillageFlagFactory(village=village_b)
    return {
        "village": village_b,
        "person": current.person,
        "current": current,
        "draft": draft,
        "review": review,
        "verdict": review.verdicts.first(),
        "posting": posting,
        "flag": flag,
    }


def _doors(w):
    """(url, POST data) for every detail (data None: GET only), edit and action URL of township B's objects."""
    v, p, a, d = w["village"], w["person"], w["current"], w["draft"]
    return [
        (reverse("cadres:village_detail", args=[v.pk]), None),
        (reverse("cadres:village_update", args=[v.pk]), {"population": 1, "households": 1, "party_members": 1}),
        (reverse("cadres:village_flag_add", args=[v.pk]), {"kind": "poor", "start_date": "2025-01-01"}),
        (reverse("cadres:village_flag_end", args=[v.pk, w["flag"].pk]), {"end_date": "2025-06-01"}),
        (reverse("cadres:person_detail", args=[p.pk]), None),
        (reverse("cadres:person_update", args=[p.pk]), {"name": "改名", "ethnicity": "汉族", "political_status": "masses"}),
        (reverse("cadres:person_record_add", args=[p.pk]), {"kind": "honour", "date": "2024-01-01", "title": "表彰"}),
        (reverse("cadres:appointment_create", args=[p.pk]), {"village": v.pk, "post": "chair", "start_date": "2025-01-01"}),
        (reverse("cadres:appointment_detail", args=[a.pk]), None),
        (reverse("cadres:appointment_approve", args=[d.pk]), {"approve-note": "x"}),
        (reverse("cadres:appointment_file", args=[d.pk]), {"file-note": "x"}),
        (reverse("cadres:appointment_reject", args=[d.pk]), {"reject-note": "x"}),
        (reverse("cadres:appointment_end", args=[a.pk]), {"end-end_date": "2025-01-01", "end-end_reason": "resigned"}),
        (reverse("cadres:appointment_attach_review", args=[d.pk]), {"attach-review": w["review"].pk}),
        (reverse("cadres:review_detail", args=[w["review"].pk]), None),
        (reverse("cadres:verdict_record", args=[w["review"].pk, w["verdict"].pk]), {f"v{w['verdict'].pk}-result": "pass"}),
        (reverse("cadres:first_secretary_detail", args=[w["posting"].pk]), None),
        (
            reverse("cadres:presence_record", args=[w["posting"].pk]),
            {"presence-month": "2025-04-01", "presence-days_in_village": "20", "presence-leave_days": "0"},
        ),
        (
            reverse("cadres:first_secretary_end", args=[w["posting"].pk]),
            {"end-status": "expired", "end-ended_on": "2025-06-01"},
        ),
    ]


def _snapshot(w):
    from cadres.models import Appointment, FirstSecretary, Person, PersonRecord, PresenceMonth, Village, VillageFlag

    return (
        list(Appointment.objects.values_list("id", "status", "end_date", "qualification_review_id").order_by("id")),
        list(Village.objects.values_list("id", "population").order_by("id")),
        list(VillageFlag.objects.values_list("id", "end_date").order_by("id")),
        list(Person.objects.values_list("id", "name").order_by("id")),
        PersonRecord.objects.count(),
        PresenceMonth.objects.count(),
        list(FirstSecretary.objects.values_list("id", "status").order_by("id")),
        list(w["review"].verdicts.values_list("id", "result").order_by("id")),
    )


def test_clerk_gets_404_on_every_door_of_another_township(client, clerk_a, world_b):
    client.force_login(clerk_a)
    before = _snapshot(world_b)
    for url, data in _doors(world_b):
        assert client.get(url).status_code == 404, url
        if data is not None:
            assert client.post(url, data).status_code == 404, url
    assert _snapshot(world_b) == before


def test_clerk_gets_404_on_other_township_page(client, clerk_a, world_b):
    client.force_login(clerk_a)
    assert client.get(reverse("cadres:township_detail", args=[world_b["village"].township_id])).status_code == 404


def test_missing_rows_answer_the_same_404(client, clerk_a):
    client.force_login(clerk_a)
    assert client.get(reverse("cadres:person_detail", args=[999999])).status_code == 404
    assert client.get(reverse("cadres:appointment_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("url_name", "hidden"),
    [
        ("cadres:township_list", "乙镇"),
        ("cadres:village_list", "乙一村"),
        ("cadres:person_list", "乙书记"),
        ("cadres:appointment_list", "乙新人"),
        ("cadres:review_list", "乙新人"),
        ("cadres:first_secretary_list", "乙驻村"),
        ("home", "乙新人"),
    ],
)
def test_clerk_lists_leave_out_other_township(client, clerk_a, village_a, world_b, url_name, hidden):
    AppointmentFactory(village=village_a, person__name="甲书记")
    client.force_login(clerk_a)
    html = client.get(reverse(url_name) + ("?tab=all" if url_name == "cadres:appointment_list" else "")).content.decode()
    assert hidden not in html


def _xlsx_names(response, column=0):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    return rows[0], [row[column] for row in rows[1:]]


@pytest.mark.parametrize(
    ("url_name", "column", "own", "other"),
    [
        ("cadres:person_export", 0, "甲书记", "乙书记"),
        ("cadres:village_export", 1, "甲一村", "乙一村"),
        ("cadres:appointment_export", 2, "甲书记", "乙书记"),
        ("cadres:first_secretary_export", 0, "甲驻村", "乙驻村"),
    ],
)
def test_clerk_exports_hold_only_own_township(client, clerk_a, county_user, village_a, world_b, url_name, column, own, other):
    AppointmentFactory(village=village_a, person__name="甲书记")
    FirstSecretaryFactory(village=village_a, person__name="甲驻村")
    client.force_login(clerk_a)
    response = client.get(reverse(url_name))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    _header, names = _xlsx_names(response, column)
    assert own in names and other not in names
    client.force_login(county_user)
    _header, names = _xlsx_names(client.get(reverse(url_name)), column)
    assert own in names and other in names
    from cadres.models import ExportLog

    logs = list(ExportLog.objects.order_by("at").values_list("user__username", "rows"))
    assert [u for u, _ in logs] == ["clerk_a", "county_t"]
    assert logs[0][1] < logs[1][1]


def test_person_export_uses_the_list_filters_and_full_ids(client, county_user, village_a, world_b):
    mine = AppointmentFactory(village=village_a, person__name="甲书记")
    client.force_login(county_user)
    response = client.get(reverse("cadres:person_export"), {"q": "甲"})
    header, names = _xlsx_names(response)
    assert names == ["甲书记"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    row = next(book.active.iter_rows(min_row=2, values_only=True))
    assert mine.person.id_number in row
    assert "身份证号" in header


def test_auditor_sees_everything_but_cannot_write(client, auditor, village_a, world_b):
    AppointmentFactory(village=village_a, person__name="甲书记")
    client.force_login(auditor)
    html = client.get(reverse("cadres:person_list")).content.decode()
    assert "甲书记" in html and "乙书记" in html
    before = _snapshot(world_b)
    for url, data in _doors(world_b):
        if data is None:
            assert client.get(url).status_code == 200, url
        else:
            assert client.post(url, data).status_code == 403, url
    assert client.post(reverse("cadres:person_create"), {"id_number": "x"}).status_code == 403
    assert client.post(reverse("cadres:review_request"), {}).status_code == 403
    assert client.post(reverse("cadres:first_secretary_create"), {}).status_code == 403
    assert _snapshot(world_b) == before


def test_auditor_sees_no_edit_buttons(client, auditor, world_b):
    client.force_login(auditor)
    person_html = client.get(reverse("cadres:person_detail", args=[world_b["person"].pk])).content.decode()
    assert "修改信息" not in person_html and "录入任职" not in person_html
    village_html = client.get(reverse("cadres:village_detail", args=[world_b["village"].pk])).content.decode()
    assert "修改基本信息" not in village_html and "新增村类型标记" not in village_html
    appt_html = client.get(reverse("cadres:appointment_detail", args=[world_b["draft"].pk])).content.decode()
    assert "乡镇审核通过" not in appt_html and "退回" not in appt_html
    # auditors may read the department verdicts, but not record them
    review_html = client.get(reverse("cadres:review_detail", args=[world_b["review"].pk])).content.decode()
    assert "纪委监委" in review_html and "录入意见" not in review_html


def test_clerk_cannot_pick_another_townships_village_in_forms(client, clerk_a, village_a, world_b):
    person = PersonFactory(registered_township=village_a.township)
    client.force_login(clerk_a)
    response = client.post(
        reverse("cadres:appointment_create", args=[person.pk]),
        {"village": world_b["village"].pk, "post": "chair", "start_date": datetime.date(2025, 1, 1).isoformat()},
    )
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not person.appointments.exists()


@pytest.mark.parametrize(
    ("url_name", "column", "own", "other"),
    [("cadres:township_export", 1, "甲镇", "乙镇"), ("cadres:review_export", 2, "甲候选", "乙候选")],
)
def test_township_and_review_exports_are_scoped(client, clerk_a, county_user, village_a, village_b, url_name, column, own, other):
    from cadres import services

    from ..factories import PersonFactory

    services.qualification_review_request(
        by=county_user, person=PersonFactory(name="甲候选"), village=village_a, post="secretary"
    )
    services.qualification_review_request(
        by=county_user, person=PersonFactory(name="乙候选"), village=village_b, post="secretary"
    )
    client.force_login(clerk_a)
    _header, names = _xlsx_names(client.get(reverse(url_name)), column)
    assert own in names and other not in names
