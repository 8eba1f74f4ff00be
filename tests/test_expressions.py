"""core.expressions.among: rows whose field is one of many values, in one statement on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadres.models import Appointment, Person
from core.expressions import among
from tests.factories import AppointmentFactory, PersonFactory


@pytest.mark.django_db
def test_among_finds_the_same_rows_as_in_whatever_the_number_of_values():
    people = PersonFactory.create_batch(3)
    wanted = [p.id_number for p in people[:2]] + [f"43012219700101{i:04d}" for i in range(2000)]  # mostly absent
    with CaptureQueriesContext(connection) as ctx:
        found = sorted(pk for qs in among(Person.objects.values_list("pk", flat=True), "id_number", wanted) for pk in qs)
    assert found == sorted(p.pk for p in people[:2])
    # PostgreSQL: one statement with the values as one array; elsewhere IN lists of 900
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 3)
    if connection.vendor == "postgresql":
        assert "= ANY(" in ctx.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_among_on_a_foreign_key_and_with_no_values():
    appt = AppointmentFactory()
    AppointmentFactory()
    querysets = among(Appointment.objects.all(), "person_id", [appt.person_id, 0])
    assert [a.pk for qs in querysets for a in qs] == [appt.pk]
    assert among(Appointment.objects.all(), "person_id", []) == []
