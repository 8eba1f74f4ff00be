"""The three ledgers (一人一档、一村一册、一镇一库): content, masking, logging."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from cadres.models import ExportLog
from reserves import services

from .factories import ReserveCandidateFactory

pytestmark = pytest.mark.django_db


def _sheet(response):
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    return rows[0][0], list(rows[1]), [list(r) for r in rows[2:]]


@pytest.fixture
def reserve(clerk_a, village_a):
    c = ReserveCandidateFactory(village=village_a, person__name="赵青山", pooled=True)
    services.mentorship_add(
        candidate=c, by=clerk_a, mentor_type="contact_cadre", mentor_name="周干部", start_date=datetime.date(2025, 3, 1)
    )
    services.practice_post_add(candidate=c, by=clerk_a, post="group_leader", start_date=datetime.date(2025, 3, 1))
    services.party_stage_record(candidate=c, by=clerk_a, stage="activist", date=datetime.date(2023, 5, 10))
    return c


def test_county_database_has_every_record_with_development(client, county_user, reserve, village_b):
    ReserveCandidateFactory(village=village_b, person__name="乙后备")
    client.force_login(county_user)
    title, header, rows = _sheet(client.get(reverse("reserves:ledger_county")))
    assert title == "全县后备力量信息库"
    assert [r[header.index("姓名")] for r in rows] == ["赵青山", "乙后备"]
    zhao = dict(zip(header, rows[0], strict=True))
    assert zhao["身份证号"] == reserve.person.id_number
    assert zhao["导师帮带"] == "周干部（包村干部，2025.03起）" and zhao["帮带方式"] == "一带一"
    assert zhao["定岗锻炼"] == "村民小组长（2025.03起）"
    assert zhao["下一步（入党）"] == "发展对象（最早2024.05.10）" and zhao["资格联审"] == "通过"
    log = ExportLog.objects.get()
    assert log.user == county_user and log.rows == 2 and log.what == "全县后备力量信息库"


def test_township_archive_and_village_ledger(client, clerk_a, reserve, village_a):
    client.force_login(clerk_a)
    title, header, rows = _sheet(client.get(reverse("reserves:ledger_township", args=[village_a.township_id])))
    assert title == "甲镇后备力量档案库" and len(rows) == 1
    title, header, rows = _sheet(client.get(reverse("reserves:ledger_village", args=[village_a.pk])))
    assert title == "甲镇甲一村后备力量培养台账" and header[0] == "姓名" and rows[0][0] == "赵青山"
    assert ExportLog.objects.filter(user=clerk_a).count() == 2


def test_roles_without_personal_data_permission_get_masked_id_numbers(client, auditor, reserve):
    auditor.groups.clear()  # a read-only user without cadres.view_personal_data
    client.force_login(auditor)
    _, header, rows = _sheet(client.get(reverse("reserves:ledger_county")))
    masked = rows[0][header.index("身份证号")]
    assert masked != reserve.person.id_number and "*" in masked and masked.endswith(reserve.person.id_number[-4:])
    assert ExportLog.objects.get().masked is True
