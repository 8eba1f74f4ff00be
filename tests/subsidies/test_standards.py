"""subsidies.standards: per-post pay ratios and the points-mode score scale (pure, no ORM)."""

import copy
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from subsidies import standards

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "policy"
RULES = json.loads((FIXTURES / "subsidies.json").read_text(encoding="utf-8"))
POSTS = json.loads((FIXTURES / "register.json").read_text(encoding="utf-8"))["posts"]
POST = {p["code"]: p for p in POSTS}

# 毛田镇-style ratios: 书记 : 主任 : 副职 : 文书 = 1 : 0.9 : 0.8 : 0.8 (others by class).
MAOTIAN = [
    {"code": "chair", "name": "村民委员会主任", "percent": "90"},
    {"code": "deputy_secretary", "name": "村党组织副书记", "percent": "80"},
    {"code": "clerk", "name": "村文书", "percent": "80"},
]


def _rules(**changes):
    rules = copy.deepcopy(RULES)
    for key, value in changes.items():
        if isinstance(value, dict):
            rules[key] = {**rules[key], **value}
        else:
            rules[key] = value
    return rules


@pytest.mark.parametrize(
    ("ratios", "post", "expected", "source"),
    [
        # defaults: today's classes (主职 100 %, 副职 80 %, 一般干部 70 %), secretary ¥45,000 (tier B + uplift)
        ([], "secretary", D("45000.00"), "按主职比例"),
        ([], "chair", D("45000.00"), "按主职比例"),
        ([], "deputy_secretary", D("36000.00"), "按副职比例"),
        ([], "clerk", D("36000.00"), "按副职比例"),
        ([], "committee_member", D("31500.00"), "按一般干部比例"),
        # a ratio per post overrides the class; unlisted posts keep their class
        (MAOTIAN, "secretary", D("45000.00"), "按主职比例"),
        (MAOTIAN, "chair", D("40500.00"), "按职务系数"),
        (MAOTIAN, "deputy_secretary", D("36000.00"), "按职务系数"),
        (MAOTIAN, "clerk", D("36000.00"), "按职务系数"),
        (MAOTIAN, "vice_chair", D("36000.00"), "按副职比例"),
        (MAOTIAN, "committee_member", D("31500.00"), "按一般干部比例"),
        # fractional percentages round to the fen (¥45,000 × 87.5 % = ¥39,375)
        ([{"code": "chair", "name": "主任", "percent": "87.5"}], "chair", D("39375.00"), "按职务系数"),
        ([{"code": "chair", "name": "主任", "percent": "33.33"}], "chair", D("14998.50"), "按职务系数"),
    ],
)
def test_post_ratio_per_post_defaults_to_the_class(ratios, post, expected, source):
    rules = _rules(post_ratios=ratios)
    assert standards.post_standard(rules, POST[post], "B").amount == expected
    assert standards.post_ratio(rules, POST[post])[1] == source


def test_post_ratio_explanation_and_one_shoulder_highest_post():
    rules = _rules(post_ratios=MAOTIAN)
    assert standards.post_standard(rules, POST["chair"], "B").explanation == "¥40,500 = ¥45,000 × 90%"
    std = standards.person_standard(rules, POSTS, [("chair", "B"), ("secretary", "B")])
    assert std.annual.amount == D("45000.00")  # 一肩挑: one line at the highest post
    std = standards.person_standard(rules, POSTS, [("chair", "A")])
    assert std.annual.amount == D("43200.00")  # (¥45,000 + ¥3,000) × 90 %
    assert std.split.monthly == D("2160.00")  # × 60 % ÷ 12


def test_standards_table_shows_the_ratio_used_for_each_post():
    rows = {r["post"]["code"]: r for r in standards.standards_table(_rules(post_ratios=MAOTIAN), POSTS)}
    assert (rows["chair"]["percent"], rows["chair"]["ratio_source"]) == (D("90"), "按职务系数")
    assert (rows["vice_chair"]["percent"], rows["vice_chair"]["ratio_source"]) == (D("80"), "按副职比例")
    assert [c["annual"] for c in rows["chair"]["cells"]] == [D("43200.00"), D("40500.00")]


@pytest.mark.parametrize(
    ("full_score", "expected"),
    [
        ("90", D("4860.00")),  # ¥5,000 − 28 分 × ¥5
        ("100", D("4810.00")),  # ¥5,000 − 38 分 × ¥5
        ("62", D("5000.00")),  # at the threshold: full pool
        ("0", D("5000.00")),
        ("100.5", None),  # above the review's full marks: refused
        ("900", None),  # 千分制 threshold against a 百分制 score: refused, not ≈¥4,000 deducted
        ("", None),
    ],
)
def test_points_threshold_must_be_on_the_reviews_100_point_scale(full_score, expected):
    rules = _rules(performance={"mode": "points", "full_score": full_score})
    problem = standards.points_scale_problem(rules)
    assert bool(problem) is (expected is None)
    if expected is None:
        with pytest.raises(ValueError, match="全额分数线"):
            standards.performance(rules, pool=D("5000"), grade="", grade_label="", score=D("62"), category=None)
    else:
        calc = standards.performance(rules, pool=D("5000"), grade="", grade_label="", score=D("62"), category=None)
        assert calc.amount == expected


def test_points_900_on_the_1000_scale_is_explained():
    problem = standards.points_scale_problem(_rules(performance={"mode": "points", "full_score": "900"}))
    assert "900 分" in problem and "满分 100 分" in problem and "90 分" in problem


def test_default_policy_points_threshold_is_consistent():
    assert standards.points_scale_problem(_rules(performance={"mode": "points"})) == ""
    calc = standards.performance(
        _rules(performance={"mode": "points"}), pool=D("5000"), grade="", grade_label="", score=D("62"), category=None
    )
    assert (calc.amount, calc.explanation) == (D("4860.00"), "¥4,860 = ¥5,000 − 28 分 × ¥5")
