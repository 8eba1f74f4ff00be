"""后备干部花名册 on the shared pipeline: template, preview, apply, re-import, rollback, errors."""

import io

import openpyxl
import pytest

from cadres.models import ImportBatch, Person
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview, import_batch_rollback
from core.imports.pipeline import build_preview, get_sheet_type
from core.imports.workbooks import template_workbook
from reserves.choices import Status
from reserves.models import ReserveCandidate, ReserveEvent

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db
ST = get_sheet_type("reserves")
HEADER = [
    "乡镇",
    "村（社区）",
    "姓名",
    "性别",
    "民族",
    "出生年月",
    "身份证号码",
    "政治面貌",
    "学历",
    "联系电话",
    "来源类别",
    "拟培养职务",
    "届次",
    "摸底时间",
    "备注",
]
ZHAO = [
    "甲镇",
    "甲一村",
    "赵青山",
    "男",
    "汉",
    "1996.08",
    "430122199608120014",
    "群众",
    "大专",
    "13807310009",
    "返乡大学生",
    "委员",
    2026,
    "2025.03",
    "",
]
QIAN = [
    "",
    "甲一",
    "钱小梅",
    "女",
    "汉族",
    "1999.01",
    "430122199901050027",
    "共青团员",
    "高中",
    "",
    "致富能手",
    "村民小组长",
    "",
    "",
    "养殖大户",
]


def roster(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "后备干部花名册"
    ws.append(["甲镇村级后备干部花名册"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _import(data, user):
    batch = import_batch_create(by=user, sheet_type="reserves", filename="后备.xlsx", data=data)
    batch = import_batch_preview(batch=batch)
    return import_batch_apply(batch=batch, by=user) if batch.status == ImportBatch.Status.PREVIEWED else batch


def test_template_has_the_columns_and_instructions():
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook(ST)))
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    for label in ("村(社区)", "姓名", "身份证号", "来源类别", "拟培养职务", "换届届次"):
        assert label in text
    assert "村级摸底" in text


def test_clerk_imports_reserves_creating_files_and_surveyed_records(clerk_a, village_a):
    batch = _import(roster([ZHAO, QIAN]), clerk_a)
    assert batch.status == ImportBatch.Status.APPLIED, batch.message
    rows = list(
        ReserveCandidate.objects.order_by("person__name").values_list(
            "person__name", "source_name", "intended_post", "cohort", "status"
        )
    )
    assert rows == [
        ("赵青山", "返乡大学生", "committee_member", 2026, Status.SURVEYED),
        ("钱小梅", "致富能手", "group_leader", 2026, Status.SURVEYED),
    ]
    zhao = Person.objects.get(name="赵青山")
    assert zhao.registered_township_id == village_a.township_id and zhao.education_fulltime == "5_college"
    assert ReserveEvent.objects.filter(note=f"表格导入 #{batch.pk}").count() == 2
    assert ReserveCandidate.history.filter(history_user=clerk_a).count() == 2
    # the same file again changes nothing
    again = _import(roster([ZHAO, QIAN]), clerk_a)
    assert again.counts["unchanged"] == 2 and ReserveCandidate.objects.count() == 2


def test_existing_file_keeps_register_data_and_changed_source_updates(clerk_a, village_a, township_a):
    import datetime

    on_file = PersonFactory(name="赵青山（档案）", born=datetime.date(1996, 8, 12), registered_township=township_a)
    row = [*ZHAO]
    row[6] = on_file.id_number
    first = _import(roster([row]), clerk_a)
    assert first.status == ImportBatch.Status.APPLIED, first.message
    on_file.refresh_from_db()
    assert on_file.name == "赵青山（档案）" and Person.objects.count() == 1
    assert ReserveCandidate.objects.get().person == on_file
    changed = [*row]
    changed[10] = "退役军人"
    batch = _import(roster([changed]), clerk_a)
    assert batch.counts["updated"] == 1
    assert ReserveCandidate.objects.get().source_name == "退役军人"
    import_batch_rollback(batch=batch, by=clerk_a)
    assert ReserveCandidate.objects.get().source_name == "返乡大学生"


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(clerk_a, village_a):
    old = [*ZHAO]
    old[6], old[5], old[2] = "430122198001010017", "1980.01", "老张"
    bad_source = [*QIAN]
    bad_source[10] = "网红"
    preview = build_preview(roster([old, bad_source]), ST, user=clerk_a, township=None)
    messages = preview.messages(ST)
    assert not preview.ok
    assert any(m.startswith("第3行「身份证号码」") and "超过后备力量年龄条件" in m for m in messages), messages
    assert any(m.startswith("第4行「来源类别」") and "网红" in m for m in messages), messages
    batch = _import(roster([ZHAO, old]), clerk_a)
    assert batch.status == ImportBatch.Status.INVALID
    assert ReserveCandidate.objects.count() == 0 and Person.objects.count() == 0


def test_same_person_twice_in_a_file_is_an_error(clerk_a, village_a):
    preview = build_preview(roster([ZHAO, ZHAO]), ST, user=clerk_a, township=None)
    assert any("与第3行是同一人同一届次" in m for m in preview.messages(ST))


def test_rollback_removes_created_records_and_files(clerk_a, village_a):
    batch = _import(roster([ZHAO, QIAN]), clerk_a)
    import_batch_rollback(batch=batch, by=clerk_a)
    assert ReserveCandidate.objects.count() == 0 and ReserveEvent.objects.count() == 0
    assert Person.objects.count() == 0


def test_rollback_refused_once_a_record_moved_on(clerk_a, village_a):
    from django.core.exceptions import ValidationError

    from reserves import services

    batch = _import(roster([ZHAO]), clerk_a)
    services.reserve_nominate(candidate=ReserveCandidate.objects.get(), by=clerk_a)
    with pytest.raises(ValidationError):
        import_batch_rollback(batch=batch, by=clerk_a)
    assert ReserveCandidate.objects.get().status == Status.NOMINATED
