"""API under /api/v1/training/: scoped lists and details (404 across townships), writes via services."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cadres import choices
from cadres.models import Person
from training.choices import Level
from training.models import Attendance, Enrollment, TrainingSession

from ..factories import AppointmentFactory, PersonFactory, VillageFactory
from .factories import EducationUpgradeFactory, EnrollmentFactory, TrainingSessionFactory


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def data(village_a, village_b):
    county = TrainingSessionFactory(code="PX2025-001")
    other = TrainingSessionFactory(code="PX2025-002", level=Level.TOWNSHIP, township=village_b.township)
    li = AppointmentFactory(village=village_a, post=choices.SECRETARY).person
    zhao = AppointmentFactory(village=village_b, post=choices.SECRETARY).person
    e_li = EnrollmentFactory(session=county, person=li, township=village_a.township, village=village_a)
    e_zhao = EnrollmentFactory(session=county, person=zhao, township=village_b.township, village=village_b)
    up_b = EducationUpgradeFactory(person=zhao, township=village_b.township)
    return {"county": county, "other": other, "li": li, "zhao": zhao, "e_li": e_li, "e_zhao": e_zhao, "up_b": up_b}


def test_clerk_lists_are_scoped_and_other_township_objects_are_404(api, clerk_a, data):
    api.force_authenticate(clerk_a)
    body = api.get("/api/v1/training/sessions/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [s["code"] for s in body["results"]] == ["PX2025-001"]
    assert api.get(f"/api/v1/training/sessions/{data['other'].pk}/").status_code == 404
    enrolments = api.get("/api/v1/training/enrollments/").json()["results"]
    assert [e["person"] for e in enrolments] == [data["li"].pk]
    assert api.get(f"/api/v1/training/enrollments/{data['e_zhao'].pk}/").status_code == 404
    assert (
        api.post(f"/api/v1/training/enrollments/{data['e_zhao'].pk}/attendance/", {"marks": []}, format="json").status_code == 404
    )
    assert api.get(f"/api/v1/training/upgrades/{data['up_b'].pk}/").status_code == 404
    assert api.get("/api/v1/training/upgrades/").json()["count"] == 0


def test_attendance_through_the_api_credits_hours(api, clerk_a, data):
    api.force_authenticate(clerk_a)
    response = api.post(
        f"/api/v1/training/enrollments/{data['e_li'].pk}/attendance/",
        {"marks": [{"date": "2025-03-03", "status": "present"}, {"date": "2025-03-04", "status": "late_early"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["hours_credited"] == "12.0"
    bad = api.post(
        f"/api/v1/training/enrollments/{data['e_li'].pk}/attendance/",
        {"marks": [{"date": "2025-04-01", "status": "present"}]},
        format="json",
    )
    assert bad.status_code == 400 and "marks" in bad.json()
    assert Attendance.objects.count() == 2


def test_create_session_and_enrol(api, county_user, clerk_a, data, village_a):
    api.force_authenticate(county_user)
    response = api.post(
        "/api/v1/training/sessions/",
        {
            "title": "入职培训班",
            "level": "county",
            "kind": "induction",
            "organiser": "县委组织部",
            "start_date": "2025-05-06",
            "end_date": "2025-05-08",
            "topics": ["policy"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    session_id = response.json()["id"]
    assert response.json()["code"] == "PX2025-001" or response.json()["code"].startswith("PX2025-")
    bad = api.post(
        "/api/v1/training/sessions/",
        {
            "title": "x",
            "level": "county",
            "kind": "rotation",
            "organiser": "x",
            "start_date": "2025-05-08",
            "end_date": "2025-05-01",
        },
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["end_date"] == ["结束日期不能早于开始日期。"]
    api.force_authenticate(clerk_a)
    assert (
        api.post(f"/api/v1/training/sessions/{session_id}/enrol/", {"person": data["zhao"].pk}, format="json").status_code == 404
    )
    ok = api.post(f"/api/v1/training/sessions/{session_id}/enrol/", {"person": data["li"].pk}, format="json")
    assert ok.status_code == 201 and ok.json()["village_name"] == village_a.name
    assert Enrollment.objects.filter(session_id=session_id).count() == 1


def test_auditor_reads_but_cannot_write(api, auditor, data):
    api.force_authenticate(auditor)
    assert api.get("/api/v1/training/sessions/").json()["count"] == 2
    response = api.post(
        "/api/v1/training/sessions/",
        {
            "title": "x",
            "level": "county",
            "kind": "rotation",
            "organiser": "x",
            "start_date": "2025-05-01",
            "end_date": "2025-05-01",
        },
        format="json",
    )
    assert response.status_code == 403
    assert TrainingSession.objects.count() == 2


def test_coverage_api(api, clerk_a, data, township_b):
    api.force_authenticate(clerk_a)
    body = api.get("/api/v1/training/coverage/?year=2025").json()
    assert [t["name"] for t in body["townships"]] == ["甲镇"]
    assert [r["person_id"] for r in body["county"]["not_trained"]] == [data["li"].pk]
    assert api.get(f"/api/v1/training/coverage/?year=2025&township={township_b.pk}").status_code == 404
    assert api.get("/api/v1/training/coverage/").status_code == 400


def test_coverage_api_is_grouped_by_township_with_the_names_in_pages_of_fifty(
    api, county_user, village_a, village_b, django_assert_max_num_queries
):
    """Per township the counts; for the report's scope the names, 50 a page (``?p_<list>=``)."""
    for i in range(51):
        village = VillageFactory(township=village_a.township)
        AppointmentFactory(village=village, post=choices.SECRETARY, person=PersonFactory(name=f"书记{i:02d}"))
    AppointmentFactory(village=village_b, post=choices.SECRETARY)
    api.force_authenticate(county_user)
    body = api.get("/api/v1/training/coverage/?year=2025").json()
    assert body["page_size"] == 50
    assert [(t["name"], t["secretaries"], t["counts"]["not_trained"]) for t in body["townships"]] == [
        ("甲镇", 51, 51),
        ("乙镇", 1, 1),
    ]
    assert all("not_trained" not in t for t in body["townships"])  # the names are the report scope's
    county = body["county"]
    assert county["secretaries"] == 52 and county["counts"] == {
        "not_trained": 52,
        "trained": 0,
        "short_of_hours": 52,
        "induction_overdue": 0,
    }
    assert len(county["not_trained"]) == 50 and county["pages"]["not_trained"] == {"page": 1, "pages": 2}
    second = api.get("/api/v1/training/coverage/?year=2025&p_not_trained=2").json()["county"]
    assert len(second["not_trained"]) == 2 and second["pages"]["not_trained"] == {"page": 2, "pages": 2}
    names = {r["person_id"] for r in county["not_trained"]} | {r["person_id"] for r in second["not_trained"]}
    assert len(names) == 52
    # the report is cached by its data version: a repeat is the session, the user and the version
    with django_assert_max_num_queries(3):
        api.get("/api/v1/training/coverage/?year=2025")


@pytest.mark.parametrize("rows", [1, 50])
def test_session_api_list_query_count_does_not_grow(api, county_user, django_assert_num_queries, rows):
    TrainingSessionFactory.create_batch(rows)
    api.force_authenticate(county_user)
    # COUNT, page (enrolled count + township join)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/training/sessions/")
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_enrollment_api_list_query_count_does_not_grow(api, county_user, django_assert_num_queries, rows, village_a):
    session = TrainingSessionFactory()
    for _ in range(rows):
        EnrollmentFactory(
            session=session, person=PersonFactory(), township=village_a.township, village=village_a, hours_credited=Decimal(8)
        )
    api.force_authenticate(county_user)
    # COUNT, page (village, township, session joined), the page's people
    with django_assert_num_queries(3):
        response = api.get("/api/v1/training/enrollments/")
    results = response.json()["results"]
    assert len(results) == rows
    assert {r["person_name"] for r in results} == set(Person.objects.values_list("name", flat=True))


def test_schema_builds(api, county_user):
    api.force_authenticate(county_user)
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/training/sessions/" in response.content
