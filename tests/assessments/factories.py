"""Factories and builders for the assessments tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from assessments.choices import Phase, RaterGroup
from assessments.models import AnnualReview, BallotTally, ReviewCampaign

from ..factories import AppointmentFactory, PersonFactory, VillageFactory

YEAR = 2025


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCampaign
        django_get_or_create = ("year",)

    year = YEAR
    title = factory.LazyAttribute(lambda o: f"{o.year}年度村党组织书记双述双评")
    phase = Phase.BALLOT


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualReview

    campaign = factory.SubFactory(CampaignFactory)
    year = factory.LazyAttribute(lambda o: o.campaign.year)
    person = factory.SubFactory(PersonFactory)
    village = factory.SubFactory(VillageFactory)
    township = factory.LazyAttribute(lambda o: o.village.township)
    post_code = "secretary"
    post_name = "村党组织书记"
    post_start_date = datetime.date(2021, 4, 1)
    service_years = 4
    daily_score = Decimal("85")


def tally(review, group, counts=(50, 8, 2), entitled=None, attended=None) -> BallotTally:
    valid = sum(counts)
    return BallotTally.objects.create(
        review=review,
        group=group,
        entitled=entitled if entitled is not None else valid,
        attended=attended if attended is not None else valid,
        counts=dict(zip(("competent", "basic", "incompetent"), counts, strict=True)),
    )


def scored_review(*, village=None, campaign=None, counts=(50, 8, 2), township_counts=None, daily=85, village_score=None, **kw):
    """A review with both ballots entered."""
    campaign = campaign or CampaignFactory()
    review = ReviewFactory(
        campaign=campaign,
        village=village or VillageFactory(),
        daily_score=Decimal(daily) if daily is not None else None,
        village_score=Decimal(village_score) if village_score is not None else None,
        **kw,
    )
    tally(review, RaterGroup.TOWNSHIP, township_counts or counts)
    tally(review, RaterGroup.MEMBERS, counts)
    return review


def secretary(village, **kw):
    """A current (filed) secretary appointment in the village."""
    return AppointmentFactory(village=village, **kw)
