"""Services of the annual review: generation, entry rules, the rollup, ties, locking, consequences."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import selectors, services
from assessments.choices import Phase, ProposalKind, ProposalStatus, RaterGroup, ResultStatus
from assessments.models import AnnualReview, BallotTally, ConsequenceProposal, ResultAmendment, ReviewResult

from ..factories import VillageFactory
from .factories import YEAR, CampaignFactory, ReviewFactory, scored_review, secretary

pytestmark = pytest.mark.django_db


def rollup(year=YEAR, **kw):
    return services.review_year_rollup(year=year, **kw)


def result_of(review) -> ReviewResult:
    return ReviewResult.objects.get(review=review)


# ---------------------------------------------------------------------------------------------
# Generation and entry
# ---------------------------------------------------------------------------------------------


def test_generate_snapshots_current_secretaries_in_the_clerks_township_only(clerk_a, village_a, village_b):
    campaign = CampaignFactory(phase=Phase.REPORT)
    mine = secretary(village_a, start_date=datetime.date(2016, 3, 1))
    secretary(village_b)
    assert services.reviews_generate(campaign=campaign, by=clerk_a) == 1
    review = AnnualReview.objects.get()
    assert (review.person_id, review.village_id, review.township_id) == (mine.person_id, village_a.pk, village_a.township_id)
    assert (review.post_name, review.post_start_date, review.service_years) == ("村党组织书记", datetime.date(2016, 3, 1), 9)
    assert review.history.get().history_user == clerk_a
    assert services.reviews_generate(campaign=campaign, by=clerk_a) == 0  # idempotent
    assert AnnualReview.objects.count() == 1


def test_one_review_per_person_per_year_is_a_db_rule(village_a):
    review = ReviewFactory(village=village_a)
    dup = AnnualReview(campaign=review.campaign, year=YEAR, person=review.person, village=village_a, township=village_a.township)
    with pytest.raises(ValidationError) as exc:
        dup.full_clean()
    assert "此人本年度已有考核记录" in str(exc.value)


@pytest.mark.parametrize(
    ("entitled", "attended", "counts", "field", "message"),
    [
        (40, 41, {"competent": 30}, "attended", "实到人数（41）不能多于应到人数（40）。"),
        (40, 30, {"competent": 25, "basic": 6}, "counts", "有效票与废票合计（31）不能多于实到人数（30）。"),
        (0, 0, {}, "entitled", "应到人数须大于0。"),
        (40, 30, {"excellent": 3}, "counts", "测评票选项不在2025年度政策配置中：excellent"),
    ],
)
def test_bad_ballot_counts_are_refused_by_field_and_nothing_is_written(
    clerk_a, village_a, entitled, attended, counts, field, message
):
    review = ReviewFactory(village=village_a)
    with pytest.raises(ValidationError) as exc:
        services.ballot_tally_save(
            review=review, by=clerk_a, group=RaterGroup.MEMBERS, entitled=entitled, attended=attended, counts=counts
        )
    assert exc.value.message_dict[field] == [message]
    assert BallotTally.objects.count() == 0


def test_clerk_cannot_enter_ballots_for_another_township(clerk_b, village_a):
    review = ReviewFactory(village=village_a)
    with pytest.raises(PermissionDenied):
        services.ballot_tally_save(review=review, by=clerk_b, group="members", entitled=40, attended=36, counts={"competent": 36})
    assert BallotTally.objects.count() == 0


def test_entry_is_closed_after_publicity(clerk_a, village_a):
    review = ReviewFactory(village=village_a, campaign=CampaignFactory(phase=Phase.PUBLICITY))
    with pytest.raises(ValidationError) as exc:
        services.review_update(review=review, by=clerk_a, daily_score=Decimal(90))
    assert "公示" in exc.value.message_dict["campaign"][0]
    review.refresh_from_db()
    assert review.daily_score == Decimal("85.00")


def test_items_copy_labels_and_points_from_the_policy(clerk_a, village_a):
    review = ReviewFactory(village=village_a)
    items = services.review_items_set(review=review, by=clerk_a, kind="adjust", codes=["b_city_award", "p_safety"])
    assert sorted((i.code, i.points) for i in items) == [("b_city_award", Decimal("2")), ("p_safety", Decimal("-3"))]
    with pytest.raises(ValidationError) as exc:
        services.review_items_set(review=review, by=clerk_a, kind="adjust", codes=["nope"])
    assert "nope" in exc.value.message_dict["codes"][0]
    assert review.items.count() == 2


# ---------------------------------------------------------------------------------------------
# The rollup: scores, explanations, quota with ties (§12.6), idempotency
# ---------------------------------------------------------------------------------------------


def test_rollup_explains_every_number(village_a):
    review = scored_review(village=village_a, counts=(55, 4, 1), daily=85)
    for _ in range(4):  # five secretaries in the township: one 优秀 place (20 %)
        scored_review(village=VillageFactory(township=village_a.township), daily=70)
    run = rollup()
    r = result_of(review)
    assert run.status == "done"
    assert r.score == Decimal("91.40")
    assert "91.4 = 0.3×95.67 + 0.3×95.67 + 0.4×85" in r.score_explanation
    assert "党员和村民代表测评折算分 95.67 = (55×100 + 4×60 + 1×0) ÷ 60" in r.score_explanation
    assert (r.grade, r.grade_label) == ("excellent", "优秀")
    assert "优秀：称职票 91.7% ≥ 90%" in r.grade_explanation
    assert "优秀名额：5人×20%=1人，按综合得分排第1名，在名额内" in r.grade_explanation
    assert (r.rank, r.rank_total, r.village_category) == (1, 5, "A")
    assert r.stars == 3
    assert r.star_reasons == ["赋1星：任书记满1年", "加1星：年度考核优秀", "加1星：所在村考核为一类村"]


def test_single_secretary_township_gets_no_excellent_place(village_a):
    review = scored_review(village=village_a, counts=(55, 4, 1))
    rollup()
    r = result_of(review)
    assert (r.computed_grade, r.grade, r.quota_status) == ("excellent", "competent", "over")
    assert "1人×20%=0人" in r.grade_explanation


def twenty_secretaries(township_village_factory, daily_scores):
    """20 secretaries of one township; the first len(daily_scores) get 优秀 by vote share."""
    reviews = []
    for i in range(20):
        village = township_village_factory()
        if i < len(daily_scores):
            reviews.append(scored_review(village=village, counts=(55, 4, 1), daily=daily_scores[i]))
        else:
            reviews.append(scored_review(village=village, counts=(50, 8, 2), daily=80))
    return reviews


def test_twenty_secretaries_at_most_four_excellent_and_a_boundary_tie_goes_back(township_a, clerk_a, county_user):
    reviews = twenty_secretaries(lambda: VillageFactory(township=township_a), [99, 98, 97, 96, 96, 90])
    rollup()
    results = {r.review_id: r for r in ReviewResult.objects.all()}
    statuses = [results[r.pk].status for r in reviews[:6]]
    grades = [results[r.pk].grade for r in reviews[:6]]
    assert grades == ["excellent", "excellent", "excellent", "", "", "competent"]
    assert statuses[3:5] == [ResultStatus.TIE, ResultStatus.TIE]
    assert ReviewResult.objects.filter(grade="excellent").count() == 3  # never 5, never a silent 4th
    assert "优秀名额：20人×20%=4人；第4—5名并列" in results[reviews[3].pk].grade_explanation
    assert "超出名额，降为称职" in results[reviews[5].pk].grade_explanation
    # Every created result has its "+" history row (written by COPY alongside the rows), with the JSON reasons intact.
    created = ReviewResult.history.filter(history_type="+", history_change_reason="年度汇总计算")
    assert created.count() == 20
    assert {h.star_reasons == results[h.review_id].star_reasons for h in created} == {True}

    # The township decides the tie, with a reason; a second 优秀 would exceed the quota.
    tied_a, tied_b = results[reviews[3].pk], results[reviews[4].pk]
    services.result_override(result=tied_a, by=clerk_a, grade="excellent", reason="乡镇党委会议研究决定")
    with pytest.raises(ValidationError) as exc:
        services.result_override(result=tied_b, by=clerk_a, grade="excellent", reason="也想评优")
    assert "优秀名额已满（上限4人，已确定4人）" in exc.value.message_dict["grade"][0]
    services.result_override(result=tied_b, by=clerk_a, grade="competent", reason="乡镇党委会议研究决定")
    # A clerk may only decide ties, not re-grade others.
    with pytest.raises(PermissionDenied):
        services.result_override(result=results[reviews[5].pk], by=clerk_a, grade="basic", reason="x")

    # Rerun: the decisions stand; a second rerun changes nothing at all.
    rollup()
    history_before = ReviewResult.history.count()
    second = rollup()
    assert ReviewResult.history.count() == history_before
    assert (second.counts["updated"], second.counts["created"], second.counts["unchanged"]) == (0, 0, 20)
    assert ReviewResult.objects.filter(grade="excellent").count() == 4
    assert ReviewResult.objects.get(pk=tied_a.pk).override_reason == "乡镇党委会议研究决定"


def test_override_without_reason_is_refused(county_user, village_a):
    review = scored_review(village=village_a)
    rollup()
    with pytest.raises(ValidationError) as exc:
        services.result_override(result=result_of(review), by=county_user, grade="basic", reason="  ")
    assert exc.value.message_dict == {"reason": ["人工确定等次须填写理由。"]}
    assert result_of(review).override_grade == ""


def test_invalid_meeting_is_returned_for_a_new_ballot(village_a):
    review = scored_review(village=village_a)
    BallotTally.objects.filter(review=review, group="members").update(entitled=40, attended=25)
    rollup()
    r = result_of(review)
    assert (r.status, r.grade, r.rank) == (ResultStatus.INVALID, "", None)
    assert "实到25/40人（62.5%）未达到> 2/3，测评无效" in r.grade_explanation


def test_ranking_sets_village_category(township_a, township_b):
    scores = [95, 90, 85, 80, 75, 70, 65, 60, 55, 50]
    reviews = [
        scored_review(village=VillageFactory(township=township_a if i % 2 else township_b), village_score=s)
        for i, s in enumerate(scores)
    ]
    rollup()
    got = [(result_of(r).rank, result_of(r).village_category) for r in reviews]
    assert got == [(1, "A"), (2, "A"), (3, "B"), (4, "B"), (5, "B"), (6, "B"), (7, "B"), (8, "C"), (9, "C"), (10, "D")]
    assert result_of(reviews[2]).category_explanation == "全县排名第3/10（前30%）→ 二类村（前70%）"


def test_rollup_for_one_township_writes_only_that_township(township_a, township_b):
    a = scored_review(village=VillageFactory(township=township_a))
    b = scored_review(village=VillageFactory(township=township_b))
    rollup(township_id=township_a.pk)
    assert ReviewResult.objects.filter(review=a).exists()
    assert not ReviewResult.objects.filter(review=b).exists()


# ---------------------------------------------------------------------------------------------
# Consequences
# ---------------------------------------------------------------------------------------------


def test_consecutive_poor_years_propose_adjustment_and_admonition_leads_to_reballot(village_a, county_user):
    person_review_2024 = scored_review(village=village_a, campaign=CampaignFactory(year=2024), counts=(20, 10, 30))
    rollup(year=2024)
    assert result_of(person_review_2024).grade == "incompetent"
    review = scored_review(village=village_a, person=person_review_2024.person, counts=(25, 10, 25))
    rollup()
    kinds = dict(ConsequenceProposal.objects.filter(year=YEAR).values_list("kind", "reason"))
    assert kinds[ProposalKind.ADJUSTMENT] == "连续2年等次较差（2024年不称职、2025年基本称职），建议组织调整"
    assert kinds[ProposalKind.ADMONITION].startswith("不称职票 41.7% ≥ 40%，建议诫勉谈话")

    admonition = ConsequenceProposal.objects.get(review=review, kind=ProposalKind.ADMONITION)
    start = datetime.date(2026, 3, 1)
    with pytest.raises(ValidationError) as exc:
        services.proposal_confirm(proposal=admonition, by=county_user, start_date=start, end_date=datetime.date(2026, 3, 20))
    assert "诫勉期最短1个月" in exc.value.message_dict["end_date"][0]
    services.proposal_confirm(proposal=admonition, by=county_user, start_date=start)
    admonition.refresh_from_db()
    assert (admonition.status, admonition.end_date) == (ProposalStatus.CONFIRMED, datetime.date(2026, 6, 1))
    reballot = ConsequenceProposal.objects.get(review=review, kind=ProposalKind.REBALLOT)
    with pytest.raises(ValidationError):
        services.reballot_record(proposal=reballot, by=county_user, votes_for=40, votes_total=50, on=datetime.date(2026, 5, 1))
    services.reballot_record(proposal=reballot, by=county_user, votes_for=30, votes_total=50, on=datetime.date(2026, 6, 5))
    reballot.refresh_from_db()
    assert reballot.status == ProposalStatus.FAILED
    removal = ConsequenceProposal.objects.get(review=review, kind=ProposalKind.REMOVAL)
    assert "未超过60%，建议免职" in removal.reason
    # Rerunning the rollup keeps the decided proposals as they are.
    rollup()
    assert ConsequenceProposal.objects.get(pk=admonition.pk).status == ProposalStatus.CONFIRMED


def test_proposal_no_longer_triggered_is_withdrawn(village_a):
    review = scored_review(village=village_a, counts=(25, 10, 25))
    rollup()
    p = ConsequenceProposal.objects.get(review=review, kind=ProposalKind.ADMONITION)
    BallotTally.objects.filter(review=review).update(counts={"competent": 58, "basic": 2, "incompetent": 0})
    rollup()
    p.refresh_from_db()
    assert p.status == ProposalStatus.WITHDRAWN


def test_only_county_staff_decide_proposals(clerk_a, village_a):
    review = scored_review(village=village_a, counts=(25, 10, 25))
    rollup()
    p = ConsequenceProposal.objects.get(review=review, kind=ProposalKind.ADMONITION)
    with pytest.raises(PermissionDenied):
        services.proposal_dismiss(proposal=p, by=clerk_a, note="不同意")
    p.refresh_from_db()
    assert p.status == ProposalStatus.PROPOSED


# ---------------------------------------------------------------------------------------------
# Publicity locks the results; amendments with reason; the pay contract
# ---------------------------------------------------------------------------------------------


def test_publicity_needs_every_grade_then_locks_and_amendments_are_recorded(township_a, county_user, clerk_a):
    campaign = CampaignFactory(phase=Phase.GRADE)
    reviews = twenty_secretaries(lambda: VillageFactory(township=township_a), [99, 98, 97, 96, 96])
    rollup()
    with pytest.raises(ValidationError) as exc:
        services.campaign_advance(campaign=campaign, by=county_user)
    assert "名额并列待乡镇决定2人" in exc.value.message_dict["phase"][0]
    assert selectors.review_results_for_pay(year=YEAR) == []  # nothing final yet
    for review, grade in ((reviews[3], "excellent"), (reviews[4], "competent")):
        services.result_override(result=result_of(review), by=clerk_a, grade=grade, reason="乡镇党委研究")
    services.campaign_advance(campaign=campaign, by=county_user)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.PUBLICITY
    assert ReviewResult.objects.filter(locked=False).count() == 0

    r = result_of(reviews[0])
    with pytest.raises(ValidationError):
        services.result_override(result=r, by=county_user, grade="competent", reason="改")
    with pytest.raises(ValidationError):
        services.rollup_request(year=YEAR, by=county_user)
    with pytest.raises(ValidationError) as exc:
        services.result_amend(result=r, by=county_user, reason="", grade="competent")
    assert exc.value.message_dict == {"reason": ["更正结果须填写理由。"]}
    services.result_amend(result=r, by=county_user, reason="公示期间收到实名举报并经核实", grade="competent")
    r.refresh_from_db()
    assert (r.grade, r.grade_label) == ("competent", "称职")
    amendment = ResultAmendment.objects.get()
    assert (amendment.field, amendment.old_value, amendment.new_value, amendment.by) == (
        "等次",
        "excellent",
        "competent",
        county_user,
    )

    pay = selectors.review_results_for_pay(year=YEAR, township_ids=[township_a.pk])
    assert len(pay) == 20
    row = next(p for p in pay if p["person_id"] == reviews[0].person_id)
    assert set(row) == {
        "person_id",
        "village_id",
        "township_id",
        "grade",
        "grade_label",
        "score",
        "village_category",
        "stars",
        "score_scale",
    }
    assert row["score_scale"] == Decimal(100)
    assert (row["grade"], row["grade_label"], row["township_id"]) == ("competent", "称职", township_a.pk)
    assert isinstance(row["score"], Decimal)
    assert selectors.review_results_for_pay(year=YEAR, township_ids=[]) == []


def test_scheduled_rollup_runs_once_on_or_after_the_configured_date(village_a):
    scored_review(village=village_a)
    assert services.rollup_scheduled_date(YEAR) == datetime.date(2026, 1, 20)
    assert services.review_rollup_scheduled(today=datetime.date(2026, 1, 19)) == []
    assert ReviewResult.objects.count() == 0
    started = services.review_rollup_scheduled(today=datetime.date(2026, 1, 20))
    assert len(started) == 1
    assert ReviewResult.objects.count() == 1
    assert services.review_rollup_scheduled(today=datetime.date(2026, 1, 21)) == []


def test_history_records_who_entered_scores(clerk_a, village_a):
    review = ReviewFactory(village=village_a)
    services.review_update(review=review, by=clerk_a, daily_score=Decimal("91.5"))
    last = review.history.latest()
    assert (last.history_user, last.daily_score) == (clerk_a, Decimal("91.50"))
