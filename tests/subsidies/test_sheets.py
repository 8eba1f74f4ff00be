"""The pay sheet ("subsidies_entries"): one-off ledger entries imported on the shared pipeline."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from cadres.models import ImportBatch
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview, import_batch_rollback
from subsidies import services
from subsidies.choices import EntrySource, EntryType
from subsidies.models import LedgerEntry

from .factories import cadre

pytestmark = pytest.mark.django_db

HEADER = ["序号", "期间", "乡镇", "村（社区）", "姓名", "身份证号", "类型", "金额（元）", "事由"]


def xlsx(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2025年度奖励发放表"])
    ws.append(header)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    ws.append(["合计"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(user, data):
    batch = import_batch_create(by=user, sheet_type="subsidies_entries", filename="奖励.xlsx", data=data)
    return import_batch_preview(batch=batch)


@pytest.fixture
def people(village_a, village_b):
    a1 = cadre(village_a, person=None, name="王建国").person
    a2 = cadre(village_a, "chair", name="李红").person
    b1 = cadre(village_b, name="赵六").person
    return a1, a2, b1


def _rows(a1, a2):
    return [
        ["2025", "甲镇", "甲一村", a1.name, a1.id_number, "奖励", 5000, "优秀基层党组织书记奖励"],
        ["2025-3", "甲镇", "甲一村", a2.name, a2.id_number, "其他一次性发放", "-200.50", "多发扣回"],
    ]


def test_import_posts_one_entry_per_row_and_a_reimport_writes_nothing(county_user, people):
    a1, a2, _ = people
    data = xlsx(_rows(a1, a2))
    batch = upload(county_user, data)
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.message
    assert (batch.counts["created"], batch.counts["errors"]) == (2, 0)
    batch = import_batch_apply(batch=batch, by=county_user)
    assert batch.status == ImportBatch.Status.APPLIED
    entries = list(
        LedgerEntry.objects.order_by("person__name").values_list("person_id", "period__code", "entry_type", "amount", "source")
    )
    assert entries == [
        (a2.pk, "2025-03", EntryType.ONE_OFF, D("-200.50"), EntrySource.IMPORT),
        (a1.pk, "2025", EntryType.AWARD, D("5000.00"), EntrySource.IMPORT),
    ]
    award = LedgerEntry.objects.get(person=a1)
    assert award.explanation == f"奖励：优秀基层党组织书记奖励 ¥5,000（表格导入 #{batch.pk} 第3行）"
    assert award.township_id == people[0].appointments.get().village.township_id
    assert award.history.count() == 1
    again = upload(county_user, data)
    assert (again.counts["created"], again.counts["unchanged"]) == (0, 2)
    import_batch_apply(batch=again, by=county_user)
    assert LedgerEntry.objects.count() == 2


def test_one_bad_row_rejects_the_whole_file_with_row_and_column(county_user, people):
    a1, a2, _ = people
    rows = [
        *_rows(a1, a2),
        ["2025", "甲镇", "甲一村", a1.name, a1.id_number, "基本报酬", 100, "补发"],
        ["2025", "甲镇", "甲一村", a1.name, a1.id_number, "奖励", "abc", "奖励"],
        ["2025", "甲镇", "甲一村", a1.name, a1.id_number, "奖励", -5, "奖励"],
        ["2025-13", "甲镇", "甲一村", a1.name, a1.id_number, "奖励", 5, "奖励"],
        ["2025", "甲镇", "甲一村", a1.name, a1.id_number, "奖励", 5000, "优秀基层党组织书记奖励"],
    ]
    batch = upload(county_user, xlsx(rows))
    assert batch.status == ImportBatch.Status.INVALID
    text = "\n".join(batch.summary.get("errors", [])) if isinstance(batch.summary, dict) else str(batch.summary)
    text += batch.message
    for expected in ("第5行「类型」", "第6行「金额(元)」：abc", "第7行「金额(元)」：-5", "第8行「期间」", "与第3行是同一人"):
        assert expected in text, expected
    assert LedgerEntry.objects.count() == 0


def test_rows_are_scope_checked_per_row(clerk_a, people):
    from django.contrib.auth.models import Permission

    a1, _, b1 = people
    with pytest.raises(PermissionDenied):  # clerks do not book ledger entries …
        upload(clerk_a, xlsx([]))
    clerk_a.user_permissions.add(Permission.objects.get(codename="add_ledgerentry"))
    clerk_a = type(clerk_a).objects.get(pk=clerk_a.pk)
    rows = [
        ["2025", "甲镇", "甲一村", a1.name, a1.id_number, "奖励", 100, "奖励"],
        ["2025", "乙镇", "乙一村", b1.name, b1.id_number, "奖励", 100, "奖励"],
    ]
    batch = upload(clerk_a, xlsx(rows))  # … and even with the permission only their own township
    assert batch.status == ImportBatch.Status.INVALID
    assert "第4行「身份证号」" in str(batch.summary) + batch.message and "不在甲镇内" in str(batch.summary) + batch.message
    assert LedgerEntry.objects.count() == 0


def test_locked_period_is_refused(county_user, people):
    a1, a2, _ = people
    services.period_lock(period=services.period_get_or_create(code="2025-03", by=county_user), by=county_user)
    batch = upload(county_user, xlsx(_rows(a1, a2)))
    assert batch.status == ImportBatch.Status.INVALID
    assert "第4行「期间」" in str(batch.summary) + batch.message
    assert LedgerEntry.objects.count() == 0


def test_rollback_reverses_every_entry_and_deletes_nothing(county_user, people):
    a1, a2, _ = people
    data = xlsx(_rows(a1, a2))
    batch = import_batch_apply(batch=upload(county_user, data), by=county_user)
    manual = LedgerEntry.objects.get(person=a2)
    services.ledger_entry_reverse(entry=manual, by=county_user, reason="手工更正")
    batch = import_batch_rollback(batch=batch, by=county_user)
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert LedgerEntry.objects.count() == 4  # 2 imported + 1 manual reversal + 1 rollback reversal
    assert LedgerEntry.objects.total() == D("0.00")
    rollback = LedgerEntry.objects.get(reverses__person=a1)
    assert (rollback.amount, rollback.source, rollback.reason) == (
        D("-5000.00"),
        EntrySource.REVERSAL,
        f"撤销表格导入 #{batch.pk}",
    )
    again = upload(county_user, data)  # reversed payments may be imported again
    assert again.counts["created"] == 2


def test_template_download_has_the_pay_sheet_columns(client, county_user):
    from django.urls import reverse

    client.force_login(county_user)
    response = client.get(reverse("core:import_template", args=["subsidies_entries"]))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert {"*期间", "*身份证号", "*类型", "*金额（元）", "*事由"} <= {str(c) for c in cells}
