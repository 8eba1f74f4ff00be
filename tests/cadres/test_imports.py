"""The spreadsheet pipeline on the 两委成员花名册 and 第一书记花名册: real files, preview, apply, undo."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cadres import choices, services
from cadres.models import (
    Appointment,
    FilingEvent,
    FirstSecretary,
    ImportBatch,
    Person,
    PersonRecord,
    PresenceMonth,
    QualificationReview,
)
from core.imports import reader
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview, import_batch_rollback
from core.imports.pipeline import build_preview, get_sheet_type
from core.imports.workbooks import error_workbook, template_workbook

from ..factories import AppointmentFactory, PersonFactory
from .sheet_files import roster_csv, roster_ods, roster_xls, roster_xlsx

D = datetime.date

HEADER = [
    "乡镇",
    "村（社区）",
    "姓名",
    "性别",
    "民族",
    "出生年月",
    "身份证号码",
    "政治面貌",
    "入党时间",
    "学历",
    "现任职务",
    "任职时间",
    "联系电话",
]
LI = [
    "甲镇",
    "甲一村",
    "李建国",
    "男",
    "汉",
    "1985.03",
    "43012219850312003x",
    "中共党员",
    "2008.07",
    "高中",
    "书记、主任",
    "2021.04",
    "13807310001",
]
WANG = ["", "甲一", "王芳", "女", "土家", "1990.06", "430122199006150021", "群众", "", "大专", "委员", "2021-04-01", ""]
ST = get_sheet_type("cadres")


@pytest.fixture
def roster(village_a):
    return roster_xlsx([LI, WANG])


def preview(data, user, township=None):
    return build_preview(data, ST, user=user, township=township)


def upload(user, data, sheet_type="cadres", township=None):
    batch = import_batch_create(by=user, sheet_type=sheet_type, filename="花名册.xlsx", data=data, township=township)
    return import_batch_preview(batch=batch)


# --- reading real files ----------------------------------------------------------------------


def test_title_rows_footer_rows_extra_sheets_and_serial_column_do_not_confuse_it(roster, clerk_a):
    p = preview(roster, clerk_a)
    assert p.sheet_name == "花名册"
    assert p.header_row == 3
    assert [r.number for r in p.rows] == [4, 5]
    assert [r.values["name"] for r in p.rows] == ["李建国", "王芳"]
    assert p.ok, p.messages(ST)


def test_synonyms_and_variants_are_understood(roster, clerk_a):
    li, wang = preview(roster, clerk_a).rows
    assert li.values["id_number"] == "43012219850312003X"
    assert li.values["ethnicity"] == "汉族"
    assert li.values["posts"] == ["secretary", "chair"]
    assert wang.values["ethnicity"] == "土家族"
    assert wang.values["education_fulltime"] == choices.Education.COLLEGE
    assert wang.values["village"].name == "甲一村"  # "甲一" matched without the 村 suffix


def test_merged_group_header_over_two_rows(village_a, clerk_a):
    rows = [[*r[:10], "大专", *r[10:]] for r in (LI, WANG)]
    p = preview(roster_xlsx(rows, two_row_header=True), clerk_a)
    assert p.labels["education_fulltime"] == "学历·全日制"
    assert p.labels["education_inservice"] == "学历·在职"
    assert p.rows[0].values["education_fulltime"] == choices.Education.SENIOR
    assert p.rows[0].values["education_inservice"] == choices.Education.COLLEGE


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_or_gbk(village_a, clerk_a, encoding):
    p = preview(roster_csv([LI, WANG], HEADER, encoding=encoding), clerk_a)
    assert [r.values["name"] for r in p.rows] == ["李建国", "王芳"]
    assert p.ok


def test_csv_1985_1_is_flagged_as_ambiguous_and_a_bare_year_is_an_error(village_a, clerk_a):
    li, wang = [*LI], [*WANG]
    li[8] = "2008.1"  # 入党时间: 2008.10 shortened by the program that wrote the CSV?
    wang[5] = "1990"  # 出生年月: a year only
    p = preview(roster_csv([li, wang], HEADER), clerk_a)
    messages = p.messages(ST)
    assert any(m.startswith("第2行「入党时间」：2008.1 — 日期有歧义") for m in messages), messages
    assert "第3行「出生年月」：1990 — 只有年份，请写明年月，如 1985.01" in messages
    assert p.rows[0].values["party_join_date"] is None and p.rows[1].values["birth_date"] is None


def test_one_start_date_per_post_in_the_order_of_the_posts(village_a, clerk_a):
    li = [*LI]
    li[11] = "2018.03、2021.04.15"
    p = preview(roster_xlsx([li]), clerk_a)
    assert p.ok, p.messages(ST)
    assert p.rows[0].values["post_starts"] == {"secretary": D(2018, 3, 1), "chair": D(2021, 4, 15)}
    li[11] = "2018.03、2021.04、2022.01"
    assert "第4行「任职时间」：2018.03、2021.04、2022.01 — 写了3个任职时间，但现任职务有2个，请一一对应或只写一个" in (
        preview(roster_xlsx([li]), clerk_a).messages(ST)
    )


def test_ods_and_xls(village_a, clerk_a):
    for data in (roster_ods([HEADER, LI, WANG]), roster_xls([["甲镇村两委花名册"], HEADER, LI, WANG])):
        p = preview(data, clerk_a)
        assert [r.values["name"] for r in p.rows] == ["李建国", "王芳"]


# --- errors and warnings ---------------------------------------------------------------------


def test_all_errors_are_listed_at_once_with_row_column_value_and_reason(village_a, clerk_a):
    bad_id = [*LI]
    bad_id[6] = 430122198503120000  # Excel turned it into a number
    bad_date = [*WANG]
    bad_date[5] = 1985.1
    bad_date[10] = "书记、镇长"
    p = preview(roster_xlsx([bad_id, bad_date]), clerk_a)
    messages = p.messages(ST)
    assert messages[0].startswith("第4行「身份证号码」：430122198503120000 — 身份证号被Excel存成了数字")
    assert "设为“文本”格式" in messages[0]
    assert any(m.startswith("第5行「出生年月」：1985.1 — 日期有歧义") for m in messages)
    assert any(m.startswith("第5行「现任职务」：书记、镇长 — 无法识别的职务「镇长」") for m in messages)
    assert [r.status for r in p.rows] == ["error", "error"]


def test_sex_and_birth_month_disagreeing_with_the_id_are_warnings(village_a, clerk_a):
    row = [*LI]
    row[3] = "女"
    row[5] = "1985.04"
    p = preview(roster_xlsx([row]), clerk_a)
    assert p.ok
    warnings = p.messages(ST, warnings=True)
    assert any("「性别」：女 — 与身份证号不一致（身份证号为男）" in w for w in warnings)
    assert any("「出生年月」：1985.04 — 与身份证号不一致（身份证号为1985.03）" in w for w in warnings)


def test_same_person_twice_in_a_file_is_reported(village_a, clerk_a):
    p = preview(roster_xlsx([LI, LI]), clerk_a)
    assert "与第4行是同一人" in p.rows[1].errors[0].reason


def test_current_cadre_of_another_township_is_reported(village_a, village_b, clerk_a, county_user):
    """One person, one current township: the clerk is refused without learning where; county
    staff see the conflict listed (row, person, the other township, village and post)."""
    person = PersonFactory(id_number="43012219850312003X", name="李建国")
    AppointmentFactory(person=person, village=village_b, post="committee_member", start_date=D(2021, 4, 1))
    p = preview(roster_xlsx([LI]), clerk_a)
    assert [(e.key, e.reason) for e in p.rows[0].errors] == [("id_number", "此人已在其他乡镇任职或建档，请联系县委组织部核实")]
    assert not any("乙" in m for m in [*p.messages(ST), *p.messages(ST, warnings=True)])
    p = preview(roster_xlsx([LI]), county_user)
    assert not p.ok
    assert p.messages(ST) == [
        "第4行「身份证号码」：43012219850312003x — 此人现任乙镇乙一村村民委员会委员（2021年04月起），"
        "同一人不能同时在两个乡镇任职。请先在人员页面为其办理离任，或核对身份证号"
    ]
    assert p.rows[0].values["name"] == "李建国"


def test_clerk_row_for_another_township_is_an_error(village_a, village_b, clerk_a):
    row = [*WANG]
    row[0], row[1] = "乙镇", "乙一村"
    p = preview(roster_xlsx([LI, row]), clerk_a)
    assert p.rows[1].errors[0].key == "township"
    assert "不在您的数据范围内" in p.rows[1].errors[0].reason


def test_missing_required_header_is_a_clear_file_error(village_a, clerk_a):
    data = roster_csv([["甲一村", "李建国"]], ["村", "姓名"])
    with pytest.raises(ValidationError, match="身份证号"):
        preview(data, clerk_a)


# --- preview → apply → re-apply → rollback ---------------------------------------------------


def test_preview_then_apply_creates_people_and_posts_in_one_go(roster, clerk_a):
    batch = upload(clerk_a, roster)
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.counts == {"total": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": 0, "warnings": 1}
    assert Person.objects.count() == 0  # preview writes nothing
    batch = import_batch_apply(batch=batch, by=clerk_a)
    assert batch.status == ImportBatch.Status.APPLIED
    li = Person.objects.get(id_number="43012219850312003X")
    assert li.registered_township == clerk_a.township
    posts = {a.post: a.status for a in li.appointments.all()}
    assert posts == {"secretary": choices.FilingStatus.DRAFT, "chair": choices.FilingStatus.FILED}
    assert li.history.first().history_user == clerk_a


def test_reuploading_the_same_file_changes_nothing(roster, clerk_a):
    import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    snapshot = (Person.objects.count(), Appointment.objects.count(), Person.history.count(), Appointment.history.count())
    again = upload(clerk_a, roster)
    assert again.counts["unchanged"] == 2 and again.counts["created"] == 0 and again.counts["updated"] == 0
    assert "已于" in again.message
    import_batch_apply(batch=again, by=clerk_a)
    assert (Person.objects.count(), Appointment.objects.count(), Person.history.count(), Appointment.history.count()) == snapshot


def test_changed_rows_list_the_changed_fields_and_blank_cells_do_not_erase(roster, clerk_a):
    import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    row = [*LI]
    row[12] = "13999999999"
    row[9] = ""  # blank education: keep what is there
    batch = upload(clerk_a, roster_xlsx([row]))
    assert batch.summary["rows"][0]["s"] == "changed"
    assert batch.summary["rows"][0]["c"] == "联系电话"
    import_batch_apply(batch=batch, by=clerk_a)
    li = Person.objects.get(id_number="43012219850312003X")
    assert li.phone == "13999999999"
    assert li.education_fulltime == choices.Education.SENIOR


def test_the_stored_summary_keeps_only_what_each_row_has_to_say_and_the_page_still_tells_it(roster, clerk_a, client):
    import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    changed = [*LI]
    changed[12] = "13999999999"
    new = ["", "甲一", "赵六", "男", "汉", "1988.02", "430122198802150116", "群众", "", "大专", "委员", "2021-04-01", ""]
    bad = [*new]
    bad[2], bad[6] = "钱七", "430122198802150117"  # a wrong check digit
    batch = upload(clerk_a, roster_xlsx([changed, WANG, new, bad]))
    rows = {r["name"]: r for r in batch.summary["rows"]}
    assert rows["李建国"] == {"n": 4, "s": "changed", "name": "李建国", "c": "联系电话"}
    assert rows["王芳"] == {"n": 5, "s": "unchanged", "name": "王芳"}
    assert set(rows["赵六"]) == {"n", "s", "name", "c"} and rows["赵六"]["c"] == "新增职务：村民委员会委员"
    assert set(rows["钱七"]) == {"n", "s", "name", "e"} and rows["钱七"]["e"][0].startswith("「身份证号码」：430122198802150117")
    client.force_login(clerk_a)
    page = client.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    for text in ("第4行", "联系电话", "第5行", "第7行", "「身份证号码」：430122198802150117"):
        assert text in page
    marked = openpyxl.load_workbook(io.BytesIO(client.get(reverse("core:import_errors", args=[batch.pk])).content))["花名册"]
    [col] = [c.column for c in marked[3] if c.value == "错误说明"]  # the header row's new last column
    notes = {r: marked.cell(r, col).value for r in range(4, 8)}
    assert notes[4] is notes[5] is notes[6] is None and notes[7].startswith("错误：「身份证号码」：430122198802150117")


def test_a_file_with_any_error_applies_nothing(village_a, clerk_a):
    bad = [*WANG]
    bad[6] = "430122199006150025"  # wrong check digit
    batch = upload(clerk_a, roster_xlsx([LI, bad]))
    assert batch.status == ImportBatch.Status.INVALID
    with pytest.raises(ValidationError):
        import_batch_apply(batch=batch, by=clerk_a)
    assert Person.objects.count() == 0
    assert Appointment.objects.count() == 0


def test_apply_revalidates_and_writes_nothing_if_the_database_changed(roster, clerk_a, village_b):
    batch = upload(clerk_a, roster)
    person = PersonFactory(id_number="43012219850312003X")
    AppointmentFactory(person=person, village=village_b, post="committee_member")
    batch = import_batch_apply(batch=batch, by=clerk_a)
    assert batch.status == ImportBatch.Status.INVALID
    assert Person.objects.count() == 1


def test_rollback_undoes_an_import_while_nothing_changed_since(roster, clerk_a):
    batch = import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    import_batch_rollback(batch=batch, by=clerk_a)
    assert Person.objects.count() == 0
    assert Appointment.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK


def test_rollback_restores_updated_values(roster, clerk_a):
    import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    row = [*LI]
    row[12] = "13999999999"
    second = import_batch_apply(batch=upload(clerk_a, roster_xlsx([row])), by=clerk_a)
    import_batch_rollback(batch=second, by=clerk_a)
    assert Person.objects.get(id_number="43012219850312003X").phone == "13807310001"


def test_rollback_is_refused_after_a_later_change(roster, clerk_a):
    batch = import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    li = Person.objects.get(id_number="43012219850312003X")
    services.person_update(person=li, by=clerk_a, phone="13000000000")
    with pytest.raises(ValidationError, match="不能整体撤销"):
        import_batch_rollback(batch=batch, by=clerk_a)
    assert Person.objects.count() == 2


def _rows_now():
    return (Person.objects.count(), Appointment.objects.count(), FilingEvent.objects.count(), PersonRecord.objects.count())


def test_rollback_is_refused_when_a_record_was_added_to_an_imported_person_and_deletes_nothing(roster, clerk_a):
    """奖惩 records hang on the person with CASCADE: rollback would have deleted them silently."""
    batch = import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    li = Person.objects.get(id_number="43012219850312003X")
    services.person_record_add(
        person=li, by=clerk_a, kind=choices.RecordKind.choices[0][0], date=datetime.date(2025, 3, 2), title="优秀村书记"
    )
    before = _rows_now()
    assert before == (2, 3, 1, 1)
    with pytest.raises(ValidationError) as exc:
        import_batch_rollback(batch=batch, by=clerk_a)
    applied = timezone.localtime(batch.applied_at).date()
    assert f"李建国 已有 {applied:%Y-%m-%d} 导入之后新增的奖惩及发展去向" in exc.value.messages[0]
    assert "王芳" not in exc.value.messages[0]
    assert _rows_now() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED


def test_rollback_is_refused_not_crashed_when_a_protected_row_references_an_imported_person(roster, clerk_a, village_a):
    """A qualification review points at the person with PROTECT: delete() would raise (a 500)."""
    batch = import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    wang = Person.objects.get(id_number="430122199006150021")
    QualificationReview.objects.create(person=wang, village=village_a, post="chair", post_name="主任")
    before = _rows_now()
    with pytest.raises(ValidationError, match=r"王芳 已有 .* 导入之后新增的资格联审"):
        import_batch_rollback(batch=batch, by=clerk_a)
    assert _rows_now() == before


def test_rollback_is_refused_when_a_later_appointment_uses_an_imported_person(roster, clerk_a, village_b):
    batch = import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    wang = Person.objects.get(id_number="430122199006150021")
    AppointmentFactory(person=wang, village=village_b, post="committee_member")
    with pytest.raises(ValidationError, match=r"王芳 已有 .* 导入之后新增的任职"):
        import_batch_rollback(batch=batch, by=clerk_a)
    assert Person.objects.count() == 2 and Appointment.objects.count() == 4


def test_rollback_keeps_own_filing_events_out_of_the_check(roster, clerk_a):
    """The batch's own 备案流程记录 (the secretary post's draft) is deleted with it, not a reason to refuse."""
    batch = import_batch_apply(batch=upload(clerk_a, roster), by=clerk_a)
    assert FilingEvent.objects.filter(note=f"表格导入 #{batch.pk}").count() == 1
    import_batch_rollback(batch=batch, by=clerk_a)
    assert _rows_now() == (0, 0, 0, 0)


def test_auditor_cannot_import(roster, auditor):
    with pytest.raises(PermissionDenied):
        import_batch_create(by=auditor, sheet_type="cadres", filename="x.xlsx", data=roster)


def test_clerk_batch_is_always_the_clerks_township(roster, clerk_a, township_b):
    batch = import_batch_create(by=clerk_a, sheet_type="cadres", filename="x.xlsx", data=roster, township=township_b)
    assert batch.township == clerk_a.township


# --- safety -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"%PDF-1.4 hello", "不是表格文件"),
        (b"<html><body>x</body></html>", "不是表格文件"),
        (b"\x00\x01\x02binary", "不是表格文件"),
        (b"", "文件为空"),
    ],
)
def test_only_spreadsheets_are_accepted_by_content(clerk_a, village_a, data, fragment):
    batch = upload(clerk_a, data)
    assert batch.status == ImportBatch.Status.INVALID
    assert fragment in batch.message


def test_zip_that_is_not_a_spreadsheet_is_refused(clerk_a, village_a):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("evil.txt", "x")
    batch = upload(clerk_a, buf.getvalue())
    assert "不是 Excel/WPS 表格" in batch.message


def test_zip_bomb_is_refused(clerk_a, village_a, settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", "<a>" + "0" * (5 * 1024 * 1024) + "</a>")
    batch = upload(clerk_a, buf.getvalue())
    assert "解压后过大" in batch.message or "压缩炸弹" in batch.message


def test_xml_entity_bomb_is_refused(clerk_a, village_a):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><workbook/>')
    batch = upload(clerk_a, buf.getvalue())
    assert "XML 实体" in batch.message


def _with_sheet_xml(data: bytes, transform) -> bytes:
    """The workbook with its first worksheet part rewritten by ``transform``."""
    src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = transform(body)
            out.writestr(info.filename, body)
    return buf.getvalue()


XML_DECL = b'<?xml version="1.0" encoding="UTF-8"?>'


@pytest.mark.parametrize(
    "padding",
    [
        4096,  # past the first 2 KB the old check looked at
        reader.SCAN_CHUNK - len(XML_DECL) - 4,  # "<!DOCTYPE" split across two read chunks
        3 * reader.SCAN_CHUNK,
    ],
)
def test_an_entity_declaration_hidden_behind_padding_is_refused(roster, clerk_a, padding):
    def pad(body: bytes) -> bytes:
        return XML_DECL + b" " * padding + b'<!DOCTYPE x [<!ENTITY a "b">]>' + body

    batch = upload(clerk_a, _with_sheet_xml(roster, pad))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.message == "文件含有不允许的 XML 实体声明，已拒绝。"


def test_a_utf16_entity_declaration_is_refused(roster, clerk_a):
    def to_utf16(body: bytes) -> bytes:
        return ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x>').encode("utf-16-le") + body

    batch = upload(clerk_a, _with_sheet_xml(roster, to_utf16))
    assert batch.message == "文件含有不允许的 XML 实体声明，已拒绝。"


def test_the_padded_workbook_without_a_dtd_is_still_read(roster, clerk_a):
    def pad(body: bytes) -> bytes:
        return XML_DECL + b" " * (reader.SCAN_CHUNK + 100) + body

    batch = upload(clerk_a, _with_sheet_xml(roster, pad))
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.message


def test_size_limit(clerk_a, settings, village_a):
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="上限"):
        import_batch_create(by=clerk_a, sheet_type="cadres", filename="x.csv", data=b"a" * 11)


def test_uploaded_files_are_stored_outside_the_web_root(roster, clerk_a, settings):
    batch = upload(clerk_a, roster)
    path = batch.file.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.STATIC_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))


# --- workbooks handed back --------------------------------------------------------------------


def test_error_workbook_marks_cells_red_and_adds_an_explanation_column(village_a, clerk_a):
    bad = [*LI]
    bad[6] = "430122198503120031"
    data = roster_xlsx([bad, WANG])
    batch = upload(clerk_a, data)
    wb = openpyxl.load_workbook(io.BytesIO(error_workbook(data, batch.summary)))
    ws = wb["花名册"]
    id_col = HEADER.index("身份证号码") + 2  # + 序号 column, 1-based
    assert ws.cell(4, id_col).fill.start_color.rgb.endswith("FFC7CE")
    assert ws.cell(3, ws.max_column).value == "错误说明"
    assert "校验位" in ws.cell(4, ws.max_column).value
    assert ws.cell(5, ws.max_column).value is None or "错误" not in ws.cell(5, ws.max_column).value


def test_template_has_text_id_column_dropdowns_example_row_and_instructions(village_a, clerk_a):
    data = template_workbook(ST)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert "*身份证号" in headers and "*姓名" in headers
    id_col = headers.index("*身份证号") + 1
    assert ws.cell(2, id_col).value == "43012219850312003X"
    assert ws.cell(2, id_col).number_format == "@"
    # the whole column is text (xlsxwriter writes it as a <col> style), so rows typed in later keep all 18 digits
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(id_col)].number_format == "@"
    name_col = headers.index("*姓名") + 1
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(name_col)].number_format == "General"
    assert any("选项!" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert "填写说明" in wb.sheetnames
    assert "顿号" in " ".join(str(c.value) for c in wb["填写说明"]["A"] if c.value)
    # the template itself is understood by the pipeline (example row included)
    p = preview(data, clerk_a)
    assert p.rows[0].values["name"] == "李建国"


# --- first-secretary roster ------------------------------------------------------------------


FS_HEADER = ["序号", "姓名", "身份证号", "派出单位", "原职务", "乡镇", "驻村", "驻村开始时间", "驻村期满时间"]


def test_first_secretary_roster_creates_postings(village_a, county_user):
    data = roster_xlsx(
        [["王志强", "430122198806150017", "县财政局", "四级主任科员", "甲镇", "甲一村", "2025.03", ""]],
        header=FS_HEADER,
        title="第一书记花名册",
    )
    batch = upload(county_user, data, sheet_type="first_secretaries")
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary
    import_batch_apply(batch=batch, by=county_user)
    fs = FirstSecretary.objects.get()
    assert fs.sending_unit == "县财政局"
    assert fs.term_end.isoformat() == "2027-03-01"
    again = upload(county_user, data, sheet_type="first_secretaries")
    assert again.counts["unchanged"] == 1


def test_first_secretary_rollback_is_refused_once_presence_was_recorded(village_a, county_user):
    data = roster_xlsx(
        [["王志强", "430122198806150017", "县财政局", "四级主任科员", "甲镇", "甲一村", "2025.03", ""]],
        header=FS_HEADER,
        title="第一书记花名册",
    )
    batch = import_batch_apply(batch=upload(county_user, data, sheet_type="first_secretaries"), by=county_user)
    fs = FirstSecretary.objects.get()
    services.presence_record(posting=fs, by=county_user, month=datetime.date(2025, 4, 1), days_in_village=22)
    with pytest.raises(ValidationError, match=r"王志强 已有 .* 导入之后新增的驻村天数"):
        import_batch_rollback(batch=batch, by=county_user)
    assert FirstSecretary.objects.count() == 1 and PresenceMonth.objects.count() == 1
    PresenceMonth.objects.all().delete()
    import_batch_rollback(batch=batch, by=county_user)
    assert FirstSecretary.objects.count() == 0 and Person.objects.count() == 0


def test_clerk_cannot_post_first_secretaries_through_a_sheet(client, village_a, clerk_a):
    """First secretaries are sent by the county: the sheet type needs the same permission as the form."""
    data = roster_xlsx(
        [["王志强", "430122198806150017", "县财政局", "四级主任科员", "甲镇", "甲一村", "2025.03", ""]],
        header=FS_HEADER,
        title="第一书记花名册",
    )
    with pytest.raises(PermissionDenied):
        import_batch_create(by=clerk_a, sheet_type="first_secretaries", filename="fs.xlsx", data=data)
    client.force_login(clerk_a)
    page = client.get(reverse("core:import_list")).content.decode()
    assert 'value="cadres"' in page and 'value="first_secretaries"' not in page
    response = client.post(
        reverse("core:import_list"),
        {"sheet_type": "first_secretaries", "file": SimpleUploadedFile("fs.xlsx", data)},
    )
    assert response.status_code == 200 and "first_secretaries 不在可用的选项中" in response.content.decode()
    assert ImportBatch.objects.count() == 0 and FirstSecretary.objects.count() == 0


# --- 凡进必审, one current township, and a fixed number of queries ---------------------------


def test_a_review_failed_between_preview_and_apply_refuses_the_whole_file(village_a, clerk_a, county_user):
    wang = PersonFactory(
        id_number="430122199006150021",
        name="王芳",
        registered_township=clerk_a.township,
        political_status=choices.PoliticalStatus.MASSES,
        party_join_date=None,
    )
    batch = upload(clerk_a, roster_xlsx([LI, WANG]))
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
    review = services.qualification_review_request(by=clerk_a, person=wang, village=village_a, post="committee_member")
    services.department_verdict_record(
        verdict=review.verdicts.first(), by=county_user, result=choices.VettingResult.FAIL, negative_item_code="n02"
    )
    batch = import_batch_apply(batch=batch, by=clerk_a)
    assert batch.status == ImportBatch.Status.INVALID
    assert "资格联审未通过，不能任此职务" in batch.message
    assert Appointment.objects.count() == 0 and Person.objects.count() == 1


def test_county_resolves_a_township_conflict_in_the_browser_then_applies(village_a, village_b, county_user):
    person = PersonFactory(id_number="43012219850312003X", name="李建国")
    old = AppointmentFactory(person=person, village=village_b, post="committee_member", start_date=D(2021, 4, 1))
    row = [*LI]
    row[10] = "主任"
    batch = upload(county_user, roster_xlsx([row]))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.summary["errors"] == [
        "第4行「身份证号码」：43012219850312003x — 此人现任乙镇乙一村村民委员会委员（2021年04月起），"
        "同一人不能同时在两个乡镇任职。请先在人员页面为其办理离任，或核对身份证号"
    ]
    assert batch.summary["rows"][0]["name"] == "李建国"
    services.appointment_end(appointment=old, by=county_user, end_date=D(2024, 3, 31), end_reason=choices.EndReason.values[0])
    batch = upload(county_user, roster_xlsx([row]))
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
    import_batch_apply(batch=batch, by=county_user)
    current = Appointment.objects.current().filter(person=person)
    assert {a.village.township_id for a in current} == {village_a.township_id}


def _people_rows(n):
    from cadres.idcard import make_id_number

    return [
        [
            "甲镇",
            "甲一村",
            f"干部{i}",
            "男",
            "汉族",
            "",
            make_id_number("430122", D(1980, 1, 1) + datetime.timedelta(days=i), 1, True),
            "群众",
            "",
            "高中",
            "委员",
            "2021.04",
            "",
        ]
        for i in range(n)
    ]


def test_roster_preview_and_apply_take_the_same_number_of_queries_for_5_or_30_rows(village_a, county_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (3, 5, 30):  # the first run warms caches (permissions, policy)
        Appointment.objects.all().delete()
        Person.objects.all().delete()
        data = roster_xlsx(_people_rows(n))
        with CaptureQueriesContext(connection) as preview_queries:
            batch = upload(county_user, data)
        assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
        with CaptureQueriesContext(connection) as apply_queries:
            import_batch_apply(batch=batch, by=county_user)
        assert Appointment.objects.current().count() == n
        counts.append((len(preview_queries), len(apply_queries)))
    assert counts[1] == counts[2], counts


# --- the apply writes by the preview's verdicts while nothing they rest on has changed ----------


def _count_post_checks(monkeypatch) -> list:
    from cadres.services import appointments as appointment_services

    calls = []
    real = appointment_services.appointment_check_bulk

    def counted(**kwargs):
        calls.append(len(kwargs["posts"]))
        return real(**kwargs)

    monkeypatch.setattr(appointment_services, "appointment_check_bulk", counted)
    monkeypatch.setattr(services, "appointment_check_bulk", counted)
    return calls


def test_an_apply_of_an_unchanged_preview_writes_by_its_verdicts_without_checking_the_posts_again(roster, clerk_a, monkeypatch):
    calls = _count_post_checks(monkeypatch)
    batch = upload(clerk_a, roster)
    assert calls == [3]  # 李建国: 书记、主任; 王芳: 委员

    batch = import_batch_apply(batch=batch, by=clerk_a)

    assert batch.status == ImportBatch.Status.APPLIED and calls == [3]
    statuses = dict(Appointment.objects.values_list("post", "status"))
    assert statuses == {
        "secretary": choices.FilingStatus.DRAFT,
        "chair": choices.FilingStatus.FILED,
        "committee_member": choices.FilingStatus.FILED,
    }


def test_a_preview_made_before_midnight_is_planned_again_by_the_apply(roster, clerk_a, monkeypatch):
    from core import dates

    calls = _count_post_checks(monkeypatch)
    batch = upload(clerk_a, roster)
    today = dates.today()
    monkeypatch.setattr("core.dates.today", lambda: today + datetime.timedelta(days=1))

    batch = import_batch_apply(batch=batch, by=clerk_a)

    assert batch.status == ImportBatch.Status.APPLIED
    assert calls == [3, 3]  # the rules' dates count from today: checked again on the new day
    assert Appointment.objects.count() == 3


def test_the_plan_fingerprint_is_one_query_and_moves_with_any_write_to_what_the_sheet_reads(village_a, django_assert_num_queries):
    from core.imports.pipeline import get_sheet_type
    from core.imports.plans import db_fingerprint

    sheet = get_sheet_type("cadres")
    with django_assert_num_queries(1):
        before = db_fingerprint(sheet)
    assert len(before) == 1 + len(sheet.reads_models())
    PersonFactory()
    after = db_fingerprint(sheet)
    assert after[0] == before[0] and after != before


def test_the_bulk_writer_refuses_a_verdict_with_errors_and_a_verdict_list_that_does_not_match(village_a, county_user):
    from cadres.services.appointments import CheckedPost, NewPost

    person = PersonFactory()
    post = NewPost(
        person_id=person.pk,
        birth_date=person.birth_date,
        village_id=village_a.pk,
        township_id=village_a.township_id,
        post="committee_member",
        start_date=D(2021, 4, 1),
    )
    refused = CheckedPost(errors={"post": "资格联审未通过，不能任此职务。"}, post_name="村民委员会委员")
    with pytest.raises(ValidationError, match="资格联审未通过"):
        services.appointment_create_bulk(posts=[post], by=county_user, reason="表格导入", checked=[refused])
    with pytest.raises(ValueError, match="one verdict per post"):
        services.appointment_create_bulk(posts=[post, post], by=county_user, reason="表格导入", checked=[CheckedPost()])
    assert Appointment.objects.count() == 0


def test_cells_are_cleaned_of_invisible_marks_and_an_over_long_cell_is_named_by_row_and_column():
    import dataclasses

    lim = dataclasses.replace(reader.limits(), max_cell_chars=30)
    rows = [
        ["序号", 1, None, "plain ascii"],
        ["甲\u200b乙", "x\x00y", 3.0, "\ufeff丙"],
        ["a" * 20, "b" * 20, "c\u202e" * 5],  # the row is long, no cell is
    ]
    reader._check_cells("花名册", rows, lim)
    assert rows == [
        ["序号", 1, None, "plain ascii"],
        ["甲乙", "xy", 3.0, "丙"],
        ["a" * 20, "b" * 20, "c" * 5],
    ]

    with pytest.raises(ValidationError) as caught:
        reader._check_cells("花名册", [["ok"], ["ok", 2, "长" * 31]], lim)
    assert "工作表「花名册」第2行第3列（C2）的内容有 31 个字符" in caught.value.messages[0]
