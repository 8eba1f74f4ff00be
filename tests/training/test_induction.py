"""Induction of new members across the year boundary: a post taken in the last N months of a year
is still listed in the next year's report (overdue since when), and overdue days count up to the
report's own ``today``."""

import datetime

import pytest

from cadres import choices
from training import rules, selectors
from training.choices import InductionStatus

from ..factories import AppointmentFactory, PersonFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "months", "year", "listed"),
    [
        (D(2025, 11, 5), 3, 2025, True),  # taken in the year
        (D(2025, 11, 5), 3, 2026, True),  # due 2026-02-05: still owed in 2026
        (D(2025, 10, 1), 3, 2026, True),  # due 2026-01-01: the first day of the year
        (D(2025, 9, 30), 3, 2026, False),  # due 2025-12-30: the 2025 report's business
        (D(2025, 8, 1), 6, 2026, True),  # a six-month rule reaches further back
        (D(2027, 1, 1), 3, 2026, False),  # not taken yet
    ],
)
def test_induction_window_in_year(start, months, year, listed):
    assert rules.induction_window_in_year(start, months, year) is listed


@pytest.fixture
def november(village_a):
    """新: first post on 2025-11-05, no training. 连: re-elected (member until 2025-10-31, vice chair
    from 2025-11-01, not new). 离: new on 2025-11-05 but left on 2025-12-20. 早: new on 2025-08-01."""
    new = AppointmentFactory(
        village=village_a, post="committee_member", start_date=D(2025, 11, 5), cohort=2025, person=PersonFactory(name="新成员")
    ).person
    again = PersonFactory(name="连任者")
    AppointmentFactory(person=again, village=village_a, post="committee_member", end_date=D(2025, 10, 31), end_reason="election")
    AppointmentFactory(person=again, village=village_a, post="vice_chair", start_date=D(2025, 11, 1), cohort=2025)
    AppointmentFactory(
        village=village_a,
        post="committee_member",
        start_date=D(2025, 11, 5),
        end_date=D(2025, 12, 20),
        end_reason="resigned",
        person=PersonFactory(name="离任者"),
    )
    AppointmentFactory(
        village=village_a, post=choices.SECRETARY, start_date=D(2025, 8, 1), cohort=2025, person=PersonFactory(name="早任者")
    )
    return new


def _inductions(user, year, today):
    return {r.name: r for r in selectors.coverage_report(user=user, year=year, today=today).county.inductions}


def test_a_november_appointment_is_due_in_its_year_and_overdue_in_the_next(county_user, november):
    in_2025 = _inductions(county_user, 2025, D(2026, 1, 20))
    assert in_2025["新成员"].result.status == InductionStatus.DUE
    assert in_2025["新成员"].result.deadline == D(2026, 2, 5) and in_2025["新成员"].overdue_days is None
    assert in_2025["早任者"].result.status == InductionStatus.OVERDUE  # due 2025-11-01
    in_2026 = _inductions(county_user, 2026, D(2026, 3, 1))
    assert set(in_2026) == {"新成员"}  # 连任者 is not new, 离任者 left in 2025, 早任者 was due in 2025
    row = in_2026["新成员"]
    assert (row.result.status, row.result.overdue_since, row.overdue_days) == (InductionStatus.OVERDUE, D(2026, 2, 6), 24)
    assert row.start == D(2025, 11, 5)


def test_overdue_days_count_to_the_reports_today(county_user, november):
    early = _inductions(county_user, 2025, D(2025, 12, 15))["早任者"]
    late = _inductions(county_user, 2025, D(2026, 6, 30))["早任者"]
    assert early.result.overdue_since == D(2025, 11, 2)
    assert (early.overdue_days, late.overdue_days) == (44, 241)


def test_the_coverage_page_lists_last_years_november_member(client, county_user, november):
    client.force_login(county_user)
    response = client.get("/training/coverage/?year=2026")
    assert response.status_code == 200
    names = [r.name for r in response.context["report"].county.inductions]
    assert names == ["新成员"]
    assert "2026年任职或培训期限在2026年内，共1人" in response.content.decode()
