"""Rosters laid out like the public templates of organisation departments: merged title and
grouped headers, instruction boxes under/above/beside the table, a 46-column 党员信息采集表,
merged data cells — through the preview, the error workbook, the browser download and
manage.py import_sheet."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl.cell.cell import MergedCell

from cadres import choices
from cadres.idcard import make_id_number
from cadres.models import Appointment, ImportBatch, Person
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview
from core.imports.headers import is_footer_or_blank
from core.imports.pipeline import ERROR, build_preview, get_sheet_type
from core.imports.workbooks import error_workbook

from .sheet_files import (
    FILLING_PARAGRAPH,
    REAL_GROUPS,
    REAL_SUB,
    REAL_TOP,
    member_sheet_header,
    member_sheet_xlsx,
    real_roster_xlsx,
)

ST = get_sheet_type("cadres")

# 乡镇, 村（社区）, 姓名, 性别, 民族, 出生年月, 身份证号码, 政治面貌, 入党时间, 全日制教育, 在职教育, 现任职务, 任职时间, 联系电话
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
    "",
    "书记、主任",
    "2021.04",
    "13807310001",
]
WANG = ["", "甲一", "王芳", "女", "土家", "1990.06", "430122199006150021", "群众", "", "大专", "", "委员", "2021-04-01", ""]
ZHAO_ID = make_id_number("430122", datetime.date(1979, 5, 2), 11, True)
ZHAO = ["甲镇", "甲一村", "赵德明", "男", "汉族", "1979.05", ZHAO_ID, "群众", "", "初中", "", "委员", "2021.04", ""]
VILLAGE_COL = REAL_TOP.index("村（社区）") + 2  # 1-based, in the sheet (after 序号)


def preview(data, user):
    return build_preview(data, ST, user=user, township=None)


def upload(user, data, name="花名册.xlsx"):
    batch = import_batch_create(by=user, sheet_type="cadres", filename=name, data=data, township=None)
    return import_batch_preview(batch=batch)


# --- instruction boxes --------------------------------------------------------------------


ALL_NOTES = ("merged_block", "paragraph", "numbered", "paragraph_above", "beside")


@pytest.mark.parametrize("serial", [True, False])
@pytest.mark.parametrize(
    "notes", [("merged_block",), ("paragraph",), ("numbered",), ("paragraph_above",), ("beside",), ALL_NOTES]
)
def test_instruction_boxes_anywhere_are_not_read_as_rows(village_a, clerk_a, notes, serial):
    """With or without a 序号 column: without it column A is 乡镇, where the boxes' text sits."""
    p = preview(real_roster_xlsx([LI, WANG], notes=notes, serial=serial), clerk_a)
    assert p.messages(ST) == []
    assert p.header_row == 4
    assert [(r.number, r.values["name"], r.status) for r in p.rows] == [(5, "李建国", "new"), (6, "王芳", "new")]
    assert p.rows[0].values["education_fulltime"] == choices.Education.SENIOR


def test_the_boxes_sit_where_the_rows_are_read(village_a, clerk_a):
    """The generator really writes the boxes into the data columns directly under the data."""
    ws = openpyxl.load_workbook(io.BytesIO(real_roster_xlsx([LI], notes=ALL_NOTES, serial=False))).active
    column_a = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1)]
    assert column_a[0] == "甲镇"
    assert any(isinstance(v, str) and v.startswith("注意事项：\n1、") for v in column_a)
    assert FILLING_PARAGRAPH in column_a
    assert "1、“现任职务”一人多职用顿号分隔，如书记、主任。" in column_a
    assert "A7:N9" in {str(rng) for rng in ws.merged_cells.ranges}
    assert ws.cell(2, 1).value == FILLING_PARAGRAPH  # above the header
    assert ws.cell(5, 16).value.startswith("填表说明")  # beside the data


NAME_FIRST_TOP = ["姓名", "乡镇", "村（社区）", *REAL_TOP[3:]]


def _name_first(row):
    township, village, name, *rest = row
    return [name, township, village, *rest]


