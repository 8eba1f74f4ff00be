"""Factories of the reserves tests (the shared ones live in tests/factories.py)."""

import datetime

import factory

from cadres.choices import VettingResult
from cadres.models import QualificationReview
from reserves.choices import Status
from reserves.models import ReserveCandidate

from ..factories import PersonFactory, VillageFactory


class PassedReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualificationReview

    person = factory.SubFactory(PersonFactory)
    village = factory.SubFactory(VillageFactory)
    post = "committee_member"
    post_name = "村民委员会委员"
    cohort = 2026
    outcome = VettingResult.PASS


class ReserveCandidateFactory(factory.django.DjangoModelFactory):
    """A surveyed reserve; ``pooled=True`` gives an 入库 member with a passed review."""

    class Meta:
        model = ReserveCandidate

    class Params:
        pooled = factory.Trait(
            status=Status.POOLED,
            qualification_review=factory.SubFactory(
                PassedReviewFactory, person=factory.SelfAttribute("..person"), village=factory.SelfAttribute("..village")
            ),
        )

    person = factory.SubFactory(PersonFactory, born=datetime.date(1996, 8, 12), political_status="masses", party_join_date=None)
    village = factory.SubFactory(VillageFactory)
    cohort = 2026
    source = "returned_graduate"
    source_name = "返乡大学生"
    intended_post = "committee_member"
    intended_post_name = "村民委员会委员"
    status = Status.SURVEYED
    surveyed_on = datetime.date(2025, 3, 1)
