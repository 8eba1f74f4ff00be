"""API endpoints that mirror the detail page's remaining actions and the structure page: end a
mentorship, assess a practice post, read the pool structure; same scope (404 across townships)."""

import datetime

import pytest

from reserves.models import Mentorship, PracticePost

from ..factories import PersonFactory
from .factories import ReserveCandidateFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reserves/candidates/"
D = datetime.date


@pytest.fixture
def candidate(village_a):
    c = ReserveCandidateFactory(village=village_a, pooled=True)
    Mentorship.objects.create(
        candidate=c, mentor_type="contact_cadre", mentor_type_name="包村干部", mentor_name="甲导师", start_date=D(2025, 1, 1)
    )
    PracticePost.objects.create(candidate=c, post="group_leader", post_name="村民小组长", start_date=D(2025, 1, 1))
    return c


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_end_a_mentorship(client, clerk_a, candidate):
    mentorship = candidate.mentorships.get()
    client.force_login(clerk_a)
    url = f"{BASE}{candidate.pk}/mentorships/{mentorship.pk}/end/"
    r = _post(client, url, {"end_date": "2024-12-31"})
    assert r.status_code == 400 and r.json()["end_date"] == ["帮带结束日期不能早于开始日期（2025年01月01日）。"]
    r = _post(client, url, {})
    assert r.status_code == 400 and "end_date" in r.json()
    r = _post(client, url, {"end_date": "2025-06-30"})
    assert r.status_code == 200 and r.json()["mentorships"][0]["end_date"] == "2025-06-30"
    mentorship.refresh_from_db()
    assert mentorship.end_date == D(2025, 6, 30) and mentorship.history.first().history_user == clerk_a
    assert _post(client, url, {"end_date": "2025-07-01"}).json()["end_date"] == ["该帮带关系已结束。"]


def test_assess_a_practice_post(client, clerk_a, candidate):
    practice = candidate.practice_posts.get()
    client.force_login(clerk_a)
    url = f"{BASE}{candidate.pk}/practice-posts/{practice.pk}/assess/"
    r = _post(client, url, {"assessment": ""})
    assert r.status_code == 400 and r.json()["assessment"] == ["请填写锻炼评价或结束日期。"]
    r = _post(client, url, {"assessment": "群众基础好，能担事", "end_date": "2025-06-30"})
    assert r.status_code == 200
    assert r.json()["practice_posts"][0] == {
        "id": practice.pk,
        "post": "group_leader",
        "post_name": "村民小组长",
        "start_date": "2025-01-01",
        "end_date": "2025-06-30",
        "assessment": "群众基础好，能担事",
    }


def test_actions_of_another_township_are_404_and_auditors_403(client, clerk_b, auditor, candidate):
    mentorship, practice = candidate.mentorships.get(), candidate.practice_posts.get()
    end = f"{BASE}{candidate.pk}/mentorships/{mentorship.pk}/end/"
    assess = f"{BASE}{candidate.pk}/practice-posts/{practice.pk}/assess/"
    client.force_login(clerk_b)
    assert _post(client, end, {"end_date": "2025-06-30"}).status_code == 404
    assert _post(client, assess, {"assessment": "x"}).status_code == 404
    client.force_login(auditor)
    assert _post(client, end, {"end_date": "2025-06-30"}).status_code == 403
    assert _post(client, assess, {"assessment": "x"}).status_code == 403
    mentorship.refresh_from_db()
    practice.refresh_from_db()
    assert mentorship.end_date is None and practice.assessment == ""


def test_a_mentorship_of_another_candidate_is_404(client, clerk_a, candidate, village_a):
    other = ReserveCandidateFactory(village=village_a, pooled=True, person=PersonFactory())
    client.force_login(clerk_a)
    mentorship = candidate.mentorships.get()
    assert _post(client, f"{BASE}{other.pk}/mentorships/{mentorship.pk}/end/", {"end_date": "2025-06-30"}).status_code == 404


