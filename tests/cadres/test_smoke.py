from cadres.models import Person

from ..factories import AppointmentFactory, PersonFactory


def test_factories_build_valid_people(db):
    people = PersonFactory.create_batch(150)
    for p in people:
        p.full_clean()
    assert Person.objects.count() == 150
    a = AppointmentFactory()
    assert a.is_current
