"""Pure training rules, table-driven: hours, certificates, requirements, induction, subsidies."""

import datetime
from decimal import Decimal

import pytest

from training import rules
from training.choices import AttendanceStatus as A
from training.choices import Certificate as C
from training.choices import InductionStatus as I

D = datetime.date
R = rules.HourRules()  # the default profile: 8 / 4 hours, late 50 %, limit 3, leave not counted
MON, TUE, WED, THU, FRI = (D(2025, 3, d) for d in (3, 4, 5, 6, 7))
FIVE_DAYS = rules.session_days(MON, FRI)
WITH_HALF = rules.session_days(MON, WED, [WED])  # 2 full days + 1 half day = 20 h


@pytest.mark.parametrize(
    ("days", "marks", "override", "hours"),
    [
        (WITH_HALF, {MON: A.PRESENT, TUE: A.PRESENT, WED: A.PRESENT}, None, "20.0"),
        (WITH_HALF, {MON: A.PRESENT, TUE: A.LEAVE, WED: A.PRESENT}, None, "12.0"),  # leave earns nothing
        (WITH_HALF, {MON: A.PRESENT, TUE: A.PRESENT, WED: A.LATE_EARLY}, None, "18.0"),  # half day, 50 % of 4
        (WITH_HALF, {MON: A.LATE_EARLY, TUE: A.ABSENT}, None, "4.0"),  # one full day at 50 %, rest nothing/unrecorded
        (WITH_HALF, {}, None, "0.0"),
        (rules.session_days(MON, MON, [MON]), {MON: A.PRESENT}, None, "4.0"),  # a single half day
        (FIVE_DAYS, dict.fromkeys([MON, TUE, WED, THU, FRI], A.PRESENT), None, "40.0"),
        # an online course credited 10 h in total: attendance gives the share
        (WITH_HALF, {MON: A.PRESENT, TUE: A.PRESENT, WED: A.ABSENT}, Decimal(10), "8.0"),
    ],
)
def test_credited_hours_by_day_rules(days, marks, override, hours):
    assert rules.credited_hours(days, marks, R, override) == Decimal(hours)


def test_session_hours_counts_half_days_and_respects_override():
    assert rules.session_hours(WITH_HALF, R) == Decimal("20.0")
    assert rules.session_hours(FIVE_DAYS, R) == Decimal("40.0")
    assert rules.session_hours(WITH_HALF, R, Decimal("6.5")) == Decimal("6.5")
    six_hour_days = rules.HourRules(full_day_hours=Decimal(6), half_day_hours=Decimal(3))
    assert rules.session_hours(WITH_HALF, six_hour_days) == Decimal("15.0")


@pytest.mark.parametrize(
    ("marks", "policy", "certificate", "missed"),
    [
        ({MON: A.PRESENT, TUE: A.PRESENT, WED: A.PRESENT, THU: A.PRESENT, FRI: A.PRESENT}, R, C.ISSUED, 0),
        ({MON: A.ABSENT, TUE: A.LATE_EARLY, WED: A.PRESENT, THU: A.PRESENT, FRI: A.PRESENT}, R, C.ISSUED, 2),
        ({MON: A.ABSENT, TUE: A.LATE_EARLY, WED: A.LATE_EARLY, THU: A.PRESENT, FRI: A.PRESENT}, R, C.WITHHELD, 3),
        ({MON: A.LEAVE, TUE: A.LEAVE, WED: A.LEAVE, THU: A.PRESENT, FRI: A.PRESENT}, R, C.ISSUED, 0),
        (
            {MON: A.LEAVE, TUE: A.LEAVE, WED: A.LEAVE, THU: A.PRESENT, FRI: A.PRESENT},
            rules.HourRules(leave_counts_as_absence=True),
            C.WITHHELD,
            3,
        ),
        ({MON: A.PRESENT, TUE: A.PRESENT}, R, C.PENDING, 0),  # days not recorded yet
        ({MON: A.ABSENT, TUE: A.ABSENT, WED: A.ABSENT}, R, C.WITHHELD, 3),  # withheld even before the rest
        (
            {MON: A.ABSENT, TUE: A.PRESENT, WED: A.PRESENT, THU: A.PRESENT, FRI: A.PRESENT},
            rules.HourRules(certificate_absence_limit=1),
            C.WITHHELD,
            1,
        ),
    ],
)
def test_certificate_is_withheld_at_the_absence_limit(marks, policy, certificate, missed):
    assert rules.missed_count(FIVE_DAYS, marks, policy) == missed
    assert rules.certificate(FIVE_DAYS, marks, policy) == certificate


def test_a_one_day_session_missed_entirely_gives_no_certificate():
    one = rules.session_days(MON, MON)
    assert rules.certificate(one, {MON: A.ABSENT}, R) == C.WITHHELD
    assert rules.certificate(one, {MON: A.LEAVE}, R) == C.WITHHELD


TABLE = {
    "secretary": {"required_hours": 56, "county_session": True},
    "vice_chair": {"required_hours": 32, "county_session": False},
    "chair": {"required_hours": 32, "county_session": False},
    "committee_member": {"required_hours": 32, "county_session": False},
}