def test_structure_endpoint_counts_pool_members_in_scope(client, clerk_a, county_user, candidate, village_b):
    ReserveCandidateFactory(village=village_b, pooled=True, person__sex="F")
    client.force_login(county_user)
    body = client.get("/api/v1/reserves/structure/?cohort=2026").json()
    assert body["cohort"] == 2026 and body["total"] == 2
    sex = next(d for d in body["dimensions"] if d["key"] == "sex")
    total = sex["rows"][-1]
    assert total["name"] == "合计" and total["total"] == 2 and sum(total["counts"].values()) == 2
    assert [r["name"] for r in sex["rows"]] == ["甲镇", "乙镇", "合计"]
    assert {r["name"]: r["total"] for r in sex["rows"]} == {"甲镇": 1, "乙镇": 1, "合计": 2}
    client.force_login(clerk_a)
    mine = client.get("/api/v1/reserves/structure/").json()
    assert mine["total"] == 1
    assert [r["name"] for r in mine["dimensions"][0]["rows"]] == ["甲镇", "合计"]


def test_coverage_endpoint_takes_a_township_in_scope(client, clerk_a, county_user, candidate, township_a, village_b):
    township_b = village_b.township
    client.force_login(county_user)
    body = client.get(f"/api/v1/reserves/coverage/?township={township_b.pk}").json()
    assert [t["name"] for t in body["townships"]] == ["乙镇"] and [v["name"] for v in body["villages"]] == ["乙一村"]
    assert body["county"]["members"] == 0
    client.force_login(clerk_a)
    assert client.get(f"/api/v1/reserves/coverage/?township={township_b.pk}").status_code == 404
    assert client.get(f"/api/v1/reserves/coverage/?township={township_a.pk}").json()["county"]["members"] == 1


# ---------------------------------------------------------------------------------------------
# Query parameters: a field-keyed Chinese 400, never a 500 (found by tests/test_api_fuzz.py)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/api/v1/reserves/structure/?cohort=0", "cohort", "“换届届次”不能小于2000。"),
        ("/api/v1/reserves/structure/?cohort=99999999999", "cohort", "“换届届次”不能大于2100。"),
        ("/api/v1/reserves/structure/?cohort=2.3e16", "cohort", "“换届届次”须为整数。"),
        ("/api/v1/reserves/coverage/?cohort=-1", "cohort", "“换届届次”不能小于2000。"),
        ("/api/v1/reserves/coverage/?township=abc", "township", "“乡镇(街道)”须为整数。"),
        ("/api/v1/reserves/coverage/?township=0", "township", "“乡镇(街道)”不能小于1。"),
        ("/api/v1/reserves/candidates/?cohort=0", "cohort", "“换届届次”不能小于2000。"),
        ("/api/v1/reserves/candidates/?village=99999999999999999999", "village", "“村(社区)”不能大于9223372036854775807。"),
    ],
)
def test_out_of_range_parameters_answer_400_keyed_by_field(client, county_user, url, field, message):
    client.force_login(county_user)
    response = client.get(url)
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_valid_cohort_and_township_still_answer(client, clerk_a, township_a, township_b, candidate):
    client.force_login(clerk_a)
    body = client.get(f"/api/v1/reserves/coverage/?cohort=2026&township={township_a.pk}").json()
    assert (body["cohort"], [t["name"] for t in body["townships"]]) == (2026, ["甲镇"])
    assert client.get(f"/api/v1/reserves/coverage/?township={township_b.pk}").status_code == 404
    assert client.get("/api/v1/reserves/structure/?cohort=2026").json()["total"] == 1
    assert [c["id"] for c in client.get("/api/v1/reserves/candidates/?cohort=2026").json()["results"]] == [candidate.pk]


def test_review_outcome_is_null_without_a_review_and_the_schema_says_so(client, county_user, village_a):
    surveyed = ReserveCandidateFactory(village=village_a)
    client.force_login(county_user)
    row = client.get("/api/v1/reserves/candidates/").json()["results"][0]
    assert (row["id"], row["review_outcome"]) == (surveyed.pk, None)
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Candidate"]["properties"]["review_outcome"]["nullable"] is True


def test_coverage_page_with_a_non_ascii_digit_township_is_404_not_500(client, county_user):
    client.force_login(county_user)
    assert client.get("/reserves/coverage/?township=²").status_code == 404
