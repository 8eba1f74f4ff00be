"""API under /api/v1/reserves/: list shape and query counts, writes through services, coverage, schema."""

import datetime

import pytest
from django.utils import timezone

from cadres.models import Appointment
from reserves.choices import Status
from reserves.models import ReserveCandidate

from ..factories import PersonFactory, VillageFactory
from .factories import ReserveCandidateFactory
from .helpers import conclude_review

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reserves/candidates/"


def test_list_is_paginated_and_filtered(client, county_user, village_a, village_b):
    ReserveCandidateFactory(village=village_a, person__name="甲后备", pooled=True)
    ReserveCandidateFactory(village=village_b, person__name="乙后备")
    client.force_login(county_user)
    data = client.get(BASE).json()
    assert set(data) == {"count", "next", "previous", "results"} and data["count"] == 2
    pooled = client.get(BASE + "?status=pooled").json()["results"]
    assert [r["person_name"] for r in pooled] == ["甲后备"]
    assert pooled[0]["status_label"] == "入库" and pooled[0]["review_outcome"] == "pass" and pooled[0]["township_name"] == "甲镇"


@pytest.mark.parametrize("rows", [1, 50])
def test_list_query_count_does_not_grow(client, county_user, township_a, django_assert_num_queries, rows):
    village = VillageFactory(township=township_a)
    for i in range(rows):
        ReserveCandidateFactory(village=village, pooled=i % 3 == 0)
    client.force_login(county_user)
    # session, user, COUNT, page (everything joined, mentor count as a subquery) = 4
    with django_assert_num_queries(4):
        response = client.get(BASE)
    assert response.json()["count"] == rows


def test_pipeline_through_the_api(client, clerk_a, county_user, village_a, township_a):
    person = PersonFactory(born=datetime.date(1995, 2, 3), registered_township=township_a)
    client.force_login(clerk_a)
    response = client.post(
        BASE,
        {"person": person.pk, "village": village_a.pk, "cohort": 2026, "source": "veteran", "intended_post": "chair"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["status"] == Status.SURVEYED and response.json()["events"][0]["to_status"] == "surveyed"
    assert client.post(f"{BASE}{pk}/nominate/", {}, content_type="application/json").json()["status"] == "nominated"
    forbidden = client.post(f"{BASE}{pk}/review/", {}, content_type="application/json")
    assert forbidden.status_code == 403 and forbidden.json()["detail"] == "该步骤由县委组织部办理。"
    client.force_login(county_user)
    assert client.post(f"{BASE}{pk}/review/", {}, content_type="application/json").json()["status"] == "reviewing"
    refused = client.post(f"{BASE}{pk}/pool/", {}, content_type="application/json")
    assert refused.status_code == 400 and "尚未办结" in refused.json()["qualification_review"][0]
    conclude_review(ReserveCandidate.objects.get(pk=pk).qualification_review, by=county_user)
    assert client.post(f"{BASE}{pk}/pool/", {}, content_type="application/json").json()["status"] == "pooled"
    today = timezone.localdate().isoformat()
    appointed = client.post(f"{BASE}{pk}/appoint/", {"start_date": today}, content_type="application/json").json()
    assert appointed["status"] == "appointed" and appointed["appointment"] == Appointment.objects.get().pk


def test_development_endpoints_and_field_keyed_errors(client, clerk_a, village_a):
    candidate = ReserveCandidateFactory(village=village_a, pooled=True)
    client.force_login(clerk_a)
    url = f"{BASE}{candidate.pk}/"
    r = client.post(
        url + "mentorships/",
        {"mentor_type": "first_secretary", "mentor_name": "王书记", "start_date": "2025-03-01"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["mentorships"][0]["mentor_type_name"] == "驻村第一书记"
    r = client.post(
        url + "practice-posts/", {"post": "party_group_leader", "start_date": "2025-03-01"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["practice_posts"][0]["post_name"] == "党小组长"
    r = client.post(url + "party-stages/", {"stage": "activist", "date": "2023-05-10"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["party_next"] == {"stage": "candidate", "label": "发展对象", "due": "2024-05-10"}
    r = client.post(url + "party-stages/", {"stage": "candidate", "date": "2024-05-09"}, content_type="application/json")
    assert r.status_code == 400 and "2024年05月10日" in r.json()["date"][0]
    r = client.post(url + "appraisals/", {"year": 2025, "result": "nope"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["result"] == ["请选择当年政策配置中的测评结果。"]


def test_coverage_endpoint_matches_the_worked_example(client, county_user, township_a):
    a, b, c = (VillageFactory(township=township_a, name=n) for n in ("A村", "B村", "C村"))
    for v, n in ((a, 3), (b, 1)):
        for _ in range(n):
            ReserveCandidateFactory(village=v, pooled=True)
    client.force_login(county_user)
    data = client.get("/api/v1/reserves/coverage/?cohort=2026").json()
    assert data["target"] == 2 and data["county"]["meeting"] == 1 and data["county"]["share"] == "33.33"
    assert data["below"] == [b.pk, c.pk]
    assert data["townships"][0]["name"] == "甲镇" and data["townships"][0]["below"] == 2


def test_openapi_schema_lists_the_reserve_endpoints(client, county_user):
    client.force_login(county_user)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/reserves/candidates/{id}/appoint/" in text and "/api/v1/reserves/coverage/" in text
