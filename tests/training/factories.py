"""Factories of the training app (on top of tests/factories.py)."""

import datetime

import factory

from training.choices import Kind, Level
from training.models import EducationUpgrade, Enrollment, TrainingSession

from ..factories import PersonFactory, TownshipFactory


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    code = factory.Sequence(lambda n: f"PX2025-{n + 100:03d}")
    title = factory.Sequence(lambda n: f"村党组织书记轮训班第{n}期")
    level = Level.COUNTY
    kind = Kind.ROTATION
    organiser = "县委党校"
    place = "县委党校"
    start_date = datetime.date(2025, 3, 3)
    end_date = datetime.date(2025, 3, 5)
    topics = factory.LazyFunction(lambda: ["policy", "party_building"])
    audiences = factory.LazyFunction(lambda: ["secretaries"])


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    session = factory.SubFactory(TrainingSessionFactory)
    person = factory.SubFactory(PersonFactory)
    township = factory.SubFactory(TownshipFactory)


class EducationUpgradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationUpgrade

    person = factory.SubFactory(PersonFactory)
    township = factory.SubFactory(TownshipFactory)
    school = "湖南农业大学"
    programme = "农村区域发展"
    level = "5_college"
    enrolled_on = datetime.date(2022, 9, 1)
    expected_graduation = datetime.date(2025, 7, 1)
