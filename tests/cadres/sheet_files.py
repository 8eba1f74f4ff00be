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
