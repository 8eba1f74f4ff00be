"""API under /api/v1/reviews/: scoped lists, 404 doors, writes through services, query counts, schema."""

import pytest
from rest_framework.test import APIClient

from assessments import services
from assessments.models import BallotTally, ReviewResult, RollupRun

from ..factories import VillageFactory
from .factories import YEAR, ReviewFactory, scored_review

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reviews"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_results_list_is_scoped_and_paginated(clerk_a, village_a, village_b):
    mine = scored_review(village=village_a)
    other = scored_review(village=village_b)
    services.review_year_rollup(year=YEAR)
    body = api(clerk_a).get(f"{BASE}/results/?year={YEAR}").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [r["review"] for r in body["results"]] == [mine.pk]
    assert "= 0.3×" in body["results"][0]["score_explanation"]
    other_result = ReviewResult.objects.get(review=other)
    assert api(clerk_a).get(f"{BASE}/results/{other_result.pk}/").status_code == 404
    assert (
        api(clerk_a).post(f"{BASE}/results/{other_result.pk}/override/", {"grade": "excellent", "reason": "x"}).status_code == 404
    )


def test_ballots_written_through_the_service_with_field_errors(clerk_a, clerk_b, village_a):
    review = ReviewFactory(village=village_a)
    url = f"{BASE}/reviews/{review.pk}/ballots/"
    bad = {"group": "members", "entitled": 40, "attended": 50, "counts": {"competent": 30}}
    response = api(clerk_a).post(url, bad, format="json")
    assert response.status_code == 400
    assert response.json() == {"attended": ["实到人数（50）不能多于应到人数（40）。"]}
    assert api(clerk_b).post(url, {**bad, "attended": 36}, format="json").status_code == 404
    assert BallotTally.objects.count() == 0
    response = api(clerk_a).post(url, {**bad, "attended": 36}, format="json")
    assert response.status_code == 200
    assert response.json()["tallies"][0]["counts"] == {"competent": 30, "basic": 0, "incompetent": 0}


def test_clerk_cannot_start_rollup_county_can(clerk_a, county_user, village_a, django_capture_on_commit_callbacks):
    scored_review(village=village_a)
    assert api(clerk_a).post(f"{BASE}/rollups/", {"year": YEAR}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api(county_user).post(f"{BASE}/rollups/", {"year": YEAR})
    assert response.status_code == 202
    run = RollupRun.objects.get(pk=response.json()["id"])
    assert run.status == "done"
    assert api(county_user).get(f"{BASE}/rollups/{run.pk}/").json()["progress_percent"] == 100


@pytest.mark.parametrize("rows", [1, 50])
def test_results_api_query_count_is_constant(county_user, township_a, django_assert_num_queries, rows):
    for _ in range(rows):
        scored_review(village=VillageFactory(township=township_a))
    services.review_year_rollup(year=YEAR)
    with django_assert_num_queries(2):  # COUNT, page of results with person/village/township/review
        response = api(county_user).get(f"{BASE}/results/?year={YEAR}")
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_reviews_api_query_count_is_constant(county_user, township_a, django_assert_num_queries, rows):
    for _ in range(rows):
        scored_review(village=VillageFactory(township=township_a))
    with django_assert_num_queries(3):  # COUNT, page of reviews, prefetch tallies
        response = api(county_user).get(f"{BASE}/reviews/?year={YEAR}")
    assert len(response.json()["results"]) == rows


def test_openapi_schema_builds_with_review_paths(county_user):
    response = api(county_user).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/reviews/results/{id}/override/" in text
    assert "/api/v1/reviews/reviews/{id}/ballots/" in text


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        (f"{BASE}/reviews/?year=0", "year", "“年度”不能小于2000。"),
        (f"{BASE}/reviews/?township=abc", "township", "“乡镇(街道)”须为整数。"),
        (f"{BASE}/reviews/?status=done", "status", "选择一个有效的选项。 done 不在可用的选项中。"),
        (f"{BASE}/results/?year=99999999999", "year", "“年度”不能大于2100。"),
        (f"{BASE}/results/?township=-1", "township", "“乡镇(街道)”不能小于1。"),
        (f"{BASE}/proposals/?year=abc", "year", "“年度”须为整数。"),
    ],
)
def test_invalid_query_parameters_answer_400_keyed_by_field(county_user, url, field, message):
    response = api(county_user).get(url)
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_review_and_result_filters_still_filter(county_user, village_a, village_b):
    mine = scored_review(village=village_a)
    scored_review(village=village_b)
    services.review_year_rollup(year=YEAR)
    client = api(county_user)
    reviews = client.get(f"{BASE}/reviews/?year={YEAR}&township={village_a.township_id}").json()["results"]
    assert [r["id"] for r in reviews] == [mine.pk]
    assert client.get(f"{BASE}/reviews/?year={YEAR - 1}").json()["count"] == 0
    results = client.get(f"{BASE}/results/?year={YEAR}&township={village_a.township_id}").json()["results"]
    assert [r["review"] for r in results] == [mine.pk]
    assert client.get(f"{BASE}/proposals/?year={YEAR}&status=proposed").status_code == 200


def test_review_list_counts_each_reviews_files_by_subquery(county_user, township_a):
    """file_count (the 述职 mark of the list and its export) per review, without a GROUP BY over
    the year's reviews."""
    from assessments import selectors
    from assessments.models import ReviewFile

    with_files = ReviewFactory(village=VillageFactory(township=township_a))
    without = ReviewFactory(village=VillageFactory(township=township_a))
    for name in ("述职报告.docx", "述廉报告.docx"):
        ReviewFile.objects.create(review=with_files, file="reviews/x.docx", original_name=name, uploaded_by=county_user)
    counts = {r.pk: r.file_count for r in selectors.review_list(user=county_user)}
    assert counts == {with_files.pk: 2, without.pk: 0}
