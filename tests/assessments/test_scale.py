"""The review's score scale (百分制 / 千分制) as policy: rules at the thresholds, the policy
editor's checks, score entry and the rollup on the 1000-point scale."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from assessments import rules, services
from assessments.forms import ReviewForm
from assessments.models import AnnualReview, ReviewResult
from assessments.policy_section import validate_section
from assessments.rules import ReviewInput, Tally, rules_from_policy

from .factories import YEAR, ReviewFactory, scored_review

D = Decimal
DEFAULTS = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "policy" / "assessments.json").read_text("utf-8"))


def thousand(section=None) -> dict:
    """The default rules moved to 千分制: thresholds 900/700/600, ballot points 1000/600/0,
    bonus and penalty items and caps × 10."""
    s = copy.deepcopy(section or DEFAULTS)
    s["scoring"] = {"scale": "1000"}
    for g in s["grades"]:
        g["min_score"] = str(D(g["min_score"]) * 10)
    for o in s["ballot_options"]:
        o["points"] = str(D(o["points"]) * 10)
    for i in s["adjust_items"]:
        i["points"] = str(D(i["points"]) * 10)
    s["grading"] = {k: str(D(v) * 10) for k, v in s["grading"].items()}
    return s


def test_default_scale_is_100_and_unknown_values_fall_back_to_it():
    assert rules_from_policy(DEFAULTS).scale == D(100)
    assert rules.score_scale({}) == D(100)
    assert rules.score_scale({"scoring": {"scale": "500"}}) == D(100)
    assert rules.score_scale({"scoring": {"scale": "1000"}}) == D(1000)


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (D("1000"), "excellent"),
        (D("900"), "excellent"),  # at the threshold
        (D("899.99"), "competent"),
        (D("700"), "competent"),
        (D("699.99"), "basic"),
        (D("600"), "basic"),
        (D("599.99"), "incompetent"),
        (D("0"), "incompetent"),
    ],
)
def test_grade_thresholds_on_the_1000_point_scale(score, grade):
    got, why = rules.band_grade(score, rules_from_policy(thousand()))
    assert got == grade
    if grade != "incompetent":
        assert "≥" in why


def test_a_review_on_the_1000_point_scale_gives_the_same_grade_as_on_100():
    """The §12.6 example (ballots 88/92 and daily 85 → 88.0) is 880.0 on 千分制, both 称职."""

    def inp(daily):
        ballots = [
            Tally("township", 10, 10, {"competent": 7, "basic": 3, "incompetent": 0}),
            Tally("members", 60, 60, {"competent": 48, "basic": 12, "incompetent": 0}),
        ]
        return ReviewInput(tallies=ballots, daily_score=daily)

    hundred = rules.evaluate(inp(D("85")), rules_from_policy(DEFAULTS))
    kilo = rules.evaluate(inp(D("850")), rules_from_policy(thousand()))
    assert (hundred.score, hundred.grade) == (D("88.00"), "competent")
    assert (kilo.score, kilo.grade) == (D("880.00"), "competent")
    assert "综合得分 880.0 ≥ 700" in kilo.grade_explanation


def test_bonus_caps_follow_the_scale():
    r = rules_from_policy(thousand())
    score, text = rules.adjusted(D("850"), [("获市级及以上表彰", D("20")), ("村集体经济收入增长10%以上", D("40"))], r)
    assert score == D("900.00")  # 60 points of bonus capped at 50
    assert "超过上限50" in text


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: None, None),
        (lambda s: s["grades"][0].update(min_score="900"), "等次“优秀”的分数线 900 分超过满分 100 分"),
        (lambda s: s["ballot_options"][0].update(points="1000"), "测评票选项“称职”的折算分值 1000 分超过满分 100 分"),
        (lambda s: s["adjust_items"][2].update(points="-150"), "加减分事项“发生安全生产责任事故”的分值 -150 分超过满分 100 分"),
        (lambda s: s["grading"].update(max_penalty="200"), "减分上限 200 分超过满分 100 分"),
    ],
)
def test_policy_check_refuses_figures_above_the_100_point_full_marks(mutate, message):
    section = copy.deepcopy(DEFAULTS)
    mutate(section)
    if message is None:
        validate_section(section)
        return
    with pytest.raises(ValidationError) as exc:
        validate_section(section)
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert "当前分制为满分 100 分" in exc.value.messages[-1]


def test_policy_check_takes_the_1000_point_figures_once_the_scale_is_1000():
    validate_section(thousand())
    bad = thousand()
    bad["grades"][0]["min_score"] = "1200"
    with pytest.raises(ValidationError, match="超过满分 1000 分"):
        validate_section(bad)


@pytest.mark.django_db
def test_saving_a_1000_point_threshold_under_the_100_point_scale_changes_nothing(county_user):
    from cadres.models import PolicyProfile
    from core.policy import default_profile_data
    from core.services import policy_section_update

    profile = PolicyProfile.objects.create(year=YEAR, title="t", data=default_profile_data())
    grades = copy.deepcopy(DEFAULTS["grades"])
    grades[0]["min_score"] = "900"
    with pytest.raises(ValidationError, match="分数线 900 分超过满分 100 分"):
        policy_section_update(profile=profile, by=county_user, key="assessments", values={"grades": grades})
    profile.refresh_from_db()
    assert profile.section("assessments")["grades"][0]["min_score"] == "90"
    # choosing 千分制 together with the 千分制 figures is accepted
    values = {k: v for k, v in thousand().items() if k in ("scoring", "grades", "ballot_options", "adjust_items", "grading")}
    policy_section_update(profile=profile, by=county_user, key="assessments", values=values)
    profile.refresh_from_db()
    assert profile.section("assessments")["scoring"] == {"scale": "1000"}


def _profile_1000():
    from cadres.models import PolicyProfile
    from core.policy import default_profile_data

    data = default_profile_data()
    data["assessments"] = thousand(data["assessments"])
    return PolicyProfile.objects.create(year=YEAR, title="千分制", data=data)


@pytest.mark.django_db
def test_score_entry_is_checked_against_the_years_scale(clerk_a, village_a):
    review = ReviewFactory(village=village_a, daily_score=None)
    with pytest.raises(ValidationError) as exc:
        services.review_update(review=review, by=clerk_a, daily_score=D("850"))
    assert "日常工作考核分 850 超出2025年度百分制范围（0—100分）" in exc.value.messages[0]
    assert AnnualReview.objects.get(pk=review.pk).daily_score is None
    _profile_1000()
    services.review_update(review=review, by=clerk_a, daily_score=D("850"))
    assert AnnualReview.objects.get(pk=review.pk).daily_score == D("850.00")
    with pytest.raises(ValidationError, match="超出2025年度千分制范围（0—1000分）"):
        services.review_update(review=review, by=clerk_a, township_score=D("1000.5"))


@pytest.mark.django_db
def test_review_form_says_the_scale_and_refuses_scores_above_it():
    form = ReviewForm(data={"daily_score": "95"}, year=YEAR)
    assert form.is_valid(), form.errors
    assert form.fields["daily_score"].help_text.startswith("百分制，满分100分。")
    form = ReviewForm(data={"daily_score": "850"}, year=YEAR)
    assert not form.is_valid()
    assert "2025年度按百分制计分，不能超过100分。" in form.errors["daily_score"][0]
    _profile_1000()
    form = ReviewForm(data={"daily_score": "850"}, year=YEAR)
    assert form.is_valid(), form.errors
    assert form.fields["daily_score"].help_text.startswith("千分制，满分1000分。")


@pytest.mark.django_db
def test_rollup_on_the_1000_point_scale_grades_by_the_1000_point_thresholds(village_a):
    _profile_1000()
    # ballots 50/8/2 of 60 at 1000/600/0 → 913.33 each; daily 850 → 0.3×913.33×2 + 0.4×850 = 888.0
    review = scored_review(village=village_a, counts=(50, 8, 2), daily=850)
    services.review_year_rollup(year=YEAR)
    result = ReviewResult.objects.get(review=review)
    assert result.score == D("888.00")
    assert result.grade == "competent"
    assert "综合得分 888.0 ≥ 700" in result.grade_explanation


@pytest.mark.django_db
def test_policy_page_shows_the_scale_in_words_and_the_editor_refuses_a_threshold_above_it(client, county_user):
    from django.urls import reverse

    from cadres.models import PolicyProfile
    from core.services import policy_profile_create

    profile = policy_profile_create(by=county_user, year=YEAR)
    client.force_login(county_user)
    html = client.get(reverse("core:policy_detail", args=[YEAR])).content.decode()
    assert "考核分制" in html and "综合得分的分制" in html and "百分制（满分100分）" in html
    page = client.get(reverse("core:policy_section_edit", args=[YEAR, "assessments"]))
    form = page.context["editor"]
    data = {}
    for _part, kind, obj in form.parts:
        if kind == "table":
            mgmt = obj.management_form
            for name, field in mgmt.fields.items():
                data[f"{mgmt.prefix}-{name}"] = mgmt.initial.get(name, field.initial)
            for f in obj.forms:
                for name in f.fields:
                    value = f.initial.get(name)
                    if value is not None and value is not False:
                        data[f"{f.prefix}-{name}"] = value
        else:
            for name in obj.fields:
                value = obj.initial.get(name)
                if value is not None and value is not False:
                    data[f"{obj.prefix}-{name}"] = value
    data["grades-0-min_score"] = "900"
    response = client.post(reverse("core:policy_section_edit", args=[YEAR, "assessments"]), data)
    assert response.status_code == 200
    assert "等次“优秀”的分数线 900 分超过满分 100 分" in response.content.decode()
    assert PolicyProfile.objects.get(pk=profile.pk).section("assessments")["grades"][0]["min_score"] == "90"
    data["scoring-scale"] = "1000"
    for i in range(4):
        data[f"grades-{i}-min_score"] = str(D(DEFAULTS["grades"][i]["min_score"]) * 10)
    for i in range(3):
        data[f"ballot_options-{i}-points"] = str(D(DEFAULTS["ballot_options"][i]["points"]) * 10)
    response = client.post(reverse("core:policy_section_edit", args=[YEAR, "assessments"]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    section = PolicyProfile.objects.get(pk=profile.pk).section("assessments")
    assert section["scoring"] == {"scale": "1000"} and section["grades"][0]["min_score"] == "900"
    assert "千分制（满分1000分）" in client.get(reverse("core:policy_detail", args=[YEAR])).content.decode()
