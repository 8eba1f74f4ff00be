"""Tenure arithmetic (ORM-free): whole months with the end date as the last day in post,
overlapping posts counted once, the highest post's months for the per-term model."""

import datetime

import pytest

from assessments import rules as review_rules
from subsidies import rules
from subsidies.rules import Stint

d = datetime.date
ON = d(2025, 12, 31)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (d(2000, 1, 1), d(2008, 12, 31), 108),  # the case from the county: nine full years
        (d(2000, 1, 1), d(2008, 12, 30), 107),  # one day short of the ninth year
        (d(2000, 1, 1), d(2009, 1, 1), 108),
        (d(2010, 5, 20), d(2010, 5, 20), 0),  # same-day start and end: one day, no month
        (d(2010, 5, 20), d(2010, 5, 19), 0),  # end before start (a typing error): nothing
        (d(2010, 5, 20), d(2010, 6, 18), 0),
        (d(2010, 5, 20), d(2010, 6, 19), 1),  # 20 May … 19 June is one full month
        (d(2010, 1, 1), d(2010, 1, 31), 1),  # a calendar month
        (d(2010, 2, 1), d(2010, 2, 28), 1),  # February, common year
        (d(2012, 2, 1), d(2012, 2, 28), 0),  # leap year: 29 February still to serve
        (d(2012, 2, 1), d(2012, 2, 29), 1),
        (d(2010, 1, 31), d(2010, 2, 27), 1),  # from the 31st the month comes round on the last of February
        (d(2010, 1, 31), d(2010, 2, 26), 0),
        (d(2012, 1, 31), d(2012, 2, 28), 1),  # leap year: it comes round on 29 February
        (d(2012, 1, 31), d(2012, 2, 27), 0),
        (d(2010, 1, 31), d(2010, 3, 30), 2),
        (d(2012, 2, 29), d(2013, 2, 27), 12),  # a leap-day start: the year comes round on 28 February
        (d(2012, 2, 29), d(2013, 2, 26), 11),
        (d(2010, 12, 31), d(2011, 12, 30), 12),  # year end to year end
        (d(2010, 12, 31), d(2011, 12, 29), 11),
        (d(1999, 12, 1), d(2000, 2, 29), 3),  # across the turn of the year into a leap February
    ],
)
def test_full_months_counts_the_end_date_as_a_day_in_post(start, end, months):
    assert rules.full_months(start, end) == months


@pytest.mark.parametrize(
    ("stints", "periods"),
    [
        # back-to-back: the next post starts the day after the last day of the previous one
        ([(d(2000, 1, 1), d(2003, 3, 31)), (d(2003, 4, 1), d(2006, 12, 31))], [(d(2000, 1, 1), d(2006, 12, 31))]),
        # a day's gap splits the period
        (
            [(d(2000, 1, 1), d(2003, 3, 30)), (d(2003, 4, 1), d(2006, 12, 31))],
            [(d(2000, 1, 1), d(2003, 3, 30)), (d(2003, 4, 1), d(2006, 12, 31))],
        ),
        # 一肩挑: the chair post inside the secretary post
        ([(d(2005, 1, 1), d(2013, 12, 31)), (d(2008, 1, 1), d(2010, 6, 30))], [(d(2005, 1, 1), d(2013, 12, 31))]),
        # still serving: counted up to the reference date only
        ([(d(2020, 7, 1), None)], [(d(2020, 7, 1), ON)]),
        # a post starting after the reference date does not count; a reversed one neither
        ([(d(2026, 1, 1), None), (d(2019, 5, 1), d(2019, 4, 1))], []),
    ],
)
def test_merge_stints_with_inclusive_ends(stints, periods):
    assert rules.merge_stints([Stint("secretary", a, b) for a, b in stints], on=ON) == periods