def test_data_rows_that_look_like_instructions_are_still_read(village_a, clerk_a):
    """姓名 first (no 序号 written): rows opening with 注晓明 / 说明华 are people, not notes."""
    zhu = [*ZHAO]
    zhu[2] = "注晓明"
    shuo = [*WANG]
    shuo[2] = "说明华"
    data = real_roster_xlsx(
        [_name_first(zhu), _name_first(shuo)], notes=("merged_block", "numbered"), top=NAME_FIRST_TOP, serial=False
    )
    p = preview(data, clerk_a)
    assert p.messages(ST) == []
    assert [(r.number, r.values["name"]) for r in p.rows] == [(5, "注晓明"), (6, "说明华")]


@pytest.mark.parametrize(
    "row",
    [
        ["注意事项：1、本表由村党组织书记填写。2、身份证号码请设置为文本格式。"],
        ["注意事项", "", "", "1、本表由村党组织书记填写。"],
        ["填写注意事项："],
        ["填表须知：请勿改动表头"],
        ["温馨提示：日期写成1985.03"],
        ["注：以上人员均已经乡镇党委审核。"],
        ["注:", "本表一式两份"],
        ["注"],
        ["说明：身份证号码请设置为文本格式"],
        ["说明"],
        ["备注：本表于每月5日前报送"],
        ["1、“现任职务”一人多职用顿号分隔。"],
        ["２．日期写成1985.03的格式"],
        ["（3）联系电话填写本人手机号"],
        ["一、填表要求"],
        [FILLING_PARAGRAPH],
        ["", "", FILLING_PARAGRAPH, None],
        ["1、", FILLING_PARAGRAPH],
        ["合计", "3人"],
        ["填表人：王小明", "", "审核人："],
        [None, "", "  "],
    ],
)
def test_instruction_footer_and_blank_rows_are_skipped(row):
    assert is_footer_or_blank(row)


@pytest.mark.parametrize(
    "row",
    [
        [1.0, "甲镇", "甲一村", "注晓明", "男", "汉族"],
        ["注晓明", "甲镇", "甲一村", "430122197905020111"],
        ["注晓明"],
        ["说明华", "甲一村"],
        ["注明", "甲一村"],  # a name, not 注：
        [2.0, "甲镇", "甲一村", "张三", "男", "汉族", "2021.04", FILLING_PARAGRAPH],  # a long 备注 in a real row
        ["1", "注晓明", "甲一村"],
        [3.0],
        ["12", FILLING_PARAGRAPH, "甲一村"],
        ["1985.03"],
    ],
)
def test_data_rows_are_kept(row):
    assert not is_footer_or_blank(row)


# --- the 46-column 党员信息采集表 and missing columns ---------------------------------------------


def _member(name, id_number, post, **extra):
    return {"乡镇": "甲镇", "村（社区）": "甲一村", "姓名": name, "公民身份号码": id_number, "现任职务": post, **extra}


MEMBERS = [
    _member(
        "李建国",
        "43012219850312003X",
        "书记、主任",
        性别="男",
        民族="汉族",
        出生日期="1985.03",
        入党日期="2008.07",
        全日制教育="高中",
        手机号码="13807310001",
    ),
    _member("王芳", "430122199006150021", "委员", 性别="女", 民族="土家族", 全日制教育="大专"),
    _member("赵德明", ZHAO_ID, "委员", 全日制教育="初中", 在职教育="大专"),
]


def test_member_sheet_maps_its_grouped_46_columns(village_a, clerk_a):
    data = member_sheet_xlsx(MEMBERS)
    assert openpyxl.load_workbook(io.BytesIO(data)).active.max_column == 46
    top, sub, _ = member_sheet_header()
    p = preview(data, clerk_a)
    leaves = ["序号", *(s or t for t, s in zip(top, sub, strict=True))]
    assert {key: leaves[j] for key, j in p.columns.items()} == {
        "seq": "序号",
        "township": "乡镇",
        "village": "村（社区）",
        "name": "姓名",
        "sex": "性别",
        "ethnicity": "民族",
        "id_number": "公民身份号码",
        "birth_date": "出生日期",
        "native_place": "籍贯",
        "birthplace": "出生地",  # the 干部任免审批表's boxes are optional roster columns
        "health": "健康状况",
        "education_fulltime": "全日制教育",
        "education_inservice": "在职教育",
        "school_major": "毕业院校及专业",
        "party_join_date": "入党日期",
        "posts": "现任职务",
        "phone": "手机号码",
        "is_veteran": "是否退役军人",
        "work_start_date": "参加工作时间",
        "note": "备注",
    }
    assert p.rows[2].values["education_inservice"] == choices.Education.COLLEGE
    assert [r.number for r in p.rows] == [5, 6, 7]


