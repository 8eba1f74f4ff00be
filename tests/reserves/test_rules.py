"""Pure rules, table-driven: Party path intervals (DOMAIN §6, §12.8), eligibility, coverage, bands."""

import datetime
from decimal import Decimal

import pytest

from reserves import rules
from reserves.choices import PartyStage as S

D = datetime.date
TODAY = D(2027, 1, 1)


@pytest.mark.parametrize(
    ("history", "stage", "on", "until", "error_field"),
    [
        # §12.8: activist since 2023-05-10 → cannot become 发展对象 before 2024-05-10
        ([(S.ACTIVIST, D(2023, 5, 10), None)], S.CANDIDATE, D(2024, 5, 9), None, "date"),
        ([(S.ACTIVIST, D(2023, 5, 10), None)], S.CANDIDATE, D(2024, 5, 10), None, None),
        # applicant ≥ 6 months before activist
        ([(S.APPLICANT, D(2023, 1, 31), None)], S.ACTIVIST, D(2023, 7, 30), None, "date"),
        ([(S.APPLICANT, D(2023, 1, 31), None)], S.ACTIVIST, D(2023, 7, 31), None, None),
        # candidate → probationary: no minimum interval, but not before the candidate date
        ([(S.ACTIVIST, D(2023, 5, 10), None), (S.CANDIDATE, D(2024, 6, 1), None)], S.PROBATIONARY, D(2024, 6, 1), None, None),
        # §12.8: probationary from 2024-07-01 → due 2025-07-01
        ([(S.PROBATIONARY, D(2024, 7, 1), None)], S.FULL, D(2025, 6, 30), None, "date"),
        ([(S.PROBATIONARY, D(2024, 7, 1), None)], S.FULL, D(2025, 7, 1), None, None),
        # §12.8: extension beyond 2026-07-01 refused; up to it allowed
        ([(S.PROBATIONARY, D(2024, 7, 1), None)], S.EXTENSION, D(2025, 6, 20), D(2026, 7, 2), "until"),
        ([(S.PROBATIONARY, D(2024, 7, 1), None)], S.EXTENSION, D(2025, 6, 20), D(2026, 7, 1), None),
        ([(S.PROBATIONARY, D(2024, 7, 1), None)], S.EXTENSION, D(2025, 6, 20), D(2025, 7, 1), "until"),
        ([(S.PROBATIONARY, D(2024, 7, 1), None)], S.EXTENSION, D(2025, 6, 20), None, "until"),
        # after an extension, full membership waits for its end
        (
            [(S.PROBATIONARY, D(2024, 7, 1), None), (S.EXTENSION, D(2025, 6, 20), D(2026, 1, 1))],
            S.FULL,
            D(2025, 12, 31),
            None,
            "date",
        ),
        (
            [(S.PROBATIONARY, D(2024, 7, 1), None), (S.EXTENSION, D(2025, 6, 20), D(2026, 1, 1))],
            S.FULL,
            D(2026, 1, 1),
            None,
            None,
        ),
        # only one extension; only probationary members can be extended
        (
            [(S.PROBATIONARY, D(2024, 7, 1), None), (S.EXTENSION, D(2025, 6, 20), D(2026, 1, 1))],
            S.EXTENSION,
            D(2025, 12, 1),
            D(2026, 6, 1),
            "stage",
        ),
        ([(S.ACTIVIST, D(2023, 5, 10), None)], S.EXTENSION, D(2024, 1, 1), D(2025, 1, 1), "stage"),
        # no skipping, no going back, no repeats, not in the future
        ([(S.APPLICANT, D(2022, 1, 1), None)], S.CANDIDATE, D(2024, 1, 1), None, "stage"),
        ([(S.CANDIDATE, D(2024, 1, 1), None)], S.ACTIVIST, D(2024, 2, 1), None, "stage"),
        ([(S.APPLICANT, D(2022, 1, 1), None)], S.APPLICANT, D(2022, 2, 1), None, "stage"),
        ([], S.APPLICANT, D(2027, 1, 2), None, "date"),
        # a first record may start anywhere but at 正式党员
        ([], S.ACTIVIST, D(2023, 5, 10), None, None),
        ([], S.FULL, D(2023, 5, 10), None, "stage"),
        ([], S.APPLICANT, D(2023, 5, 10), D(2024, 1, 1), "until"),
    ],
)
def test_party_stage_intervals(history, stage, on, until, error_field):
    errors = rules.party_stage_errors(history, stage=stage, on=on, until=until, today=TODAY)
    if error_field is None:
        assert errors == {}
    else:
        assert list(errors) == [error_field]


