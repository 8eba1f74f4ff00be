"""Pure pay arithmetic: DOMAIN §12.3–12.4 reproduced exactly, rounding, explanations."""

import datetime
from decimal import Decimal as D

import pytest

from subsidies import rules
from subsidies.rules import Stint


@pytest.mark.parametrize(
    ("tier", "uplift", "secretary", "deputy", "general"),
    [
        ("42000", "3000", D("45000.00"), D("36000.00"), D("31500.00")),
        ("45000", "3000", D("48000.00"), D("38400.00"), D("33600.00")),
    ],
)
def test_jishou_2024_tiers_uplift_and_ratios(tier, uplift, secretary, deputy, general):
    sec = rules.secretary_standard(tier_amount=D(tier), uplift=D(uplift))
    assert sec.amount == secretary
    assert rules.post_standard(secretary=sec.amount, percent=80).amount == deputy
    assert rules.post_standard(secretary=sec.amount, percent=70).amount == general


def test_secretary_standard_explains_itself():
    assert rules.secretary_standard(tier_amount=D("42000"), uplift=D("3000")).explanation == "¥45,000 = ¥42,000 + ¥3,000"
    assert rules.post_standard(secretary=D("45000"), percent=80).explanation == "¥36,000 = ¥45,000 × 80%"


def test_sixty_forty_split_of_45000():
    s = rules.split_pay(annual=D("45000"), base_percent=60)
    assert (s.base_annual, s.monthly, s.performance_pool) == (D("27000.00"), D("2250.00"), D("18000.00"))
    assert "每月 ¥2,250" in s.explanation


@pytest.mark.parametrize(
    ("pool", "score", "expected", "text"),
    [
        ("5000", "872", D("4860.00"), "¥4,860 = ¥5,000 − 28 分 × ¥5"),
        ("5000", "900", D("5000.00"), "¥5,000（得分 900 ≥ 900，全额）"),
        ("5000", "950", D("5000.00"), "¥5,000（得分 950 ≥ 900，全额）"),
        ("5000", "899.5", D("4997.50"), "¥4,997.50 = ¥5,000 − 0.5 分 × ¥5"),
        ("1000", "0", D("0.00"), "¥0 = ¥1,000 − 900 分 × ¥5（扣完为止）"),
    ],
)
def test_points_deduction_maotian(pool, score, expected, text):
    calc = rules.performance_by_points(pool=D(pool), score=D(score), full_score=900, per_point=5)
    assert calc.amount == expected
    assert calc.explanation == text


@pytest.mark.parametrize(
    ("percent", "category", "expected"),
    [
        (100, None, D("18000.00")),
        (90, None, D("16200.00")),
        (70, None, D("12600.00")),
        (0, None, D("0.00")),
        (90, 90, D("14580.00")),
    ],
)
def test_performance_by_grade_and_category(percent, category, expected):
    calc = rules.performance_by_grade(
        pool=D("18000"), grade_label="称职", grade_percent=percent, category_label="二类村", category_percent=category
    )
    assert calc.amount == expected


def test_rounding_is_half_up_to_the_fen():
    # 45,000.05 × 50 % = 22,500.025 → 22,500.03 (banker's rounding would give .02)
    assert rules.post_standard(secretary=D("45000.05"), percent=50).amount == D("22500.03")
    assert rules.money("0.005") == D("0.01")
    assert rules.money("-0.005") == D("-0.01")


def test_money_refuses_float():
    with pytest.raises(TypeError):
        rules.money(0.1)


@pytest.mark.parametrize(
    ("base_annual", "monthly", "december"),
    [
        ("27000", D("2250.00"), D("2250.00")),
        ("27000.10", D("2250.01"), D("2249.99")),  # 2250.00833 → .01; December takes the remainder
        ("10000", D("833.33"), D("833.37")),
    ],
)
def test_twelve_months_add_up_to_the_yearly_base(base_annual, monthly, december):
    months = [rules.monthly_base(base_annual=D(base_annual), month=m).amount for m in range(1, 13)]
    assert months[0] == monthly
    assert months[11] == december
    assert sum(months) == rules.money(base_annual)


def test_december_remainder_is_explained():
    calc = rules.monthly_base(base_annual=D("10000"), month=12)
    assert calc.explanation == "¥833.37 = ¥10,000 − 11 × ¥833.33（12月补足尾差）"


@pytest.mark.parametrize(
    ("mode", "multiple", "expected", "rule"),
    [
        ("highest", 100, D("45000.00"), "cross_post_highest"),
        ("multiple", 125, D("56250.00"), "cross_post_multiple"),
        ("sum", 100, D("81000.00"), "cross_post_sum"),
    ],
)
def test_one_shoulder_and_cross_posts(mode, multiple, expected, rule):
    calc = rules.combine_posts(
        standards=[("村委会副主任", D("36000")), ("村党组织书记", D("45000"))], mode=mode, multiple_percent=multiple
    )
    assert calc.amount == expected
    assert calc.rule == rule


def test_floor_warning_when_below_multiple_of_rural_income():
    assert rules.floor_warning(standard=D("45000"), rural_income=D("19000"), multiple="2", minimum=D("40000")) is None
    text = rules.floor_warning(standard=D("45000"), rural_income=D("19000"), multiple="2.5", minimum=D("40000"))
    assert text.startswith("¥45,000 低于保底标准 ¥47,500")
    assert rules.floor_warning(standard=D("36000"), rural_income=D("15000"), multiple="2", minimum=D("40000")).startswith(
        "¥36,000 低于保底标准 ¥40,000"
    )


def test_pension_subsidy_only_when_insured_and_paying_at_standard():
    paid = rules.pension_subsidy(amount=D("2000"), insured=True, paying_at_standard=True)
    assert (paid.amount, paid.zero_reason) == (D("2000.00"), "")


# --- every ¥0 says why ----------------------------------------------------------------------------

ZR = rules.ZeroReason
LIVING_OK = {
    "sex": "M",
    "birth_date": datetime.date(1960, 6, 1),
    "on": datetime.date(2025, 12, 31),
    "normal_departure": True,
    "still_serving": False,
    "held_eligible_post": True,
    "service": rules.Service(cumulative_months=9 * 12, continuous_months=9 * 12),
    "min_continuous_years": 6,
    "min_cumulative_years": 9,
    "age_male": 60,
    "age_female": 55,
}


def _living(**overrides):
    return rules.living_not_payable(**{**LIVING_OK, **overrides})


@pytest.mark.parametrize(
    ("calc", "reason", "explanation"),
    [
        (
            lambda: rules.pension_subsidy(amount=D("2000"), insured=False, paying_at_standard=False),
            "未参保",
            "¥0（未参加基本养老保险）",
        ),
        (
            lambda: rules.pension_subsidy(amount=D("2000"), insured=False, paying_at_standard=True),
            "未参保",
            "¥0（未参加基本养老保险）",
        ),
        (
            lambda: rules.pension_subsidy(amount=D("2000"), insured=True, paying_at_standard=False),
            "低于标准",
            "¥0（已参保，但缴费低于补贴标准）",
        ),
        (
            lambda: rules.post_not_eligible(item="养老保险补贴", posts=["村党组织委员"]),
            "该职务不享受",
            "¥0（村党组织委员不享受养老保险补贴）",
        ),
        (lambda: rules.post_not_eligible(item="村干部报酬", posts=[]), "该职务不享受", "¥0（所任职务不享受村干部报酬）"),
        (
            lambda: _living(birth_date=datetime.date(1966, 1, 1)),
            "未到龄",
            "¥0（未到年龄：59 岁（男性须满 60 岁））",
        ),
        (
            lambda: _living(sex="F", birth_date=datetime.date(1971, 1, 1)),
            "未到龄",
            "¥0（未到年龄：54 岁（女性须满 55 岁））",
        ),
        (
            lambda: _living(service=rules.Service(cumulative_months=8 * 12 + 11, continuous_months=5 * 12)),
            "任职年限不足",
            "¥0（任职年限不足：连续 5 年（须满 6 年）、累计 8 年（须满 9 年））",
        ),
        (lambda: _living(normal_departure=False), "非正常离任", "¥0（非正常离任（免职、罢免等））"),
        (lambda: _living(still_serving=True), "仍在任", "¥0（仍在任村干部）"),
        (
            lambda: _living(normal_departure=False, birth_date=datetime.date(1966, 1, 1)),
            "非正常离任、未到龄",
            "¥0（非正常离任（免职、罢免等）；未到年龄：59 岁（男性须满 60 岁））",
        ),
        (
            lambda: rules.performance_by_grade(pool=D("18000"), grade_label="不称职", grade_percent=0),
            "年度考核不称职",
            "¥0 = ¥18,000 × 0%（不称职）",
        ),
        (
            lambda: rules.performance_by_points(pool=D("1000"), score=D("0"), full_score=900, per_point=5),
            "考核扣分扣完",
            "¥0 = ¥1,000 − 900 分 × ¥5（扣完为止）",
        ),
        (
            lambda: rules.no_amount(reason=ZR.STOPPED, detail="生活补贴已于2024年终止，自2025年起停发", rule="living_stopped"),
            "已终止发放",
            "¥0（生活补贴已于2024年终止，自2025年起停发）",
        ),
    ],
)
def test_every_zero_result_names_its_reason(calc, reason, explanation):
    result = calc()
    assert result.amount == D("0.00")
    assert result.zero_reason == reason
    assert result.explanation == explanation