@pytest.mark.parametrize(
    ("spans", "prorate", "hours", "county"),
    [
        ([rules.PostSpan("secretary", D(2021, 4, 1), None)], True, "56.0", True),
        ([rules.PostSpan("committee_member", D(2021, 4, 1), None)], True, "32.0", False),
        # took the post mid-year: July–December = 6 of 12 months
        ([rules.PostSpan("secretary", D(2025, 7, 15), None)], True, "28.0", True),
        ([rules.PostSpan("secretary", D(2025, 7, 15), None)], False, "56.0", True),
        # November start: 2 months → 56 × 2 / 12 = 9.33 → 9.3
        ([rules.PostSpan("secretary", D(2025, 11, 30), None)], True, "9.3", True),
        # two posts at once (一肩挑): the larger requirement, not the sum
        ([rules.PostSpan("secretary", D(2021, 4, 1), None), rules.PostSpan("chair", D(2021, 4, 1), None)], True, "56.0", True),
        # chair all year (32 h), also secretary from July (56 h): 6 × 32 + 6 × 56 over 12 = 44 h, county rule applies
        ([rules.PostSpan("secretary", D(2025, 7, 1), None), rules.PostSpan("chair", D(2021, 4, 1), None)], True, "44.0", True),
        # moved from member to vice chair mid-year: both 32 h posts, held all year → no pro-rating
        (
            [
                rules.PostSpan("committee_member", D(2021, 4, 1), D(2025, 6, 30)),
                rules.PostSpan("vice_chair", D(2025, 7, 1), None),
            ],
            True,
            "32.0",
            False,
        ),
        # left in March: 3 months of a member's 32 h = 8 h
        ([rules.PostSpan("committee_member", D(2021, 4, 1), D(2025, 3, 10))], True, "8.0", False),
        # posts outside the year or not in the table count nothing
        (
            [rules.PostSpan("secretary", D(2026, 1, 1), None), rules.PostSpan("group_leader", D(2020, 1, 1), None)],
            True,
            "0",
            False,
        ),
    ],
)
def test_required_hours_for_a_year(spans, prorate, hours, county):
    req = rules.required_for_year(spans, 2025, TABLE, prorate=prorate)
    assert req.hours == Decimal(hours)
    assert req.county_session is county


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2021, 1, 1), None, 12),
        (D(2025, 1, 31), None, 12),
        (D(2025, 12, 31), None, 1),
        (D(2025, 7, 15), D(2025, 8, 1), 2),
        (D(2019, 1, 1), D(2024, 12, 31), 0),
    ],
)
def test_months_in_year(start, end, months):
    assert rules.months_in_year(start, end, 2025) == months


def test_new_post_means_no_counted_post_the_day_before():
    old = rules.PostSpan("committee_member", D(2021, 4, 1), D(2025, 5, 31))
    promoted = rules.PostSpan("secretary", D(2025, 6, 1), None)
    fresh = rules.PostSpan("committee_member", D(2025, 6, 1), None)
    assert rules.is_new_post(promoted, [old, promoted]) is False
    assert rules.is_new_post(fresh, [fresh]) is True
    gap = rules.PostSpan("chair", D(2025, 6, 3), None)
    assert rules.is_new_post(gap, [old, gap]) is True


@pytest.mark.parametrize(
    ("trainings", "today", "status", "completed", "overdue_since"),
    [
        ([(D(2025, 6, 20), Decimal(24))], D(2025, 12, 1), I.ON_TIME, D(2025, 6, 20), None),
        # 16 h then 8 h: complete on the day the total reaches 24 h
        ([(D(2025, 5, 10), Decimal(16)), (D(2025, 7, 1), Decimal(8))], D(2025, 12, 1), I.ON_TIME, D(2025, 7, 1), None),
        ([(D(2025, 9, 1), Decimal(24))], D(2025, 12, 1), I.LATE, D(2025, 9, 1), D(2025, 7, 11)),
        ([(D(2025, 6, 1), Decimal(16))], D(2025, 12, 1), I.OVERDUE, None, D(2025, 7, 11)),
        ([], D(2025, 7, 10), I.DUE, None, None),  # the deadline day itself is still in time
        ([], D(2025, 7, 11), I.OVERDUE, None, D(2025, 7, 11)),
        ([(D(2025, 3, 1), Decimal(40))], D(2025, 12, 1), I.OVERDUE, None, D(2025, 7, 11)),  # before taking the post
    ],
)
def test_induction_within_three_months(trainings, today, status, completed, overdue_since):
    result = rules.induction(D(2025, 4, 10), trainings, months=3, min_hours=Decimal(24), today=today)
    assert result.deadline == D(2025, 7, 10)
    assert result.status == status
    assert result.completed_on == completed
    assert result.overdue_since == overdue_since


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(D(2025, 11, 30), 3, D(2026, 2, 28)), (D(2024, 11, 30), 3, D(2025, 2, 28)), (D(2023, 11, 29), 3, D(2024, 2, 29))],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("fee", "percent", "cap", "amount"),
    [
        (Decimal("4800.00"), 50, "3000", "2400.00"),
        (Decimal("8000.00"), 50, "3000", "3000.00"),
        (Decimal("8000.00"), 50, "0", "4000.00"),
        (Decimal("3333.33"), 50, "0", "1666.67"),  # 1666.665 → half up
        (None, 50, "3000", "0.00"),
    ],
)
def test_tuition_subsidy_percent_and_cap(fee, percent, cap, amount):
    assert rules.tuition_subsidy(fee, percent=percent, cap=cap) == Decimal(amount)
