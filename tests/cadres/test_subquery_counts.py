"""The counts the township and training-session lists show, computed as scalar subqueries
(core.expressions.SubqueryCount): the same figures as counting the rows, and nothing counted twice
or across townships."""

import datetime

import pytest

from cadres import choices, selectors
from core import dates as core_dates
from tests.factories import AppointmentFactory, VillageFactory

pytestmark = pytest.mark.django_db


def test_township_counts_villages_communities_and_current_secretaries(county_user, township_a, township_b):
    v1, v2 = VillageFactory(township=township_a), VillageFactory(township=township_a)
    VillageFactory(township=township_a, kind=choices.VillageKind.COMMUNITY)
    VillageFactory(township=township_b)
    AppointmentFactory(village=v1)  # current secretary
    AppointmentFactory(village=v1, post=choices.CHAIR)  # not a secretary
    today = core_dates.today()
    AppointmentFactory(village=v2, end_date=today - datetime.timedelta(days=1), end_reason=choices.EndReason.ELECTION)  # ended
    AppointmentFactory(village=v2, start_date=today + datetime.timedelta(days=10))  # 待任
    AppointmentFactory(village=v2, status=choices.FilingStatus.DRAFT)  # not filed
    rows = {t.pk: (t.village_count, t.community_count, t.secretary_count) for t in selectors.township_list(user=county_user)}
    assert rows == {township_a.pk: (3, 1, 1), township_b.pk: (1, 0, 0)}


def test_a_sessions_enrolled_count_is_its_own_enrolments():
    from tests.training.factories import EnrollmentFactory, TrainingSessionFactory
    from training.models import TrainingSession

    big, small, empty = TrainingSessionFactory(), TrainingSessionFactory(), TrainingSessionFactory()
    EnrollmentFactory.create_batch(3, session=big)
    EnrollmentFactory(session=small)
    counts = dict(TrainingSession.objects.with_related().values_list("pk", "enrolled"))
    assert counts == {big.pk: 3, small.pk: 1, empty.pk: 0}
