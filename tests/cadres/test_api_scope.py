"""Every API door, tried by the clerk of township A against township B's data.

An object of another township must look exactly like a missing one: absent from lists, 404 on
detail and write URLs, and "不存在或不在您的数据范围内" when referenced by id in input.
"""

import pytest

from cadres import choices
from cadres.models import Appointment, FirstSecretary, Person, QualificationReview

from ..factories import AppointmentFactory, FirstSecretaryFactory, PersonFactory
from .test_api import client_for, make_review

OUT_OF_SCOPE = "不存在或不在您的数据范围内"


@pytest.fixture
def world(village_a, village_b, county_user):
    """One object of every kind in township A and in township B."""

    def side(village):
        appt = AppointmentFactory(village=village, status=choices.FilingStatus.DRAFT)
        return {
            "townships": village.township_id,
            "villages": village.pk,
            "people": appt.person_id,
            "appointments": appt.pk,
            "first-secretaries": FirstSecretaryFactory(village=village).pk,
            "qualification-reviews": make_review(person=appt.person, village=village, by=county_user).pk,
        }

    return {"a": side(village_a), "b": side(village_b)}


ENDPOINTS = ["townships", "villages", "people", "appointments", "first-secretaries", "qualification-reviews"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_clerk_lists_only_own_township(endpoint, world, clerk_a):
    response = client_for(clerk_a).get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    # People: the first secretaries are people of their township too.
    expected = {world["a"][endpoint]}
    if endpoint == "people":
        expected.add(FirstSecretary.objects.get(pk=world["a"]["first-secretaries"]).person_id)
    assert ids == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_county_lists_both_townships(endpoint, world, county_user):
    ids = {row["id"] for row in client_for(county_user).get(f"/api/v1/{endpoint}/").json()["results"]}
    assert {world["a"][endpoint], world["b"][endpoint]} <= ids


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_other_township_detail_is_404_like_a_missing_row(endpoint, world, clerk_a):
    client = client_for(clerk_a)
    assert client.get(f"/api/v1/{endpoint}/{world['a'][endpoint]}/").status_code == 200
    other = client.get(f"/api/v1/{endpoint}/{world['b'][endpoint]}/")
    missing = client.get(f"/api/v1/{endpoint}/999999/")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


@pytest.mark.parametrize("endpoint", ["villages", "people", "appointments", "first-secretaries", "qualification-reviews"])
def test_filtering_by_other_township_is_refused_not_leaked(endpoint, world, clerk_a, township_b):
    response = client_for(clerk_a).get(f"/api/v1/{endpoint}/?township={township_b.pk}")
    assert response.status_code == 400
    assert set(response.json()) == {"township"}
    assert "results" not in response.json()


def test_filtering_people_by_other_village_returns_nothing(world, clerk_a, village_b):
    AppointmentFactory(village=village_b, post="chair", post_name="村民委员会主任")
    response = client_for(clerk_a).get(f"/api/v1/people/?village={village_b.pk}")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_search_does_not_reach_other_township(world, clerk_a):
    other = Person.objects.get(pk=world["b"]["people"])
    response = client_for(clerk_a).get("/api/v1/people/", {"q": other.name})
    assert response.json()["count"] == 0


def test_appointment_for_other_township_village_is_refused(world, clerk_a, village_b):
    person = Person.objects.get(pk=world["a"]["people"])
    before = Appointment.objects.count()
    response = client_for(clerk_a).post(
        "/api/v1/appointments/",
        {"person": person.pk, "village": village_b.pk, "post": "chair", "start_date": "2026-01-05"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"village"}
    assert OUT_OF_SCOPE in response.json()["village"][0]
    assert Appointment.objects.count() == before


def test_appointment_for_person_only_in_other_township_is_refused(world, clerk_a, village_a):
    outsider = Person.objects.get(pk=world["b"]["people"])
    before = Appointment.objects.count()
    response = client_for(clerk_a).post(
        "/api/v1/appointments/",
        {"person": outsider.pk, "village": village_a.pk, "post": "chair", "start_date": "2026-01-05"},
        format="json",
    )
    assert response.status_code == 400
    assert OUT_OF_SCOPE in response.json()["person"][0]
    assert Appointment.objects.count() == before


def test_appointment_with_other_township_review_is_refused(world, clerk_a, village_a):
    person = Person.objects.get(pk=world["a"]["people"])
    response = client_for(clerk_a).post(
        "/api/v1/appointments/",
        {
            "person": person.pk,
            "village": village_a.pk,
            "post": "chair",
            "start_date": "2026-01-05",
            "qualification_review": world["b"]["qualification-reviews"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert OUT_OF_SCOPE in response.json()["qualification_review"][0]


def test_review_request_for_other_township_is_refused(world, clerk_a, village_b):
    person = PersonFactory(registered_township=village_b.township)
    before = QualificationReview.objects.count()
    response = client_for(clerk_a).post(
        "/api/v1/qualification-reviews/", {"person": person.pk, "village": village_b.pk, "post": "chair"}, format="json"
    )
    assert response.status_code == 400
    assert {"person", "village"} == set(response.json())
    assert QualificationReview.objects.count() == before


def test_county_cannot_register_a_person_in_a_missing_township(county_user):
    response = client_for(county_user).post(
        "/api/v1/people/",
        {"id_number": "110101199003074477", "name": "王五", "political_status": "masses", "registered_township": 999999},
        format="json",
    )
    assert response.status_code == 400
    assert OUT_OF_SCOPE in response.json()["registered_township"][0]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("patch", "people/{people}/", {"phone": "13800001111"}),
        ("post", "appointments/{appointments}/approve/", {}),
        ("post", "appointments/{appointments}/reject/", {"note": "退回"}),
        ("post", "appointments/{appointments}/end/", {"end_date": "2025-01-01", "end_reason": "resigned"}),
        ("post", "first-secretaries/{first-secretaries}/presence/", {"month": "2025-05", "days_in_village": 20}),
    ],
)
def test_writes_on_other_township_objects_are_404(method, path, payload, world, clerk_a):
    url = "/api/v1/" + path.format_map(world["b"])
    response = getattr(client_for(clerk_a), method)(url, payload, format="json")
    assert response.status_code == 404
    assert Appointment.objects.get(pk=world["b"]["appointments"]).status == choices.FilingStatus.DRAFT
    assert Person.objects.get(pk=world["b"]["people"]).phone == ""


def test_clerk_b_sees_the_mirror_image(world, clerk_b):
    ids = {row["id"] for row in client_for(clerk_b).get("/api/v1/villages/").json()["results"]}
    assert ids == {world["b"]["villages"]}