@pytest.mark.parametrize(
    "calc",
    [
        lambda: rules.pension_subsidy(amount=D("2000"), insured=True, paying_at_standard=True),
        lambda: rules.performance_by_grade(pool=D("18000"), grade_label="称职", grade_percent=70),
        lambda: rules.performance_by_points(pool=D("5000"), score=D("872"), full_score=900, per_point=5),
        lambda: rules.performance_by_grade(pool=D("0"), grade_label="优秀", grade_percent=100),  # no pool: no grade reason
    ],
)
def test_a_result_that_is_not_a_refusal_has_no_zero_reason(calc):
    assert calc().zero_reason == ""


def test_an_eligible_departed_cadre_has_no_living_refusal():
    assert _living() is None


# --- service years --------------------------------------------------------------------------

ON = datetime.date(2025, 12, 31)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ((2010, 1, 1), (2010, 12, 31), 12),  # the end date is the last day in post
        ((2010, 1, 1), (2011, 1, 1), 12),
        ((2010, 1, 31), (2010, 2, 28), 1),
        ((2010, 3, 15), (2010, 4, 14), 1),
        ((2010, 3, 15), (2010, 4, 13), 0),
    ],
)
def test_full_months(start, end, months):
    assert rules.full_months(datetime.date(*start), datetime.date(*end)) == months


def test_overlapping_posts_are_counted_once():
    stints = [
        Stint("secretary", datetime.date(2005, 1, 1), datetime.date(2014, 1, 1)),
        Stint("chair", datetime.date(2008, 1, 1), datetime.date(2014, 1, 1)),  # 一肩挑, inside the first
    ]
    assert rules.service_years(stints, on=ON) == rules.Service(cumulative_months=108, continuous_months=108)


def test_gaps_split_continuous_service_but_add_to_cumulative():
    stints = [
        Stint("chair", datetime.date(2000, 1, 1), datetime.date(2005, 1, 1)),
        Stint("secretary", datetime.date(2008, 1, 1), datetime.date(2012, 1, 1)),
        Stint("secretary", datetime.date(2012, 1, 2), datetime.date(2015, 1, 1)),  # back-to-back: continuous
    ]
    service = rules.service_years(stints, on=ON)
    assert (service.cumulative_years, service.continuous_years) == (12, 7)


# --- living subsidy ---------------------------------------------------------------------------


def _ineligible(**overrides):
    args = {
        "sex": "M",
        "birth_date": datetime.date(1960, 6, 1),
        "on": ON,
        "normal_departure": True,
        "still_serving": False,
        "held_eligible_post": True,
        "service": rules.Service(cumulative_months=9 * 12, continuous_months=5 * 12),
        "min_continuous_years": 6,
        "min_cumulative_years": 9,
        "age_male": 60,
        "age_female": 55,
    }
    args.update(overrides)
    return rules.living_ineligibility(**args)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, None),
        ({"service": rules.Service(cumulative_months=6 * 12, continuous_months=6 * 12)}, None),
        ({"service": rules.Service(cumulative_months=8 * 12 + 11, continuous_months=5 * 12)}, "任职年限不足"),
        ({"normal_departure": False}, "非正常离任"),
        ({"still_serving": True}, "仍在任"),
        ({"birth_date": datetime.date(1966, 1, 1)}, "未到年龄：59 岁（男性须满 60 岁）"),
        ({"sex": "F", "birth_date": datetime.date(1970, 12, 31)}, None),
        ({"sex": "F", "birth_date": datetime.date(1971, 1, 1)}, "未到年龄：54 岁（女性须满 55 岁）"),
    ],
)
def test_living_eligibility(overrides, reason):
    reasons = _ineligible(**overrides)
    if reason is None:
        assert reasons == []
    else:
        assert any(reason in r for r in reasons), reasons


def test_termination_takes_effect_from_the_following_year():
    assert rules.payable_in_year(year=2025, stop_date=datetime.date(2025, 3, 1)) is True
    assert rules.payable_in_year(year=2026, stop_date=datetime.date(2025, 3, 1)) is False
    assert rules.payable_in_year(year=2026, stop_date=None) is True


ANLONG = [
    {"min_years": 3, "max_years": 5, "amount": "50"},
    {"min_years": 6, "max_years": 8, "amount": "65"},
    {"min_years": 9, "max_years": 9, "amount": "80"},
    {"min_years": 10, "max_years": 14, "amount": "700"},
    {"min_years": 15, "max_years": 19, "amount": "800"},
    {"min_years": 20, "max_years": 24, "amount": "1000"},
    {"min_years": 25, "max_years": 29, "amount": "1200"},
    {"min_years": 30, "max_years": 0, "amount": "1500"},
]


