"""The register's partial indexes serve the lookups they were made for (and only index what they must)."""

import pytest
from django.db import connection

from cadres.models import Appointment, QualificationReview
from tests.factories import AppointmentFactory, PersonFactory, VillageFactory

pytestmark = pytest.mark.django_db


def test_a_reviews_posts_are_found_by_the_index_of_set_links_only():
    village = VillageFactory()
    review = QualificationReview.objects.create(
        person=PersonFactory(), village=village, post="secretary", post_name="村党组织书记"
    )
    linked = AppointmentFactory(village=village, person=review.person, qualification_review=review)
    AppointmentFactory.create_batch(3, village=village, post="committee_member")  # no review linked: not in the index
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the planner show its index
    posts = Appointment.objects.filter(qualification_review=review)
    assert "cadres_appt_review" in posts.explain()
    assert list(posts) == [linked]
    assert list(review.appointments.all()) == [linked]
