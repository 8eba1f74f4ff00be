"""core.fastwrite: rows written by COPY (executemany on SQLite) each get one '+' history row."""

import pytest

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
