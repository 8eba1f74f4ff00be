"""The pay runs read the real assessments and training selectors (built with their factories)."""

import datetime
from decimal import Decimal as D

import pytest

from subsidies import services
from subsidies.choices import EntryType
from subsidies.models import PayRunLine

from .factories import cadre

pytestmark = pytest.mark.django_db


def test_performance_run_reads_final_review_results(run_job, clerk_a, village_a):
    from assessments.models import ReviewResult

    from ..assessments.factories import ReviewFactory

    sec = cadre(village_a)
    review = ReviewFactory(person=sec.person, village=village_a)
    common = {"year": 2025, "person": sec.person, "village": village_a, "township": village_a.township, "status": "graded"}
    ReviewResult.objects.create(
        review=review, grade="competent", grade_label="称职", score=D("86"), village_category="B", locked=True, **common
    )
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    line = PayRunLine.objects.get(run=run)
    assert (line.person_id, line.amount) == (sec.person_id, D("16200.00"))  # ¥18,000 × 90 %（称职）


def test_unlocked_review_results_are_not_paid(run_job, clerk_a, village_a):
    from assessments.models import ReviewResult

    from ..assessments.factories import ReviewFactory

    sec = cadre(village_a)
    review = ReviewFactory(person=sec.person, village=village_a)
    ReviewResult.objects.create(
        review=review,
        year=2025,
        person=sec.person,
        village=village_a,
        township=village_a.township,
        status="graded",
        grade="excellent",
        grade_label="优秀",
        locked=False,
    )
    run = run_job(services.payrun_create, by=clerk_a, kind="performance_yearly", period_code="2025")
    assert run.line_count == 0


def test_yearly_run_posts_education_subsidies_from_training(run_job, clerk_a, village_a):
    from ..training.factories import EducationUpgradeFactory

    sec = cadre(village_a)
    EducationUpgradeFactory(
        person=sec.person,
        township=village_a.township,
        tuition_subsidy=D("1500.00"),
        tuition_subsidy_date=datetime.date(2025, 3, 1),
        actual_graduation=datetime.date(2025, 7, 1),
        diploma_subsidy=D("2000.00"),
        diploma_subsidy_date=datetime.date(2025, 7, 15),
    )
    run = run_job(services.payrun_create, by=clerk_a, kind="subsidy_yearly", period_code="2025")
    lines = PayRunLine.objects.filter(run=run, entry_type=EntryType.EDUCATION).order_by("source_ref")
    assert [(line.source_ref.split(":")[-1], line.amount) for line in lines] == [
        ("diploma", D("2000.00")),
        ("tuition", D("1500.00")),
    ]


def test_auditors_see_bank_card_numbers_masked(auditor, county_user):
    assert county_user.has_perm("subsidies.view_bank_account")
    assert not auditor.has_perm("subsidies.view_bank_account")
    assert auditor.has_perm("subsidies.view_ledgerentry")
