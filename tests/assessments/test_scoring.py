"""Pure scoring rules, table-driven, at every threshold boundary (DOMAIN §12.5–12.6)."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from assessments import rules
from assessments.rules import ReviewInput, Tally, rules_from_policy

DEFAULTS = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "policy" / "assessments.json").read_text("utf-8"))
RULES = rules_from_policy(DEFAULTS)
D = Decimal


def members(competent, basic, incompetent, *, entitled=60, attended=None, group="members"):
    return Tally(
        group,
        entitled,
        attended if attended is not None else entitled,
        {"competent": competent, "basic": basic, "incompetent": incompetent},
    )


# ---------------------------------------------------------------------------------------------
# Vote shares (§12.5)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "grade", "text"),
    [
        ((55, 4, 1), "excellent", "优秀：称职票 91.7% ≥ 90%"),  # §12.5 worked example
        ((54, 5, 1), "excellent", "优秀：称职票 90% ≥ 90%"),  # exactly at the threshold
        ((53, 6, 1), None, "称职票 88.3%，未达到≥ 90%"),  # just below
        ((20, 10, 30), "incompetent", "不称职：不称职票 50% ≥ 50%"),  # §12.5 worked example
        ((21, 10, 29), None, "不称职票 48.3%，未达到≥ 50%"),  # just below
        ((0, 0, 60), "incompetent", "不称职：不称职票 100% ≥ 50%"),
    ],
)
def test_vote_share_rules_fire_exactly_at_their_thresholds(counts, grade, text):
    got, why = rules.vote_grade([members(*counts)], RULES)
    assert got == grade
    assert text in why


def test_incompetent_rule_is_checked_before_the_excellent_rule():
    custom = rules_from_policy({**DEFAULTS, "vote_rules": list(reversed(DEFAULTS["vote_rules"]))})
    # 95% 称职 can't coexist with 50% 不称职, so build a case where both would fire with a low bar
    low = {**DEFAULTS["vote_rules"][1], "percent": "10"}
    custom = rules_from_policy({**DEFAULTS, "vote_rules": [DEFAULTS["vote_rules"][0], low]})
    assert rules.vote_grade([members(30, 0, 30)], custom)[0] == "incompetent"
    custom = rules_from_policy({**DEFAULTS, "vote_rules": [low, DEFAULTS["vote_rules"][0]]})
    assert rules.vote_grade([members(30, 0, 30)], custom)[0] == "excellent"


def test_vote_rule_limited_to_one_rater_group_ignores_the_other():
    rule = {**DEFAULTS["vote_rules"][1], "group": "members"}
    custom = rules_from_policy({**DEFAULTS, "vote_rules": [rule]})
    township = members(10, 0, 0, entitled=10, group="township")
    assert rules.vote_grade([township, members(50, 10, 0)], custom)[0] is None  # members: 83.3 %
    assert rules.vote_grade([township, members(58, 2, 0)], custom)[0] == "excellent"


def test_strictly_greater_comparator():
    rule = {**DEFAULTS["vote_rules"][1], "comparator": "gt"}
    custom = rules_from_policy({**DEFAULTS, "vote_rules": [rule]})
    assert rules.vote_grade([members(54, 6, 0)], custom)[0] is None  # 90 % is not > 90 %
    assert rules.vote_grade([members(55, 5, 0)], custom)[0] == "excellent"


# ---------------------------------------------------------------------------------------------
# Meeting validity (> 2/3)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "entitled", "valid"),
    [
        (25, 40, False),  # §12.5: 62.5 % < 2/3
        (26, 40, False),  # 65 %
        (27, 40, True),  # 67.5 %
        (20, 30, False),  # exactly 2/3 is not "more than" 2/3
        (21, 30, True),
        (0, 0, False),
    ],
)
def test_meeting_needs_more_than_two_thirds(attended, entitled, valid):
    ok, text = rules.meeting_valid(Tally("members", entitled, attended, {}), RULES)
    assert ok is valid
    assert ("会议有效" in text) is valid


def test_meeting_rule_can_be_at_least_one_half():
    custom = rules_from_policy({**DEFAULTS, "meeting": {"quorum_numerator": 1, "quorum_denominator": 2, "quorum_strict": False}})
    assert rules.meeting_valid(Tally("members", 30, 15, {}), custom)[0] is True
    assert rules.meeting_valid(Tally("members", 30, 14, {}), custom)[0] is False


def test_invalid_meeting_makes_the_review_invalid_with_the_reason():
    out = rules.evaluate(ReviewInput(tallies=[members(20, 4, 1, entitled=40, attended=25)], daily_score=D(80)), RULES)
    assert out.status == rules.INVALID
    assert out.grade == ""
    assert "实到25/40人（62.5%）未达到> 2/3，测评无效" in out.grade_explanation


# ---------------------------------------------------------------------------------------------
# Composite score and weights (§12.6)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "values", "score", "text"),
    [
        (("30", "30", "40"), (88, 92, 85), D("88.00"), "88.0 = 0.3×88 + 0.3×92 + 0.4×85"),  # §12.6
        (("50", "50", "0"), (88, 92, 85), D("90.00"), "90.0 = 0.5×88 + 0.5×92"),
        (("20", "30", "50"), (70, 80, 90), D("83.00"), "83.0 = 0.2×70 + 0.3×80 + 0.5×90"),
        (("1", "1", "1"), (90, 90, 91), D("90.33"), "90.33 = "),  # normalised by Σ weights, half-up
        (("30", "30", "40"), (D("88.5"), D("92.25"), D("85.13")), D("88.28"), "88.28 = 0.3×88.5 + 0.3×92.25 + 0.4×85.13"),
    ],
)
def test_composite_score_is_the_weighted_mean_with_its_explanation(weights, values, score, text):
    parts = [{**p, "weight": w} for p, w in zip(DEFAULTS["parts"], weights, strict=True)]
    custom = rules_from_policy({**DEFAULTS, "parts": parts})
    got, why, missing = rules.composite(
        {"township_ballot": D(values[0]), "members_ballot": D(values[1]), "daily_score": D(values[2])}, custom
    )
    assert (got, missing) == (score, [])
    assert why.startswith(text)


def test_composite_reports_missing_parts():
    got, _, missing = rules.composite({"township_ballot": D(88), "members_ballot": None, "daily_score": None}, RULES)
    assert got is None
    assert missing == ["村述民评（党员和村民代表测评）", "日常工作考核"]


def test_ballot_score_converts_counts_by_option_points():
    score, text = rules.ballot_score(members(55, 4, 1), RULES)
    assert score == D("95.67")  # (5500 + 240 + 0) / 60
    assert text == "党员和村民代表测评折算分 95.67 = (55×100 + 4×60 + 1×0) ÷ 60"


@pytest.mark.parametrize(
    ("items", "final"),
    [
        ([("表彰", D(2))], D("90.00")),
        ([("表彰", D(2)), ("集体经济", D(2)), ("再一项", D(2))], D("93.00")),  # bonus capped at 5
        ([("事故", D(-3))], D("85.00")),
        ([("a", D(-6)), ("b", D(-6))], D("78.00")),  # penalty capped at 10
    ],
)
def test_bonus_and_penalty_items_are_capped(items, final):
    got, text = rules.adjusted(D("88.00"), items, RULES)
    assert got == final
    assert text.startswith(f"{rules.score_text(final)} = 88.0")


# ---------------------------------------------------------------------------------------------
# Whole review: vote rules first, then score bands, then vetoes
# ---------------------------------------------------------------------------------------------


def review(counts=(50, 8, 2), township=(50, 8, 2), daily=85, vetoes=()):
    return ReviewInput(
        tallies=[members(*township, group="township"), members(*counts)], daily_score=D(daily), vetoes=list(vetoes)
    )


@pytest.mark.parametrize(
    ("inp", "grade", "line"),
    [
        (review(counts=(55, 4, 1), township=(55, 4, 1)), "excellent", "优秀：称职票 91.7% ≥ 90%"),
        (review(counts=(20, 10, 30), township=(20, 10, 30)), "incompetent", "不称职：不称职票 50% ≥ 50%"),
        (review(daily=85), "competent", "称职：综合得分"),  # 83.3 % 称职 → no rule → score band
        (review(counts=(40, 18, 2), township=(40, 18, 2), daily=40), "basic", "基本称职：综合得分"),
        (review(counts=(30, 20, 10), township=(30, 20, 10), daily=0), "incompetent", "不称职：综合得分"),
        (
            review(counts=(55, 4, 1), township=(55, 4, 1), vetoes=[("进京非访", "competent")]),
            "competent",
            "一票否决「进京非访」：等次不高于称职，定为称职",
        ),
    ],
)
def test_evaluate_gives_the_grade_before_quota_with_reasons(inp, grade, line):
    out = rules.evaluate(inp, RULES)
    assert out.status == rules.GRADED
    assert out.grade == grade
    assert line in out.grade_explanation


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (D("90.00"), "excellent"),
        (D("89.99"), "competent"),
        (D("70.00"), "competent"),
        (D("69.99"), "basic"),
        (D("60"), "basic"),
        (D("59.99"), "incompetent"),
    ],
)
def test_score_bands_at_each_boundary(score, grade):
    assert rules.band_grade(score, RULES)[0] == grade


def test_missing_ballot_makes_review_incomplete():
    out = rules.evaluate(ReviewInput(tallies=[members(50, 8, 2)], daily_score=D(80)), RULES)
    assert out.status == rules.INCOMPLETE
    assert "村述镇评（乡镇测评）" in out.grade_explanation


# ---------------------------------------------------------------------------------------------
# Quota (§12.6: 20 secretaries → at most 4 优秀; a tie at the boundary goes back)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "percent", "rounding", "slots"),
    [
        (20, "20", "floor", 4),
        (24, "20", "floor", 4),
        (25, "20", "floor", 5),
        (23, "20", "half_up", 5),
        (22, "20", "half_up", 4),
        (4, "20", "floor", 0),
    ],
)
def test_quota_slots(total, percent, rounding, slots):
    custom = rules_from_policy({**DEFAULTS, "quota": {"excellent_percent": percent, "scope": "township", "rounding": rounding}})
    assert rules.quota_slots(total, custom) == slots


def test_quota_within_limit_grants_all():
    out = rules.apply_quota([("a", D(95)), ("b", D(91))], total=20, already=0, rules=RULES)
    assert out.status == {"a": "within", "b": "within"}


def test_quota_of_twenty_gives_at_most_four_and_demotes_the_rest():
    cands = [(k, D(s)) for k, s in zip("abcdef", [96, 95, 94, 93, 92, 91], strict=True)]
    out = rules.apply_quota(cands, total=20, already=0, rules=RULES)
    assert [out.status[k] for k in "abcdef"] == ["within"] * 4 + ["over"] * 2
    assert "优秀名额：20人×20%=4人" in out.explanation["e"]


def test_tie_between_fourth_and_fifth_is_returned_to_the_township():
    cands = [(k, D(s)) for k, s in zip("abcdef", [96, 95, 94, 93, 93, 90], strict=True)]
    out = rules.apply_quota(cands, total=20, already=0, rules=RULES)
    assert [out.status[k] for k in "abcdef"] == ["within", "within", "within", "tie", "tie", "over"]
    assert sum(1 for s in out.status.values() if s == "within") == 3  # never 5, never silently 4
    assert "第4—5名并列93.0分，剩余1个名额由乡镇决定" in out.explanation["d"]


def test_tie_straddling_boundary_with_three_tied():
    cands = [(k, D(s)) for k, s in zip("abcde", [96, 93, 93, 93, 90], strict=True)]
    out = rules.apply_quota(cands, total=10, already=0, rules=RULES)  # 2 slots
    assert [out.status[k] for k in "abcde"] == ["within", "tie", "tie", "tie", "over"]


def test_places_taken_by_decisions_reduce_the_slots():
    cands = [("a", D(95)), ("b", D(94)), ("c", D(93))]
    out = rules.apply_quota(cands, total=10, already=1, rules=RULES)
    assert out.slots == 1
    assert [out.status[k] for k in "abc"] == ["within", "over", "over"]


def test_zero_slots_demotes_everyone_without_a_tie():
    out = rules.apply_quota([("a", D(95)), ("b", D(95))], total=4, already=0, rules=RULES)
    assert out.status == {"a": "over", "b": "over"}


# ---------------------------------------------------------------------------------------------
# Ranking → category; stars; consequences
# ---------------------------------------------------------------------------------------------


def test_competition_ranks_share_equal_scores():
    assert rules.competition_ranks([("a", D(90)), ("b", D(95)), ("c", D(90)), ("d", D(80))]) == {"b": 1, "a": 2, "c": 2, "d": 4}


@pytest.mark.parametrize(
    ("rank", "total", "category"),
    [
        (1, 100, "A"),
        (20, 100, "A"),
        (21, 100, "B"),
        (70, 100, "B"),
        (71, 100, "C"),
        (92, 100, "C"),
        (93, 100, "D"),
        (100, 100, "D"),
        (66, 334, "A"),
        (67, 334, "B"),
    ],
)
def test_category_from_rank_bands(rank, total, category):
    code, text = rules.category_for(rank, total, RULES)
    assert code == category
    assert text.startswith(f"全县排名第{rank}/{total}")


@pytest.mark.parametrize(
    ("years", "grade", "category", "items", "stars", "first_reason"),
    [
        (0, "excellent", "A", set(), 0, "任书记不满1年，不评星"),
        (1, "competent", "B", set(), 1, "赋1星：任书记满1年"),
        (5, "competent", "B", set(), 2, "赋2星：任书记满5年"),
        (10, "excellent", "A", {"award"}, 5, "赋3星：任书记满10年"),  # 3 + 1 + 1 + 1 = 6 → capped at 5
        (6, "basic", "C", {"duty_failure"}, 0, "赋2星：任书记满5年"),  # 2 − 1 − 1
        (12, "incompetent", "D", set(), 0, "赋3星：任书记满10年"),
    ],
)
def test_star_rating_grants_adds_removes_with_reasons(years, grade, category, items, stars, first_reason):
    got, reasons = rules.star_rating(service_years=years, grade=grade, category=category, items=items, rules=RULES)
    assert got == stars
    assert reasons[0] == first_reason


def test_star_reasons_name_each_change():
    _, reasons = rules.star_rating(service_years=10, grade="excellent", category="A", items={"award"}, rules=RULES)
    assert reasons == [
        "赋3星：任书记满10年",
        "加1星：年度考核优秀",
        "加1星：所在村考核为一类村",
        "加1星：获县级以上表彰（成就赋星）",
        "最高5星",
    ]


@pytest.mark.parametrize(
    ("grade", "counts", "expect"),
    [
        ("incompetent", (20, 10, 30), "年度等次为不称职"),
        ("basic", (26, 10, 24), "不称职票 40% ≥ 40%"),
        ("basic", (27, 10, 23), ""),  # 38.3 %
    ],
)
def test_admonition_proposal(grade, counts, expect):
    reason = rules.admonition_reason(grade=grade, tallies=[members(*counts)], rules=RULES)
    assert (expect in reason) if expect else reason == ""


@pytest.mark.parametrize(
    ("history", "expect"),
    [
        ({2024: "basic", 2025: "incompetent"}, "连续2年等次较差（2024年基本称职、2025年不称职），建议组织调整"),
        ({2024: "competent", 2025: "incompetent"}, ""),
        ({2023: "basic", 2025: "basic"}, ""),  # not consecutive
        ({2025: "incompetent"}, ""),
    ],
)
def test_adjustment_after_consecutive_poor_grades(history, expect):
    assert rules.consecutive_poor_reason(year=2025, grades_by_year=history, rules=RULES) == expect


@pytest.mark.parametrize(("votes_for", "total", "passed"), [(31, 50, True), (30, 50, False), (0, 0, False)])
def test_reballot_needs_more_than_sixty_percent(votes_for, total, passed):
    assert rules.reballot_passed(votes_for=votes_for, votes_total=total, rules=RULES)[0] is passed


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 15), 3, datetime.date(2026, 6, 15)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
    ],
)
def test_add_months(start, months, end):
    assert rules.add_months(start, months) == end


@pytest.mark.parametrize(("value", "text"), [(D(88), "88.0"), (D("95.666"), "95.67"), (D("90.10"), "90.1"), (D(100), "100.0")])
def test_score_text(value, text):
    assert rules.score_text(value) == text
