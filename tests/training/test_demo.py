"""training.demo: realistic demo data on a small demo register, consistent with the rules."""

import datetime
import io
import random

import pytest

from cadres.demo import DemoCounty
from training import demo, selectors, services
from training.models import Attendance, EducationUpgrade, Enrollment, TrainingSession

TODAY = datetime.date(2025, 11, 20)


@pytest.fixture
def register(db):
    DemoCounty(seed=2026, townships=2, password="demo-pass-for-tests", today=TODAY).build()


def test_demo_builds_sessions_attendance_and_upgrades_that_obey_the_rules(register, county_user):
    out = io.StringIO()
    demo.seed_demo(rng=random.Random(7), today=TODAY, stdout=out)
    assert "教育培训" in out.getvalue()
    assert TrainingSession.objects.filter(start_date__year=2025).exists()
    assert TrainingSession.objects.filter(start_date__year=2024).exists()
    assert not TrainingSession.objects.filter(end_date__gte=TODAY).exists()
    assert Enrollment.objects.count() > 20 and Attendance.objects.count() > 50
    for model in (TrainingSession, Enrollment, Attendance, EducationUpgrade):
        for obj in model.objects.all()[:30]:
            obj.full_clean()
    # stored hours and certificates are exactly what the services compute
    assert services.training_year_recompute(year=2025) == 0
    assert services.training_year_recompute(year=2024) == 0
    report = selectors.coverage_report(user=county_user, year=2025, today=TODAY)
    assert report.county.trained and len(report.county.secretaries) > len(report.county.trained) * 0.8


def test_demo_is_deterministic(register):
    demo.seed_demo(rng=random.Random(7), today=TODAY, stdout=io.StringIO())
    first = sorted(Enrollment.objects.values_list("session__code", "person_id", "hours_credited", "certificate"))
    Attendance.objects.all().delete()
    Enrollment.objects.all().delete()
    EducationUpgrade.objects.all().delete()
    TrainingSession.objects.all().delete()
    demo.seed_demo(rng=random.Random(7), today=TODAY, stdout=io.StringIO())
    assert sorted(Enrollment.objects.values_list("session__code", "person_id", "hours_credited", "certificate")) == first
