"""HTML pages of the reserve pool: content, forms, steps, query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cadres.choices import VettingResult
from reserves.choices import Status
from reserves.models import Appraisal, ReserveCandidate

from ..factories import PersonFactory, VillageFactory
from .factories import ReserveCandidateFactory
from .helpers import conclude_review

pytestmark = pytest.mark.django_db
D = datetime.date


def test_list_page_shows_scoped_rows_in_chinese(client, clerk_a, village_a, village_b):
    ReserveCandidateFactory(village=village_a, person__name="甲后备")
    ReserveCandidateFactory(village=village_b, person__name="乙后备")
    client.force_login(clerk_a)
    response = client.get(reverse("reserves:candidate_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>后备力量 · 头雁</title>" in html
    assert "甲后备" in html and "乙后备" not in html
    assert [c.person.name for c in response.context["rows"]] == ["甲后备"]


@pytest.mark.parametrize("rows", [1, 50])
def test_list_page_query_count_does_not_grow(client, county_user, township_a, django_assert_num_queries, rows):
    villages = [VillageFactory(township=township_a) for _ in range(3)]
    for i in range(rows):
        ReserveCandidateFactory(village=villages[i % 3], pooled=i % 2 == 0)
    client.force_login(county_user)
    # session, user, COUNT, 2× permissions (navigation), township filter options, village filter
    # options (+township), page of candidates (person/village/township/review/appointment joined,
    # mentor count as subquery) = 8
    with django_assert_num_queries(8):
        response = client.get(reverse("reserves:candidate_list"))
    assert len(response.context["rows"]) == rows


def test_clerk_surveys_a_person_through_the_form(client, clerk_a, village_a, township_a):
    person = PersonFactory(name="钱多多", born=D(1997, 1, 5), registered_township=township_a)
    client.force_login(clerk_a)
    url = reverse("reserves:candidate_create")
    page = client.get(url + f"?person={person.pk}")
    assert page.status_code == 200 and page.context["form"].initial["id_number"] == person.id_number
    data = {
        "id_number": person.id_number,
        "village": village_a.pk,
        "cohort": 2026,
        "source": "wealth_leader",
        "intended_post": "vice_chair",
        "surveyed_on": "2025-03-01",
    }
    response = client.post(url, data)
    candidate = ReserveCandidate.objects.get()
    assert response.status_code == 302 and response.url == reverse("reserves:candidate_detail", args=[candidate.pk])
    assert candidate.person == person and candidate.source_name == "致富能手" and candidate.surveyed_on == D(2025, 3, 1)


def test_survey_form_errors_are_chinese_and_write_nothing(client, clerk_a, village_a, village_b, township_a):
    old = PersonFactory(born=D(1980, 1, 5), registered_township=township_a)
    client.force_login(clerk_a)
    url = reverse("reserves:candidate_create")
    base = {"village": village_a.pk, "cohort": 2026, "source": "veteran", "intended_post": "chair", "surveyed_on": "2025-03-01"}
    response = client.post(url, base | {"id_number": "430122199901010000"})
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    response = client.post(url, base | {"id_number": old.id_number})
    assert "超过后备力量年龄条件" in response.content.decode()
    response = client.post(url, base | {"id_number": old.id_number, "village": village_b.pk})
    assert "village" in response.context["form"].errors  # another township's village is not an option
    assert ReserveCandidate.objects.count() == 0


def test_detail_page_walks_the_pipeline(client, clerk_a, county_user, village_a):
    candidate = ReserveCandidateFactory(village=village_a, person__name="孙后备")
    detail = reverse("reserves:candidate_detail", args=[candidate.pk])
    client.force_login(clerk_a)
    page = client.get(detail)
    assert page.context["can"]["nominate"] and not page.context["can"]["review"]
    assert 'id="action-review"' not in page.content.decode()
    response = client.post(reverse("reserves:candidate_nominate", args=[candidate.pk]), {"nominate-note": "同意推荐"})
    assert response.status_code == 302
    assert client.post(reverse("reserves:candidate_review", args=[candidate.pk]), {}).status_code == 403
    client.force_login(county_user)
    assert client.post(reverse("reserves:candidate_review", args=[candidate.pk]), {}).status_code == 302
    candidate.refresh_from_db()
    response = client.post(reverse("reserves:candidate_pool", args=[candidate.pk]), {})
    assert response.status_code == 400 and "资格联审尚未办结" in response.content.decode()
    conclude_review(candidate.qualification_review, by=county_user)
    assert client.post(reverse("reserves:candidate_pool", args=[candidate.pk]), {}).status_code == 302
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("reserves:candidate_appoint", args=[candidate.pk]),
        {"appoint-start_date": today, "appoint-post": "committee_member"},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == Status.APPOINTED
    html = client.get(detail).content.decode()
    assert "已任用" in html and "村民委员会委员" in html


def test_failed_review_shows_on_the_page_and_pool_is_refused(client, county_user, village_a):
    from reserves import services

    candidate = ReserveCandidateFactory(village=village_a, status=Status.NOMINATED)
    candidate = services.reserve_review_request(candidate=candidate, by=county_user)
    conclude_review(candidate.qualification_review, by=county_user, result=VettingResult.FAIL)
    client.force_login(county_user)
    response = client.post(reverse("reserves:candidate_pool", args=[candidate.pk]), {})
    assert response.status_code == 400
    assert "资格联审未通过，不能入库" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == Status.REVIEWING


def test_development_forms_on_the_detail_page(client, clerk_a, village_a):
    candidate = ReserveCandidateFactory(village=village_a, pooled=True, surveyed_on=D(2024, 3, 1))
    client.force_login(clerk_a)
    ok = [
        (
            "reserves:mentorship_add",
            {"mentor-mentor_type": "contact_cadre", "mentor-mentor_name": "周干部", "mentor-start_date": "2025-03-01"},
        ),
        ("reserves:practice_post_add", {"practice-post": "group_leader", "practice-start_date": "2025-03-01"}),
        ("reserves:appraisal_add", {"appraisal-year": "2024", "appraisal-result": "poor", "appraisal-date": "2024-12-30"}),
        ("reserves:party_stage_add", {"party-stage": "activist", "party-date": "2024-05-10"}),
    ]
    for name, data in ok:
        response = client.post(reverse(name, args=[candidate.pk]), data)
        assert response.status_code == 302, (name, response.content.decode()[:500])
    response = client.post(
        reverse("reserves:party_stage_add", args=[candidate.pk]), {"party-stage": "candidate", "party-date": "2025-01-01"}
    )
    assert response.status_code == 400 and "最早于2025年05月10日" in response.content.decode()
    page = client.get(reverse("reserves:candidate_detail", args=[candidate.pk])).content.decode()
    assert "周干部" in page and "一带一" in page and "村民小组长" in page
    assert "建议调整出库" in page and "下一阶段：<strong>发展对象</strong>，最早 2025-05-10" in page
    assert Appraisal.objects.get().is_poor


def test_coverage_page_marks_villages_below_target(client, county_user, township_a):
    a, b, c = (VillageFactory(township=township_a, name=n) for n in ("A村", "B村", "C村"))
    for _ in range(3):
        ReserveCandidateFactory(village=a, pooled=True)
    ReserveCandidateFactory(village=b, pooled=True)
    ReserveCandidateFactory(village=c)  # surveyed only: does not count
    client.force_login(county_user)
    # the county's first screen is by township; a township's villages are one click away
    response = client.get(reverse("reserves:coverage"), {"township": township_a.pk})
    assert response.status_code == 200
    assert [v.name for v in response.context["below"]] == ["B村", "C村"]
    assert response.context["county"]["meeting"] == 1 and str(response.context["county"]["share"]) == "33.33"
    html = response.content.decode()
    assert 'id="county-share">33.33%' in html and "缺1人" in html and "缺2人" in html


def test_structure_page_counts_pool_members(client, county_user, township_a, village_a):
    ReserveCandidateFactory(village=village_a, pooled=True, person__born=D(1996, 1, 1), person__male=False)
    ReserveCandidateFactory(village=village_a, pooled=True, person__born=D(1989, 6, 1), person__education_fulltime="5_college")
    ReserveCandidateFactory(village=village_a)  # not in the pool
    client.force_login(county_user)
    response = client.get(reverse("reserves:structure") + "?cohort=2026")
    assert response.status_code == 200 and response.context["total"] == 2
    tables = {t["key"]: t for t in response.context["tables"]}
    total_age = tables["age"]["rows"][-1]
    assert dict(zip(tables["age"]["columns"], total_age["cells"], strict=True))["30岁及以下"] == 1
    assert dict(zip(tables["age"]["columns"], total_age["cells"], strict=True))["36–40岁"] == 1
    sex = dict(zip(tables["sex"]["columns"], tables["sex"]["rows"][-1]["cells"], strict=True))
    assert sex == {"男": 1, "女": 1}


def test_person_page_shows_the_reserve_section_and_history(client, clerk_a, village_a):
    from reserves import services

    candidate = ReserveCandidateFactory(village=village_a, person__name="李后备")
    services.reserve_nominate(candidate=candidate, by=clerk_a)
    client.force_login(clerk_a)
    response = client.get(reverse("cadres:person_detail", args=[candidate.person_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="section-reserves"' in html and "2026届" in html and "乡镇推荐" in html
    assert "后备力量变更记录（2）" in html


def test_person_page_offers_to_add_a_person_who_is_not_a_reserve(client, clerk_a, township_a):
    person = PersonFactory(registered_township=township_a)
    client.force_login(clerk_a)
    html = client.get(reverse("cadres:person_detail", args=[person.pk])).content.decode()
    assert f"{reverse('reserves:candidate_create')}?person={person.pk}" in html
