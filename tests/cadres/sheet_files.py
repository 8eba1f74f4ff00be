"""Builders for the messy spreadsheets clerks really send (used by the import tests)."""

import csv
import datetime
import io

import openpyxl


def roster_xlsx(
    rows: list[list], *, title="甲镇村“两委”成员花名册", header=None, two_row_header=False, footer=True, extra_sheet=True
) -> bytes:
    wb = openpyxl.Workbook()
    if extra_sheet:
        notes = wb.active
        notes.title = "填表说明"
        notes.append(["请按要求填写"])
        ws = wb.create_sheet("花名册")
    else:
        ws = wb.active
    header = header or [
        "序号",
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
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.append([])
    if two_row_header:
        top = [
            "序号",
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
            "",
            "现任职务",
            "任职时间",
            "联系电话",
        ]
        sub = ["", "", "", "", "", "", "", "", "", "", "全日制", "在职", "", "", ""]
        ws.append(top)
        ws.append(sub)
        r = ws.max_row
        ws.merge_cells(start_row=r - 1, start_column=11, end_row=r - 1, end_column=12)
    else:
        ws.append(header)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.isdigit():
                cell.number_format = "@"
    if footer:
        ws.append([])
        ws.append(["合计", f"{len(rows)}人"])
        ws.append(["填表人：王小明", "", "", "审核人：", "", "", "填表日期：2026年11月"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def roster_csv(rows: list[list], header: list[str], encoding="utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode(encoding)


D = datetime.date


def roster_ods(rows: list[list]) -> bytes:
    """A minimal OpenDocument spreadsheet (what WPS/LibreOffice save as .ods)."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(v):
        if v is None or v == "":
            return "<table:table-cell/>"
        if isinstance(v, int | float):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="花名册">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", content)
    return buf.getvalue()


def roster_xls(rows: list[list]) -> bytes:
    """Legacy .xls (Excel 97-2003), as many township PCs still save."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("花名册")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if v is not None:
                ws.write(i, j, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- layouts like the public templates of organisation departments ---------------------------

# 两委成员基本情况统计表: (序号 +) 14 columns, 学历 a group over 全日制教育 / 在职教育.
REAL_TOP = [
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
    "",
    "现任职务",
    "任职时间",
    "联系电话",
]
REAL_SUB = ["", "", "", "", "", "", "", "", "", "全日制教育", "在职教育", "", "", ""]
REAL_GROUPS = {"学历": (10, 11)}  # group → 1-based first/last column (without the 序号 column)

NOTICE = (
    "注意事项：\n1、本表由村党组织书记填写，乡镇组织委员审核。\n2、身份证号码请设置为文本格式。\n3、日期统一写成1985.03的格式。"
)
FILLING_PARAGRAPH = (
    "本表由各村（社区）党组织书记负责填写，乡镇（街道）组织委员逐人核对身份证号码、任职时间和联系电话后，"
    "于每月5日前报县委组织部组织科，电子版同时发送至指定邮箱。"
)
NUMBERED = [
    "填写注意事项：",
    "1、“现任职务”一人多职用顿号分隔，如书记、主任。",
    "2、“任职时间”写本届任职的时间，如2021.04。",
    "3、联系电话填写本人常用手机号码。",
]


def _grouped_header(ws, top: list, sub: list, groups: dict, row: int) -> None:
    """Two header rows as templates draw them: a group label merged over its columns, every other
    label merged down over both rows."""
    for c, (a, b) in enumerate(zip(top, sub, strict=True), start=1):
        ws.cell(row, c, a or None)
        ws.cell(row + 1, c, b or None)
    grouped = {c for first, last in groups.values() for c in range(first, last + 1)}
    for first, last in groups.values():
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    for c in range(1, len(top) + 1):
        if c not in grouped:
            ws.merge_cells(start_row=row, start_column=c, end_row=row + 1, end_column=c)


def real_roster_xlsx(
    rows: list[list],
    *,
    notes: tuple[str, ...] = ("merged_block",),
    merge_village: tuple[int, int] | None = None,
    top: list | None = None,
    sub: list | None = None,
    groups: dict | None = None,
    serial: bool = True,
) -> bytes:
    """A roster laid out like a county's template: title merged over the width, a 填报单位 line,
    a merged two-row grouped header (rows 3–4), the data from row 5, then the instruction boxes
    named in ``notes`` (any of "merged_block" — a 注意事项 block merged over the width and three
    rows; "paragraph" — one long 填表说明 sentence in a single cell; "numbered" — 填写注意事项:
    and lines 1、2、3、 in column A; "paragraph_above" — the paragraph between title and header
    instead of the 填报单位 line; "beside" — a merged 填表说明 box to the right of the data) and the
    signature line. ``merge_village``: (first, last) 0-based data rows whose 村(社区) cell is one
    merged cell, as clerks draw several people of one village. ``top``/``sub``/``groups`` and
    ``rows`` are given without 序号; ``serial`` puts a numbered 序号 column in front (without it
    column A holds data, and a box merged over the width has its text in a data column)."""
    top, sub, groups = top or REAL_TOP, sub or REAL_SUB, groups or REAL_GROUPS
    if serial:
        top, sub = ["序号", *top], ["", *sub]
        groups = {name: (first + 1, last + 1) for name, (first, last) in groups.items()}
        rows = [[i, *row] for i, row in enumerate(rows, start=1)]
    width = len(top)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "两委成员"
    ws.cell(1, 1, "甲镇村（社区）“两委”成员基本情况统计表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, FILLING_PARAGRAPH if "paragraph_above" in notes else "填报单位（盖章）：甲镇党委        填报日期：2026年3月")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    _grouped_header(ws, top, sub, groups, row=3)
    r = 4
    for row in rows:
        r += 1
        for c, value in enumerate(row, start=1):
            if value not in (None, ""):
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value.isdigit():
                    cell.number_format = "@"
    last_data = r
    if merge_village:
        village_col = top.index("村（社区）") + 1
        ws.merge_cells(
            start_row=5 + merge_village[0], start_column=village_col, end_row=5 + merge_village[1], end_column=village_col
        )
    if "beside" in notes:
        ws.cell(5, width + 2, "填表说明：本表数据以乡镇审核后的为准，序号按村排列，请勿改动表头。")
        ws.merge_cells(start_row=5, start_column=width + 2, end_row=8, end_column=width + 6)
    r = last_data + 1  # one blank row under the data
    if "merged_block" in notes:
        r += 1
        ws.cell(r, 1, NOTICE)
        ws.merge_cells(start_row=r, start_column=1, end_row=r + 2, end_column=width)
        r += 2
    if "paragraph" in notes:
        r += 1
        ws.cell(r, 1, FILLING_PARAGRAPH)
    if "numbered" in notes:
        for line in NUMBERED:
            r += 1
            ws.cell(r, 1, line)
    r += 2
    ws.cell(r, 1, "填表人：王小明")
    ws.cell(r, 5, "审核人：")
    ws.cell(r, 9, "联系电话：0731-86000000")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# 党员信息采集表: 序号 + 45 columns, three of them groups over two header rows; it has 村(社区),
# 姓名, 公民身份号码 and 现任职务 but no 任职时间.
MEMBER_GROUPS = {
    "学历学位": ["全日制教育", "在职教育", "学位"],
    "党籍信息": ["入党日期", "转正日期", "党员类型", "党籍状态"],
    "联系方式": ["手机号码", "固定电话"],
}
MEMBER_COLUMNS = [
    "所在党支部",
    "乡镇",
    "村（社区）",
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "出生日期",
    "籍贯",
    "出生地",
    "学历学位",
    "毕业院校及专业",
    "党籍信息",
    "现任职务",
    "工作岗位",
    "技术职称",
    "新社会阶层类型",
    "联系方式",
    "家庭住址",
    "户籍所在地",
    "是否农民工",
    "是否流动党员",
    "外出流向",
    "是否失联党员",
    "失联日期",
    "是否困难党员",
    "是否退役军人",
    "婚姻状况",
    "健康状况",
    "参加工作时间",
    "党内奖励",
    "党内处分",
    "荣誉称号",
    "培训情况",
    "组织关系转入日期",
    "原党组织名称",
    "党员档案编号",
    "采集时间",
    "备注",
]
MEMBER_FILLER = {
    "所在党支部": "甲一村党支部",
    "籍贯": "湖南长沙",
    "出生地": "湖南长沙",
    "学位": "无",
    "毕业院校及专业": "长沙县第一中学",
    "转正日期": "2009.07",
    "党员类型": "正式党员",
    "党籍状态": "正常",
    "工作岗位": "村干部",
    "技术职称": "无",
    "新社会阶层类型": "无",
    "固定电话": "0731-86000001",
    "家庭住址": "甲镇甲一村3组",
    "户籍所在地": "甲镇甲一村",
    "是否农民工": "否",
    "是否流动党员": "否",
    "是否失联党员": "否",
    "是否困难党员": "否",
    "是否退役军人": "否",
    "婚姻状况": "已婚",
    "健康状况": "健康",
    "党内奖励": "无",
    "党内处分": "无",
    "培训情况": "2025年村干部轮训",
    "原党组织名称": "无",
    "党员档案编号": "DY-0001",
    "采集时间": "2026.03",
}


def member_sheet_header() -> tuple[list[str], list[str], dict]:
    """The two header rows (top, sub) and the groups' column spans, without 序号."""
    top, sub, groups = [], [], {}
    for label in MEMBER_COLUMNS:
        leaves = MEMBER_GROUPS.get(label)
        if leaves:
            groups[label] = (len(top) + 1, len(top) + len(leaves))
            top += [label] + [""] * (len(leaves) - 1)
            sub += leaves
        else:
            top.append(label)
            sub.append("")
    return top, sub, groups


def member_sheet_xlsx(people: list[dict], *, notes: tuple[str, ...] = ("merged_block", "numbered")) -> bytes:
    """党员信息采集表 (46 columns) with one row per person; ``people`` maps leaf labels (乡镇,
    村（社区）, 姓名, 公民身份号码, 现任职务, …) to values, the other columns get plausible filler."""
    top, sub, groups = member_sheet_header()
    leaves = [s or t for t, s in zip(top, sub, strict=True)]
    rows = [[{**MEMBER_FILLER, **person}.get(label, "") for label in leaves] for person in people]
    return real_roster_xlsx(rows, notes=notes, top=top, sub=sub, groups=groups)
