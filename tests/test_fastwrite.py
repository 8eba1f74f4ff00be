"""core.fastwrite: rows written by COPY (executemany on SQLite) each get one '+' history row."""

import datetime

import pytest
from django.utils import timezone

from cadres.models import DepartmentVerdict, QualificationReview
from core.fastwrite import insert_objects_with_history
from tests.factories import PersonFactory, VillageFactory

pytestmark = pytest.mark.django_db


def test_insert_objects_with_history_saves_children_of_a_saved_parent_and_their_history():
    village = VillageFactory()
    review = QualificationReview.objects.create(
        person=PersonFactory(), village=village, post="secretary", post_name="村党组织书记"
    )
    verdicts = [DepartmentVerdict(review=review, department_code=f"d{i}", department_name=f"部门{i}", sort=i) for i in range(3)]

    insert_objects_with_history(verdicts, user=None, reason="演示数据初始化")

    assert all(v.pk for v in verdicts)
    stored = list(DepartmentVerdict.objects.filter(review=review).order_by("sort").values_list("pk", "department_name"))
    assert stored == [(v.pk, v.department_name) for v in verdicts]
    history = DepartmentVerdict.history.filter(id__in=[v.pk for v in verdicts])
    assert sorted(history.values_list("history_type", "history_change_reason")) == [("+", "演示数据初始化")] * 3


def test_insert_objects_with_history_writes_people_with_their_photo_field_and_explicit_dates():
    from cadres.models import Person

    created = timezone.make_aware(datetime.datetime(2021, 3, 1, 9, 0))
    people = [PersonFactory.build(photo="") for _ in range(2)]
    for p in people:
        p.created_at = created
    people[1].photo = "photos/p2.jpg"

    insert_objects_with_history(people, user=None, reason="演示数据初始化")

    stored = dict(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "photo"))
    assert stored == {people[0].pk: "", people[1].pk: "photos/p2.jpg"}
    assert set(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("created_at", flat=True)) == {created}
    assert Person.history.filter(id__in=[p.pk for p in people], history_type="+").count() == 2
