"""The dashboard's training figure equals the coverage report's headline numbers."""

import datetime
import random

import pytest

from cadres import choices
from core import dates as core_dates
from training.choices import Level
from training.selectors import coverage_report, secretary_training_counts

from ..factories import AppointmentFactory, PersonFactory, VillageFactory
from .factories import EnrollmentFactory, TrainingSessionFactory


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_secretary_counts_equal_the_coverage_report(seed, county_user, clerk_a, township_a, township_b):
    rng = random.Random(seed)
    year = core_dates.today().year
    county_session = TrainingSessionFactory(
        level=Level.COUNTY, start_date=datetime.date(year, 1, 10), end_date=datetime.date(year, 1, 12)
    )
    township_session = TrainingSessionFactory(
        level=Level.TOWNSHIP, start_date=datetime.date(year, 1, 15), end_date=datetime.date(year, 1, 16)
    )
    for i in range(12):
        township = township_a if i % 2 else township_b
        village = VillageFactory(township=township)
        person = PersonFactory()
        start = datetime.date(year - rng.choice([0, 1, 5]), 1, 1) if rng.random() < 0.8 else datetime.date(year, 1, 2)
        AppointmentFactory(person=person, village=village, post=choices.SECRETARY, start_date=start)
        if rng.random() < 0.5:
            EnrollmentFactory(person=person, township=township, session=county_session, hours_credited=rng.choice([0, 8, 24]))
        if rng.random() < 0.5:
            EnrollmentFactory(person=person, township=township, session=township_session, hours_credited=8)
    for user, township_id in ((county_user, None), (county_user, township_a.pk), (clerk_a, None)):
        report = coverage_report(user=user, year=year, township_id=township_id).county
        assert secretary_training_counts(user=user, year=year, township_id=township_id) == (
            len(report.secretaries),
            len(report.trained),
        )