def test_a_missing_optional_column_the_rows_need_is_one_header_message(village_a, clerk_a):
    p = preview(member_sheet_xlsx(MEMBERS), clerk_a)
    expected = (
        "「表头」：缺少“任职时间”列 — 该列可选，但填了现任职务的人员须填写任职时间：第5-7行（共3行）。"
        "请在表头加上“任职时间”列并填写后重新上传。"
    )
    assert p.file_errors == [expected]
    assert p.messages(ST) == [expected]  # not one 请填写任职时间 per row
    assert not p.ok
    assert [r.status for r in p.rows] == [ERROR] * 3


def test_missing_column_message_through_the_batch_blocks_the_import(village_a, clerk_a):
    batch = upload(clerk_a, member_sheet_xlsx(MEMBERS))
    assert batch.status == ImportBatch.Status.INVALID
    assert len(batch.summary["errors"]) == 1 and "缺少“任职时间”列" in batch.summary["errors"][0]
    assert not any(row.get("e") for row in batch.summary["rows"])
    wb = openpyxl.load_workbook(io.BytesIO(error_workbook(member_sheet_xlsx(MEMBERS), batch.summary)))
    ws = wb.active
    head = ws.cell(4, 47)
    assert head.value == "错误说明"
    assert "缺少“任职时间”列" in head.comment.text
    assert head.fill.start_color.rgb.endswith("FFC7CE")
    assert Person.objects.count() == 0


def test_a_generic_missing_column_message_lists_the_rows_and_reasons(village_a, county_user):
    """Without a ``needed`` text the message quotes what the rows said: here 乡镇 is absent and a
    county user did not choose a township, so every row needs it."""
    top, sub, groups = REAL_TOP[1:], REAL_SUB[1:], {"学历": (9, 10)}
    rows = [row[1:] for row in (LI, ZHAO)]
    p = preview(real_roster_xlsx(rows, top=top, sub=sub, groups=groups), county_user)
    assert p.file_errors == [
        "「表头」：缺少“乡镇(街道)”列 — 该列可选，但导入时未选定乡镇(街道)，每行须写明所属乡镇(街道)：第5-6行（共2行）。"
        "请在表头加上“乡镇(街道)”列并填写后重新上传。"
    ]
    assert p.messages(ST) == p.file_errors


def test_a_truly_optional_missing_column_is_silently_empty(village_a, clerk_a):
    top, sub = REAL_TOP[:-1], REAL_SUB[:-1]  # no 联系电话
    p = preview(real_roster_xlsx([row[:-1] for row in (LI, WANG)], top=top, sub=sub, groups=REAL_GROUPS), clerk_a)
    assert p.ok and p.messages(ST) == []
    assert "phone" not in p.columns and p.rows[0].values["phone"] in (None, "")


def test_an_empty_required_cell_names_row_and_column(village_a, clerk_a):
    no_start = [*WANG]
    no_start[12] = ""
    p = preview(real_roster_xlsx([LI, no_start]), clerk_a)
    assert p.file_errors == []
    assert p.messages(ST) == ["第6行「任职时间」：未填写 — 已填写现任职务，须填写任职时间（如 2021.04）"]


# --- 村(社区) ------------------------------------------------------------------------------------


def test_an_empty_village_is_not_filled_in_and_an_unknown_one_is_named(village_a, clerk_a):
    empty, unknown = [*WANG], [*ZHAO]
    empty[1] = ""
    unknown[1] = "丙九村"
    p = preview(real_roster_xlsx([LI, empty, unknown]), clerk_a)
    assert p.messages(ST) == [
        "第6行「村(社区)」：未填写 — 未填写村(社区)，请填写所在村(社区)的名称",
        "第7行「村(社区)」：丙九村 — 甲镇没有这个村(社区)，请核对名称",
    ]


# --- errors on merged cells ---------------------------------------------------------------


def _merged_village_file():
    """赵德明 and 王芳 share one merged 村(社区) cell (rows 6–7) holding an unknown village: both
    rows read it (the merge is filled down), and the error of row 7, on a covered (merged) cell,
    is marked on the range's top-left cell with that of row 6."""
    zhao, wang = [*ZHAO], [*WANG]
    zhao[1] = "丙九村"
    return real_roster_xlsx([LI, zhao, wang], merge_village=(1, 2), notes=("merged_block", "beside"))