def test_overlapping_posts_count_once_in_service_years():
    stints = [
        Stint("secretary", d(2000, 1, 1), d(2008, 12, 31)),
        Stint("chair", d(2000, 1, 1), d(2008, 12, 31)),  # 一肩挑 for the whole term
        Stint("chair", d(2009, 1, 1), d(2011, 12, 31)),  # then chair alone, back-to-back
    ]
    service = rules.service_years(stints, on=ON)
    assert (service.cumulative_months, service.continuous_months) == (144, 144)
    assert (service.cumulative_years, service.continuous_years) == (12, 12)


def test_gaps_add_to_cumulative_but_not_continuous_service():
    stints = [
        Stint("secretary", d(2000, 1, 1), d(2005, 12, 31)),  # 6 years
        Stint("secretary", d(2008, 1, 1), d(2010, 12, 31)),  # 3 years after a gap
    ]
    service = rules.service_years(stints, on=ON)
    assert (service.cumulative_years, service.continuous_years) == (9, 6)


RANKS = {"secretary": 0, "chair": 1, "clerk": 2}


@pytest.mark.parametrize(
    ("stints", "expected"),
    [
        # the county's case: one post 2000-01-01 … 2008-12-31 is 108 months
        ([("clerk", d(2000, 1, 1), d(2008, 12, 31))], {"clerk": 108}),
        # overlap: the months of the overlap go to the higher post, never twice
        (
            [("clerk", d(2000, 1, 1), d(2006, 12, 31)), ("secretary", d(2003, 1, 1), d(2009, 12, 31))],
            {"clerk": 36, "secretary": 84},
        ),
        # a change of post in mid-month loses no month: June 2003 goes to the higher post
        (
            [("clerk", d(2000, 1, 1), d(2003, 6, 15)), ("secretary", d(2003, 6, 16), d(2003, 12, 31))],
            {"clerk": 41, "secretary": 7},
        ),
        # a post beginning mid-month: that month is only partly served
        ([("chair", d(2010, 1, 15), d(2010, 12, 31))], {"chair": 11}),
        # ending on the last day of February (leap year) completes February
        ([("chair", d(2012, 1, 1), d(2012, 2, 29))], {"chair": 2}),
        ([("chair", d(2012, 1, 1), d(2012, 2, 28))], {"chair": 1}),
        # same-day start and end
        ([("chair", d(2012, 3, 1), d(2012, 3, 1))], {}),
        # a post not in the rate table is ignored
        ([("accountant", d(2000, 1, 1), d(2010, 12, 31))], {}),
    ],
)
def test_months_by_highest_post(stints, expected):
    stints = [Stint(p, a, b) for p, a, b in stints]
    assert rules.months_by_highest_post(stints, ranks=RANKS, on=ON) == expected


def test_per_term_model_counts_three_full_years_ending_on_the_last_day_as_a_term():
    rates = {"secretary": (0, "60", "书记"), "chair": (1, "50", "主任")}
    stints = [Stint("chair", d(2010, 1, 1), d(2012, 12, 31))]  # exactly three years, last day inclusive
    calc = rules.living_per_term(stints=stints, rates=rates, on=ON, term_years=3)
    assert calc.amount == rules.money("600") and "1 届 × ¥50（主任）" in calc.explanation
    stints = [Stint("chair", d(2010, 1, 1), d(2012, 12, 30))]  # one day short
    assert rules.living_per_term(stints=stints, rates=rates, on=ON, term_years=3) is None


@pytest.mark.parametrize(
    ("spans", "years"),
    [
        ([(d(2000, 1, 1), d(2008, 12, 31))], 9),
        ([(d(2000, 1, 1), d(2008, 12, 30))], 8),
        ([(d(2024, 1, 1), None)], 2),  # in post through the review year's last day
        ([(d(2025, 1, 2), None)], 0),
        ([(d(2025, 1, 1), None)], 1),
        ([(d(2000, 1, 1), d(2004, 12, 31)), (d(2003, 1, 1), d(2006, 12, 31))], 7),  # overlap counted once
        ([(d(2000, 1, 1), d(2002, 6, 30)), (d(2010, 1, 1), d(2012, 6, 30))], 5),  # two spells add up
    ],
)
def test_review_service_years_use_the_same_calendar_rule(spans, years):
    assert review_rules.service_years(spans, on=ON) == years
