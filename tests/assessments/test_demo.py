"""assessments.demo: realistic, explained, deterministic demo data on a small county."""

import io

import pytest
from django.core.management import call_command

from assessments.choices import Phase
from assessments.models import AnnualReview, BallotTally, ReviewCampaign, ReviewResult
from cadres.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_settings(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo-pass-for-tests"


def snapshot():
    return list(
        ReviewResult.objects.order_by("person__id_number", "year").values_list(
            "person__id_number", "year", "score", "grade", "stars"
        )
    )


def test_seed_demo_builds_three_review_years_with_explained_results():
    out = io.StringIO()
    call_command("seed_demo", townships=2, stdout=out)
    assert "assessments：演示数据已生成" in out.getvalue()
    campaigns = list(ReviewCampaign.objects.order_by("year").values_list("phase", flat=True))
    assert campaigns == [Phase.ARCHIVE, Phase.ARCHIVE, Phase.GRADE]
    last = ReviewCampaign.objects.order_by("-year").first().year
    secretaries = Appointment.objects.filter(post="secretary", status="filed", end_date__isnull=True).count()
    assert AnnualReview.objects.filter(year=last).count() == secretaries > 0
    assert BallotTally.objects.count() > AnnualReview.objects.count()  # two groups, a few missing
    assert ReviewResult.objects.count() == AnnualReview.objects.count()
    # archived years are locked and fully graded; the open year is not locked
    assert not ReviewResult.objects.filter(year__lt=last, locked=False).exists()
    assert not ReviewResult.objects.filter(year__lt=last, grade="").exists()
    assert not ReviewResult.objects.filter(year=last, locked=True).exists()
    graded = ReviewResult.objects.exclude(score=None).first()
    assert " = " in graded.score_explanation and graded.grade_explanation
    assert AnnualReview.history.filter(history_change_reason="演示数据初始化").count() == AnnualReview.objects.count()


@pytest.mark.django_db(transaction=True)  # --reset flushes the database
def test_seed_demo_is_deterministic():
    call_command("seed_demo", townships=2, stdout=io.StringIO())
    first = snapshot()
    call_command("seed_demo", townships=2, reset=True, stdout=io.StringIO())
    assert snapshot() == first


@pytest.mark.parametrize(
    ("today", "open_year"),
    [("2026-12-05", 2025), ("2026-01-15", 2024), ("2026-06-30", 2025), ("2027-03-01", 2026)],
)
def test_the_open_campaign_is_current_on_the_day_the_demo_is_built(today, open_year):
    """Built on any day, the open year's phases are current or just due (never months overdue),
    its ballots were held between the report and ballot deadlines, archived years keep the usual
    calendar."""
    import datetime

    from assessments.demo import schedule

    day = datetime.date.fromisoformat(today)
    dates = schedule(open_year, open_year=open_year, today=day)
    assert dates["report_deadline"] < dates["ballot_deadline"] <= day < dates["grade_deadline"]
    assert (day - dates["ballot_deadline"]).days <= 14 and (dates["grade_deadline"] - day).days <= 14
    assert dates["grade_deadline"] < dates["publicity_start"] <= dates["publicity_end"]
    archived = schedule(open_year - 1, open_year=open_year, today=day)
    assert archived["grade_deadline"] == datetime.date(open_year, 2, 10)


def test_demo_ballots_fall_inside_the_open_campaigns_window():
    call_command("seed_demo", townships=2, stdout=io.StringIO())
    campaign = ReviewCampaign.objects.get(phase=Phase.GRADE)
    dates = set(BallotTally.objects.filter(review__year=campaign.year).values_list("meeting_date", flat=True))
    assert dates and all(campaign.report_deadline < d <= campaign.ballot_deadline for d in dates)
    from core.dates import today

    assert campaign.grade_deadline > today()
