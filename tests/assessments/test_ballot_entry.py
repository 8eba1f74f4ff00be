"""Ballot entry from the review list, the result recomputed at once on saving, and the 优秀 quota
per township on the campaign page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import services
from assessments.choices import Phase, RaterGroup
from assessments.models import ReviewCampaign, ReviewResult

from ..factories import VillageFactory
from .factories import YEAR, ReviewFactory, scored_review, tally

pytestmark = pytest.mark.django_db


def _ballots(competent=55, basic=4, incompetent=1):
    total = competent + basic + incompetent
    return {
        "entitled": total,
        "attended": total,
        "opt_competent": competent,
        "opt_basic": basic,
        "opt_incompetent": incompetent,
        "invalid_ballots": 0,
    }


def _entry_link(client, review):
    html = client.get(reverse("assessments:review_list", args=[YEAR])).content.decode()
    detail = reverse("assessments:review_detail", args=[review.pk])
    row = html[html.index(detail) :]
    row = row[: row.index("</tr>")]
    return row[row.index('class="btn btn-sm btn-outline-primary" href="') + 45 :].split('"')[0].replace("&amp;", "&")


def test_list_entry_opens_the_first_missing_ballot_form(client, clerk_a, village_a):
    review = ReviewFactory(village=village_a)
    client.force_login(clerk_a)
    township_form = reverse("assessments:ballot_edit", args=[review.pk, "township"]) + "?from=list"
    assert _entry_link(client, review) == township_form
    tally(review, RaterGroup.TOWNSHIP)
    assert _entry_link(client, review) == reverse("assessments:ballot_edit", args=[review.pk, "members"]) + "?from=list"
    tally(review, RaterGroup.MEMBERS)
    assert _entry_link(client, review) == reverse("assessments:review_edit", args=[review.pk])


def test_saving_both_ballots_from_the_list_shows_the_grade_at_once(client, clerk_a, village_a):
    review = ReviewFactory(village=village_a, daily_score=Decimal(85))
    for _ in range(4):  # five secretaries in the township: one 优秀 place
        scored_review(village=VillageFactory(township=village_a.township), daily=70)
    client.force_login(clerk_a)
    response = client.post(reverse("assessments:ballot_edit", args=[review.pk, "township"]) + "?from=list", _ballots())
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:ballot_edit", args=[review.pk, "members"]) + "?from=list"
    # One group only: the result is there at once, and says the data are incomplete.
    assert ReviewResult.objects.get(review=review).status == "incomplete"
    response = client.post(response["Location"], _ballots())
    assert response["Location"] == reverse("assessments:review_list", args=[YEAR])
    r = ReviewResult.objects.get(review=review)
    assert (r.status, r.score, r.grade, r.grade_label) == ("graded", Decimal("91.40"), "excellent", "优秀")
    assert "优秀名额：5人×20%=1人，按综合得分排第1名，在名额内" in r.grade_explanation
    assert (r.rank, r.rank_total) == (1, 5)
    html = client.get(reverse("assessments:review_detail", args=[review.pk])).content.decode()
    assert "91.4" in html and "优秀" in html and "数据不全" not in html


def test_ballots_from_the_detail_page_return_to_it(client, clerk_a, village_a):
    review = ReviewFactory(village=village_a)
    client.force_login(clerk_a)
    response = client.post(reverse("assessments:ballot_edit", args=[review.pk, "members"]), _ballots())
    assert response["Location"] == reverse("assessments:review_detail", args=[review.pk])


def test_recompute_of_one_review_matches_the_annual_rollup(county_user, village_a):
    """Same pure rules: recomputing after one ballot gives what the county rollup gives, the
    township quota included, and a second recompute writes nothing."""
    township = village_a.township
    reviews = [scored_review(village=VillageFactory(township=township), counts=(55, 4, 1), daily=d) for d in (90, 80)]
    reviews += [scored_review(village=VillageFactory(township=township), daily=70) for _ in range(3)]
    services.ballot_tally_save(
        review=reviews[1], by=county_user, group="members", entitled=60, attended=60, counts={"competent": 56, "basic": 4}
    )
    fields = ["review_id", "status", "score", "computed_grade", "grade", "quota_status", "rank", "village_category", "stars"]
    after_save = list(ReviewResult.objects.order_by("review_id").values_list(*fields))
    assert [g for _, _, _, _, g, *_ in after_save] == ["excellent", "competent", "competent", "competent", "competent"]
    history = ReviewResult.history.count()
    services.review_recompute(review=reviews[1], by=county_user)
    assert ReviewResult.history.count() == history
    ReviewResult.objects.all().delete()
    services.review_year_rollup(year=YEAR)
    assert list(ReviewResult.objects.order_by("review_id").values_list(*fields)) == after_save


def test_recompute_leaves_a_locked_year_alone(county_user, village_a):
    review = scored_review(village=village_a)
    ReviewCampaign.objects.filter(year=YEAR).update(phase=Phase.PUBLICITY)
    assert services.review_recompute(review=review, by=county_user) is None
    assert not ReviewResult.objects.exists()


def test_recompute_stays_in_the_reviews_township(county_user, village_a, village_b):
    mine, other = scored_review(village=village_a), scored_review(village=village_b)
    services.review_recompute(review=mine, by=county_user)
    assert ReviewResult.objects.filter(review=mine).exists()
    assert not ReviewResult.objects.filter(review=other).exists()


def test_campaign_page_shows_each_townships_quota_and_its_use(client, county_user, township_a, township_b):
    for d in (90, 80):
        scored_review(village=VillageFactory(township=township_a), counts=(55, 4, 1), daily=d)
    for _ in range(8):
        scored_review(village=VillageFactory(township=township_a), daily=70)
    for _ in range(4):
        scored_review(village=VillageFactory(township=township_b), daily=70)
    services.review_year_rollup(year=YEAR)
    client.force_login(county_user)
    response = client.get(reverse("assessments:campaign_detail", args=[YEAR]))
    rows = {p["township"]: p for p in response.context["progress"]}
    assert (rows[township_a]["quota_used"], rows[township_a]["quota"]) == (2, 2)  # 10 × 20 %
    assert (rows[township_b]["quota_used"], rows[township_b]["quota"]) == (0, 0)  # 4 × 20 % rounded down
    html = response.content.decode()
    assert "优秀名额（已用/名额）" in html
    assert "2 / 2" in html and "0 / 0" in html


def test_list_offers_no_entry_to_a_reader(client, auditor, village_a):
    review = ReviewFactory(village=village_a)
    client.force_login(auditor)
    html = client.get(reverse("assessments:review_list", args=[YEAR])).content.decode()
    row = html[html.index(reverse("assessments:review_detail", args=[review.pk])) :]
    assert "录入</a>" not in row[: row.index("</tr>")]