@pytest.mark.parametrize(
    ("years", "amount"),
    [
        (2, None),
        (3, D("50.00")),
        (5, D("50.00")),
        (6, D("65.00")),
        (9, D("80.00")),
        (10, D("700.00")),
        (19, D("800.00")),
        (24, D("1000.00")),
        (29, D("1200.00")),
        (30, D("1500.00")),
        (41, D("1500.00")),
    ],
)
def test_model_1_bands_by_cumulative_years(years, amount):
    calc = rules.living_by_bands(years=years, bands=ANLONG)
    assert (calc.amount if calc else None) == amount


def test_model_1_extra_for_widowed_or_childless():
    calc = rules.living_by_bands(years=16, bands=ANLONG, extra=D("50"))
    assert calc.amount == D("850.00")
    assert calc.explanation == "¥850 = ¥800（累计任职 16 年，15–19年档） + ¥50（孤寡/无子女）"


@pytest.mark.parametrize(("years", "monthly"), [(2, None), (3, 30), (5, 30), (6, 60), (36, 360)])
def test_model_2_thirty_yuan_a_month_per_three_years(years, monthly):
    calc = rules.living_per_three_years(years=years, monthly_per_step=D("30"))
    assert (calc.amount if calc else None) == (None if monthly is None else D(monthly * 12).quantize(D("0.01")))


def test_model_2_explanation():
    assert rules.living_per_three_years(years=36, monthly_per_step=D("30")).explanation.startswith(
        "¥4,320 = 12 个满3年 × ¥30 × 12 个月"
    )


RATES = {"secretary": (0, D("60"), "书记"), "chair": (1, D("50"), "主任"), "clerk": (2, D("40"), "文书")}


def test_model_3_per_term_highest_post_wins_and_overlaps_count_once():
    stints = [
        Stint("clerk", datetime.date(2000, 1, 1), datetime.date(2006, 12, 31)),  # 7 years clerk …
        Stint("secretary", datetime.date(2003, 1, 1), datetime.date(2009, 12, 31)),  # … overlapping 4 as secretary
    ]
    months = rules.months_by_highest_post(stints, ranks={k: v[0] for k, v in RATES.items()}, on=ON)
    assert months == {"clerk": 36, "secretary": 84}
    calc = rules.living_per_term(stints=stints, rates=RATES, on=ON, term_years=3)
    # secretary 84 months = 2 full terms × ¥60, clerk 36 months = 1 term × ¥40 → ¥160/month
    assert calc.amount == D("1920.00")
    assert calc.explanation == "¥1,920 = (2 届 × ¥60（书记） + 1 届 × ¥40（文书）) × 12 个月"


def test_model_3_a_term_counts_only_after_three_full_years():
    stints = [Stint("chair", datetime.date(2010, 1, 1), datetime.date(2012, 12, 30))]
    assert rules.living_per_term(stints=stints, rates=RATES, on=ON, term_years=3) is None


STEPS = [
    {"continuous_years": 6, "cumulative_years": 9, "percent": 10},
    {"continuous_years": 12, "cumulative_years": 18, "percent": 20},
    {"continuous_years": 18, "cumulative_years": 27, "percent": 30},
]


@pytest.mark.parametrize(
    ("continuous", "cumulative", "expected"),
    [
        (5, 8, None),
        (6, 6, D("2700.00")),
        (0, 9, D("2700.00")),
        (12, 12, D("5400.00")),
        (10, 18, D("5400.00")),
        (18, 18, D("8100.00")),
    ],
)
def test_model_4_percent_of_secretary_base(continuous, cumulative, expected):
    calc = rules.living_percent_of_secretary(
        continuous_years=continuous, cumulative_years=cumulative, steps=STEPS, secretary_base=D("27000")
    )
    assert (calc.amount if calc else None) == expected


def test_model_4_chairs_get_eighty_percent_of_the_secretary_figure():
    calc = rules.living_percent_of_secretary(
        continuous_years=6, cumulative_years=6, steps=STEPS, secretary_base=D("27000"), post_percent=80, post_label="主任"
    )
    assert calc.amount == D("2160.00")
    assert calc.explanation == "¥2,160 = ¥27,000 × 10%（连续满6年或累计满9年） × 80%（主任）"


@pytest.mark.parametrize(
    ("value", "text"), [(D("4860"), "¥4,860"), (D("2250.5"), "¥2,250.50"), (D("-100"), "−¥100"), (D("0"), "¥0")]
)
def test_fmt_yuan(value, text):
    assert rules.fmt_yuan(value) == text