def _assert_marked_on_top_left(ws):
    top_left = ws.cell(6, VILLAGE_COL)
    assert isinstance(ws.cell(7, VILLAGE_COL), MergedCell)
    assert top_left.fill.start_color.rgb.endswith("FFC7CE")
    assert top_left.comment.text == (
        "「村(社区)」：丙九村 — 甲镇没有这个村(社区)，请核对名称\n第7行「村(社区)」：丙九村 — 甲镇没有这个村(社区)，请核对名称"
    )
    note_col = ws.max_column
    assert ws.cell(4, note_col).value == "错误说明"
    assert "没有这个村(社区)" in ws.cell(6, note_col).value
    assert "没有这个村(社区)" in ws.cell(7, note_col).value
    assert "错误" not in ws.cell(5, note_col).value  # 李建国 has only a 提示 (待备案)


def test_an_error_on_a_merged_cell_is_marked_on_its_top_left_cell(village_a, clerk_a):
    data = _merged_village_file()
    batch = upload(clerk_a, data)
    assert batch.status == ImportBatch.Status.INVALID
    ws = openpyxl.load_workbook(io.BytesIO(error_workbook(data, batch.summary))).active
    _assert_marked_on_top_left(ws)


def test_the_error_workbook_download_works_for_merged_cells(client, village_a, clerk_a):
    client.force_login(clerk_a)
    batch = upload(clerk_a, _merged_village_file())
    response = client.get(reverse("core:import_errors", args=[batch.pk]))
    assert response.status_code == 200
    _assert_marked_on_top_left(openpyxl.load_workbook(io.BytesIO(response.content)).active)


def test_import_sheet_command_writes_the_error_workbook_for_merged_cells(tmp_path, admin_user, village_a):
    path = tmp_path / "两委成员.xlsx"
    path.write_bytes(_merged_village_file())
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("import_sheet", str(path), "--type", "cadres", "--township", "甲镇", "--user", "admin_t", stdout=out)
    assert exc.value.code == 1
    lines = out.getvalue().strip().splitlines()
    assert "第7行「村(社区)」：丙九村 — 甲镇没有这个村(社区)，请核对名称" in lines
    assert lines[-1] == "created=1 updated=0 unchanged=0 errors=2"
    marked = tmp_path / "两委成员.错误标注.xlsx"
    _assert_marked_on_top_left(openpyxl.load_workbook(marked).active)
    assert Person.objects.count() == 0


