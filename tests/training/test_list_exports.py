"""Exports of the training lists (sessions, education upgrades): current filter, user's scope,
personal columns masked by role, every export logged."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from cadres.models import ExportLog
from training.choices import Level

from ..factories import PersonFactory
from .factories import EducationUpgradeFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def _table(response, first_header):
    assert response.status_code == 200, response.content[:300]
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return list(rows[start]), [list(r) for r in rows[start + 1 :] if any(v is not None for v in r)]


@pytest.fixture
def data(township_a, township_b):
    TrainingSessionFactory(code="PX2025-001", title="全县书记轮训班", capacity=160)
    TrainingSessionFactory(code="PX2025-002", title="甲镇两委培训", level=Level.TOWNSHIP, township=township_a)
    TrainingSessionFactory(code="PX2025-003", title="乙镇两委培训", level=Level.TOWNSHIP, township=township_b)
    EducationUpgradeFactory(
        township=township_a, person=PersonFactory(name="甲学员", phone="13907310002"), tuition_fee=Decimal("6000.00")
    )
    EducationUpgradeFactory(township=township_b, person=PersonFactory(name="乙学员"))


def test_clerk_session_export_holds_county_and_own_township_sessions_only(client, clerk_a, data):
    client.force_login(clerk_a)
    page = client.get(reverse("training:session_list")).content.decode()
    assert reverse("training:session_export") in page and "导出Excel" in page
    header, rows = _table(client.get(reverse("training:session_export")), "培训班编号")
    assert sorted(r[0] for r in rows) == ["PX2025-001", "PX2025-002"]
    first = next(r for r in rows if r[0] == "PX2025-001")
    assert first[header.index("培训日程")] == "3个全天" and first[header.index("计划人数")] == 160
    assert first[header.index("报名人数")] == 0
    assert ExportLog.objects.get().what == "培训班"


def test_session_export_follows_the_filter(client, county_user, data):
    client.force_login(county_user)
    _header, rows = _table(client.get(reverse("training:session_export") + "?level=township"), "培训班编号")
    assert sorted(r[0] for r in rows) == ["PX2025-002", "PX2025-003"]


def test_clerk_upgrade_export_is_own_township_only(client, clerk_a, data):
    client.force_login(clerk_a)
    page = client.get(reverse("training:upgrade_list")).content.decode()
    assert reverse("training:upgrade_export") in page
    header, rows = _table(client.get(reverse("training:upgrade_export")), "乡镇(街道)")
    assert [r[header.index("姓名")] for r in rows] == ["甲学员"]
    assert rows[0][header.index("学费（元）")] == "6000.00"
    log = ExportLog.objects.get()
    assert (log.what, log.rows, log.township_id) == ("学历提升", 1, clerk_a.township_id)


def test_upgrade_export_masks_personal_columns_for_auditors(client, auditor, data):
    client.force_login(auditor)
    header, rows = _table(client.get(reverse("training:upgrade_export")), "乡镇(街道)")
    assert len(rows) == 2
    jia = next(r for r in rows if r[header.index("姓名")] == "甲学员")
    assert jia[header.index("联系电话")] == "139****0002" and "********" in jia[header.index("身份证号")]
    assert ExportLog.objects.get().masked is True


@pytest.mark.parametrize("kind", ["session", "upgrade"])
def test_export_query_count_does_not_grow_with_rows(client, county_user, township_a, kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county_user)
    url = reverse(f"training:{kind}_export")

    def add(n):
        for _ in range(n):
            if kind == "session":
                TrainingSessionFactory(level=Level.TOWNSHIP, township=township_a)
            else:
                EducationUpgradeFactory(township=township_a)

    counts = []
    for n in (1, 20):
        add(n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
