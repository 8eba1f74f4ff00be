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