def test_import_sheet_command_applies_a_real_layout_file(tmp_path, admin_user, village_a):
    path = tmp_path / "两委成员.xlsx"
    path.write_bytes(real_roster_xlsx([LI, WANG, ZHAO], notes=("merged_block", "paragraph", "numbered", "beside")))
    out = io.StringIO()
    call_command("import_sheet", str(path), "--type", "cadres", "--township", "甲镇", "--user", "admin_t", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "created=3 updated=0 unchanged=0 errors=0"
    assert sorted(Person.objects.values_list("name", flat=True)) == ["李建国", "王芳", "赵德明"]
    assert Appointment.objects.count() == 4


def test_real_layout_preview_then_apply(village_a, clerk_a):
    batch = upload(clerk_a, real_roster_xlsx([LI, WANG], notes=("merged_block", "numbered", "paragraph")))
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
    batch = import_batch_apply(batch=batch, by=clerk_a)
    assert batch.counts["created"] == 2 and Person.objects.count() == 2


def test_the_preview_page_shows_the_header_message_once(client, village_a, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("core:import_list"),
        {"sheet_type": "cadres", "file": SimpleUploadedFile("党员信息采集表.xlsx", member_sheet_xlsx(MEMBERS))},
    )
    page = client.get(response["Location"]).content.decode()
    assert page.count("缺少“任职时间”列") == 1
    assert "须填写任职时间" in page and "共1处" in page
    assert "确认导入" not in page


# --- 乡镇/村 merged down over the people of a village -------------------------------------


def _village_merged_down_file():
    """Title, 填报单位 line, two-row header (rows 3–4), three people of 甲一村 (rows 5–7) whose 乡镇
    and 村(社区) cells are each one cell merged down over the three rows, a 学历 cell merged across
    全日制/在职 in 李建国's row, and the 注意事项 box merged over the width at the bottom."""
    wang, zhao = [*WANG], [*ZHAO]
    for row in (wang, zhao):
        row[0] = row[1] = ""
    wb = openpyxl.load_workbook(io.BytesIO(real_roster_xlsx([LI, wang, zhao], notes=("merged_block",))))
    ws = wb.active
    township_col = VILLAGE_COL - 1
    for col in (township_col, VILLAGE_COL):
        ws.merge_cells(start_row=5, start_column=col, end_row=7, end_column=col)
    fulltime = VILLAGE_COL + 8  # 学历·全日制教育, then 在职教育
    assert (ws.cell(4, fulltime).value, ws.cell(4, fulltime + 1).value) == ("全日制教育", "在职教育")
    ws.merge_cells(start_row=5, start_column=fulltime, end_row=5, end_column=fulltime + 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_village_merged_down_is_every_rows_village_in_preview_and_apply(village_a, clerk_a):
    data = _village_merged_down_file()
    p = preview(data, clerk_a)
    assert [(r.number, r.raw["name"], r.raw["township"], r.raw["village"]) for r in p.rows] == [
        (5, "李建国", "甲镇", "甲一村"),
        (6, "王芳", "甲镇", "甲一村"),
        (7, "赵德明", "甲镇", "甲一村"),
    ]
    assert [r.values["village"] for r in p.rows] == [village_a] * 3
    assert not [m for m in p.messages(ST) if "错误" in m or "未填写" in m]
    # a merge across columns inside a data row stays as it is: 全日制 高中, 在职 empty
    assert p.rows[0].raw["education_fulltime"] == "高中" and p.rows[0].raw["education_inservice"] in (None, "")
    batch = upload(clerk_a, data)
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary["errors"]
    assert Person.objects.count() == 0  # the preview writes nothing
    batch = import_batch_apply(batch=batch, by=clerk_a)
    assert batch.counts["created"] == 3
    assert set(Appointment.objects.values_list("person__name", "village__name")) == {
        ("李建国", "甲一村"),
        ("王芳", "甲一村"),
        ("赵德明", "甲一村"),
    }


def test_only_single_column_merges_below_the_header_in_mapped_columns_are_filled_down():
    from core.imports.merged import fill_down_merged
    from core.imports.reader import Sheet

    rows = [
        ["序号", "村", "姓名", "备注"],  # 0: header, 序号 merged down over rows 0–1
        ["", "", "", ""],
        [1, "甲一村", "李建国", "党员"],  # 2: 村 merged down over 2–4
        [2, "", "王芳", ""],
        [3, "", "赵德明", ""],
        ["注意事项：身份证号码请设置为文本格式", "", "", ""],  # 5: a box merged over 5–6, all columns
        ["", "", "", ""],
        ["说明：", "", "", ""],  # 7: an instruction line whose cell is merged down over 7–8
        ["", "", "", ""],
    ]
    merged = [
        ((0, 0), (1, 0)),
        ((2, 1), (4, 1)),
        ((2, 3), (3, 3)),  # 备注 merged down over two people, column 3 not mapped
        ((3, 2), (3, 3)),  # across 姓名/备注 in one data row
        ((5, 0), (6, 3)),
        ((7, 0), (8, 0)),
    ]
    sheet = Sheet(name="花名册", rows=[list(r) for r in rows], merged=merged)
    filled = fill_down_merged(sheet, first_row=2, columns=[0, 1, 2], skip_row=is_footer_or_blank)
    assert filled == 2
    assert [r[1] for r in sheet.rows[2:5]] == ["甲一村", "甲一村", "甲一村"]
    assert sheet.rows[1] == ["", "", "", ""]  # the header's merge is not the data area
    assert sheet.rows[3][3] == "" and sheet.rows[6] == ["", "", "", ""] and sheet.rows[8] == ["", "", "", ""]
    assert len(sheet.rows) == 9
    # a range drawn further down than the rows the file holds adds no row
    short = Sheet(name="花名册", rows=[["村", "姓名"], ["甲一村", "李建国"], ["", "王芳"]], merged=[((1, 0), (9, 0))])
    assert fill_down_merged(short, first_row=1, columns=[0, 1]) == 1
    assert short.rows == [["村", "姓名"], ["甲一村", "李建国"], ["甲一村", "王芳"]]
