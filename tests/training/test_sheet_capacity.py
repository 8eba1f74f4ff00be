"""Sign-in walk-ins (people not on the roster) take seats like enrolling from the session page."""

import pytest
from django.core.exceptions import ValidationError

from cadres.models import ImportBatch
from core.imports.batches import import_batch_apply
from training import services
from training.models import Attendance, Enrollment

from ..factories import AppointmentFactory, PersonFactory
from .test_sheets import setup, sheet, upload  # noqa: F401 (fixture)


@pytest.fixture
def walk_ins(village_a):
    return [
        AppointmentFactory(village=village_a, post="vice_chair", person=PersonFactory(name=name)).person
        for name in ("刘洋", "陈静")
    ]


def _row(person):
    return ["PX2025-001", "甲镇", "甲一村", person.name, person.id_number, "√", "√", "√"]


def test_walk_ins_beyond_capacity_are_row_errors_and_nothing_is_written(clerk_a, setup, walk_ins):  # noqa: F811
    session = setup["session"]
    session.capacity = 4  # three on the roster: one seat left
    session.save()
    li = setup["li"]
    batch = upload(clerk_a, sheet([_row(li), *(_row(p) for p in walk_ins)]))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.summary["errors"] == ["第5行「姓名」：陈静 — 不在报名名单中，该培训班计划4人，名额已满，不能加入名单"], (
        batch.summary["errors"]
    )
    assert Enrollment.objects.filter(session=session).count() == 3 and Attendance.objects.count() == 0


def test_walk_in_within_capacity_is_added_and_the_roster_is_then_full(clerk_a, county_user, setup, walk_ins):  # noqa: F811
    session = setup["session"]
    session.capacity = 4
    session.save()
    batch = upload(clerk_a, sheet([_row(walk_ins[0])]))
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
    import_batch_apply(batch=batch, by=clerk_a)
    assert Enrollment.objects.filter(session=session).count() == 4
    # the enrol form/API says the same as the import now
    with pytest.raises(ValidationError) as exc:
        services.enrollment_add(session=session, person=walk_ins[1], by=county_user)
    assert exc.value.message_dict["person"] == ["该培训班计划4人，名额已满。"]
    # people already on the roster can still sign in when the session is full
    again = upload(clerk_a, sheet([_row(setup["li"])]))
    assert again.status == ImportBatch.Status.PREVIEWED, again.summary["errors"]
    full = upload(clerk_a, sheet([_row(walk_ins[1])]))
    assert full.status == ImportBatch.Status.INVALID
    assert "名额已满" in full.summary["errors"][0]
