"""The 优秀 quota over the whole county (policy quota.scope = "county") and ranking per township."""

import pytest

from assessments import services
from assessments.models import AnnualReview, ReviewResult
from cadres.models import PolicyProfile
from core.policy import default_profile_data

from ..factories import VillageFactory
from .factories import YEAR, scored_review

pytestmark = pytest.mark.django_db


def _policy(quota_scope="county", rank_scope="county"):
    data = default_profile_data()
    data["assessments"]["quota"] = {**data["assessments"]["quota"], "scope": quota_scope}
    data["assessments"]["ranking"] = {**data["assessments"]["ranking"], "scope": rank_scope}
    return PolicyProfile.objects.create(year=YEAR, title="测试", data=data)


def _township(township, excellent_dailies, others=None):
    """Secretaries with 优秀 vote shares (ordered by their daily score), plus ordinary ones up to
    ten reviews in the township."""
    reviews = [scored_review(village=VillageFactory(township=township), counts=(55, 4, 1), daily=d) for d in excellent_dailies]
    for _ in range((others if others is not None else 10) - len(excellent_dailies)):
        scored_review(village=VillageFactory(township=township), counts=(50, 8, 2), daily=80)
    return reviews


def _outcome(reviews):
    results = {r.review_id: r for r in ReviewResult.objects.filter(review__in=reviews)}
    return [(results[r.pk].grade, results[r.pk].status, results[r.pk].quota_status) for r in reviews]


WITHIN, TIE, OVER = ("excellent", "graded", "within"), ("", "tie", "tie"), ("competent", "graded", "over")


@pytest.mark.parametrize(
    ("a_dailies", "b_dailies", "a_expected", "b_expected", "excellent"),
    [
        # 20 reviews × 20 % = 4 places for the county: A's three and B's best; B's second is over
        ([99, 98, 97], [96, 95], [WITHIN, WITHIN, WITHIN], [WITHIN, OVER], 4),
        # a tie at the boundary across townships: both tied go back, nobody is picked silently
        ([99, 98, 96], [97, 96], [WITHIN, WITHIN, TIE], [WITHIN, TIE], 3),
        # a tie above the boundary is fine (both within), the next one is over
        ([99, 99], [98, 97, 90], [WITHIN, WITHIN], [WITHIN, WITHIN, OVER], 4),
        # fewer candidates than places: all within
        ([99], [98], [WITHIN], [WITHIN], 2),
    ],
)
def test_county_quota_is_shared_by_every_township(
    township_a, township_b, a_dailies, b_dailies, a_expected, b_expected, excellent
):
    _policy()
    a = _township(township_a, a_dailies)
    b = _township(township_b, b_dailies)
    services.review_year_rollup(year=YEAR)
    assert (_outcome(a), _outcome(b)) == (a_expected, b_expected)
    assert ReviewResult.objects.filter(grade="excellent").count() == excellent


def test_county_quota_explains_the_county_wide_count(township_a, township_b):
    _policy()
    _township(township_a, [99, 98, 96])
    b = _township(township_b, [97, 96])
    services.review_year_rollup(year=YEAR)
    text = ReviewResult.objects.get(review=b[1]).grade_explanation
    assert "优秀名额：20人×20%=4人；第4—5名并列" in text and "剩余1个名额由乡镇决定" in text


def test_the_same_reviews_with_a_township_quota_give_two_places_each(township_a, township_b):
    _policy(quota_scope="township")
    a = _township(township_a, [99, 98, 97])
    b = _township(township_b, [96, 95])
    services.review_year_rollup(year=YEAR)
    assert (_outcome(a), _outcome(b)) == ([WITHIN, WITHIN, OVER], [WITHIN, WITHIN])


def test_rerunning_one_township_counts_the_other_townships_stored_places(township_a, township_b):
    _policy()
    a = _township(township_a, [99, 98, 97])
    b = _township(township_b, [96, 95])
    services.review_year_rollup(year=YEAR)
    assert _outcome(b) == [WITHIN, OVER]
    # B's second secretary's daily score is corrected upwards; only B is recomputed.
    AnnualReview.objects.filter(pk=b[1].pk).update(daily_score=100)
    services.review_year_rollup(year=YEAR, township_id=township_b.pk)
    # A holds 3 of the 4 county places: B keeps one, now the better of its two.
    assert _outcome(a) == [WITHIN, WITHIN, WITHIN]
    assert _outcome(b) == [OVER, WITHIN]
    assert ReviewResult.objects.filter(grade="excellent").count() == 4
    # Rerunning A picks up B's new score in the county ranking (B's rerun left A's ranks as they
    # were); A keeps its three places, and a second rerun of A changes nothing at all.
    services.review_year_rollup(year=YEAR, township_id=township_a.pk)
    assert _outcome(a) == [WITHIN, WITHIN, WITHIN]
    assert ReviewResult.objects.get(review=b[1]).rank == 1
    assert [ReviewResult.objects.get(review=r).rank for r in a] == [2, 3, 4]
    history = ReviewResult.history.count()
    run = services.review_year_rollup(year=YEAR, township_id=township_a.pk)
    assert (run.counts["updated"], run.counts["unchanged"]) == (0, 10)
    assert ReviewResult.history.count() == history
    assert ReviewResult.objects.filter(grade="excellent").count() == 4


def test_rerunning_one_township_never_exceeds_the_county_quota(township_a, township_b):
    _policy()
    _township(township_a, [99, 98, 97, 96])  # A takes all 4 places
    b = _township(township_b, [95])
    services.review_year_rollup(year=YEAR)
    AnnualReview.objects.filter(pk=b[0].pk).update(daily_score=100)
    services.review_year_rollup(year=YEAR, township_id=township_b.pk)
    assert _outcome(b) == [OVER]  # no place left in the county, however high the score
    assert "已确定4人" in ReviewResult.objects.get(review=b[0]).grade_explanation
    assert ReviewResult.objects.filter(grade="excellent").count() == 4


def test_ranking_per_township_ranks_each_township_on_its_own(township_a, township_b):
    _policy(quota_scope="township", rank_scope="township")
    a = [scored_review(village=VillageFactory(township=township_a), village_score=s) for s in (90, 80, 80, 70)]
    b = [scored_review(village=VillageFactory(township=township_b), village_score=s) for s in (95, 60)]
    services.review_year_rollup(year=YEAR)
    results = {r.review_id: r for r in ReviewResult.objects.all()}
    assert [(results[r.pk].rank, results[r.pk].rank_total) for r in a] == [(1, 4), (2, 4), (2, 4), (4, 4)]
    assert [(results[r.pk].rank, results[r.pk].rank_total) for r in b] == [(1, 2), (2, 2)]
    assert results[b[0].pk].category_explanation.startswith("本乡镇排名第1/2")
    assert results[a[3].pk].category_explanation.startswith("本乡镇排名第4/4")
