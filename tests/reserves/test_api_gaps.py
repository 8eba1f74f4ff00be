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