def test_party_stage_message_names_the_earliest_date():
    errors = rules.party_stage_errors([(S.ACTIVIST, D(2023, 5, 10), None)], stage=S.CANDIDATE, on=D(2024, 1, 1), today=TODAY)
    assert "2024年05月10日" in errors["date"]
    errors = rules.party_stage_errors(
        [(S.PROBATIONARY, D(2024, 7, 1), None)], stage=S.EXTENSION, on=D(2025, 6, 1), until=D(2026, 8, 1), today=TODAY
    )
    assert "2026年07月01日" in errors["until"]


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], None),
        ([(S.APPLICANT, D(2023, 1, 31), None)], (S.ACTIVIST, D(2023, 7, 31))),
        ([(S.ACTIVIST, D(2023, 5, 10), None)], (S.CANDIDATE, D(2024, 5, 10))),
        ([(S.ACTIVIST, D(2023, 5, 10), None), (S.CANDIDATE, D(2024, 6, 1), None)], (S.PROBATIONARY, D(2024, 6, 1))),
        ([(S.PROBATIONARY, D(2024, 7, 1), None)], (S.FULL, D(2025, 7, 1))),
        ([(S.PROBATIONARY, D(2024, 7, 1), None), (S.EXTENSION, D(2025, 6, 1), D(2026, 7, 1))], (S.FULL, D(2026, 7, 1))),
        ([(S.PROBATIONARY, D(2024, 7, 1), None), (S.FULL, D(2025, 7, 1), None)], None),
        # leap day: one year after 2024-02-29 is 2025-02-28
        ([(S.PROBATIONARY, D(2024, 2, 29), None)], (S.FULL, D(2025, 2, 28))),
    ],
)
def test_next_party_step_due_dates(history, expected):
    assert rules.next_party_step(history) == expected


RULES = {"max_age": 35, "max_age_college": 40, "age_cutoff": "01-01", "min_education": "3_senior"}
LABELS = {"3_senior": "高中", "2_junior": "初中", "5_college": "大专", "6_bachelor": "大学本科"}


@pytest.mark.parametrize(
    ("birth", "education", "cohort", "fields"),
    [
        (D(1991, 1, 1), "3_senior", 2026, set()),  # exactly 35 on 2026-01-01
        (D(1990, 1, 1), "3_senior", 2026, {"person"}),  # 36 on 2026-01-01
        (D(1986, 1, 1), "5_college", 2026, set()),  # 40 with college
        (D(1985, 1, 1), "6_bachelor", 2026, {"person"}),  # 41 even with a degree
        (D(1995, 6, 1), "2_junior", 2026, {"education"}),
        (D(1995, 6, 1), "", 2026, {"education"}),
        (D(2009, 6, 1), "3_senior", 2026, {"person"}),  # under 18
        (D(1980, 6, 1), "2_junior", 2026, {"person", "education"}),
    ],
)
def test_eligibility_against_the_policy(birth, education, cohort, fields):
    errors = rules.eligibility_errors(birth_date=birth, education=education, cohort=cohort, rules=RULES, education_labels=LABELS)
    assert set(errors) == fields


def test_eligibility_cut_off_date_is_policy_data():
    late = dict(RULES, age_cutoff="12-31")
    # born 1990-06-01: 35 on 2026-01-01 (eligible) but 36 on 2026-12-31 (not)
    ok = rules.eligibility_errors(
        birth_date=D(1990, 6, 1), education="3_senior", cohort=2026, rules=RULES, education_labels=LABELS
    )
    too_old = rules.eligibility_errors(
        birth_date=D(1990, 6, 1), education="3_senior", cohort=2026, rules=late, education_labels=LABELS
    )
    assert ok == {} and "36周岁" in too_old["person"]
    assert rules.valid_cutoff("02-29") and not rules.valid_cutoff("13-01") and not rules.valid_cutoff("abc")


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, Decimal("33.33")),
        (2, 3, Decimal("66.67")),
        (1, 8, Decimal("12.50")),
        (0, 0, Decimal("0.00")),
        (5, 5, Decimal("100.00")),
    ],
)
def test_share_percent_rounds_half_up_to_cents(part, whole, expected):
    assert rules.share_percent(part, whole) == expected


def test_coverage_summary_worked_example():
    # DOMAIN §12.7: villages A (3), B (1), C (0), target 2 → 1 of 3 compliant; B and C below.
    summary = rules.coverage_summary([3, 1, 0], 2)
    assert summary == {
        "villages": 3,
        "meeting": 1,
        "below": 2,
        "share": Decimal("33.33"),
        "members": 4,
        "shortfall": 3,
    }


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (18, "30岁及以下"),
        (30, "30岁及以下"),
        (31, "31–35岁"),
        (35, "31–35岁"),
        (40, "36–40岁"),
        (45, "41–45岁"),
        (46, "46岁及以上"),
    ],
)
def test_age_bands(age, band):
    assert rules.age_band(age) == band


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(D(2024, 1, 31), 1, D(2024, 2, 29)), (D(2023, 5, 10), 12, D(2024, 5, 10)), (D(2024, 7, 1), 24, D(2026, 7, 1))],
)
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected
